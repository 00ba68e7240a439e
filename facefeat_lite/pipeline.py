"""Run the notebooks in order with papermill: the whole course as one command.

    python -m facefeat_lite.pipeline --params notebooks/params/cpu.yaml
    python -m facefeat_lite.pipeline --params notebooks/params/full_gpu.yaml --only 02 03

1. The parameter set (a flat YAML file, see :mod:`facefeat_lite.params`) is validated as a
   whole before any notebook starts: one error listing every problem, exit code 2.
2. Every ``notebooks/NN_*.ipynb`` (or the ``--only`` ones) runs in order in a ``python3``
   kernel whose working directory is the project root, receiving only the parameters its
   dataclass declares. The executed copy goes to ``<run_dir>/notebooks/<stem>.ipynb``: it is
   the run's record (papermill keeps it, outputs and all, even when a cell fails).
3. The first failing notebook stops the run (exit code 1) with its name and the path of its
   partial executed copy.
4. At the end: the path of ``<run_dir>/metrics.json`` and each notebook's wall time (also
   written to ``<run_dir>/timings.json``).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

from .params import (REGISTRY, SMOKE_ENV, CommonParams, ParameterError, project_path,
                     project_root, validate_parameter_set)

__all__ = ["find_notebooks", "plan", "run", "execute_pair", "main"]

NOTEBOOK_FILE = re.compile(r"^(\d\d)_[A-Za-z0-9_]+\.ipynb$")
EXIT_PARAMS = 2
EXIT_FAILED = 1


def find_notebooks(notebooks_dir: str | os.PathLike, only: list[str] | None = None) -> list[Path]:
    """``NN_*.ipynb`` in ``notebooks_dir``, in order; ``only`` keeps those whose number
    (``"03"``, ``"3"``) or stem (``"03_stage2_began_rendering"``) is listed."""
    d = Path(notebooks_dir)
    found = sorted(p for p in d.glob("*.ipynb") if NOTEBOOK_FILE.match(p.name))
    if not only:
        return found
    keep, missing = [], []
    for want in only:
        key = want.zfill(2) if want.isdigit() else want
        hits = [p for p in found if p.stem == key or p.stem[:2] == key]
        (keep.extend(hits) if hits else missing.append(want))
    if missing:
        raise ParameterError([f"--only {m}: no notebook {d}/{m}*.ipynb "
                              f"(have: {', '.join(p.stem for p in found) or 'none'})"
                              for m in missing], "--only")
    return sorted(set(keep))


def plan(params_file: str | os.PathLike, notebooks_dir: str | os.PathLike = "notebooks",
         only: list[str] | None = None, run_dir: str | None = None
         ) -> tuple[list[tuple[Path, dict[str, Any]]], str]:
    """Validate everything a run needs; return ``([(notebook, its parameters)], run_dir)``.

    Raises :class:`ParameterError` (one message, every problem) before anything runs.
    """
    import yaml

    with open(params_file, encoding="utf-8") as fh:
        mapping = yaml.safe_load(fh) or {}
    if run_dir is not None and isinstance(mapping, dict):
        mapping["run_dir"] = run_dir
    per_nb = validate_parameter_set(mapping, context=str(params_file))
    notebooks = find_notebooks(notebooks_dir, only)
    unregistered = [p.stem for p in notebooks if p.stem not in REGISTRY]
    if unregistered:
        raise ParameterError([f"{s}: no parameters dataclass registered for this notebook "
                              f"(add one to facefeat_lite/params.py)" for s in unregistered],
                             "notebooks")
    effective_run_dir = mapping.get("run_dir") or CommonParams.defaults()["run_dir"]
    return [(p, per_nb[p.stem]) for p in notebooks], effective_run_dir


def run(steps: list[tuple[Path, dict[str, Any]]], run_dir: str, *,
        progress: bool = True, cwd: str | os.PathLike | None = None) -> dict[str, float]:
    """Execute ``steps`` with papermill; return ``{stem: seconds}``.

    Raises ``RuntimeError`` naming the failing notebook and its partial executed copy.
    """
    import papermill as pm
    from tqdm.auto import tqdm

    from .runlog import atomic_write_json, read_json

    out_dir = project_path(run_dir) / "notebooks"
    out_dir.mkdir(parents=True, exist_ok=True)
    timings_path = project_path(run_dir) / "timings.json"
    timings: dict[str, float] = {}
    bar = tqdm(steps, desc="notebooks", unit="nb", disable=not progress, position=0)
    for nb, params in bar:
        bar.set_description(nb.stem)
        out = out_dir / nb.name
        t0 = time.perf_counter()
        try:
            pm.execute_notebook(
                str(nb), str(out), parameters=params, kernel_name="python3",
                cwd=str(cwd or project_root()), log_output=False,
                progress_bar={"desc": nb.stem, "leave": False, "position": 1} if progress else False,
            )
        except Exception as e:  # papermill's PapermillExecutionError carries the cell
            timings[nb.stem] = round(time.perf_counter() - t0, 2)
            bar.close()
            where = f" in cell {e.exec_count}" if getattr(e, "exec_count", None) else ""
            what = f"{e.ename}: {e.evalue}" if hasattr(e, "ename") else f"{type(e).__name__}: {e}"
            raise RuntimeError(f"notebook {nb.stem} failed{where}: {what}\n"
                               f"partial executed copy: {out}") from e
        timings[nb.stem] = round(time.perf_counter() - t0, 2)
        atomic_write_json(timings_path, {**read_json(timings_path, {}), **timings})
    bar.close()
    return timings


def execute_pair(path: str | os.PathLike, timeout: int | None = None) -> Path:
    """Re-execute a committed notebook pair in place, from its ``.py`` text.

    Runs ``NN_name.py`` top to bottom at its default (CPU) scale in a ``python3`` kernel started
    in the notebook's folder (as Jupyter and nbval do), writes ``NN_name.ipynb`` with the
    outputs and rewrites ``NN_name.py`` from it, so the pair says the same thing by the test of
    ``tests/test_notebook_pairs.py`` and of ``jupytext --to py:percent --output - NN.ipynb``.
    No papermill metadata and no per-cell timestamps are written (they would churn diffs).
    """
    import jupytext
    import nbclient
    from jupytext.config import load_jupytext_config

    py = Path(path).with_suffix(".py")
    ipynb = py.with_suffix(".ipynb")
    config = load_jupytext_config(str(py.resolve()))
    nb = jupytext.read(py, config=config)
    meta = nb.metadata.setdefault("jupytext", {})
    if config is not None:  # the filters travel in the notebook, so any converter applies them
        meta["notebook_metadata_filter"] = config.notebook_metadata_filter
        meta["cell_metadata_filter"] = config.cell_metadata_filter
    nb.metadata.setdefault("kernelspec", {"display_name": "Python 3 (ipykernel)",
                                          "language": "python", "name": "python3"})
    client = nbclient.NotebookClient(nb, kernel_name="python3", timeout=timeout,
                                     record_timing=False,
                                     resources={"metadata": {"path": str(py.parent.resolve())}})
    client.execute()
    jupytext.write(nb, ipynb, fmt="ipynb")
    py.write_text(jupytext.writes(jupytext.read(ipynb), fmt="py:percent"), encoding="utf-8")
    return ipynb


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m facefeat_lite.pipeline", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--params", help="parameter set (notebooks/params/*.yaml)")
    ap.add_argument("--only", nargs="+", metavar="NN", help="run only these notebooks")
    ap.add_argument("--notebooks-dir", default="notebooks", help="where NN_*.ipynb live")
    ap.add_argument("--run-dir", help="override the parameter set's run_dir")
    ap.add_argument("--smoke", action="store_true",
                    help=f"smoke scale: set {SMOKE_ENV}=1 for the kernels (CI's scale)")
    ap.add_argument("--dry-run", action="store_true",
                    help="validate and print the plan; run nothing")
    ap.add_argument("--no-progress", action="store_true", help="no progress bars")
    ap.add_argument("--execute-pair", nargs="+", metavar="NB",
                    help="instead: re-execute these committed notebook pairs in place "
                         "(default parameters) and re-sync their .py")
    args = ap.parse_args(argv)

    if args.execute_pair:
        for nb in args.execute_pair:
            t0 = time.perf_counter()
            print(f"executing {nb} ...", flush=True)
            try:
                execute_pair(nb)
            except Exception as e:  # nbclient's CellExecutionError shows the cell and traceback
                print(f"error: {nb} failed; its .ipynb was left as it was:\n{e}", file=sys.stderr)
                return EXIT_FAILED
            print(f"  done in {time.perf_counter() - t0:.1f} s", flush=True)
        return 0
    if not args.params:
        ap.error("--params is required (or --execute-pair)")

    try:
        steps, run_dir = plan(args.params, args.notebooks_dir, args.only, args.run_dir)
    except (ParameterError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_PARAMS
    if not steps:
        print(f"error: no NN_*.ipynb notebooks in {args.notebooks_dir}", file=sys.stderr)
        return EXIT_PARAMS

    if args.dry_run:
        print(f"run_dir: {project_path(run_dir)}")
        for nb, params in steps:
            print(f"{nb.stem}: " + ", ".join(f"{k}={v!r}" for k, v in params.items()))
        return 0

    if args.smoke:
        os.environ[SMOKE_ENV] = "1"
    try:
        timings = run(steps, run_dir, progress=not args.no_progress)
    except RuntimeError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_FAILED
    root = project_path(run_dir)
    print(f"metrics: {root / 'metrics.json'}")
    print(f"executed notebooks: {root / 'notebooks'}")
    width = max(len(s) for s in timings)
    for stem, secs in timings.items():
        print(f"  {stem:<{width}}  {secs:8.1f} s")
    print(f"  {'total':<{width}}  {sum(timings.values()):8.1f} s  (timings.json)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
