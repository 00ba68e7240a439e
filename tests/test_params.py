"""Notebook parameters: dataclasses, parameters cells, parameter-set YAML files, validation."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, ClassVar

import pytest
import yaml

from conftest import PARAMS_DIR, committed_notebooks
from facefeat_lite import params as P
from facefeat_lite.params import (REGISTRY, CommonParams, DataParams, ParameterError,
                                  check_parameters_cell, check_value, render_parameters_cell,
                                  validate_parameter_set)


@pytest.fixture
def temp_registered():
    """Register throw-away notebook classes; the registry is restored afterwards."""
    saved = dict(REGISTRY)
    yield
    REGISTRY.clear()
    REGISTRY.update(saved)


def parameters_cell(py: Path) -> str:
    """Source of the cell tagged ``parameters`` in a py:percent notebook (must be the first code cell)."""
    import jupytext

    nb = jupytext.read(py)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and "parameters" in code[0].metadata.get("tags", []), \
        f"{py.name}: the first code cell must be tagged `parameters`"
    return code[0].source


# --------------------------------------------------------------------------- dataclasses


def test_data_params_registered_with_common_fields_first():
    assert REGISTRY["00_data"] is DataParams and DataParams.NOTEBOOK == "00_data"
    names = list(DataParams.field_types())
    assert names[:7] == ["seed", "device", "run_dir", "data_dir", "dataset", "data_root",
                         "image_size"]
    assert names[7:] == ["n_train_ids", "samples_per_id", "n_test_ids", "check_steps",
                         "check_batch", "check_width"]
    d = DataParams.defaults()
    assert (d["seed"], d["device"], d["run_dir"], d["image_size"]) == (0, "auto", "runs/demo", 64)


def test_every_registered_class_is_sound():
    for stem, cls in REGISTRY.items():
        assert P.NOTEBOOK_STEM.match(stem) and issubclass(cls, CommonParams)
        cls.defaults()  # every field has a default
        for name, value in cls.SMOKE.items():
            assert check_value(value, cls.field_types()[name], name)[1] is None


def test_shared_names_have_one_type_everywhere():
    seen: dict[str, Any] = {}
    for cls in REGISTRY.values():
        for name, tp in cls.field_types().items():
            assert seen.setdefault(name, tp) == tp, f"{name}: {tp} vs {seen[name]}"


def test_register_refuses_conflicting_type_and_bad_smoke(temp_registered):
    with pytest.raises(TypeError, match="seed: str conflicts with int"):
        @P.register("98_conflict")
        @dataclasses.dataclass(repr=False)
        class Conflict(P.NotebookParams):
            seed: str = "0"

    with pytest.raises(ValueError, match="not a field"):
        @P.register("98_smoke")
        @dataclasses.dataclass(repr=False)
        class BadSmoke(CommonParams):
            SMOKE: ClassVar[dict] = {"stepz": 3}
            steps: int = 10

    with pytest.raises(ValueError, match="NN_name"):
        P.register("data")
    assert "98_conflict" not in REGISTRY and "98_smoke" not in REGISTRY


# --------------------------------------------------------------------------- type checks


@pytest.mark.parametrize("value, tp, ok, out", [
    (3, int, True, 3), (True, int, False, None), (3.0, int, False, None),
    (3, float, True, 3.0), (False, float, False, None), ("8e-5", float, False, None),
    ("cpu", str, True, "cpu"), (1, str, False, None), (True, bool, True, True),
    (1, bool, False, None), ([1, 2], list[int], True, [1, 2]), ([1, "2"], list[int], False, None),
    ("[1, 2]", list[int], False, None), ([1, 2], list[float], True, [1.0, 2.0]),
    ({"a": 1}, dict[str, float], True, {"a": 1.0}), (None, int | None, True, None),
    (2, int | None, True, 2), ("x", int | None, False, None),
])
def test_check_value(value, tp, ok, out):
    got, err = check_value(value, tp, "x")
    assert (err is None) == ok, err
    if ok:
        assert got == out and type(got) is type(out)


def test_check_value_hints():
    assert "8.0e-5" in check_value("8e-5", float, "lr")[1]
    assert "papermill" in check_value("[1, 2]", list[int], "sizes")[1]
    assert "write 3" in check_value(3.0, int, "steps")[1]


# --------------------------------------------------------------------------- parameter sets


def test_validate_lists_every_problem_in_one_error():
    with pytest.raises(ParameterError) as e:
        validate_parameter_set({"n_trian_ids": 5, "seed": "0", "image_size": True,
                                "device": "cpu", "check_widht": 3})
    msg = str(e.value)
    assert "4 problem(s)" in msg
    assert "n_trian_ids: unknown parameter" in msg and "did you mean 'n_train_ids'" in msg
    assert "did you mean 'check_width'" in msg
    assert "seed: expected int, got '0' (str)" in msg
    assert "image_size: expected int, got True (bool)" in msg
    assert isinstance(e.value, ValueError) and len(e.value.problems) == 4


def test_validate_splits_per_notebook_and_converts():
    out = validate_parameter_set({"seed": 3, "n_train_ids": 7})
    assert out["00_data"] == {"seed": 3, "n_train_ids": 7}
    assert set(out) == set(REGISTRY)


def test_validate_rejects_yaml_null_and_non_mapping():
    with pytest.raises(ParameterError, match="empty value"):
        validate_parameter_set(yaml.safe_load("seed:\n"))
    with pytest.raises(ParameterError, match="expected a mapping"):
        validate_parameter_set(["seed", 1])


def test_yaml_float_pitfall_message(temp_registered):
    @P.register("98_lr")
    @dataclasses.dataclass(repr=False)
    class LrParams(CommonParams):
        lr: float = 1.0e-4  # learning rate

    with pytest.raises(ParameterError, match=r"write 8\.0e-5"):
        validate_parameter_set(yaml.safe_load("lr: 8e-5\n"))
    assert validate_parameter_set(yaml.safe_load("lr: 8.0e-5\n"))["98_lr"] == {"lr": 8.0e-5}


def _load(name: str) -> dict:
    with open(PARAMS_DIR / name, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def test_cpu_yaml_is_exactly_the_defaults():
    want = {}
    for cls in REGISTRY.values():
        want.update(cls.defaults())
    got = _load("cpu.yaml")
    assert set(got) == set(want), f"missing {set(want) - set(got)}, extra {set(got) - set(want)}"
    for k, v in want.items():
        assert type(got[k]) is type(v) and got[k] == v, f"{k}: {got[k]!r} != default {v!r}"
    P.load_parameter_set(PARAMS_DIR / "cpu.yaml")


def test_full_gpu_yaml_is_valid():
    data = _load("full_gpu.yaml")
    validate_parameter_set(data)
    assert data["image_size"] == 128 and data["device"] == "auto"
    assert data["run_dir"] == "runs/full_gpu"


# --------------------------------------------------------------------------- from_globals


def _globals(**over):
    g = dict(DataParams.defaults())
    g.update(over)
    return g


def test_from_globals_outside_ipython():
    p = DataParams.from_globals(_globals(n_train_ids=7))
    assert p.n_train_ids == 7 and p.smoke is False
    assert p.requested_device == "auto" and p.device in {"cpu", "cuda"}
    assert p.to_dict()["n_train_ids"] == 7 and list(p.to_dict()) == list(DataParams.field_types())
    assert "DataParams(00_data)" in repr(p) and "n_train_ids" in repr(p)
    assert "(requested 'auto')" in repr(p)


def test_from_globals_type_errors_are_not_cast():
    with pytest.raises(ParameterError) as e:
        DataParams.from_globals(_globals(n_train_ids="7", check_batch=6.5))
    assert "n_train_ids: expected int, got '7' (str)" in str(e.value)
    assert "check_batch" in str(e.value)


def test_from_globals_missing_field():
    g = _globals()
    del g["check_width"]
    with pytest.raises(ParameterError, match="check_width: missing"):
        DataParams.from_globals(g)


def test_from_globals_reads_injected_names_from_in_history(temp_registered):
    @P.register("98_other")
    @dataclasses.dataclass(repr=False)
    class Other(CommonParams):
        other_knob: int = 1  # declared by another notebook

    injected = "# Parameters\nn_train_ids = 9\nother_knob = 3\nn_trian_ids = 5\n"
    history = ["", "seed: int = 0", injected, "P = DataParams.from_globals(globals())"]
    g = _globals(n_train_ids=9, other_knob=3, n_trian_ids=5, In=history)
    with pytest.raises(ParameterError) as e:
        DataParams.from_globals(g)
    msg = str(e.value)
    assert "n_trian_ids: unknown parameter" in msg and "did you mean 'n_train_ids'" in msg
    assert "other_knob" not in msg  # declared by another notebook: fine (shared YAML)
    # only the most recent injected cell counts
    g["In"] = history + ["# Parameters\nn_train_ids = 9\n"]
    assert DataParams.from_globals(g).n_train_ids == 9


def test_injected_names_parsing():
    assert P.injected_names({"In": ["x = 1", "# Parameters\na = 1\nb: int = 2\n"]}) == ["a", "b"]
    assert P.injected_names({"In": ["x = 1"]}) == []
    assert P.injected_names({}) == []


def test_smoke_overrides(monkeypatch):
    monkeypatch.setenv("FACEFEAT_SMOKE", "1")
    p = DataParams.from_globals(_globals(n_train_ids=500))
    assert p.smoke is True
    assert p.n_train_ids == DataParams.SMOKE["n_train_ids"]  # smoke wins: it is CI's scale
    assert p.check_steps == DataParams.SMOKE["check_steps"]
    assert p.check_width == DataParams.check_width and "smoke scale" in repr(p)
    assert p.run_dir == "runs/demo-smoke"      # a smoke run never overwrites the demo's metrics/figures
    monkeypatch.setenv("FACEFEAT_SMOKE", "0")
    full = DataParams.from_globals(_globals())
    assert full.smoke is False and full.run_dir == "runs/demo"


def test_device_resolution(monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    p = DataParams.from_globals(_globals())
    assert (p.device, p.requested_device) == ("cuda", "auto")
    assert DataParams.from_globals(_globals(device="cpu")).device == "cpu"


def test_paths_resolve_against_project_root(tmp_path):
    p = DataParams.from_globals(_globals(run_dir="runs/x", data_root=str(tmp_path)))
    assert p.run_path == P.project_root() / "runs/x"
    assert p.data_root_path == tmp_path and p.data_path == P.project_root() / "data"
    assert DataParams.from_globals(_globals()).data_root_path is None


# --------------------------------------------------------------------------- parameters cells


def test_rendered_cell_matches_its_class():
    cell = render_parameters_cell(DataParams)
    assert check_parameters_cell(cell, DataParams) == []
    assert cell.splitlines()[1].startswith("device: str = \"auto\"  # ")


def test_cell_checker_reports_drift():
    cell = render_parameters_cell(DataParams)
    bad = (cell.replace("n_train_ids: int = 200", "n_train_ids: float = 200.0")
               .replace("check_width: int = 16", "check_widht: int = 16"))
    problems = check_parameters_cell(bad, DataParams)
    text = "\n".join(problems)
    assert "check_widht: unknown parameter" in text and "did you mean 'check_width'" in text
    assert "check_width: missing" in text
    assert "n_train_ids: annotated float in the cell, int in DataParams" in text
    assert "n_train_ids: default 200.0 in the cell, 200" in text
    swapped = cell.splitlines()
    swapped[0], swapped[1] = swapped[1], swapped[0]
    assert "order differs" in check_parameters_cell("\n".join(swapped), DataParams)[0]
    assert "not a `name: type = literal`" in check_parameters_cell("import os", DataParams)[0]


def test_cell_checker_reports_lines_papermill_cannot_parse():
    """papermill's parser allows one '=' per line: a comment with '=' hides the parameter."""
    cell = render_parameters_cell(DataParams).replace("# its batch size", "# batch = 64")
    (problem,) = check_parameters_cell(cell, DataParams)
    assert "papermill cannot read ['check_batch']" in problem


def test_checker_on_a_tmp_notebook(tmp_path, make_pair, data_params_cells):
    ipynb = make_pair(tmp_path, "00_data", data_params_cells)
    assert check_parameters_cell(parameters_cell(ipynb.with_suffix(".py")), DataParams) == []


_NOTEBOOKS = committed_notebooks()


@pytest.mark.skipif(not _NOTEBOOKS, reason="no notebooks/NN_* committed yet")
@pytest.mark.parametrize("stem", _NOTEBOOKS, ids=lambda p: p.name)
def test_committed_parameters_cell_mirrors_dataclass(stem: Path):
    assert stem.name in REGISTRY, (
        f"{stem.name} has no parameters dataclass: add one to facefeat_lite/params.py with "
        f"@register({stem.name!r})")
    cls = REGISTRY[stem.name]
    problems = check_parameters_cell(parameters_cell(stem.with_suffix(".py")), cls)
    assert not problems, (f"{stem.name}'s parameters cell and {cls.__name__} differ:\n  "
                          + "\n  ".join(problems)
                          + f"\n(`python -m facefeat_lite.params --cell {stem.name}` prints it)")


@pytest.mark.skipif(not _NOTEBOOKS, reason="no notebooks/NN_* committed yet")
def test_every_registered_notebook_exists():
    stems = {p.name for p in _NOTEBOOKS}
    assert set(REGISTRY) <= stems, f"registered without a notebook: {set(REGISTRY) - stems}"
