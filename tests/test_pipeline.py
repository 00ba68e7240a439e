"""The papermill runner (facefeat_lite.pipeline) and the run log (facefeat_lite.runlog)."""

from __future__ import annotations

import json
import math
import os

import pytest

from conftest import PARAMS_DIR
from facefeat_lite import pipeline
from facefeat_lite.params import DataParams
from facefeat_lite.runlog import (atomic_write_bytes, read_metrics, record_metrics,
                                  save_figure)


# --------------------------------------------------------------------------- runlog


def test_record_metrics_merges(tmp_path):
    path = record_metrics("00_data", {"acc": 0.5, "n": 3}, tmp_path)
    record_metrics("00_data", {"loss": 1.25}, tmp_path)
    record_metrics("01_feature_extraction", {"acc": 0.9}, tmp_path)
    record_metrics("00_data", {"acc": 0.75}, tmp_path)
    assert path == tmp_path / "metrics.json"
    assert json.loads(path.read_text()) == {
        "00_data": {"acc": 0.75, "n": 3, "loss": 1.25}, "01_feature_extraction": {"acc": 0.9}}
    assert read_metrics(tmp_path)["00_data"]["n"] == 3


def test_record_metrics_accepts_numpy_and_torch_scalars(tmp_path):
    import numpy as np
    import torch

    record_metrics("00_data", {"a": np.float32(0.5), "b": torch.tensor(2.0), "c": np.int64(4)},
                   tmp_path)
    assert read_metrics(tmp_path)["00_data"] == {"a": 0.5, "b": 2.0, "c": 4}


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, "0.5", None, True, [1.0]])
def test_record_metrics_rejects_non_finite_and_non_numbers(tmp_path, bad):
    record_metrics("00_data", {"ok": 1.0}, tmp_path)
    before = (tmp_path / "metrics.json").read_bytes()
    with pytest.raises(ValueError, match="cannot record metrics"):
        record_metrics("00_data", {"ok": 2.0, "bad": bad}, tmp_path)
    assert (tmp_path / "metrics.json").read_bytes() == before  # nothing written


def test_atomic_write_leaves_no_temp_and_keeps_old_file_on_failure(tmp_path, monkeypatch):
    target = tmp_path / "sub" / "f.bin"
    atomic_write_bytes(target, b"one")
    assert target.read_bytes() == b"one"

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        atomic_write_bytes(target, b"two")
    assert target.read_bytes() == b"one"
    assert sorted(p.name for p in target.parent.iterdir()) == ["f.bin"]


def test_save_figure_is_deterministic(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(2, 2))
    ax.plot([0, 1], [1, 0])
    p1 = save_figure(fig, "line", tmp_path, "00_data")
    b1 = p1.read_bytes()
    p2 = save_figure(fig, "line", tmp_path, "00_data")
    plt.close(fig)
    assert p1 == p2 == tmp_path / "figures" / "00_data" / "line.png"
    assert b1 == p2.read_bytes() and b1[:4] == b"\x89PNG"
    assert b"Software" not in b1 and b"Creation" not in b1
    with pytest.raises(ValueError):
        save_figure(fig, "a/b", tmp_path, "00_data")


# --------------------------------------------------------------------------- pipeline: checks


def _yaml(tmp_path, text):
    f = tmp_path / "params.yaml"
    f.write_text(text)
    return str(f)


def test_dry_run_on_tmp_notebooks(tmp_path, make_pair, data_params_cells, capsys):
    nbdir = tmp_path / "nbs"
    make_pair(nbdir, "00_data", data_params_cells)
    run_dir = tmp_path / "run"
    rc = pipeline.main(["--params", str(PARAMS_DIR / "cpu.yaml"), "--notebooks-dir", str(nbdir),
                        "--run-dir", str(run_dir), "--dry-run"])
    out = capsys.readouterr().out
    assert rc == 0
    assert f"run_dir: {run_dir}" in out and "00_data: seed=0" in out
    assert f"run_dir={str(run_dir)!r}" in out and "n_train_ids=200" in out
    assert not run_dir.exists()


def test_unknown_parameter_fails_before_any_notebook(tmp_path, make_pair, data_params_cells,
                                                     capsys):
    nbdir = tmp_path / "nbs"
    make_pair(nbdir, "00_data", data_params_cells)
    run_dir = tmp_path / "run"
    params = _yaml(tmp_path, f"run_dir: {run_dir}\nn_trian_ids: 3\nseed: '1'\n")
    rc = pipeline.main(["--params", params, "--notebooks-dir", str(nbdir), "--no-progress"])
    err = capsys.readouterr().err
    assert rc == 2
    assert "2 problem(s)" in err and "did you mean 'n_train_ids'" in err and "seed" in err
    assert not run_dir.exists()  # nothing ran


def test_unregistered_notebook_and_bad_only(tmp_path, make_pair, capsys):
    nbdir = tmp_path / "nbs"
    make_pair(nbdir, "97_unregistered", [("code", "x: int = 1", ("parameters",))])
    cpu = str(PARAMS_DIR / "cpu.yaml")
    assert pipeline.main(["--params", cpu, "--notebooks-dir", str(nbdir), "--dry-run"]) == 2
    assert "no parameters dataclass registered" in capsys.readouterr().err
    assert pipeline.main(["--params", cpu, "--notebooks-dir", str(nbdir), "--only", "05",
                          "--dry-run"]) == 2
    assert "--only 05" in capsys.readouterr().err
    assert pipeline.main(["--params", cpu, "--notebooks-dir", str(tmp_path / "none"),
                          "--dry-run"]) == 2


def test_find_notebooks_order_and_only(tmp_path):
    for name in ["01_b.ipynb", "00_a.ipynb", "10_c.ipynb", "x.ipynb", "02_d.py"]:
        (tmp_path / name).write_text("{}")
    assert [p.name for p in pipeline.find_notebooks(tmp_path)] == [
        "00_a.ipynb", "01_b.ipynb", "10_c.ipynb"]
    assert [p.stem for p in pipeline.find_notebooks(tmp_path, ["10", "1", "00_a"])] == [
        "00_a", "01_b", "10_c"]


# --------------------------------------------------------------------------- pipeline: end to end


def test_pipeline_runs_a_tiny_notebook_end_to_end(tmp_path, make_pair, data_params_cells,
                                                  capsys):
    nbdir = tmp_path / "nbs"
    make_pair(nbdir, "00_data", data_params_cells)
    run_dir = tmp_path / "run"
    params = _yaml(tmp_path, f"run_dir: {run_dir}\nn_train_ids: 5\ndevice: cpu\n")
    rc = pipeline.main(["--params", params, "--notebooks-dir", str(nbdir), "--no-progress"])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert json.loads((run_dir / "metrics.json").read_text()) == {
        "00_data": {"n_train_ids": 5, "smoke": 0.0}}
    assert set(json.loads((run_dir / "timings.json").read_text())) == {"00_data"}
    executed = (run_dir / "notebooks" / "00_data.ipynb").read_text()
    assert "injected-parameters" in executed and "n_train_ids = 5" in executed
    assert f"metrics: {run_dir / 'metrics.json'}" in out and "00_data" in out


def test_failing_notebook_and_injected_unknown_name(tmp_path, make_pair, data_params_cells,
                                                    capsys):
    """A failing notebook stops the run with its name and partial copy; and in the kernel,
    from_globals refuses a name papermill injected that no notebook declares."""
    import papermill as pm

    nbdir = tmp_path / "nbs"
    cells = data_params_cells + [("code", "raise RuntimeError('boom')", ())]
    make_pair(nbdir, "00_data", cells)
    run_dir = tmp_path / "run"
    params = _yaml(tmp_path, f"run_dir: {run_dir}\n")
    rc = pipeline.main(["--params", params, "--notebooks-dir", str(nbdir), "--no-progress"])
    err = capsys.readouterr().err
    partial = run_dir / "notebooks" / "00_data.ipynb"
    assert rc == 1 and "notebook 00_data failed" in err and "boom" in err
    assert f"partial executed copy: {partial}" in err and partial.exists()

    with pytest.raises(pm.PapermillExecutionError) as e:
        pm.execute_notebook(str(nbdir / "00_data.ipynb"), str(tmp_path / "out.ipynb"),
                            parameters={"run_dir": str(run_dir), "n_trian_ids": 3},
                            kernel_name="python3", progress_bar=False,
                            cwd=str(pipeline.project_root()))
    assert e.value.ename == "ParameterError" and "did you mean 'n_train_ids'" in e.value.evalue


def test_parameters_cell_fixture_matches_dataclass(data_params_cells):
    from facefeat_lite.params import check_parameters_cell

    assert check_parameters_cell(data_params_cells[1][1], DataParams) == []
