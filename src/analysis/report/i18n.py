"""Every word a reader sees, in Dutch and English: one translation table for the whole report.

Tables, figures, the index and the provenance block take their labels from here; the format's own
names (tables, columns, rules, provider types) come from its definition (``format_v1.yaml``), which
carries both languages. No raw code or column name reaches a reader: :func:`label` turns an
internal key into words, and :func:`relabel` does so for a table's index and columns.
"""
from __future__ import annotations

from typing import Literal

import pandas as pd

from ..registry.schema import FORMAT

Lang = Literal["nl", "en"]
LANGS = ("nl", "en")

# --- the verdict ----------------------------------------------------------------------------

VERDICT_WORDS = {
    "prevents_and_delays": {"nl": "voorkomt en stelt uit", "en": "prevents and delays"},
    "prevents": {"nl": "voorkomt", "en": "prevents"},
    "delays": {"nl": "stelt uit", "en": "delays"},
    "more_specialist_care": {"nl": "meer specialistische zorg", "en": "more specialist care"},
    "no_detectable_effect": {"nl": "geen aantoonbaar effect", "en": "no detectable effect"},
    "insufficient_data": {"nl": "te weinig gegevens", "en": "insufficient data"},
    "insufficient_registration": {"nl": "te weinig geregistreerd", "en": "insufficient registration"},
}

VERDICT_TEXT = {
    "prevents_and_delays": {"nl": "Lichte ondersteuning **voorkomt** een deel van de specialistische jeugdhulp en "
                                  "**stelt** de rest **uit**.",
                            "en": "Light support **prevents** part of specialist youth care and **delays** the rest."},
    "prevents": {"nl": "Lichte ondersteuning **voorkomt** een deel van de specialistische jeugdhulp: die komt er "
                       "ook later niet.",
                 "en": "Light support **prevents** part of specialist youth care: it does not come later either."},
    "delays": {"nl": "Lichte ondersteuning **stelt** specialistische jeugdhulp **uit**: die komt er wel, maar later; "
                     "dat er minder komt, is niet aangetoond.",
               "en": "Light support **delays** specialist youth care: it still comes, but later; that less of it "
                     "comes is not shown."},
    "more_specialist_care": {"nl": "Na start van lichte ondersteuning is er **meer** specialistische jeugdhulp "
                                   "(bijvoorbeeld omdat het wijkteam doorverwijst).",
                             "en": "After light support starts there is **more** specialist youth care "
                                   "(for instance because the neighbourhood team refers)."},
    "no_detectable_effect": {"nl": "Er is **geen aantoonbaar effect** van lichte ondersteuning op specialistische "
                                   "jeugdhulp. Dat betekent niet dat er geen effect is: hieronder staat hoe groot een "
                                   "effect had moeten zijn om het met deze registratie te kunnen zien.",
                             "en": "There is **no detectable effect** of light support on specialist youth care. That "
                                   "does not mean there is none: below is how large an effect would have had to be "
                                   "to be seen with this registration."},
    "insufficient_data": {"nl": "Er zijn **te weinig gegevens** voor een uitspraak (minder dan 50 kinderen, of minder "
                                "dan 10 gebeurtenissen of 10 kinderen in beeld aan het eind van de follow-up in een arm).",
                          "en": "There are **too few data** for a statement (fewer than 50 children, or fewer than 10 "
                                "events or 10 children still followed at the end of follow-up in an arm)."},
    "insufficient_registration": {"nl": "De registratie van lichte ondersteuning laat **te weinig over** voor een "
                                        "uitspraak. Het register zelf heeft kinderen en follow-up genoeg, maar een kind "
                                        "telt alleen mee als alle meegetelde aanbieders registreerden in de 12 maanden "
                                        "vóór zijn signaal en daarna (anders lijkt ongeregistreerde lichte ondersteuning "
                                        "op géén ondersteuning). De registratievensters staan in bijlage 1; bijlage 3 "
                                        "toont de analyse op alle gegevens, die naar nul vertekend is.",
                                  "en": "The registration of light support leaves **too little** for a statement. The "
                                        "registry itself has enough children and follow-up, but a child counts only "
                                        "where every counted provider registered in the 12 months before its signal "
                                        "and after it (otherwise unregistered light support looks like none). The "
                                        "registration windows are in appendix 1; appendix 3 shows the analysis on all "
                                        "data, which is biased towards zero."},
}

ANSWER_NAMES = {"prevents": {"nl": "voorkomt", "en": "prevents"}, "delays": {"nl": "stelt uit", "en": "delays"},
                "reduces": {"nl": "vermindert", "en": "reduces"}}
ANSWER_WORDS = {"yes": {"nl": "ja", "en": "yes"}, "opposite": {"nl": "tegenovergesteld", "en": "opposite"},
                "not_shown": {"nl": "niet aangetoond", "en": "not shown"},
                "not_estimated": {"nl": "nog niet geschat", "en": "not yet estimated"},
                "insufficient_data": {"nl": "te weinig gegevens", "en": "insufficient data"},
                "insufficient_registration": {"nl": "te weinig geregistreerd", "en": "insufficient registration"}}


def answer_name(key: str, lang: Lang) -> str:
    return ANSWER_NAMES[key][lang]


def answer_word(code: str, lang: Lang) -> str:
    return ANSWER_WORDS.get(code, {}).get(lang, code)


def verdict_word(code: str, lang: Lang) -> str:
    return VERDICT_WORDS.get(code, {}).get(lang, code)


def verdict_text(code: str, lang: Lang) -> str:
    return VERDICT_TEXT.get(code, {}).get(lang, "")


# --- the words -------------------------------------------------------------------------------

WORDS: dict[str, dict[str, str]] = {
    "nl": {
        # general
        "to": "tot", "count": "aantal", "figure": "figuur", "estimate_ci": "schatting (95%-BI)", "value": "waarde", "step": "stap", "month": "maand",
        "age": "leeftijd", "age_years": "leeftijd (jaren)", "year": "jaar", "item": "onderdeel",
        "specification": "specificatie", "model": "model", "hr_ci": "HR (95%-BI)", "analysis": "analyse",
        "verdict": "oordeel", "not_estimable": "niet te schatten", "too_few_data": "te weinig gegevens",
        "no_rejected_rows": "Geen afgewezen rijen.", "synthetic_banner":
            "> **SYNTHETISCHE DATA** — verzonnen kinderen in een verzonnen gemeente; geen echte personen.\n\n",
        # appendix 1: delivery, dates, linkage, reach, completeness
        "rows_in": "rijen ingelezen", "accepted": "geaccepteerd", "rejected": "afgewezen",
        "merged_rows": "samengevoegd (overlap)", "episodes_after_merge": "trajecten na samenvoegen",
        "episodes": "trajecten", "open_at_extract": "lopend op de peildatum",
        "started_before_window": "gestart vóór de registratieperiode", "request_after_start": "aanmelding na de start",
        "children": "kinderen", "with_light_before": "met lichte ondersteuning ervoor",
        "pct": "aandeel (%)", "pct_light": "lichte ondersteuning (%)", "pct_specialist": "specialistische jeugdhulp (%)",
        "age_group": "leeftijdsgroep", "provider_type": "soort aanbieder", "table": "tabel", "column": "kolom",
        "filled_pct": "gevuld (%)", "rule": "regel",
        # appendix 2: flow
        "registered_children": "kinderen in het register",
        "prevalent_users_excluded": "uitgesloten: al specialistische zorg vóór instroom",
        "no_time_at_risk": "uitgesloten: geen tijd onder risico",
        "children_at_risk": "kinderen onder risico (beschrijvende analyses)",
        "events_specialist": "eerste specialistische zorg", "ended_moved_out": "einde: verhuisd",
        "ended_died": "einde: overleden", "ended_age_18": "einde: 18 jaar", "ended_extract": "einde: peildatum",
        "signals": "SDQ-signalen (≥ 14)", "signals_age_4_16": "… op leeftijd 4–16",
        "signals_without_prior_specialist_care": "… zonder eerdere specialistische zorg",
        "signals_while_resident": "… terwijl woonachtig in de gemeente",
        "signals_without_recent_light_support": "… zonder lichte ondersteuning in de 12 maanden ervoor",
        "signals_inside_registration_window": "… binnen het registratievenster van de getelde soorten aanbieders "
                                              "(ook de 12 maanden ervoor)",
        "excluded_registration_window": "kinderen die afvallen door het registratievenster",
        "eligible": "geschikt voor de trial (eerste signaal per kind)",
        # appendix 2: trial
        "cif_a": "CIF arm a: start binnen gratieperiode (%)", "cif_b": "CIF arm b: geen lichte ondersteuning (%)",
        "rd_pp": "risicoverschil RD(τ) (procentpunt)", "rmst_months": "RMST-verschil (maanden zonder specialistische zorg)",
        "rr": "risicoratio RR(τ)", "rr_ci": "risicoratio RR(τ) (95%-BI)", "at_risk_arm": "onder risico, arm {arm}",
        "arm": "arm {arm}", "arm_a": "a: start binnen {grace} mnd", "arm_b": "b: geen lichte ondersteuning",
        "all": "totaal", "boys": "jongens", "girls": "meisjes",
        "months_since_signal": "maanden sinds het signaal", "cum_incidence": "cumulatieve incidentie (%)",
        "age_title": "Eerste specialistische jeugdhulp naar leeftijd",
        "arms_title": "Specialistische jeugdhulp per arm (gewogen)",
        "under_observation": "onder observatie", "events": "eerste specialistische zorg",
        "competing": "verhuisd/overleden", "censored": "gecensureerd",
        "cox_tv": "tijdsafhankelijke Cox (blootstelling {lag} dagen vertraagd)",
        "cox_naive": "naïeve ooit/nooit-vergelijking (immortal-time bias!)",
        "primary": "primair", "landmark": "landmark {age} jaar", "landmark_age": "landmarkleeftijd",
        "n_exposed": "n met lichte ondersteuning", "n_unexposed": "n zonder",
        "cif_exposed": "CIF met (%)", "cif_unexposed": "CIF zonder (%)", "rd_pp_ci": "RD (procentpunt, 95%-BI)",
        "rd_pct": "RD(τ) (procentpunt)", "rmst_diff_months": "RMST-verschil (maanden)",
        "lag_days": "vertraging (dagen)", "e_estimate": "E-waarde van de schatting", "e_limit": "E-waarde van de intervalgrens",
        "cured_fraction": "fractie zonder specialistische zorg binnen τ (‘genezen’)",
        "latency_median_months": "mediane tijd tot specialistische zorg bij de anderen (maanden)",
        "latency_time_ratio": "tijdsratio (arm a ten opzichte van arm b)",
        "smd_unweighted": "arm {arm}, ongewogen", "smd_weighted": "arm {arm}, gewogen",
        "smd": "gestandaardiseerd verschil (SMD)", "rd_axis": "risicoverschil (procentpunt, 95%-BI)",
        "weight_axis": "gewicht (percentielen 1–5–25–50–75–95–99)",
        # balance variables
        "var_age": "leeftijd", "var_male": "jongen", "var_sdq": "SDQ-score", "var_one_parent": "eenoudergezin",
        "var_benefit": "bijstandshuishouden", "var_prior_light": "eerder lichte ondersteuning",
        "var_year": "kalenderjaar",
        # sensitivity analyses (by key)
        "sens_grace_0": "gratieperiode 0 maanden", "sens_grace_6": "gratieperiode 6 maanden",
        "sens_tau_long_48": "follow-up τ_L = 48 maanden", "sens_tau_long_72": "follow-up τ_L = 72 maanden",
        "sens_registration_off": "zonder registratievenster (alle gegevens, versie 1)",
        "sens_moved_competing": "verhuizing als concurrerende gebeurtenis",
        "sens_truncated_1_99": "gewichten afgekapt op het 1e/99e percentiel",
        "sens_wijkteam_cjg": "lichte ondersteuning = alleen wijkteam/CJG",
        # TARGET table
        "t_eligibility": "geschiktheid", "t_strategies": "strategieën", "t_assignment": "toewijzing",
        "t_time_zero": "tijdstip nul", "t_follow_up": "follow-up", "t_outcome": "uitkomst", "t_contrasts": "contrasten",
        "t_adjustment": "correctie voor",
        "s_eligibility": "woonachtig, 4–16 jaar, nooit specialistische zorg, geen lichte ondersteuning in de laatste "
                         "12 maanden, SDQ (ouder) ≥ 14 op tijdstip nul",
        "s_strategies": "(a) start lichte ondersteuning binnen {grace} maanden; (b) geen lichte ondersteuning "
                        "tijdens de follow-up",
        "s_assignment": "geëmuleerd met clone–censor–weight; gewichten (IPCW) uit gepoolde logistische modellen "
                        "(start lichte ondersteuning, verhuizing)",
        "s_time_zero": "datum van de JGZ-screening met het signaal",
        "s_follow_up": "tot eerste specialistische zorg, verhuizing (gecensureerd), overlijden (concurrerend), "
                       "18 jaar, peildatum of τ_L = {long} maanden; voor 'vermindert' na de eerste specialistische "
                       "zorg verder tot verhuizing, 18 jaar, peildatum of τ_L",
        "s_outcome": "eerste specialistische jeugdhulp (BIJ-hulpvorm 02–04, 11–14, jeugdbescherming); voor "
                     "'vermindert': maanden in specialistische jeugdhulp tot τ_L en zware zorg (11–14 of "
                     "jeugdbescherming)",
        "s_contrasts": "voorkomen deel π en uitstel D uit curve a(t) ≈ (1 − π) × curve b(t − D) tot τ_L; het "
                       "risicoverschil per maand; RD(τ) en RMST-verschil tot τ = {tau} maanden; 95%-BI uit "
                       "{n_boot} bootstrapreplicaties op kindniveau",
        "s_adjustment": "leeftijd, geslacht, SDQ-score, eenoudergezin, bijstand, wijk, eerdere lichte "
                        "ondersteuning, kalenderjaar",
        # publish: index and provenance
        "contents": "Inhoud", "provenance": "Herkomst", "commit": "git-commit", "dirty": "met niet-vastgelegde wijzigingen",
        "clean": "schoon", "code": "code (SHA-256)", "seed": "seed", "params": "parameters",
        "notebooks_hash": "notebooks (SHA-256)", "inputs": "invoerbestanden (SHA-256)", "packages": "pakketversies", "protocol": "analyseprotocol",
        "index_title": "Lichte ondersteuning en specialistische jeugdhulp: alle gemeenten",
        "index_intro": "Per gemeente het geschatte effect van een start met lichte ondersteuning binnen de "
                       "gratieperiode na een signaal, vergeleken met geen lichte ondersteuning (geëmuleerde "
                       "target trial). Gemeenten met te weinig gegevens tellen niet mee in de gepoolde schatting. "
                       "Aantallen afgerond op 5, onder de 10 onderdrukt.",
        "municipality": "gemeente", "eligible_short": "geschikt", "rd_index": "RD(τ), procentpunt (95%-BI)",
        "rmst_index": "RMST-verschil, maanden (95%-BI)", "appendices": "bijlagen",
        "pi_index": "voorkomen deel π, % (95%-BI)", "d_index": "uitstel D, maanden (95%-BI)", "months_index": "maanden in specialistische jeugdhulp per kind, a − b (95%-BI)",
        "answers_index": "de drie antwoorden", "mde_index": "kleinste aantoonbare π",
        "rejected_rows": "afgewezen rijen", "pooled": "gepoold (random effects, Paule–Mandel)", "pooled_short": "gepoold",
        "failed": "mislukt", "synthetic": "synthetisch", "forest": "Risicoverschil per gemeente",
        "not_pooled": "Te weinig gemeenten met een schatting om te poolen.", "heterogeneity": "heterogeniteit",
        "title_01_data_quality": "Bijlage 1 — Datakwaliteit", "title_02_survival": "Bijlage 2 — Uitstel of preventie",
        "title_03_sensitivity": "Bijlage 3 — Gevoeligheidsanalyses",
        "short_01_data_quality": "1 datakwaliteit", "short_02_survival": "2 uitstel of preventie",
        "short_03_sensitivity": "3 gevoeligheid",
        "file_delivery": "leveringsgegevens", "file_mapping": "mapping van de eigen export",
        "file_other": "overig bestand {i}", "file_ground_truth": "ware effecten (synthetisch register)",
        # parameters (provenance block)
        "p_municipality": "gemeente", "p_grace_months": "gratieperiode (maanden)", "p_tau_months": "horizon τ (maanden)", "p_tau_long_months": "follow-up τ_L (maanden)",
        "p_lag_days": "vertraging blootstelling (dagen)", "p_n_boot": "bootstrapreplicaties",
        "p_n_boot_sensitivity": "bootstrapreplicaties per gevoeligheidsanalyse", "p_seed": "seed",
        "p_light_types": "soorten lichte ondersteuning", "p_min_cell": "onderdrukkingsgrens",
        "p_round_to": "afronden op", "p_lang": "taal", "p_wait_norm_days": "wachttijdnorm (dagen)",
        "mapping_applied": "toegepaste mapping (mapping.yml)", "mapping_none": "geen: de levering volgt het uniforme formaat",
        "mapping_columns": "kolommen", "mapping_recode": "hercodering", "mapping_constants": "vaste waarden",
        "mapping_dates": "datumnotatie", "mapping_all": "alle datums",
        "p_n_bias": "trekkingen biasanalyse", "p_bias_sensitivity": "prior registratiesensitiviteit",
        "p_bias_unregistered_rate": "prior startfrequentie niet-registrerende aanbieder",
        "p_counted_types": "meegetelde aanbieders (registratieontwerp)", "param_default": "standaard",
        "no_word": "nee",
        "p_registration_restriction": "beperking tot registratievensters",
        "fig_year": 'jaar',
        "fig_episodes": 'gestarte trajecten',
        "fig_filled": 'gevuld (%)',
        "fig_share_light": '% met lichte ondersteuning vóór eerste specialistische zorg',
        "fig_reach_light": 'lichte ondersteuning',
        "fig_reach_spec": 'specialistische jeugdhulp',
        "fig_pct_children": '% van de kinderen in de gemeente',
        "fig_rows": 'afgewezen rijen',
        "fig_coverage": 'Geregistreerde starts van lichte ondersteuning per soort aanbieder',
        "fig_completeness": 'Volledigheid per kolom (geaccepteerde rijen)',
        "fig_linkage": 'Koppeling: lichte ondersteuning geregistreerd vóór de eerste specialistische zorg',
        "fig_reach": 'Bereik per jaar en leeftijdsgroep',
        "fig_rejected": 'Afgewezen rijen per regel',
        "fig_suppressed": 'ontbrekende punten: minder dan 10 kinderen (onderdrukt)',
        # paragraphs
        "header_1": "**Gemeente:** {name} ({code}) · **registratieperiode:** {start} t/m {end}. Aantallen onder "
                    "de 10 zijn onderdrukt (`<10`), overige afgerond op 5.",
        "header_2": "**Gemeente:** {name} ({code}) · τ = {tau} maanden · gratieperiode {grace} maanden · "
                    "{n_boot} bootstrapreplicaties · register-hash `{sha}`",
        "answers_title": "De drie antwoorden",
        "ans_prevents": "**Voorkomt lichte ondersteuning specialistische jeugdhulp?** {word}. Van de specialistische "
                        "jeugdhulp die kinderen zonder lichte ondersteuning zouden krijgen, blijft naar schatting "
                        "**{pi} %** weg (95%-betrouwbaarheidsinterval {lo} tot {hi} %).",
        "ans_delays": "**Stelt lichte ondersteuning specialistische jeugdhulp uit?** {word}. De specialistische "
                      "jeugdhulp die er toch komt, begint naar schatting **{d} maanden {when}** (95%-BI {lo} tot {hi} "
                      "maanden later; negatief is eerder).",
        "later": "later", "earlier": "eerder",
        "ans_reduces": "**Vermindert lichte ondersteuning de specialistische jeugdhulp (minder maanden, minder zware "
                       "zorg)?** {word}. In de {long} maanden na het signaal zit een kind naar schatting **{ma} "
                       "maanden** in specialistische jeugdhulp als het lichte ondersteuning krijgt, en **{mb} "
                       "maanden** zonder: **{d} maanden {more}** per kind (95%-BI {lo} tot {hi} maanden; negatief is minder).",
        "fewer": "minder", "more": "meer", "lower": "lager", "higher": "hoger",
        "ans_reduces_none": "**Vermindert lichte ondersteuning de specialistische jeugdhulp (minder maanden, minder "
                            "zware zorg)?** {word}: de maanden in zorg konden niet geschat worden.",
        "ans_heavy": "De kans op zware zorg (met verblijf, of een kinderbeschermingsmaatregel) binnen {long} maanden "
                     "is {ha} % met en {hb} % zonder lichte ondersteuning: {d} procentpunt {more} (95%-BI {lo} tot {hi}).",
        "ans_heavy_few": "Over zware zorg (met verblijf, of een kinderbeschermingsmaatregel) binnen {long} maanden "
                         "zeggen we niets: minder dan {n} kinderen kregen die in een van beide groepen.",
        "win_declared": "opgegeven (delivery.yml)", "win_detected": "gevonden in de gegevens",
        "win_used": "gebruikt in de analyse", "win_agree": "klopt",
        "win_disagree": "nee — controleer de opgave", "provider": "soort aanbieder", "win_not_declared": "niet opgegeven", "win_never": "nooit",
        "win_too_few": "te weinig starts om te beoordelen", "yes_word": "ja",
        "care_title": "Hoeveel kinderen zijn in specialistische jeugdhulp, maand na maand",
        "care_share": "in specialistische jeugdhulp (%)",
        "care_months": "{label}: {m} maanden per kind",
        "care_note": "de oppervlakte onder een curve is het aantal maanden in zorg per kind; alleen maanden met "
                     "genoeg kinderen in en buiten zorg",
        "ans_mde": "Het kleinste effect dat deze registratie met 80 % zekerheid had kunnen aantonen: een voorkomen "
                   "deel van **{pi} %**, of een risicoverschil van **{rd} procentpunt** na {years} jaar{months}.",
        "ans_mde_months": ", of een verschil van **{m} maanden** in specialistische jeugdhulp per kind",
        "ans_mde_none": "Met deze registratie had zelfs een voorkomen deel van 100 % (alle specialistische jeugdhulp "
                        "voorkomen) niet met 80 % zekerheid aangetoond kunnen worden; een risicoverschil pas vanaf "
                        "**{rd} procentpunt** na {years} jaar. Er zijn te weinig kinderen of te weinig gebeurtenissen.",
        "ans_fit": "De vergelijking 'minder én later' (curve a(t) = (1 − π) × curve b(t − D)) verklaart {r2} % van het "
                   "verschil tussen de armen tot {long} maanden{bad}.",
        "ans_fit_bad": "; dat is weinig: lees π en D dan als een ruwe samenvatting en kijk naar de figuur",
        "bias_lead": "Een deel van de lichte ondersteuning is niet geregistreerd en telt hierboven als géén. De "
                     "**probabilistische biasanalyse** ({n} trekkingen) zet die starts per trekking terug bij kinderen "
                     "die lijken op de kinderen die wél geregistreerd startten (in kenmerken en in hoe het hen verging), "
                     "en rekent de hele trial opnieuw. Per geregistreerde start werden er naar schatting **{m}** niet "
                     "gezien (mediaan; {mlo} tot {mhi}).",
        "bias_priors": "Aannames: registratiesensitiviteit per soort aanbieder uniform tussen {sens}; {uncounted}"
                       "De gecorrigeerde schatting staat náást de primaire, niet in plaats ervan.",
        "bias_uncounted": "niet meegeteld in het ontwerp en dus hier teruggezet: {types}. ",
        "bias_none_design": "Zonder registratieontwerp (`registration_restriction = False`) is er geen biasanalyse.",
        "bias_est": "schatting", "bias_primary": "primair (95%-BI)", "bias_adjusted": "gecorrigeerd (95%-interval)",
        "bias_systematic": "alleen registratie-onzekerheid",
        "bias_pi": "voorkomen deel π", "bias_d": "uitstel D (maanden)", "bias_rd": "risicoverschil op {tau} maanden (pp)",
        "tip_title": "Hoe laag zou de registratie moeten zijn om het antwoord te veranderen?",
        "tip_x": "registratiesensitiviteit van elke aanbieder", "tip_primary": "primair (ongecorrigeerd)",
        "tip_adjusted": "gecorrigeerd, met 95%-interval",
        "tip_same": "Bij geen van de getoonde sensitiviteiten ({lo}–{hi}) verandert het antwoord op *voorkomt* ({word}).",
        "tip_change": "Het antwoord op *voorkomt* ({word}) wordt **{new}** als elke aanbieder {s} of minder van zijn "
                      "lichte ondersteuning registreert.",
        "adv_now": "**Wat deze registratie nu kan aantonen.** Met de registratie zoals die is, kan de analyse in "
                   "bijlage 2 een voorkomen deel van specialistische jeugdhulp pas vanaf **{pi}** aantonen (met 80 % "
                   "kans, tweezijdig 5 %), en een risicoverschil na {years} jaar vanaf {rd} procentpunt.",
        "adv_now_none": "**Wat deze registratie nu kan aantonen.** Met de registratie zoals die is, geeft de analyse in "
                        "bijlage 2 geen antwoord: {why}.",
        "adv_why_registration": "de perioden waarin de getelde soorten aanbieders allemaal registreren laten te weinig "
                                "kinderen over",
        "adv_why_data": "er zijn te weinig kinderen of gebeurtenissen",
        "adv_pi_over": "meer dan 100 %",
        "adv_now_over": "**Wat deze registratie nu kan aantonen.** Met de registratie zoals die is, kan de analyse in "
                        "bijlage 2 zelfs een voorkomen deel van 100 % (alle specialistische jeugdhulp voorkomen) niet "
                        "met 80 % kans aantonen, en een risicoverschil na {years} jaar pas vanaf {rd} procentpunt.",
        "adv_buys": "**Wat registreren oplevert.** Registreren alle soorten aanbieders van lichte ondersteuning elk "
                    "traject, dan is een voorkomen deel van {target} % aan te tonen na **{years} jaar volledige "
                    "registratie**. {more}",
        "adv_more": "Alle soorten registreren nu samen sinds {since}: dat is nog **{more} jaar**.",
        "adv_more_done": "Alle soorten registreren nu samen sinds {since}: dat is al genoeg.",
        "adv_more_all": "Niet alle soorten registreren nu: die jaren beginnen pas te tellen als ze het allemaal doen.",
        "adv_never": "**Wat registreren oplevert.** Zelfs {max} jaar volledige registratie van alle soorten aanbieders "
                     "maakt een voorkomen deel van {target} % in deze gemeente op zichzelf niet aantoonbaar ({after}): daarvoor zijn er te weinig kinderen met een signaal. {pooled}",
        "adv_after": "na {max} jaar: vanaf {pi}",
        "adv_after_over": "na {max} jaar is zelfs een voorkomen deel van 100 % nog niet aantoonbaar",
        "adv_pool_k": "Een gezamenlijke analyse van ongeveer **{k} gemeenten van deze omvang** met dezelfde "
                      "registratie zou het wel kunnen (ruwe schatting: de standaardfout daalt met de wortel uit het "
                      "aantal kinderen).",
        "adv_pool_many": "Alleen een gezamenlijke analyse van **veel gemeenten** (een regio of het hele land) met "
                         "dezelfde registratie zou het kunnen.",
        "adv_todo": "**Registreer daarvoor, vanaf nu:**",
        "adv_start": "{type}: registreert nu niet — **begin met registreren**.",
        "adv_keep": "{type}: registreert sinds {since} — blijf registreren.",
        "adv_every": "Registreer elk traject, ook korte en eenmalige contacten, met start- en einddatum en het "
                     "pseudoniem van het kind zoals in de andere tabellen (zie het registratieformaat, "
                     "`docs/registration-format.md`).",
        "adv_how": "Hoe dit is berekend: synthetische registers van {max} jaar met deze gemeente (ongeveer {children} "
                   "kinderen), haar signalen per kind, haar instroom in specialistische jeugdhulp en haar gebruik van "
                   "lichte ondersteuning{uptake}, alle lichte ondersteuning geregistreerd en een waar voorkomen deel van "
                   "{target} %; per aantal jaren registratie de analyse van bijlage 2 met bootstrap. Een planningsgetal, "
                   "geen belofte: de gesimuleerde getallen hieronder schommelen door toeval, lees de trend.",
        "adv_uptake_default": " (dat gebruik is niet te meten zonder biasanalyse; het landelijke niveau van het "
                              "generatiemodel is gebruikt)",
        "adv_years": "jaren volledige registratie", "adv_md_pi": "kleinste aantoonbare voorkomen deel (%)",
        "adv_md_rd": "kleinste aantoonbare risicoverschil na {years} jaar (procentpunt)",
        "adv_rate": "kenmerk", "adv_observed": "deze gemeente", "adv_simulated": "planningsregister",
        "adv_r_children": "kinderen 0–17 op de peildatum (afgerond)", "adv_r_eligible": "signalen per 1.000 kinderen",
        "adv_r_events": "specialistische jeugdhulp per 100 kindjaren na een signaal",
        "adv_r_uptake": "start lichte ondersteuning binnen de gratieperiode (%)",
        "adv_fig_title": "Wat registreren oplevert",
        "adv_fig_x": "jaren volledige registratie van alle soorten aanbieders",
        "adv_fig_y": "kleinste aantoonbare voorkomen deel (%)",
        "adv_fig_target": "doel: {target} %", "adv_fig_now": "nu: {pi}",
        "ans_insufficient": "Voor deze antwoorden zijn er te weinig gegevens: minder dan 50 kinderen, of minder dan 10 "
                            "gebeurtenissen of 10 kinderen in beeld na {long} maanden in een arm.",
        "ans_insufficient_registration": "Voor deze antwoorden is **te weinig geregistreerd** (zie het oordeel): "
                                         "binnen de registratievensters blijven minder dan 10 gebeurtenissen of 10 "
                                         "kinderen in beeld na {long} maanden in een arm, of minder dan 50 kinderen. "
                                         "Schattingen op zo weinig zeggen niets en staan hier daarom niet.",
        "traj_title": "Het verschil in de tijd",
        "traj_rd": "risicoverschil a − b (procentpunt)", "traj_arms": "cumulatieve incidentie (%)",
        "traj_fit": r"$(1-\pi)\,\mathrm{CIF}_b(t-D)$", "traj_note": "banden: 95%-bootstrapintervallen per maand",
        "traj_residual": r"rest: $\mathrm{CIF}_a - (1-\pi)\,\mathrm{CIF}_b(t-D)$ (procentpunt)",
        "plain": "We volgden kinderen van 4 tot en met 16 jaar bij wie de jeugdgezondheidszorg met de SDQ een "
                 "signaal afgaf en die nog geen specialistische jeugdhulp hadden gehad. Als al deze kinderen binnen "
                 "{grace} maanden lichte ondersteuning zouden krijgen, zou naar schatting {a}% binnen {years} jaar "
                 "specialistische jeugdhulp krijgen; als geen van hen lichte ondersteuning kreeg, {b}%. Het verschil "
                 "is {rd} procentpunt (95%-betrouwbaarheidsinterval {rd_lo} tot {rd_hi}). Gemiddeld blijven "
                 "kinderen met lichte ondersteuning {rm} maanden langer zonder specialistische zorg (95%-BI {rm_lo} "
                 "tot {rm_hi}). Dit is een observationele studie: de schatting veronderstelt dat de gemeten "
                 "kenmerken (leeftijd, geslacht, SDQ-score, gezin, bijstand, wijk, eerdere ondersteuning, jaar) de "
                 "keuze voor lichte ondersteuning verklaren; de E-waarde in bijlage 3 laat zien hoe sterk ongemeten "
                 "verstoring zou moeten zijn om de uitkomst te verklaren.",
        "protocol_link": "Analyseprotocol: [docs/analysis-protocol.md]({url}).",
    },
    "en": {
        "to": "to", "count": "count", "figure": "figure", "estimate_ci": "estimate (95% CI)", "value": "value", "step": "step", "month": "month",
        "age": "age", "age_years": "age (years)", "year": "year", "item": "item", "specification": "specification",
        "model": "model", "hr_ci": "HR (95% CI)", "analysis": "analysis", "verdict": "verdict",
        "not_estimable": "not estimable", "too_few_data": "too few data", "no_rejected_rows": "No rejected rows.",
        "synthetic_banner": "> **SYNTHETIC DATA** — made-up children in a made-up municipality; no real persons.\n\n",
        "rows_in": "rows read", "accepted": "accepted", "rejected": "rejected", "merged_rows": "merged (overlap)",
        "episodes_after_merge": "episodes after merging", "episodes": "episodes", "open_at_extract": "open at the extract date",
        "started_before_window": "started before the registration window", "request_after_start": "request after the start",
        "children": "children", "with_light_before": "with light support before", "pct": "share (%)",
        "pct_light": "light support (%)", "pct_specialist": "specialist youth care (%)", "age_group": "age group",
        "provider_type": "provider type", "table": "table", "column": "column", "filled_pct": "filled (%)",
        "rule": "rule",
        "registered_children": "children in the registry", "prevalent_users_excluded": "excluded: specialist care before entry",
        "no_time_at_risk": "excluded: no time at risk", "children_at_risk": "children at risk (descriptive analyses)",
        "events_specialist": "first specialist care", "ended_moved_out": "ended: moved out", "ended_died": "ended: died",
        "ended_age_18": "ended: age 18", "ended_extract": "ended: extract date", "signals": "SDQ signals (≥ 14)",
        "signals_age_4_16": "… at age 4–16", "signals_without_prior_specialist_care": "… without earlier specialist care",
        "signals_while_resident": "… while living in the municipality",
        "signals_without_recent_light_support": "… without light support in the 12 months before",
        "signals_inside_registration_window": "… inside the registration window of the counted provider types "
                                              "(the 12 months before too)",
        "excluded_registration_window": "children lost to the registration window",
        "eligible": "eligible for the trial (first signal per child)",
        "cif_a": "CIF arm a: start within grace period (%)", "cif_b": "CIF arm b: no light support (%)",
        "rd_pp": "risk difference RD(τ) (percentage points)", "rmst_months": "RMST difference (specialist-care-free months)",
        "rr": "risk ratio RR(τ)", "rr_ci": "risk ratio RR(τ) (95% CI)", "at_risk_arm": "at risk, arm {arm}",
        "arm": "arm {arm}", "arm_a": "a: start within {grace} months", "arm_b": "b: no light support",
        "all": "all", "boys": "boys", "girls": "girls", "months_since_signal": "months since the signal",
        "cum_incidence": "cumulative incidence (%)", "age_title": "First specialist youth care by age",
        "arms_title": "Specialist youth care per arm (weighted)", "under_observation": "under observation",
        "events": "first specialist care", "competing": "moved out/died", "censored": "censored",
        "cox_tv": "time-varying Cox (exposure lagged {lag} days)",
        "cox_naive": "naive ever/never comparison (immortal-time bias!)", "primary": "primary",
        "landmark": "landmark {age} years", "landmark_age": "landmark age", "n_exposed": "n with light support",
        "n_unexposed": "n without", "cif_exposed": "CIF with (%)", "cif_unexposed": "CIF without (%)",
        "rd_pp_ci": "RD (percentage points, 95% CI)", "rd_pct": "RD(τ) (percentage points)",
        "rmst_diff_months": "RMST difference (months)", "lag_days": "lag (days)",
        "e_estimate": "E-value of the estimate", "e_limit": "E-value of the CI limit",
        "cured_fraction": "fraction without specialist care within τ (‘cured’)",
        "latency_median_months": "median time to specialist care in the others (months)",
        "latency_time_ratio": "time ratio (arm a relative to arm b)",
        "smd_unweighted": "arm {arm}, unweighted", "smd_weighted": "arm {arm}, weighted",
        "smd": "standardised mean difference (SMD)", "rd_axis": "risk difference (percentage points, 95% CI)",
        "weight_axis": "weight (percentiles 1–5–25–50–75–95–99)",
        "var_age": "age", "var_male": "boy", "var_sdq": "SDQ score", "var_one_parent": "one-parent household",
        "var_benefit": "benefit-dependent household", "var_prior_light": "earlier light support",
        "var_year": "calendar year",
        "sens_grace_0": "grace period 0 months", "sens_grace_6": "grace period 6 months",
        "sens_tau_long_48": "follow-up τ_L = 48 months", "sens_tau_long_72": "follow-up τ_L = 72 months",
        "sens_registration_off": "without the registration window (all data, version 1)",
        "sens_moved_competing": "moving out as a competing event",
        "sens_truncated_1_99": "weights truncated at the 1st/99th percentile",
        "sens_wijkteam_cjg": "light support = neighbourhood team/CJG only",
        "t_eligibility": "eligibility", "t_strategies": "strategies", "t_assignment": "assignment",
        "t_time_zero": "time zero", "t_follow_up": "follow-up", "t_outcome": "outcome", "t_contrasts": "contrasts",
        "t_adjustment": "adjustment",
        "s_eligibility": "resident, aged 4–16, never specialist care, no light support in the last 12 months, "
                         "SDQ (parent) ≥ 14 at time zero",
        "s_strategies": "(a) start light support within {grace} months; (b) no light support during follow-up",
        "s_assignment": "emulated by clone–censor–weight; weights (IPCW) from pooled logistic models (start of "
                        "light support, moving out)",
        "s_time_zero": "date of the youth health care screening with the signal",
        "s_follow_up": "to first specialist care, moving out (censored), death (competing), age 18, the extract "
                       "date or τ_L = {long} months; for 'reduces' on past the first specialist care to moving out, "
                       "age 18, the extract date or τ_L",
        "s_outcome": "first specialist youth care (BIJ care types 02–04, 11–14, child protection); for 'reduces': "
                     "months in specialist youth care up to τ_L and heavy care (11–14 or child protection)",
        "s_contrasts": "prevented fraction π and delay D from curve a(t) ≈ (1 − π) × curve b(t − D) up to τ_L; the "
                       "risk difference per month; RD(τ) and RMST difference up to τ = {tau} months; 95% CI from "
                       "{n_boot} person-level bootstrap replicates",
        "s_adjustment": "age, sex, SDQ score, one-parent household, benefit, neighbourhood, earlier light support, "
                        "calendar year",
        "contents": "Contents", "provenance": "Provenance", "commit": "git commit", "dirty": "with uncommitted changes",
        "clean": "clean", "code": "code (SHA-256)", "seed": "seed", "params": "parameters",
        "notebooks_hash": "notebooks (SHA-256)", "inputs": "input files (SHA-256)", "packages": "package versions", "protocol": "analysis protocol",
        "index_title": "Light support and specialist youth care: all municipalities",
        "index_intro": "Per municipality the estimated effect of starting light support within the grace period "
                       "after a signal, against no light support (emulated target trial). Municipalities with "
                       "insufficient data are left out of the pooled estimate. Counts rounded to 5, below 10 suppressed.",
        "municipality": "municipality", "eligible_short": "eligible", "rd_index": "RD(τ), percentage points (95% CI)",
        "rmst_index": "RMST difference, months (95% CI)", "appendices": "appendices",
        "pi_index": "prevented fraction π, % (95% CI)", "d_index": "delay D, months (95% CI)", "months_index": "months in specialist care per child, a − b (95% CI)",
        "answers_index": "the three answers", "mde_index": "smallest detectable π", "rejected_rows": "rejected rows",
        "pooled": "pooled (random effects, Paule–Mandel)", "pooled_short": "pooled", "failed": "failed",
        "synthetic": "synthetic", "forest": "Risk difference per municipality",
        "not_pooled": "Too few municipalities with an estimate to pool.", "heterogeneity": "heterogeneity",
        "title_01_data_quality": "Appendix 1 — Data quality", "title_02_survival": "Appendix 2 — Delay or prevention",
        "title_03_sensitivity": "Appendix 3 — Sensitivity analyses",
        "short_01_data_quality": "1 data quality", "short_02_survival": "2 delay or prevention",
        "short_03_sensitivity": "3 sensitivity",
        "file_delivery": "delivery metadata", "file_mapping": "mapping of the municipality's export",
        "file_other": "other file {i}", "file_ground_truth": "true effects (synthetic registry)",
        "p_municipality": "municipality", "p_grace_months": "grace period (months)", "p_tau_months": "horizon τ (months)", "p_tau_long_months": "follow-up τ_L (months)",
        "p_lag_days": "exposure lag (days)", "p_n_boot": "bootstrap replicates",
        "p_n_boot_sensitivity": "bootstrap replicates per sensitivity analysis", "p_seed": "seed",
        "p_light_types": "kinds of light support", "p_min_cell": "suppression threshold", "p_round_to": "rounded to", "p_wait_norm_days": "waiting-time norm (days)",
        "mapping_applied": "applied mapping (mapping.yml)", "mapping_none": "none: the delivery follows the uniform format",
        "mapping_columns": "columns", "mapping_recode": "recode", "mapping_constants": "constants",
        "mapping_dates": "date format", "mapping_all": "all dates",
        "p_lang": "language",
        "p_n_bias": "bias-analysis draws", "p_bias_sensitivity": "prior registration sensitivity",
        "p_bias_unregistered_rate": "prior start rate of a non-registering provider",
        "p_counted_types": "counted providers (registration design)", "param_default": "default",
        "no_word": "no",
        "p_registration_restriction": "restricted to registration windows",
        "fig_year": 'year',
        "fig_episodes": 'episodes started',
        "fig_filled": 'filled (%)',
        "fig_share_light": '% with light support before first specialist care',
        "fig_reach_light": 'light support',
        "fig_reach_spec": 'specialist youth care',
        "fig_pct_children": '% of children living in the municipality',
        "fig_rows": 'rejected rows',
        "fig_coverage": 'Registered starts of light support by provider type',
        "fig_completeness": 'Completeness per column (accepted rows)',
        "fig_linkage": 'Linkage: light support registered before the first specialist care',
        "fig_reach": 'Reach by year and age group',
        "fig_rejected": 'Rejected rows by rule',
        "fig_suppressed": 'missing points: fewer than 10 children (suppressed)',
        "header_1": "**Municipality:** {name} ({code}) · **registration window:** {start} to {end}. Counts below "
                    "10 are suppressed (`<10`), others rounded to 5.",
        "header_2": "**Municipality:** {name} ({code}) · τ = {tau} months · grace period {grace} months · "
                    "{n_boot} bootstrap replicates · registry hash `{sha}`",
        "answers_title": "The three answers",
        "ans_prevents": "**Does light support prevent specialist youth care?** {word}. Of the specialist youth care "
                        "that children would get without light support, an estimated **{pi} %** does not come at all "
                        "(95% confidence interval {lo} to {hi} %).",
        "ans_delays": "**Does light support delay specialist youth care?** {word}. The specialist youth care that still "
                      "comes starts an estimated **{d} months {when}** (95% CI {lo} to {hi} months "
                      "later; negative is earlier).",
        "later": "later", "earlier": "earlier",
        "ans_reduces": "**Does light support reduce specialist youth care (fewer months, less heavy care)?** {word}. "
                       "In the {long} months after the signal a child spends an estimated **{ma} months** in "
                       "specialist youth care with light support and **{mb} months** without: **{d} {more}** months per "
                       "child (95% CI {lo} to {hi} months; negative is fewer).",
        "fewer": "fewer", "more": "more", "lower": "lower", "higher": "higher",
        "ans_reduces_none": "**Does light support reduce specialist youth care (fewer months, less heavy care)?** "
                            "{word}: the months in care could not be estimated.",
        "ans_heavy": "The risk of heavy care (with a stay, or a child-protection measure) within {long} months is "
                     "{ha} % with and {hb} % without light support: {d} percentage points {more} (95% CI {lo} to {hi}).",
        "ans_heavy_few": "About heavy care (with a stay, or a child-protection measure) within {long} months we say "
                         "nothing: fewer than {n} children had it in one of the groups.",
        "win_declared": "declared (delivery.yml)", "win_detected": "found in the data",
        "win_used": "used in the analysis", "win_agree": "agrees",
        "win_disagree": "no — check the declaration", "provider": "provider type", "win_not_declared": "not declared", "win_never": "never",
        "win_too_few": "too few starts to tell", "yes_word": "yes",
        "care_title": "How many children are in specialist youth care, month by month",
        "care_share": "in specialist youth care (%)",
        "care_months": "{label}: {m} months per child",
        "care_note": "the area under a curve is the months in care per child; only months with enough children in "
                     "and out of care",
        "ans_mde": "The smallest effect this registration could have shown with 80% power: a prevented share of "
                   "**{pi} %**, or a risk difference of **{rd} percentage points** after {years} years{months}.",
        "ans_mde_months": ", or a difference of **{m} months** in specialist youth care per child",
        "ans_mde_none": "With this registration not even a prevented share of 100% (all specialist youth care "
                        "prevented) could have been shown with 80% power; a risk difference only from **{rd} "
                        "percentage points** after {years} years. There are too few children or events.",
        "ans_fit": "The relation 'less and later' (curve a(t) = (1 − π) × curve b(t − D)) explains {r2} % of the "
                   "difference between the arms up to {long} months{bad}.",
        "ans_fit_bad": "; that is little: read π and D as a rough summary and look at the figure",
        "bias_lead": "Part of the light support was not registered and counts as none above. The **probabilistic "
                     "bias analysis** ({n} draws) puts those starts back, draw by draw, with children who resemble the "
                     "children registered as starting (in their characteristics and in how they fared), and recomputes "
                     "the whole trial. For every registered start an estimated **{m}** went unseen (median; {mlo} to "
                     "{mhi}).",
        "bias_priors": "Assumptions: registration sensitivity per provider type uniform between {sens}; {uncounted}"
                       "The corrected estimate stands beside the primary one, not instead of it.",
        "bias_uncounted": "not counted by the design and therefore put back here: {types}. ",
        "bias_none_design": "Without the registration design (`registration_restriction = False`) there is no bias analysis.",
        "bias_est": "estimate", "bias_primary": "primary (95% CI)", "bias_adjusted": "corrected (95% interval)",
        "bias_systematic": "registration uncertainty only",
        "bias_pi": "prevented fraction π", "bias_d": "delay D (months)", "bias_rd": "risk difference at {tau} months (pp)",
        "tip_title": "How low would registration have to be to change the answer?",
        "tip_x": "registration sensitivity of every provider", "tip_primary": "primary (uncorrected)",
        "tip_adjusted": "corrected, with 95% interval",
        "tip_same": "At none of the sensitivities shown ({lo}–{hi}) does the answer to *prevents* ({word}) change.",
        "tip_change": "The answer to *prevents* ({word}) becomes **{new}** if every provider registers {s} or less of "
                      "its light support.",
        "adv_now": "**What this registration can detect now.** With the registration as it is, the analysis of "
                   "appendix 2 can detect a prevented share of specialist youth care only from **{pi}** (80 % power, "
                   "two-sided 5 %), and a risk difference after {years} years from {rd} percentage points.",
        "adv_now_none": "**What this registration can detect now.** With the registration as it is, the analysis of "
                        "appendix 2 gives no answer: {why}.",
        "adv_why_registration": "the periods in which the counted provider types all register leave too few children",
        "adv_why_data": "there are too few children or events",
        "adv_pi_over": "more than 100 %",
        "adv_now_over": "**What this registration can detect now.** With the registration as it is, the analysis of "
                        "appendix 2 could not detect with 80 % power even a prevented share of 100 % (all specialist "
                        "youth care prevented), and a risk difference after {years} years only from {rd} percentage "
                        "points.",
        "adv_buys": "**What registering buys.** If every light-support provider type registers every episode, a "
                    "prevented share of {target} % becomes detectable after **{years} years of complete "
                    "registration**. {more}",
        "adv_more": "All types have registered together since {since}: that is **{more} more years**.",
        "adv_more_done": "All types have registered together since {since}: that is enough already.",
        "adv_more_all": "Not every type registers now: those years start to count only once all of them do.",
        "adv_never": "**What registering buys.** Even {max} years of complete registration of every provider type do "
                     "not make a prevented share of {target} % detectable in this municipality alone ({after}): there are too few children with a signal. {pooled}",
        "adv_after": "after {max} years: from {pi}",
        "adv_after_over": "after {max} years not even a prevented share of 100 % is detectable",
        "adv_pool_k": "A joint analysis of about **{k} municipalities of this size** with the same registration "
                      "could (a rough estimate: the standard error falls with the square root of the number of "
                      "children).",
        "adv_pool_many": "Only a joint analysis of **many municipalities** (a region or the whole country) with the "
                         "same registration could.",
        "adv_todo": "**To get there, register from now on:**",
        "adv_start": "{type}: does not register now — **start registering**.",
        "adv_keep": "{type}: registers since {since} — keep registering.",
        "adv_every": "Register every episode, short and one-off contacts too, with start and end date and the "
                     "child's pseudonym as in the other tables (the registration format, "
                     "`docs/registration-format.md`).",
        "adv_how": "How this was computed: synthetic registries of {max} years with this municipality (about "
                   "{children} children), its signals per child, its flow into specialist youth care and its use of "
                   "light support{uptake}, all light support registered and a true prevented share of {target} %; per "
                   "number of years registered, the analysis of appendix 2 with its bootstrap. A planning figure, not "
                   "a promise: the simulated figures below vary by chance, read the trend.",
        "adv_uptake_default": " (that use cannot be measured without a bias analysis; the generator's national level "
                              "was used)",
        "adv_years": "years of complete registration", "adv_md_pi": "smallest detectable prevented share (%)",
        "adv_md_rd": "smallest detectable risk difference after {years} years (percentage points)",
        "adv_rate": "characteristic", "adv_observed": "this municipality", "adv_simulated": "planning registry",
        "adv_r_children": "children 0–17 at the extract date (rounded)", "adv_r_eligible": "signals per 1,000 children",
        "adv_r_events": "specialist youth care per 100 child-years after a signal",
        "adv_r_uptake": "light support started within the grace period (%)",
        "adv_fig_title": "What registering buys",
        "adv_fig_x": "years of complete registration of every provider type",
        "adv_fig_y": "smallest detectable prevented share (%)",
        "adv_fig_target": "target: {target} %", "adv_fig_now": "now: {pi}",
        "ans_insufficient": "There are too few data for these answers: fewer than 50 children, or fewer than 10 events "
                            "or 10 children still followed after {long} months in an arm.",
        "ans_insufficient_registration": "Too little is **registered** for these answers (see the verdict): within "
                                         "the registration windows fewer than 10 events or 10 children still followed "
                                         "after {long} months remain in an arm, or fewer than 50 children. Estimates on "
                                         "so little say nothing and are therefore not shown.",
        "traj_title": "The difference over time",
        "traj_rd": "risk difference a − b (percentage points)", "traj_arms": "cumulative incidence (%)",
        "traj_fit": r"$(1-\pi)\,\mathrm{CIF}_b(t-D)$", "traj_note": "bands: 95% bootstrap intervals per month",
        "traj_residual": r"residual: $\mathrm{CIF}_a - (1-\pi)\,\mathrm{CIF}_b(t-D)$ (percentage points)",
        "plain": "We followed children aged 4 to 16 for whom youth health care flagged a concern with the SDQ and "
                 "who had not had specialist youth care. If all of them started light support within {grace} "
                 "months, an estimated {a}% would receive specialist care within {years} years; if none of them "
                 "received light support, {b}%. The difference is {rd} percentage points (95% CI {rd_lo} to "
                 "{rd_hi}). On average children with light support stay {rm} months longer without specialist care "
                 "(95% CI {rm_lo} to {rm_hi}). This is an observational study: the estimate assumes that the "
                 "measured characteristics explain who receives light support; the E-value in appendix 3 shows how "
                 "strong unmeasured confounding would have to be to explain the result away.",
        "protocol_link": "Analysis protocol: [docs/analysis-protocol.md]({url}).",
    },
}

# appendix 4: routes through the levels of help and waiting times
_ROUTES_WORDS = {
    "nl": {
        "title_04_routes_waiting": "Bijlage 4 — Routes en wachttijden", "short_04_routes_waiting": "4 routes en wachttijden",
        "header_4": "**Gemeente:** {name} ({code}) · **registratieperiode:** {start} t/m {end} · **wachttijdnorm:** "
                    "{norm} dagen van aanmelding tot start. Aantallen onder de 10 zijn onderdrukt (`<10`), overige "
                    "afgerond op 5.",
        "lvl_geen_hulp": "geen hulp", "lvl_universeel": "universeel", "lvl_selectief": "selectief", "lvl_licht": "licht",
        "lvl_intensief": "intensief", "lvl_specialistisch": "specialistisch",
        "lvl_intensief_en_specialistisch": "intensief en specialistisch",
        "lvl_overname_van_opvoeding": "overname van opvoeding", "lvl_suppressed": "onderdrukt (< 10 kinderen)",
        "lvl_light_together": "lichte ondersteuning samen (universeel, selectief, licht)",
        "child_years": "kindjaren", "step_ups": "opschalingen", "step_up_rate": "opschaling per 100 kindjaren (95%-BI)",
        "step_downs": "afschalingen", "step_down_rate": "afschaling per 100 kindjaren (95%-BI)", "level": "niveau",
        "episodes_of": "soort trajecten", "tbl_light_support_episodes": "lichte ondersteuning",
        "tbl_specialist_episodes": "specialistische jeugdhulp", "repeat_use": "herhaald beroep",
        "repeat_share": "herhaald beroep, %", "group": "groep", "requests": "aanmeldingen",
        "median_wait": "mediane wachttijd, dagen (95%-BI)", "within_days": "gestart binnen {d} dagen, % (95%-BI)",
        "all_requests": "alle aanmeldingen", "by_provider_type": "soort aanbieder", "by_level": "niveau",
        "by_year": "jaar van aanmelding", "out_started": "gestart", "out_competing": "ingetrokken of elders",
        "out_waiting": "wacht nog op de peildatum", "too_few": "te weinig kinderen om te tonen",
        "months_after_light": "{m} mnd", "fig_flow": "Niveau van hulp 0, 6, 12 en 24 maanden na de eerste lichte ondersteuning",
        "occ_light": "Sinds de eerste lichte ondersteuning", "occ_signal": "Sinds het eerste SDQ-signaal",
        "months_since": "maanden sinds het begin", "share_children": "% van de kinderen",
        "cif_start": "gestart (cumulatieve incidentie)", "band95": "95%-betrouwbaarheidsband",
        "norm_label": "norm {d} dagen", "days_since_request": "dagen sinds de aanmelding",
        "share_started": "% van de aanmeldingen gestart",
        "fig_wait": "Wachttijd van aanmelding tot start (intrekking concurreert, nog wachtenden gecensureerd)",
        "fig_wait_conditional": "Wachttijd van aanmelding tot start — alleen gestarte trajecten (voorwaardelijk op starten)",
        "no_requests": "geen aanmeldingen geregistreerd",
        "routes_index_title": "Routes en wachttijden per gemeente",
        "routes_index_intro": "Wachttijd van aanmelding tot start van de hulp (mediaan en aandeel binnen de norm, "
                              "met 95%-BI; intrekking concurreert) en opschaling vanuit lichte ondersteuning per 100 "
                              "kindjaren in lichte ondersteuning. <em>Voorwaardelijk</em>: zonder tabel aanmeldingen alleen "
                              "de gestarte trajecten, dus te korte wachttijden.",
        "median_wait_index": "mediane wachttijd, dagen (95%-BI)", "within_norm_index": "gestart binnen de norm, % (95%-BI)",
        "step_up_index": "opschaling per 100 kindjaren licht (95%-BI)", "norm_days_index": "norm, dagen", "conditional_short": "voorwaardelijk",
    },
    "en": {
        "title_04_routes_waiting": "Appendix 4 — Routes and waiting times", "short_04_routes_waiting": "4 routes and waits",
        "header_4": "**Municipality:** {name} ({code}) · **registration window:** {start} to {end} · **waiting-time "
                    "norm:** {norm} days from request to start. Counts below 10 are suppressed (`<10`), others "
                    "rounded to 5.",
        "lvl_geen_hulp": "no help", "lvl_universeel": "universal", "lvl_selectief": "selective", "lvl_licht": "light",
        "lvl_intensief": "intensive", "lvl_specialistisch": "specialist",
        "lvl_intensief_en_specialistisch": "intensive and specialist",
        "lvl_overname_van_opvoeding": "taking over parenting", "lvl_suppressed": "suppressed (< 10 children)",
        "lvl_light_together": "light support together (universal, selective, light)",
        "child_years": "child-years", "step_ups": "step-ups", "step_up_rate": "step-up per 100 child-years (95% CI)",
        "step_downs": "step-downs", "step_down_rate": "step-down per 100 child-years (95% CI)", "level": "level",
        "episodes_of": "kind of episodes", "tbl_light_support_episodes": "light support",
        "tbl_specialist_episodes": "specialist youth care", "repeat_use": "repeat use",
        "repeat_share": "repeat use, %", "group": "group", "requests": "requests",
        "median_wait": "median wait, days (95% CI)", "within_days": "started within {d} days, % (95% CI)",
        "all_requests": "all requests", "by_provider_type": "provider type", "by_level": "level",
        "by_year": "year of request", "out_started": "started", "out_competing": "withdrawn or elsewhere",
        "out_waiting": "still waiting at the extract", "too_few": "too few children to show",
        "months_after_light": "{m} mo", "fig_flow": "Level of help 0, 6, 12 and 24 months after the first light support",
        "occ_light": "Since the first light support", "occ_signal": "Since the first SDQ signal",
        "months_since": "months since the start", "share_children": "% of children",
        "cif_start": "started (cumulative incidence)", "band95": "95% confidence band",
        "norm_label": "norm {d} days", "days_since_request": "days since the request",
        "share_started": "% of requests started",
        "fig_wait": "Wait from request to start (withdrawal competes, those still waiting censored)",
        "fig_wait_conditional": "Wait from request to start — started episodes only (conditional on starting)",
        "no_requests": "no requests registered",
        "routes_index_title": "Routes and waiting times per municipality",
        "routes_index_intro": "Wait from the request to the start of help (median and share within the norm, with "
                              "95% CI; withdrawal competes) and step-up out of light support per 100 child-years "
                              "in light support. <em>Conditional</em>: without a requests table only the started episodes, "
                              "so waits that are too short.",
        "median_wait_index": "median wait, days (95% CI)", "within_norm_index": "started within the norm, % (95% CI)",
        "step_up_index": "step-up per 100 child-years in light support (95% CI)", "norm_days_index": "norm, days", "conditional_short": "conditional",
    },
}
for _lang, _words in _ROUTES_WORDS.items():
    WORDS[_lang].update(_words)
assert set(WORDS["nl"]) == set(WORDS["en"]), set(WORDS["nl"]) ^ set(WORDS["en"])


def t(key: str, lang: Lang, **fmt) -> str:
    """The words for ``key`` in ``lang`` (``fmt`` fills its placeholders)."""
    text = WORDS[lang][key]
    return text.format(**fmt) if fmt else text


TABLES = {
    "persons": {"nl": "personen", "en": "persons"},
    "residence_periods": {"nl": "woonperiodes", "en": "residence periods"},
    "screenings": {"nl": "JGZ-screenings", "en": "youth health care screenings"},
    "light_support_episodes": {"nl": "lichte ondersteuning", "en": "light support"},
    "specialist_episodes": {"nl": "specialistische jeugdhulp", "en": "specialist youth care"},
    "protection_measures": {"nl": "jeugdbeschermingsmaatregelen", "en": "child protection measures"},
    "requests": {"nl": "aanmeldingen", "en": "requests"},
}
assert set(TABLES) == set(FORMAT.tables), "every table of the format needs a short name here"


def table_name(name: str, lang: Lang) -> str:
    """The short name of a table of the format (its full description is in the format document)."""
    return TABLES[name][lang] if name in TABLES else label(name, lang)


def column_name(table: str, column: str, lang: Lang, short: bool = False) -> str:
    """A column of the format as the format describes it; ``short`` drops the explanation in brackets."""
    col = FORMAT.tables[table].columns.get(column) if table in FORMAT.tables else None
    text = getattr(col, lang) if col else label(column, lang)
    return text.split(" (")[0] if short else text


def provider_type(code: str, lang: Lang) -> str:
    return FORMAT.codes["light_provider_type"].get(code, {}).get(lang, code)


def label(key, lang: Lang):
    """Words for an internal key: the translation table, then the format's tables, rules and
    provider types; anything else (numbers, words already) is returned as it is."""
    if not isinstance(key, str):
        return key
    if key in WORDS[lang]:
        return WORDS[lang][key]
    if key in TABLES:
        return TABLES[key][lang]
    if key in FORMAT.rules:
        return FORMAT.rule_text(key, lang)
    if key in FORMAT.codes["light_provider_type"]:
        return provider_type(key, lang)
    if f"var_{key}" in WORDS[lang]:
        return WORDS[lang][f"var_{key}"]
    return key


def variable(key: str, lang: Lang) -> str:
    """A characteristic of the children (a covariate) in words: ``year`` is the calendar year here."""
    return WORDS[lang].get(f"var_{key}") or label(key, lang)


def relabel(df: pd.DataFrame, lang: Lang, *, index: bool = True, columns: bool = True) -> pd.DataFrame:
    """The table with its index, columns and their names in words."""
    out = df.copy()
    if index:
        out.index = out.index.map(lambda k: label(k, lang))
        out.index.name = label(out.index.name, lang) if out.index.name else None
    if columns:
        out.columns = out.columns.map(lambda k: label(k, lang))
        out.columns.name = label(out.columns.name, lang) if out.columns.name else None
    return out
