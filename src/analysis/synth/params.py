"""Parameters of the synthetic registry, with the calibration constants and their sources.

Magnitudes come from ``shared/notes/domain.md`` (section 2): moves out of the municipality by age
(CBS Statistische Trends 2020), annual specialist-care prevalence (≈10–12 % of 0–17, CBS 85098NED),
care with stay (≈1 %), child protection (≈1 %), wijkteam reach (≈1.7–2.4 %), episode durations
(log-normal, median 6–9 months), SDQ screenings in groep 2 (≈5 y) and groep 7 (≈11 y).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np

DAYS_PER_YEAR = 365.25
DAYS_PER_MONTH = DAYS_PER_YEAR / 12


@dataclass(frozen=True)
class Municipality:
    """A fictional municipality: CBS-style 4-digit code (as a string), name, children aged 0–17, and
    optionally its own registration of light support (``TYPE:FROM[-TO]:SENSITIVITY`` or
    ``TYPE:never`` per provider type, replacing the realistic draw for those types; see
    :mod:`analysis.synth.registration`), and the median wait from a request for specialist care
    to its start (:mod:`analysis.synth.requests`)."""

    code: str
    name: str
    children: int
    registration: tuple[str, ...] = ()
    wait_median_days: float = 42.0     # median wait for specialist care (without withdrawals), days


#: The demo: three fictional municipalities (codes 99xx are not used by CBS). Kleinwolde and
#: Middenveen register light support as drawn (realistic: types start registering 2015–2021, some
#: never); Grootstad is the municipality that registered most of its light support early, from
#: 2015–2016, and practice-based youth workers only from 2021: the demo then shows a municipality
#: whose registration cannot answer the question, one that can after restriction, and one that can.
DEMO_MUNICIPALITIES = (
    Municipality("9901", "Kleinwolde", 2_000, wait_median_days=35.0),
    # the size of Stadskanaal, and a long wait for specialist care (about 3 months at the median:
    # the Frisian access monitor saw such waits for an intake)
    Municipality("9902", "Middenveen", 6_000, wait_median_days=91.0),
    Municipality("9903", "Grootstad", 40_000, registration=(
        "wijkteam:2015:0.95", "cjg:2015:0.9", "jgz:2016:0.85", "schoolmaatschappelijk_werk:2016:0.8",
        "poh_jeugd:2021:0.75", "opvoedondersteuning:2016:0.8"), wait_median_days=42.0),
)

LIGHT_PROVIDER_TYPES = ("wijkteam", "cjg", "jgz", "schoolmaatschappelijk_werk", "poh_jeugd",
                        "opvoedondersteuning")
#: share of light-support starts by provider type
LIGHT_PROVIDER_SHARE = (0.22, 0.18, 0.15, 0.19, 0.14, 0.12)
#: first calendar year in which each provider type registers its episodes ("realistic" mode):
#: light support is barely registered, and registration grows over the years.
LIGHT_REGISTERED_FROM = {"wijkteam": 2015, "cjg": 2015, "jgz": 2016,
                         "schoolmaatschappelijk_werk": 2018, "poh_jeugd": 2019,
                         "opvoedondersteuning": 2020}

#: BIJ hulpvorm of the first episode of a specialist spell, with shares (CBS new trajecten 2021,
#: wijkteam excluded: ambulant dominates, verblijf ≈ 6–8 %)
SPECIALIST_FORMS = ("02", "03", "04", "11", "12", "13", "14")
SPECIALIST_FORM_SHARE = (0.655, 0.06, 0.19, 0.03, 0.008, 0.007, 0.05)

#: moves out of the municipality per year by age 0..17 (CBS 2017), plus 0.5 % emigration
MOVE_OUT_RATE = np.array([5.8, 6.2, 5.8, 5.3, 4.6, 4.0, 3.6, 3.3, 3.0, 2.8, 2.6, 2.5, 2.5, 2.5,
                          2.6, 2.7, 2.8, 3.4]) / 100 + 0.005


@dataclass(frozen=True)
class SynthParams:
    """Everything that determines a synthetic registry (with the seed, its bytes).

    Notes
    -----
    Effect knobs (protocol, "Ground truth of the synthetic registry"):

    - ``prevent``: probability that a light-support start resolves the child's problem; from then
      on the excess hazard of specialist care due to the problem is gone.
    - ``delay_months``: after a light-support start the excess hazard is suspended this long.
    - ``reduce``: a specialist spell or child-protection measure that starts after a light-support
      start lasts ``1 − reduce`` times as long, and is care with a stay or comes with a measure
      ``1 − reduce`` times as often; the first specialist care itself (its risk and timing) is
      unchanged.
    - ``unmeasured_confounding``: share (0–1) of the variance of the latent severity that the SDQ
      does not capture; that part also drives the uptake of light support.

    The demo's ``prevent = 0.6`` is a choice, not a finding: an effect large enough that a
    municipality of Stadskanaal's size (≈ 6,000 children, ≈ 500 eligible signals) can detect it
    despite the incomplete registration of light support; the true effect size is unknown.
    """

    seed: int = 20261123
    municipalities: tuple[Municipality, ...] = DEMO_MUNICIPALITIES
    prevent: float = 0.6
    delay_months: float = 6.0
    reduce: float = 0.0            # after light support: specialist spells shorter, less heavy care, by this fraction
    unmeasured_confounding: float = 0.0
    messy: bool = False
    registry_start: date = date(2015, 1, 1)
    extract_date: date = date(2024, 12, 31)
    light_registration: str = "realistic"  # or "complete"
    # per provider type "TYPE:FROM[-TO]:SENSITIVITY" or "TYPE:never", overriding the plan of every
    # municipality (see analysis.synth.registration); misdeclare: one declaration in delivery.yml wrong
    registration: tuple[str, ...] = ()
    misdeclare: bool = False
    # share of each light-support provider type (LIGHT_PROVIDER_TYPES) among the starts, e.g. a
    # municipality whose wijkteam delivers most light support
    light_provider_share: tuple[float, ...] = LIGHT_PROVIDER_SHARE
    tau_months: int = 36
    tau_long_months: int = 60
    truth_replicates: int = 20     # K: simulated futures per eligible child for the ground truth
    grace_months: tuple[int, ...] = (0, 3, 6)
    primary_grace_months: int = 3
    sdq_cutoff: int = 14
    screening_coverage: float = 0.85
    # specialist-care hazard: base(age, sex) * (c0 + c1 * exp(beta*S - beta^2/2) * problem_active)
    hazard_c0: float = 0.5
    hazard_c1: float = 1.0
    hazard_beta: float = 1.1
    # scale factors of the light-support uptake hazard and of the specialist-care base hazard: the
    # planning simulation (analysis.synth.planning) calibrates them to a municipality's own rates
    uptake_scale: float = 1.0
    specialist_scale: float = 1.0
    # waits for specialist care (analysis.synth.requests): log-normal spread of the wait, the rate
    # per year at which a waiting family withdraws or is referred elsewhere, and the share of
    # those that is referred elsewhere
    wait_sigma: float = 0.6
    withdraw_per_year: float = 0.6
    referred_share: float = 0.35
    # person ids as the pseudonyms of synthetic BSNs under a synthetic key, and allocation numbers on
    # the specialist episodes: the registry of which ``workbench synth --ijw`` writes an iJw archive
    ijw: bool = False
    extra: dict = field(default_factory=dict)

    def check(self) -> None:
        from ..errors import ParameterError
        from ..registry.delivery import check_municipality_code
        if not 0 <= self.prevent <= 1:
            raise ParameterError(f"prevent must lie in [0, 1], got {self.prevent}")
        if not 0 <= self.unmeasured_confounding <= 1:
            raise ParameterError("unmeasured_confounding must lie in [0, 1], "
                                 f"got {self.unmeasured_confounding}")
        if not 0 <= self.reduce < 1:
            raise ParameterError(f"reduce must lie in [0, 1), got {self.reduce}")
        if not (self.uptake_scale > 0 and self.specialist_scale > 0):
            raise ParameterError(f"uptake_scale and specialist_scale must be > 0, got {self.uptake_scale}, "
                                 f"{self.specialist_scale}")
        if self.delay_months < 0:
            raise ParameterError(f"delay_months must be ≥ 0, got {self.delay_months}")
        if not (self.wait_sigma > 0 and self.withdraw_per_year >= 0 and 0 <= self.referred_share <= 1):
            raise ParameterError("wait_sigma must be > 0, withdraw_per_year ≥ 0 and referred_share in [0, 1], got "
                                 f"{self.wait_sigma}, {self.withdraw_per_year}, {self.referred_share}")
        if min((m.wait_median_days for m in self.municipalities), default=1) <= 0:
            raise ParameterError("every municipality's wait_median_days must be > 0")
        if self.light_registration not in ("realistic", "complete"):
            raise ParameterError("light_registration must be 'realistic' or 'complete'")
        share = tuple(self.light_provider_share)
        if len(share) != len(LIGHT_PROVIDER_TYPES) or min(share) < 0 or abs(sum(share) - 1) > 1e-9:
            raise ParameterError(f"light_provider_share: {len(LIGHT_PROVIDER_TYPES)} shares ≥ 0 that sum to 1 "
                                 f"({', '.join(LIGHT_PROVIDER_TYPES)}), got {share}")
        from .registration import parse_registration
        for spec in self.registration:
            parse_registration(spec)
        codes = [m.code for m in self.municipalities]
        if len(set(codes)) != len(codes):
            raise ParameterError(f"municipality codes must be unique: {codes}")
        for m in self.municipalities:
            check_municipality_code(m.code, "municipality code")
            for spec in m.registration:
                parse_registration(spec)
            if m.children < 100:
                raise ParameterError(f"{m.code}: at least 100 children, got {m.children}")
