"""Shared fixtures: a clean environment and throw-away notebook pairs in tmp dirs."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
PARAMS_DIR = NOTEBOOKS / "params"


def dying_fit(real_fit, at_step: int):
    """A stand-in for ``train.core.fit`` that raises KeyboardInterrupt when the state reaches
    ``at_step`` (after the checkpoints of earlier steps were written): a killed training run."""
    def fit(step_fn, state, steps, callbacks=()):
        def step(s):
            if s.step == at_step:
                raise KeyboardInterrupt
            return step_fn(s)
        return real_fit(step, state, steps, callbacks)
    return fit


@pytest.fixture(autouse=True)
def _no_smoke(monkeypatch):
    """Unit tests run at the default scale unless a test sets FACEFEAT_SMOKE itself."""
    monkeypatch.delenv("FACEFEAT_SMOKE", raising=False)


def committed_notebooks() -> list[Path]:
    """notebooks/NN_*.ipynb and NN_*.py stems (either half of a pair), sorted."""
    stems = {p.stem for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")}
    stems |= {p.stem for p in NOTEBOOKS.glob("[0-9][0-9]_*.py")}
    return [NOTEBOOKS / s for s in sorted(stems)]


def build_notebook(cells, outputs: bool = False):
    """An nbformat notebook from ``[(kind, source, tags)]``; kind "code" or "markdown".

    Carries the repo's jupytext filters in its metadata, as committed notebooks do.
    """
    import nbformat
    from jupytext.config import load_jupytext_config

    config = load_jupytext_config(str(ROOT / "notebooks" / "x.ipynb"))
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python",
                                 "name": "python3"}
    nb.metadata["jupytext"] = {"notebook_metadata_filter": config.notebook_metadata_filter,
                               "cell_metadata_filter": config.cell_metadata_filter}
    for kind, source, tags in cells:
        meta = {"tags": list(tags)} if tags else {}
        if kind == "markdown":
            nb.cells.append(nbformat.v4.new_markdown_cell(source, metadata=meta))
        else:
            cell = nbformat.v4.new_code_cell(source, metadata=meta)
            if outputs:
                cell.execution_count = len(nb.cells) + 1
                cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="ok\n")]
            nb.cells.append(cell)
    return nb


@pytest.fixture
def make_pair():
    """Write a throw-away notebook pair ``<dir>/<stem>.ipynb`` + ``.py``; return the ipynb path."""
    import jupytext
    import nbformat

    def make(directory: Path, stem: str, cells, outputs: bool = True) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        nb = build_notebook(cells, outputs=outputs)
        ipynb = directory / f"{stem}.ipynb"
        nbformat.write(nb, ipynb)
        (directory / f"{stem}.py").write_text(jupytext.writes(nb, fmt="py:percent"))
        return ipynb

    return make


@pytest.fixture
def data_params_cells():
    """Cells of a tiny notebook driven by DataParams: parameters, from_globals, a metric."""
    from facefeat_lite.params import DataParams, render_parameters_cell

    return [
        ("markdown", "# Throw-away notebook", ()),
        ("code", render_parameters_cell(DataParams), ("parameters",)),
        ("code", "from facefeat_lite.params import DataParams\n"
                 "from facefeat_lite.runlog import record_metrics\n"
                 "P = DataParams.from_globals(globals())\n"
                 "record_metrics('00_data', {'n_train_ids': P.n_train_ids,\n"
                 "                           'smoke': float(P.smoke)}, P.run_dir)\n"
                 "P", ()),
    ]
