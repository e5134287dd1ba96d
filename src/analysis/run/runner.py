"""Run the appendices of many municipalities: one *unit* per municipality.

A unit validates the delivery, executes the three notebooks with papermill (the notebooks compute
through the cached analyses of :mod:`analysis.study.results`) and writes ``results.json`` with its
provenance, all under ``data/runs/<code>/`` (the batch folder, never published). Units run in the parent process (``workers=1``), in a
local process pool (spawn start method) or on a Dask distributed cluster (``scheduler``); the
parent shows one progress bar. A unit never raises: a failure is reported with the municipality,
the notebook and the cell, its partial notebook kept. A unit whose inputs, parameters and code are
unchanged since its last successful run is skipped unless ``force``.
"""
from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import signal
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat

from .. import fingerprint, io
from ..lock import folder_locks
from ..procs import die_with_parent, fault_point, stop_children
from ..errors import ParameterError, WorkbenchError
from ..paths import NOTEBOOK_NAMES as NOTEBOOKS
from ..paths import UNIT_FILE
from ..progress import bar
from ..registry.delivery import check_municipality_code
from ..registry.validate import MAX_REJECTED, essential_losses
from ..study.bootstrap import THREAD_VARS
from ..study.params import AnalysisParams
from .params import NOTEBOOK_PARAMS, SurvivalParams
from .provenance import applied_mapping, input_hashes, input_roles, provenance

KERNEL = "python3"           # fixed, so that a notebook saved with another kernel still runs
CELL_TIMEOUT_S = 1800        # per cell
START_TIMEOUT_S = 180        # kernel start, generous for a loaded machine


class DataLost(WorkbenchError):
    """Validation rejected more of an essential table than the threshold allows."""

    stage = "validation"


class RunFailed(WorkbenchError):
    """A notebook failed: names the municipality, the notebook and the cell."""

    def __init__(self, code: str, notebook: str, cell: int | None, error: str):
        self.code, self.notebook, self.cell, self.error = code, notebook, cell, error
        where = f" in cell {cell}" if cell is not None else ""
        super().__init__(f"{code}: {notebook}{where} failed: {error} (partial notebook kept)")


def _cells(nb_path: Path) -> list | None:
    try:
        return nbformat.read(nb_path, as_version=4).cells
    except Exception:
        return None


def _failed_cell(nb_path: Path, src: Path | None = None) -> int | None:
    """The failing cell as a researcher finds it: its number (1-based) in the source notebook.

    Papermill adds cells to the output (injected parameters, error banners), so the cell with the
    error output (or the one still marked running) is found there and mapped back by its id."""
    cells = _cells(nb_path) or []
    bad = next((c for c in cells if any(o.get("output_type") == "error" for o in c.get("outputs", []))), None)
    bad = bad or next((c for c in cells if c.get("metadata", {}).get("papermill", {}).get("status")
                       in ("running", "failed")), None)
    if bad is None:
        return None
    source = _cells(src) if src is not None else None
    if source:
        for i, c in enumerate(source, start=1):
            if c.get("id") == bad.get("id"):
                return i
    return cells.index(bad) + 1


def _any_cell_ran(nb_path: Path) -> bool:
    """Whether a code cell started. Not by its status: when the kernel dies before its first reply
    (two kernels given the same TCP port, say) papermill still writes every cell as "completed",
    but none has a start time."""
    cells = _cells(nb_path)
    return bool(cells) and any(c.get("execution_count") is not None or
                               c.get("metadata", {}).get("papermill", {}).get("start_time") is not None
                               for c in cells if c.cell_type == "code")


def execute(name: str, params: dict, out_dir: Path, code: str, *, timeout: int = CELL_TIMEOUT_S) -> Path:
    """Run ``notebooks/<name>.ipynb`` with ``params`` into ``out_dir/<name>.ipynb``.

    A kernel that dies (or never starts) before the first cell ran is retried once; any other
    failure raises :class:`RunFailed` with the cell, the partial notebook left in place.
    """
    import papermill as pm
    from .. import paths
    src = paths.NOTEBOOKS_DIR / f"{name}.ipynb"
    out = Path(out_dir) / f"{name}.ipynb"
    out.parent.mkdir(parents=True, exist_ok=True)
    env_backend = os.environ.pop("MPLBACKEND", None)  # an inherited Agg backend drops every figure
    try:
        for attempt in (1, 2):
            out.unlink(missing_ok=True)
            try:
                pm.execute_notebook(str(src), str(out), parameters=params, kernel_name=KERNEL,
                                    progress_bar=False, execution_timeout=timeout,
                                    start_timeout=START_TIMEOUT_S, report_mode=True,
                                    # no kernel log lines between the parent's progress bar
                                    # (CRITICAL: the kernel logs its own shutdown as "ERROR | KeyboardInterrupt")
                                    extra_arguments=["--IPKernelApp.log_level=CRITICAL"])
                return out
            except pm.PapermillExecutionError as exc:
                raise RunFailed(code, name, _failed_cell(out, src), f"{exc.ename}: {exc.evalue}") from None
            except Exception as exc:   # dead kernel, kernel that did not start, cell timeout
                if attempt == 1 and not _any_cell_ran(out):
                    continue
                raise RunFailed(code, name, _failed_cell(out, src), f"{type(exc).__name__}: {exc}") from None
    finally:
        if env_backend is not None:
            os.environ["MPLBACKEND"] = env_backend
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class Unit:
    """One municipality's run; plain values and absolute paths only (it travels to other processes)."""

    code: str
    raw: str
    processed: str
    out: str
    analysis: dict = field(default_factory=dict)   # overrides of the analysis parameters (n_boot, lang, ...)
    cell_timeout: int = CELL_TIMEOUT_S
    force: bool = False
    accept_rejections: bool = False   # run even when an essential table lost more than max_rejected
    max_rejected: float = MAX_REJECTED
    problem: str | None = None        # why this folder cannot be a unit (reported as its failure)

    @property
    def folder(self) -> Path:
        return Path(self.out) / self.code


@dataclass
class UnitResult:
    code: str
    status: str                    # "ok", "skipped" or "failed"
    seconds: float = 0.0
    stage: str | None = None       # where it failed: validation, notebook or results
    notebook: str | None = None
    cell: int | None = None        # 1-based, in notebooks/<notebook>.ipynb
    error: str | None = None
    partial: str | None = None     # the partial notebook that was kept

    def line(self) -> str:
        if self.status != "failed":
            return f"{self.code}: {self.status} ({self.seconds:.0f} s)"
        where = (f"{self.notebook}" + (f", cell {self.cell}" if self.cell is not None else "")
                 if self.notebook else self.stage or "the unit")
        kept = f"; partial notebook kept: {self.partial}" if self.partial else ""
        return f"{self.code}: FAILED in {where}: {self.error}{kept}"


def unit_params(u: Unit) -> dict:
    """The notebook parameters that change the numbers (validated here, before any run)."""
    base = {k: v for k, v in u.analysis.items() if k != "workers"}
    return {"analysis": base, "cell_timeout": u.cell_timeout, "accept_rejections": u.accept_rejections,
            "max_rejected": u.max_rejected}


def unit_key(u: Unit, inputs: dict[str, str]) -> str:
    """Input files, parameters, code and packages: the same :func:`analysis.fingerprint.key` that
    keys the analysis cache, so that a skipped unit and a cache hit mean the same thing."""
    return fingerprint.key("unit", inputs=inputs, params=unit_params(u), notebooks=fingerprint.notebooks_sha256())


def _up_to_date(u: Unit, key: str) -> bool:
    try:
        state = json.loads((u.folder / UNIT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (state.get("unit_key") == key and state.get("status") == "ok"
            and all((u.folder / f"{n}.ipynb").exists() for n in NOTEBOOKS) and (u.folder / "results.json").exists())


def _precompute(ap, code: str, show: bool) -> None:
    """Compute the analyses (with progress bars where ``show``) before the notebooks read them from
    the cache, so that the notebooks can run side by side.

    With more than one analysis worker the sensitivity analyses run in a forked process beside the
    primary analysis and the registration advice (which needs the primary's results): each has
    stretches on one core (reading, the design, the simulated registries) that the other fills. Both
    write to the cache; nothing is shared but the files.

    A failure here is left for the notebook, which meets the same error in a cell and reports where.
    """
    from ..study.results import primary_analysis, routes_waiting, sensitivity_analysis
    from ..synth.planning import registration_planning
    label = (lambda what: bar(f"{code} {what}")) if show else (lambda what: None)
    side = None
    if ap.workers > 1 and "fork" in multiprocessing.get_all_start_methods():
        side = multiprocessing.get_context("fork").Process(target=_sensitivity_beside, args=(ap,), daemon=False)
        side.start()
    try:
        primary_analysis(ap, progress=label("bootstrap"))
        if side is None:
            sensitivity_analysis(ap, progress=label("sensitivity"))
        registration_planning(ap)
        routes_waiting(ap)
    except Exception:
        pass
    finally:
        if side is not None:
            side.join()


def _sensitivity_beside(ap) -> None:
    """The forked process of :func:`_precompute`: the sensitivity analyses into the cache."""
    die_with_parent()
    from ..study.results import sensitivity_analysis
    try:
        sensitivity_analysis(ap)
    except Exception:   # the notebook meets it again and reports it
        pass


#: the notebooks of a unit run side by side in this many kernels (they only read the cached analyses);
#: the fourth waits for the first to end: on two cores a fourth kernel at once gains nothing, and two
#: pool workers would start eight kernels at a time
NOTEBOOK_KERNELS = 3


def _execute_all(u: Unit, ap) -> None:
    """Execute the unit's notebooks side by side (threads, one kernel each); the first failure in
    notebook order is raised, after every notebook has ended."""
    from concurrent.futures import ThreadPoolExecutor
    jobs = [(name, model(**ap.as_papermill()).as_papermill()) for name, model in NOTEBOOK_PARAMS.items()]
    # the kernels must not inherit a non-interactive backend (it drops every figure): cleared once
    # here, around all of them, not per thread
    env_backend = os.environ.pop("MPLBACKEND", None)
    try:
        with ThreadPoolExecutor(max_workers=NOTEBOOK_KERNELS) as pool:
            futures = [pool.submit(execute, name, params, u.folder, u.code, timeout=u.cell_timeout)
                       for name, params in jobs]
            errors = [f.exception() for f in futures]
    finally:
        if env_backend is not None:
            os.environ["MPLBACKEND"] = env_backend
    for exc in errors:
        if exc is not None:
            raise exc


def run_unit(u: Unit, in_parent: bool = False) -> UnitResult:
    """Validate, execute and write results for one municipality. Never raises."""
    t0 = time.perf_counter()
    res = UnitResult(u.code, "failed")
    try:
        if u.problem:    # a misnamed folder fails alone; the other municipalities run
            raise ParameterError(u.problem)
        inputs = input_hashes(Path(u.raw))
        key = unit_key(u, inputs)
        if not u.force and _up_to_date(u, key):
            return UnitResult(u.code, "skipped", time.perf_counter() - t0)
        # units side by side: one BLAS thread per kernel (OpenBLAS threads that outnumber the cores
        # spin: two units made notebook 03 take 113 s instead of 7.6 s)
        if not in_parent:
            os.environ.update({k: "1" for k in THREAD_VARS})
        _run(u, inputs, in_parent)
        res.status = "ok"
        state = {"unit_key": key}
    except RunFailed as exc:
        res.stage, res.notebook, res.cell, res.error = "notebook", exc.notebook, exc.cell, exc.error
        res.partial = str(u.folder / f"{exc.notebook}.ipynb")
        state = {}
    except Exception as exc:     # unreadable delivery, wrong folder, a bug: reported, never raised
        res.stage = getattr(exc, "stage", None) or "validation"
        res.error = f"{type(exc).__name__}: {exc}"
        if not isinstance(exc, WorkbenchError):
            res.error += "\n" + traceback.format_exc(limit=5)
        state = {}
    res.seconds = time.perf_counter() - t0
    try:
        # where the validated registry lies: publish finds the person identifiers to scan for there
        io.write_json(u.folder / UNIT_FILE, {**state, "processed": u.processed, **asdict(res)})
    except OSError:
        pass
    return res


def _run(u: Unit, inputs: dict[str, str], in_parent: bool) -> None:
    from ..registry.store import save
    from ..registry.validate import validate_delivery
    from ..report.results_file import results_json
    from ..study.results import primary_analysis, routes_waiting, sensitivity_analysis
    from ..synth.planning import registration_planning
    (u.folder / "results.json").unlink(missing_ok=True)    # a failed rerun never leaves old results
    result = validate_delivery(Path(u.raw), progress=bar(f"validate {u.code}") if in_parent else None)
    if result.code != u.code:
        raise WorkbenchError(f"the folder {u.raw} holds the delivery of municipality {result.code}: "
                             f"name the folder after the municipality code")
    processed = Path(u.processed)
    save(result, processed)
    fault_point("validation")
    losses = essential_losses(result.quality(), u.max_rejected)
    if losses and not u.accept_rejections:
        raise DataLost(f"validation rejected too much of the essential tables: {'; '.join(losses)}. "
                       f"See {processed / u.code / 'rejected'}; fix the delivery or mapping.yml, or rerun "
                       "with --accept-rejections to analyse what was accepted")
    if u.force:
        shutil.rmtree(processed / u.code / "analysis", ignore_errors=True)
    workers = u.analysis.get("workers", 1)
    analysis = {**u.analysis, "workers": workers}
    ap = SurvivalParams(municipality=u.code, processed_dir=str(processed), **analysis)
    _precompute(ap, u.code, show=in_parent)
    _execute_all(u, ap)
    try:
        out = results_json(primary_analysis(ap), sensitivity_analysis(ap), result.quality(),
                           planning=registration_planning(ap), routes=routes_waiting(ap))
        out["provenance"] = provenance(input_roles(Path(u.raw), inputs), ap.analysis_key(), ap.seed,
                                       mapping=applied_mapping(Path(u.raw)))
        io.write_json(u.folder / "results.json", out)
    except Exception as exc:
        exc.stage = "results.json"
        raise


def _failed(u: Unit, exc: BaseException) -> UnitResult:
    return UnitResult(u.code, "failed", error=f"{type(exc).__name__}: {exc}")


def batch(units: list[Unit], *, workers: int = 1, scheduler: str | None = None,
          progress: bool = True) -> list[UnitResult]:
    """Run every unit; returns their results in the units' order and writes ``batch.json``.

    ``workers=1`` without a scheduler runs the units one after another in this process (with
    the analyses' own progress bars); more workers use a spawn process pool; ``scheduler`` sends
    the units to a Dask distributed scheduler at that address.
    """
    if not units:
        return []
    with folder_locks({Path(units[0].out), *(Path(u.processed) for u in units)}, "batch"):
        return _batch(units, workers=workers, scheduler=scheduler, progress=progress)


def _batch(units: list[Unit], *, workers: int, scheduler: str | None, progress: bool) -> list[UnitResult]:
    t0 = time.perf_counter()
    results: dict[str, UnitResult] = {}
    tick = bar("municipalities") if progress else (lambda it, total=None: it)
    if scheduler:
        results = _on_dask(units, scheduler, tick)
    elif workers <= 1:
        for u in tick(units, total=len(units)):
            results[u.code] = run_unit(u, in_parent=progress)
    else:
        results = _on_pool(sorted(units, key=_size, reverse=True), workers, tick)   # largest first
    ordered = [results[u.code] for u in units]
    summary = {"seconds": round(time.perf_counter() - t0, 1), "workers": workers, "scheduler": scheduler,
               "units": [asdict(r) for r in ordered]}
    io.write_json(Path(units[0].out) / "batch.json", summary)
    return ordered


def _on_pool(units: list[Unit], workers: int, tick) -> dict[str, UnitResult]:
    ctx = multiprocessing.get_context("spawn")
    results: dict[str, UnitResult] = {}
    ex = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=die_with_parent)
    old = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        futures = {ex.submit(run_unit, u): u for u in units}
        for f in tick(as_completed(futures), total=len(futures)):
            u = futures[f]
            try:
                results[u.code] = f.result()
            except Exception as exc:       # a worker that died (out of memory, killed)
                results[u.code] = _failed(u, exc)
    except KeyboardInterrupt:
        _kill_pool(ex)
        raise
    finally:
        signal.signal(signal.SIGTERM, old)
        ex.shutdown(wait=True, cancel_futures=True)
    return results


def _size(u: Unit) -> int:
    return sum(p.stat().st_size for p in Path(u.raw).rglob("*") if p.is_file())


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def _kill_pool(ex: ProcessPoolExecutor) -> None:
    """Stop the workers and the kernels they started (each worker's children first)."""
    for p in list(getattr(ex, "_processes", {}).values()):
        try:
            stop_children(p.pid)
            p.terminate()
        except (OSError, AttributeError):
            pass
    ex.shutdown(wait=False, cancel_futures=True)


def _on_dask(units: list[Unit], scheduler: str, tick) -> dict[str, UnitResult]:
    """The same units on a Dask cluster (its workers should run one thread each: a unit changes
    process-wide environment variables). A worker lost mid-unit is reported as that unit's failure."""
    from distributed import Client
    from distributed import as_completed as dask_completed
    results: dict[str, UnitResult] = {}
    with Client(scheduler, timeout="60s") as client:
        threaded = [w for w, info in client.scheduler_info().get("workers", {}).items() if info.get("nthreads", 1) > 1]
        if threaded:
            import warnings
            warnings.warn(f"{len(threaded)} Dask worker(s) run more than one thread; a unit sets process-wide "
                          "environment (BLAS threads, matplotlib backend): start them with --nthreads 1", stacklevel=2)
        futures = {client.submit(run_unit, u, priority=_size(u), key=f"workbench-unit-{u.code}-{os.getpid()}-{time.time_ns()}",
                                 pure=False): u for u in units}
        for f in tick(dask_completed(list(futures)), total=len(futures)):
            u = futures[f]
            try:
                results[u.code] = f.result()
            except Exception as exc:
                results[u.code] = _failed(u, exc)
    return results


def make_units(folders: list[Path], *, processed: Path, out: Path, analysis: dict | None = None,
               workers: int = 1, scheduler: str | None = None, cell_timeout: int = CELL_TIMEOUT_S,
               force: bool = False, accept_rejections: bool = False,
               max_rejected: float | None = None) -> list[Unit]:
    """Units for delivery folders (named by municipality code), parameters validated up front."""
    analysis = dict(analysis or {})
    # bootstrap processes inside a unit: every core of this machine (units of unequal size leave
    # cores idle otherwise: Grootstad alone on one core made 2 workers slower than 1); BLAS
    # threads are limited to one per kernel instead (run_unit). On a cluster: one per unit.
    analysis.setdefault("workers", 1 if scheduler else max(1, os.cpu_count() or 1))
    if not 10 <= cell_timeout <= 86_400:
        raise ParameterError(f"cell timeout must be 10–86400 seconds, got {cell_timeout}")
    if isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= 64:
        raise ParameterError(f"--workers must be a whole number in 1–64 (municipalities side by side), got {workers!r}")
    max_rejected = MAX_REJECTED if max_rejected is None else max_rejected
    if not 0 <= max_rejected <= 1:
        raise ParameterError(f"the share of rejected rows must be 0–1 (0.05 = 5%), got {max_rejected}")
    # the notebooks' own model checks the values before anything runs
    AnalysisParams(municipality="0000", processed_dir="", require_registry=False, **analysis)
    units = []
    for f in folders:
        code = Path(f).name
        try:
            check_municipality_code(code, f"folder name {f}")
            problem = None
        except ParameterError as exc:
            problem = str(exc)
        units.append(Unit(code=code, raw=str(Path(f).resolve()), processed=str(Path(processed).resolve()),
                          out=str(Path(out).resolve()), analysis=analysis, cell_timeout=cell_timeout, force=force,
                          accept_rejections=accept_rejections, max_rejected=float(max_rejected),
                          problem=problem))
    return units

