"""The tables, cohort and design that primary, sensitivity and the advice share in one process are
built again when the code or the registry changes (a module edited in JupyterLab never serves a
cohort that other code built)."""
from analysis.study import results as R


def test_shared_is_rebuilt_for_other_code_or_registry(monkeypatch):
    calls = []

    def build():
        calls.append(1)
        return len(calls)

    R._SHARED.clear()
    monkeypatch.setattr(R.fingerprint, "code_sha256", lambda: "code-a")
    key = ("/data", "9999", "registry-1", "load", ("wijkteam",))
    assert R._shared(key, build) == 1
    assert R._shared(key, build) == 1            # shared: built once
    assert R._shared((*key[:4], ("cjg",)), build) == 2    # other parameters: its own entry
    monkeypatch.setattr(R.fingerprint, "code_sha256", lambda: "code-b")
    assert R._shared(key, build) == 3            # edited code: built again, the old entries forgotten
    assert all(k[3] == "code-b" for k in R._SHARED)
    assert R._shared(("/data", "9999", "registry-2", "load", ("wijkteam",)), build) == 4
    assert all(k[2] == "registry-2" for k in R._SHARED)
    R._SHARED.clear()
