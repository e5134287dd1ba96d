"""Write the worked example of docs/mapping.md: the exports of the fictional municipality
Voorbeeldstad (9990) as its own systems would give them — made up, twelve children with numbers
from the BSN test range (999999874–999999990), no real person.

    python docs/examples/make_voorbeeldstad.py        # rewrites docs/examples/voorbeeldstad/

- BRP_personen.csv, BRP_verblijf.csv: the population register (semicolons, Windows-1252, jjjjmmdd,
  BIJ-style partial birth dates with 00);
- JGZ_screeningen.csv: the youth health service's SDQ screenings (semicolons, UTF-8, dd-mm-jjjj);
- Wijkteam_trajecten.xlsx: the neighbourhood team's case system (Dutch labels, Excel date cells,
  a second sheet with notes);
- BIJ_jeugdhulp.csv: specialist care in the BIJ record layout (codes without leading zeros as
  Excel saves them, jjjjmmdd).
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd

OUT = Path(__file__).parent / "voorbeeldstad"
BSN = {1: "999999886", 2: "999999916", 3: "999999953", 4: "999999977", 5: "999999941", 6: "999999928",
       7: "999999990", 8: "999999898", 9: "999999989", 10: "999999874", 11: "999999965", 12: "999999904"}


def csv(name: str, header: str, rows: list[str], encoding: str) -> None:
    text = "\r\n".join([header, *rows]) + "\r\n"
    (OUT / name).write_bytes(text.encode(encoding))


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    csv("BRP_personen.csv", "BSN;Geboortedatum;Geslacht;Datum overlijden", [
        f"{BSN[1]};20120314;M;", f"{BSN[2]};20100700;V;", f"{BSN[3]};20150901;V;", f"{BSN[4]};20090000;M;",
        f"{BSN[5]};20131122;M;", f"{BSN[6]};20111005;V;", f"{BSN[7]};20080218;M;", f"{BSN[8]};20140430;O;",
        f"{BSN[9]};20160611;V;", f"{BSN[10]};20070909;M;", f"{BSN[11]};20121201;V;", f"{BSN[12]};20100303;M;"],
        "cp1252")
    csv("BRP_verblijf.csv", "BSN;Gemeente;Datum vestiging;Datum vertrek;Reden vestiging", [
        f"{BSN[1]};9990;20120314;;Geboorte", f"{BSN[2]};9990;20150801;20210630;Vestiging",
        f"{BSN[3]};9990;20150901;;Geboorte", f"{BSN[4]};9990;20170115;;Vestiging",
        f"{BSN[5]};9990;20131122;20190228;Geboorte", f"{BSN[5]};9990;20190301;;Binnengemeentelijke verhuizing",
        f"{BSN[6]};9990;20111005;;Geboorte", f"{BSN[7]};9990;20080218;;Geboorte", f"{BSN[8]};9990;20140430;;Geboorte",
        f"{BSN[9]};9990;20160611;;Geboorte", f"{BSN[10]};9990;20120601;;Vestiging",
        f"{BSN[11]};9990;20121201;;Geboorte", f"{BSN[12]};9990;20100303;20220831;Geboorte"], "cp1252")
    csv("JGZ_screeningen.csv", "Nummer;BSN;Datum onderzoek;Vragenlijst;Totaalscore;Contactmoment", [
        f"S001;{BSN[1]};12-10-2018;SDQ ouders;16;Groep 2", f"S002;{BSN[2]};14-01-2021;SDQ leerkracht;12;Groep 7",
        f"S003;{BSN[3]};20-09-2021;SDQ ouders;15;Groep 2", f"S004;{BSN[4]};11-02-2020;SDQ ouders;18;Groep 7",
        f"S005;{BSN[5]};03-06-2019;SDQ ouders;7;Groep 2", f"S006;{BSN[6]};15-11-2023;SDQ zelf;21;VO",
        f"S007;{BSN[7]};08-10-2018;SDQ ouders;14;Groep 7", f"S008;{BSN[8]};22-04-2020;SDQ ouders;11;Groep 2",
        f"S009;{BSN[9]};17-09-2021;SDQ ouders;13;Groep 2", f"S010;{BSN[10]};09-03-2018;SDQ ouders;19;Groep 7",
        f"S011;{BSN[11]};30-09-2023;SDQ leerkracht;10;Groep 7", f"S012;{BSN[12]};12-05-2021;SDQ ouders;17;Groep 7",
        f"S013;{BSN[1]};14-03-2023;SDQ ouders;12;"], "utf-8")
    d = lambda s: datetime.strptime(s, "%Y-%m-%d") if s else None  # noqa: E731  (an Excel date cell)
    rows = [("W-001", 1, "Wijkteam", "Licht", "Noord", "2018-10-20", "2018-11-01", "2019-05-01", "Doelen behaald"),
            ("W-002", 4, "Schoolmaatschappelijk werk", "Licht", "Zuid", "2020-02-20", "2020-03-02", "2020-09-30",
             "Gestopt in overleg"),
            ("W-003", 3, "", "Licht", "Noord", "2021-10-01", "2021-10-11", "", ""),
            ("W-004", 6, "Opvoedondersteuning", "Selectief", "Oost", "2022-12-01", "2023-01-09", "2023-06-30",
             "Doelen behaald"),
            ("W-005", 8, "POH-GGZ jeugd", "Licht", "Noord", "2020-05-10", "2020-05-18", "2020-12-15",
             "Gestopt door cliënt"),
            ("W-006", 10, "Wijkteam", "Licht", "Zuid", "2018-03-20", "2018-04-03", "2018-12-20", "Doelen behaald"),
            ("W-007", 12, "Wijkteam", "Licht", "Oost", "2021-06-01", "2021-06-14", "2022-08-31", "Verhuisd"),
            ("W-008", 9, "Opvoedondersteuning", "Universeel", "Noord", "2021-10-04", "2021-10-04", "2022-01-31",
             "Doelen behaald")]
    wt = pd.DataFrame([(a, BSN[b], c, n, t, d(r), d(s), d(e), z) for a, b, c, n, t, r, s, e, z in rows],
                      columns=["Trajectnummer", "BSN", "Soort ondersteuning", "Niveau", "Team", "Aanmelddatum",
                               "Startdatum", "Einddatum", "Reden afsluiting"])
    notes = pd.DataFrame({"Toelichting": ["Export uit het wijkteamsysteem van Voorbeeldstad, 1 juli 2024",
                                          "Lege soort ondersteuning = eigen trajecten van het wijkteam"]})
    with pd.ExcelWriter(OUT / "Wijkteam_trajecten.xlsx", engine="openpyxl") as xw:
        wt.to_excel(xw, sheet_name="Trajecten", index=False)
        notes.to_excel(xw, sheet_name="Toelichting", index=False)
        for cell in ("F", "G", "H"):                     # shown as dates in Excel, stored as dates
            for c in xw.sheets["Trajecten"][cell][1:]:
                c.number_format = "DD-MM-YYYY"
    csv("BIJ_jeugdhulp.csv",
        "Recordnummer;BSN;AGB-code;Naam aanbieder;Hulpvorm;Verwijzer;Crisis;Datum aanvang;Datum einde;Reden beëindiging", [
            f"1;{BSN[1]};06123456;De Horizon;2;2;2;20190910;20200630;1",
            f"2;{BSN[4]};06123456;De Horizon;2;3;2;20210105;;",
            f"3;{BSN[7]};03987654;Pleegzorg Noord;11;4;1;20190401;20210331;2",
            f"4;{BSN[10]};06123456;De Horizon;4;1;2;20200115;20200915;1",
            f"5;{BSN[12]};03987654;Pleegzorg Noord;2;2;2;20220110;20220831;5",
            f"6;{BSN[6]};06123456;De Horizon;2;2;2;20230901;;"], "cp1252")


if __name__ == "__main__":
    main()
