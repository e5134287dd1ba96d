"""`make lab`: kernels pick up changed code without a restart (autoreload from lab/ipython)."""
from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_make_lab_points_kernels_at_the_autoreload_profile():
    make = (ROOT / "Makefile").read_text()
    assert re.search(r"^lab:.*\n\tIPYTHONDIR=\$\(CURDIR\)/lab/ipython \$\(BIN\)/jupyter lab", make, re.M)


@pytest.mark.slow
def test_a_changed_module_is_picked_up_without_restarting_the_kernel(tmp_path):
    from jupyter_client.manager import start_new_kernel
    module = tmp_path / "wb_autoreload_probe.py"
    module.write_text("def answer():\n    return 1\n")
    env = {**os.environ, "IPYTHONDIR": str(ROOT / "lab" / "ipython"), "PYTHONPATH": str(tmp_path)}
    km, kc = start_new_kernel(kernel_name="python3", env=env)
    try:
        def run(code: str) -> str:
            out: list[str] = []
            reply = kc.execute_interactive(code, timeout=60, output_hook=lambda m: out.append(
                m["content"].get("data", {}).get("text/plain", "") or m["content"].get("text", "")))
            assert reply["content"]["status"] == "ok", reply["content"]
            return "".join(out)
        assert run("import wb_autoreload_probe; wb_autoreload_probe.answer()").strip() == "1"
        time.sleep(1.1)                                   # a newer modification time
        module.write_text("def answer():\n    return 2\n")
        assert run("wb_autoreload_probe.answer()").strip() == "2"
        assert run("import analysis; analysis.__version__") != ""   # the package is importable
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
