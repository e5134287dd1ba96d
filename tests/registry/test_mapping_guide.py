"""docs/mapping.md runs as written: its shell blocks are executed in order in a fresh folder, the
mapping.yml it builds block by block maps the worked example, and the files it shows are the files
in docs/examples/ (issue 16, part 3)."""
from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from analysis.registry.readers import read_table_file
from analysis.registry.store import load_quality, load_registry

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "mapping.md"
EXAMPLE = ROOT / "docs" / "examples" / "voorbeeldstad"


def parse(text: str) -> list[tuple[str, str, str]]:
    """The marked parts of the guide in order: (kind, argument, content) for ``<!-- run -->``,
    ``<!-- file: PATH -->`` and ``<!-- shows: NAME [SHEET] -->``, each with the fenced block or
    table that follows it."""
    out, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        m = re.fullmatch(r"<!-- (run|file|shows)(?:: (.+?))? -->", lines[i].strip())
        i += 1
        if not m:
            continue
        if lines[i].startswith("```"):
            j = i + 1
            while not lines[j].startswith("```"):
                j += 1
            out.append((m.group(1), m.group(2) or "", "\n".join(lines[i + 1:j]) + "\n"))
            i = j + 1
        else:                                   # a markdown table
            j = i
            while j < len(lines) and lines[j].startswith("|"):
                j += 1
            out.append((m.group(1), m.group(2) or "", "\n".join(lines[i:j]) + "\n"))
            i = j
    return out


PARTS = parse(GUIDE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    """The guide, executed: every command's exit code as the guide says (0 unless `# exit N`)."""
    work = tmp_path_factory.mktemp("guide")
    (work / "docs").symlink_to(ROOT / "docs")
    # the workbench is run from the project root: here the fresh folder is the root
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "WORKBENCH_ROOT": str(work)}
    pending: dict[str, str] = {}
    log = []
    for kind, arg, content in PARTS:
        if kind == "file":
            pending[arg] = pending.get(arg, "") + content
        elif kind == "run":
            for path, text in pending.items():       # the file the guide built, before the next command
                (work / path).parent.mkdir(parents=True, exist_ok=True)
                (work / path).write_text(text, encoding="utf-8")
            pending = {}
            for line in content.splitlines():
                if not line.strip() or line.lstrip().startswith("#"):
                    continue
                expect = int(re.search(r"#\s*exit (\d+)\s*$", line).group(1)) if re.search(r"#\s*exit \d+\s*$", line) else 0
                cmd = line.split("  #")[0]
                p = subprocess.run(["bash", "-c", cmd], cwd=work, env=env, capture_output=True, text=True, timeout=600)
                log.append((cmd, p.returncode, p.stdout + p.stderr))
                assert p.returncode == expect, f"{cmd!r} exited {p.returncode}, the guide says {expect}:\n{p.stdout}\n{p.stderr}"
    return work, log


def test_the_guide_has_its_parts():
    kinds = [k for k, _, _ in PARTS]
    assert kinds.count("run") == 3 and kinds.count("file") == 5 and kinds.count("shows") == 4


def test_the_worked_example_validates_with_every_row_accepted(ran):
    work, log = ran
    out = dict((c, o) for c, _, o in log)
    assert "52 rows in, 52 accepted, 0 rejected" in out["workbench validate data/raw/9990"]
    q = load_quality("9990", work / "data" / "processed")
    # counted by hand from the files the guide shows
    assert {t: (v["rows_in"], v["accepted"]) for t, v in q["tables"].items() if v["rows_in"]} == {
        "persons": (12, 12), "residence_periods": (13, 13), "screenings": (13, 13),
        "light_support_episodes": (8, 8), "specialist_episodes": (6, 6)}
    reg = load_registry("9990", work / "data" / "processed")
    light = reg["light_support_episodes"].set_index("episode_id")
    assert light.loc["W-003", "provider_type"] == "wijkteam" and pd.isna(light.loc["W-003", "end_date"])
    assert light.loc["W-005", "provider_type"] == "poh_jeugd" and light.loc["W-005", "end_reason_bij"] == "03"
    assert light.loc["W-001", "start_date"] == pd.Timestamp("2018-11-01")           # an Excel date cell
    assert sorted(light["intervention_level"]) == ["licht"] * 6 + ["selectief", "universeel"]
    persons = reg["persons"].sort_values("birth_date")
    assert persons["birth_date_precision"].value_counts().to_dict() == {"day": 10, "month": 1, "year": 1}
    assert pd.Timestamp("2010-07-15") in set(persons["birth_date"])                  # 20100700
    spec = reg["specialist_episodes"].set_index("episode_id")
    assert spec.loc["3", ["bij_hulpvorm", "referrer", "started_in_crisis", "end_reason_bij"]].tolist() == ["11", "04", "01", "02"]
    assert spec.loc["1", "provider_agb"] == "06123456"
    scr = reg["screenings"].set_index("screening_id")
    assert scr.loc["S006", ["instrument", "setting"]].tolist() == ["sdq_self", "voortgezet_onderwijs"]
    assert pd.isna(scr.loc["S013", "setting"])
    # no BSN survives pseudonymisation
    for f in (work / "data" / "raw" / "9990").iterdir():
        if f.suffix == ".csv":
            assert "999999886" not in f.read_bytes().decode("cp1252")


def test_the_ijw_example_gives_back_every_synthetic_episode(ran):
    work, _ = ran
    manifest = json.loads((work / "ijw-demo" / "ijw" / "9991" / "manifest.json").read_text())
    q = load_quality("9991", work / "ijw-demo" / "processed")["tables"]["specialist_episodes"]
    assert q["rows_in"] == manifest["episodes"] > 20 and q["rejected"] == 0
    report = json.loads((work / "ijw-demo" / "raw" / "9991" / "import_report.json").read_text())
    assert len(report["rejected_blocks"]) + len(report["rejected_files"]) >= 5    # the planted rule breakers


@pytest.mark.parametrize("kind,arg,content", [p for p in PARTS if p[0] == "shows"], ids=lambda v: str(v)[:30])
def test_the_files_the_guide_shows_are_the_example_files(kind, arg, content):
    name, _, sheet = arg.partition(" ")
    if name.endswith(".csv"):
        data = (EXAMPLE / name).read_bytes()
        text = data.decode("utf-8") if name.startswith("JGZ") else data.decode("cp1252")
        assert text.replace("\r\n", "\n") == content
        return
    df, _ = read_table_file(EXAMPLE / name, sheet)
    rows = [[c.strip() for c in line.strip().strip("|").split("|")] for line in content.splitlines()[2:]]
    shown = pd.DataFrame(rows, columns=[c for c in df.columns if c != "_row"])
    for c in ("Aanmelddatum", "Startdatum", "Einddatum"):      # Excel shows dd-mm-jjjj, the cell holds a date
        shown[c] = shown[c].map(lambda v: f"{v[6:]}-{v[3:5]}-{v[:2]}" if v else "")
    pd.testing.assert_frame_equal(shown, df.drop(columns="_row").reset_index(drop=True))


def test_the_example_files_are_what_their_script_makes(tmp_path):
    import importlib.util
    spec = importlib.util.spec_from_file_location("make", ROOT / "docs" / "examples" / "make_voorbeeldstad.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.OUT = tmp_path
    mod.main()
    for f in EXAMPLE.iterdir():
        if f.suffix == ".csv":
            assert (tmp_path / f.name).read_bytes() == f.read_bytes(), f.name
        else:   # a workbook's bytes carry a timestamp: compare what it holds
            for sheet in ("Trajecten", "Toelichting"):
                pd.testing.assert_frame_equal(read_table_file(tmp_path / f.name, sheet)[0], read_table_file(f, sheet)[0])
