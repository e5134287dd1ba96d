"""The pins in pyproject.toml, constraints.txt and environment.yml agree."""
import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _pyproject_pins() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    deps = project["dependencies"] + project["optional-dependencies"]["test"]
    pins = {}
    for d in deps:
        m = re.fullmatch(r"([A-Za-z0-9_.-]+)==([^\s;]+)", d)
        assert m, f"not pinned exactly: {d}"
        pins[m.group(1).lower()] = m.group(2)
    return pins


def test_environment_yml_names_the_same_packages_and_versions():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = {}
    for dep in env["dependencies"]:
        if isinstance(dep, str) and "=" in dep:
            name, version = dep.split("=", 1)
            conda[name.lower()] = version
    assert conda.pop("python") == "3.11"
    assert conda == _pyproject_pins()


def test_constraints_pin_every_direct_dependency_at_the_same_version():
    lines = (ROOT / "constraints.txt").read_text().splitlines()
    frozen = dict(line.lower().split("==") for line in lines if "==" in line)
    for name, version in _pyproject_pins().items():
        assert frozen.get(name) == version, name


def test_real_data_never_enters_git():
    ignore = (ROOT / ".gitignore").read_text()
    assert "data/raw/*" in ignore and "data/processed/*" in ignore
