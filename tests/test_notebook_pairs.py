"""Every committed notebook is a pair (NN_name.ipynb + NN_name.py) saying the same thing.

Compared by content, never by timestamps (a fresh clone's timestamps are arbitrary): the
.ipynb is converted to py:percent text with jupytext and must equal the .py file exactly, as
the before-stop hook checks with ``jupytext --to py:percent --output - f.ipynb | diff - f.py``.
Every committed .ipynb must also be executed (it carries outputs; nbval replays it) and have
exactly one cell tagged ``parameters`` (papermill's).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import committed_notebooks

RESYNC = ("re-sync the pair: `jupytext --to ipynb --update {py}` (the .py is the source; keeps "
          "outputs) or `jupytext --sync {ipynb}` (the newer file wins), then re-execute with "
          "`python3 tasks.py execute {py}` if code changed")


def pair_problems(ipynb: Path) -> list[str]:
    """Why ``ipynb`` and its ``.py`` do not form a valid committed pair (empty: they do)."""
    import jupytext
    from jupytext.config import load_jupytext_config

    py = ipynb.with_suffix(".py")
    hint = RESYNC.format(py=py.as_posix(), ipynb=ipynb.as_posix())
    if not ipynb.exists():
        return [f"{py} has no paired {ipynb.name} (nbval needs the executed .ipynb): "
                f"`python3 tasks.py execute {py.as_posix()}`"]
    if not py.exists():
        return [f"{ipynb} has no paired {py.name}: `jupytext --sync {ipynb.as_posix()}`"]
    problems = []
    nb = jupytext.read(ipynb)
    text = py.read_text(encoding="utf-8")
    # what the hook's CLI prints (no config: the filters must travel in the notebook) ...
    plain = jupytext.writes(nb, fmt="py:percent")
    # ... and what `jupytext --sync` writes with the repo's jupytext.toml
    config = load_jupytext_config(str(ipynb.resolve()))
    synced = jupytext.writes(jupytext.read(ipynb), fmt="py:percent", config=config)
    for name, converted in (("jupytext --to py:percent", plain), ("with jupytext.toml", synced)):
        if converted != text:
            first = next((i for i, (a, b) in enumerate(
                zip(converted.splitlines(), text.splitlines())) if a != b),
                min(len(converted.splitlines()), len(text.splitlines())))
            a = converted.splitlines()[first] if first < len(converted.splitlines()) else "<end>"
            b = text.splitlines()[first] if first < len(text.splitlines()) else "<end>"
            problems.append(f"{ipynb.name} converted ({name}) differs from {py.name} at line "
                            f"{first + 1}: {a!r} vs {b!r}; {hint}")
            break
    code = [c for c in nb.cells if c.cell_type == "code"]
    if not any(c.get("outputs") for c in code):
        problems.append(f"{ipynb.name} has no outputs: commit it executed "
                        f"(`python3 tasks.py execute {py.as_posix()}`)")
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    if len(tagged) != 1:
        problems.append(f"{ipynb.name} has {len(tagged)} cells tagged `parameters`; "
                        f"papermill needs exactly one")
    elif code and code[0] is not tagged[0]:
        problems.append(f"{ipynb.name}: the `parameters` cell must be the first code cell")
    return problems


# --------------------------------------------------------------------------- committed pairs

_NOTEBOOKS = committed_notebooks()


@pytest.mark.skipif(not _NOTEBOOKS, reason="no notebooks/NN_* committed yet")
@pytest.mark.parametrize("stem", _NOTEBOOKS, ids=lambda p: p.name)
def test_committed_pair(stem: Path):
    problems = pair_problems(stem.with_suffix(".ipynb"))
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------- the checker itself

CELLS = [("markdown", "# Title", ()), ("code", "a: int = 1  # a knob", ("parameters",)),
         ("code", "print(a)", ())]


def test_good_pair_passes(tmp_path, make_pair):
    assert pair_problems(make_pair(tmp_path, "00_x", CELLS)) == []


def test_edited_py_is_caught_with_resync_hint(tmp_path, make_pair):
    ipynb = make_pair(tmp_path, "00_x", CELLS)
    py = ipynb.with_suffix(".py")
    py.write_text(py.read_text().replace("print(a)", "print(a + 1)"))
    (msg,) = pair_problems(ipynb)
    assert "differs" in msg and "print(a)" in msg and "jupytext --to ipynb --update" in msg


def test_missing_half_is_caught(tmp_path, make_pair):
    ipynb = make_pair(tmp_path, "00_x", CELLS)
    ipynb.with_suffix(".py").unlink()
    assert "has no paired 00_x.py" in pair_problems(ipynb)[0]
    ipynb2 = make_pair(tmp_path, "01_y", CELLS)
    ipynb2.unlink()
    assert "has no paired 01_y.ipynb" in pair_problems(ipynb2)[0]


def test_unexecuted_and_parameters_cell_rules(tmp_path, make_pair):
    ipynb = make_pair(tmp_path, "00_x", CELLS, outputs=False)
    assert any("no outputs" in p for p in pair_problems(ipynb))
    two = [CELLS[0], CELLS[1], ("code", "b = 2", ("parameters",))]
    assert any("2 cells tagged" in p for p in pair_problems(make_pair(tmp_path, "01_y", two)))
    late = [CELLS[0], ("code", "import os", ()), CELLS[1]]
    assert any("first code cell" in p for p in pair_problems(make_pair(tmp_path, "02_z", late)))


def test_volatile_metadata_not_in_py(tmp_path, make_pair):
    """jupytext_version and papermill/execution cell metadata never reach the .py."""
    import jupytext

    ipynb = make_pair(tmp_path, "00_x", CELLS)
    nb = jupytext.read(ipynb)
    nb.cells[1].metadata["papermill"] = {"duration": 1.5}
    nb.cells[1].metadata["execution"] = {"iopub.status.idle": "2026-01-01"}
    text = jupytext.writes(nb, fmt="py:percent")
    assert "jupytext_version:" not in text and "papermill" not in text
    assert "execution" not in text and 'tags=["parameters"]' in text
