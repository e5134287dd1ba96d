"""Execute the parameterised notebooks with papermill and render them to HTML with code hidden."""
from __future__ import annotations

import os
from pathlib import Path

import nbformat

from . import io, paths
from .errors import WorkbenchError
from .params import AnalysisParams, QualityParams
from .progress import bar

KERNEL = "python3"          # fixed, so that a notebook saved with another kernel still runs
CELL_TIMEOUT_S = 1800

NOTEBOOKS = {"01_data_quality": QualityParams, "02_survival": AnalysisParams, "03_sensitivity": AnalysisParams}
TITLES = {"01_data_quality": "Bijlage 1 — Datakwaliteit", "02_survival": "Bijlage 2 — Overleving",
          "03_sensitivity": "Bijlage 3 — Gevoeligheid"}


class RunFailed(WorkbenchError):
    """A notebook failed: names the municipality, the notebook and the cell."""

    def __init__(self, code: str, notebook: str, cell: int | None, error: str):
        self.code, self.notebook, self.cell, self.error = code, notebook, cell, error
        where = f" in cell {cell}" if cell is not None else ""
        super().__init__(f"{code}: {notebook}{where} failed: {error} (partial notebook kept)")


def _failed_cell(nb_path: Path) -> int | None:
    try:
        nb = nbformat.read(nb_path, as_version=4)
    except Exception:
        return None
    for i, cell in enumerate(nb.cells):
        if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            return i
    return None


def execute(name: str, params: dict, out_dir: Path, code: str) -> Path:
    """Run ``notebooks/<name>.ipynb`` with ``params`` into ``out_dir/<name>.ipynb``."""
    import papermill as pm
    src = paths.NOTEBOOKS_DIR / f"{name}.ipynb"
    out = Path(out_dir) / f"{name}.ipynb"
    out.parent.mkdir(parents=True, exist_ok=True)
    env_backend = os.environ.pop("MPLBACKEND", None)  # an inherited Agg backend drops every figure
    try:
        pm.execute_notebook(str(src), str(out), parameters=params, kernel_name=KERNEL,
                            cwd=str(paths.NOTEBOOKS_DIR), progress_bar=False,
                            execution_timeout=CELL_TIMEOUT_S, report_mode=True)
    except pm.PapermillExecutionError as exc:
        raise RunFailed(code, name, _failed_cell(out), f"{exc.ename}: {exc.evalue}") from None
    finally:
        if env_backend is not None:
            os.environ["MPLBACKEND"] = env_backend
    return out


def render_html(nb_path: Path, title: str) -> Path:
    """HTML with the code hidden (inputs excluded), figures embedded."""
    from nbconvert import HTMLExporter
    nb = nbformat.read(nb_path, as_version=4)
    nb.metadata["title"] = title
    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nb)
    return io.write_text(nb_path.with_suffix(".html"), body)


def run_municipality(code: str, *, processed: Path, out: Path, analysis: dict | None = None) -> list[Path]:
    """Analyse, execute and render every appendix of one municipality; returns the HTML files.

    The survival analyses are computed here first (with a progress bar), cached, and the notebooks
    present them; ``results.json`` is written beside the appendices.
    """
    from .results import primary_analysis, results_json, sensitivity_analysis
    processed = Path(processed).resolve()
    target = Path(out).resolve() / code
    ap = AnalysisParams(municipality=code, processed_dir=str(processed), **(analysis or {}))
    primary = primary_analysis(ap, progress=bar(f"{code} bootstrap"))
    sens = sensitivity_analysis(ap, progress=bar(f"{code} sensitivity"))
    htmls = []
    for name, model in NOTEBOOKS.items():
        if model is QualityParams:
            params = QualityParams(municipality=code, processed_dir=str(processed)).as_papermill()
        else:
            params = ap.as_papermill()
        nb = execute(name, params, target, code)
        htmls.append(render_html(nb, f"{TITLES[name]} — {code}"))
    io.write_json(target / "results.json", results_json(primary, sens))
    return htmls