"""The full-scale path on the CPU: full_gpu.yaml's architecture for two steps at batch 2, the
runtime (step logs, sample grids, bf16 switch), gradient averaging across two gloo ranks,
and torchrun end to end."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from facefeat_lite.facefeat.train_all import STEM, main, train_all
from facefeat_lite.notebook_params import JointParams
from facefeat_lite.params import load_parameter_set, project_root
from facefeat_lite.train import runtime

ROOT = project_root()
TINY_DATA = {"dataset": "synthfaces", "data_root": "", "n_train_ids": 6, "samples_per_id": 3, "n_test_ids": 3,
             "n_judge_ids": 4, "judge_samples_per_id": 3, "judge_template_ids": 4, "judge_template_samples": 2,
             "device": "cpu"}
TWO_STEPS = {name: 2 for name in ("eid_steps", "e1_steps", "e2_steps", "judge_steps", "fgan_steps", "s2_steps",
                                  "j_steps")}
BATCH_2 = {name: 2 for name in ("eid_batch", "e1_batch", "e2_batch", "judge_batch", "fgan_batch", "s2_batch",
                                "j_batch")}


@pytest.fixture(autouse=True)
def _reset_runtime():
    yield
    runtime.configure(None, False)


def test_full_gpu_config_two_steps_at_batch_two_on_cpu(tmp_path):
    """Every model of notebooks 01–04 (and notebook 04's pose reader) at full_gpu.yaml's sizes
    (128², ResNet-50 E_id, BEGAN n = 64, the paper's schedule) trains two steps, logs each
    step and saves a sample grid."""
    full = load_parameter_set(ROOT / "notebooks/params/full_gpu.yaml")[STEM]
    P = JointParams.from_mapping({**full, **TINY_DATA, **TWO_STEPS, **BATCH_2, "sample_every": 1,
                                  "run_dir": str(tmp_path / "run"), "cache_dir": str(tmp_path / "cache"),
                                  "data_dir": str(tmp_path / "data")}, smoke=False)
    assert (P.image_size, P.eid_arch, P.eid_width, P.e2_n, P.s2_d_n, P.lr_schedule) == (128, "resnet50", 64, 64, 64,
                                                                                          "step")
    summary = train_all(P, progress=False)
    assert summary["world_size"] == 1 and summary["j_steps"] == 2
    cached = sorted(p.name.split("-")[0] for p in (tmp_path / "cache").glob("*.pt"))
    assert cached == ["e_1", "e_2", "e_id", "features", "gan_f1", "gan_f2", "joint", "judge", "pose_reader", "stage2"]
    rows = [json.loads(line) for line in (tmp_path / "run/logs/joint.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [1, 2] and {"g_img", "g_f", "d_img", "phi_id_s", "k"} <= set(rows[0])
    assert (tmp_path / "run/logs/e_id.jsonl").exists()
    grids = sorted((tmp_path / "run/logs/samples").glob("joint-*.png"))
    assert [g.name for g in grids] == ["joint-0000001.png", "joint-0000002.png"]
    # a second call finds every checkpoint: nothing retrains
    again = train_all(P, progress=False)
    assert again["joint_train_seconds"] == summary["joint_train_seconds"]


def test_train_all_cli_rejects_unknown_overrides(capsys):
    assert main(["--params", str(ROOT / "notebooks/params/cpu.yaml"), "--set", "j_stepz=2"]) == 2
    assert "j_stepz" in capsys.readouterr().err


def test_autocast_is_a_noop_on_cpu():
    runtime.configure(None, amp=True)
    with runtime.autocast("cpu"):
        y = torch.ones(2, 2) @ torch.ones(2, 2)
    assert y.dtype == torch.float32


def test_exit_worker_outside_torchrun_is_sys_exit():
    with pytest.raises(SystemExit) as e:
        runtime.exit_worker(3)
    assert e.value.code == 3


def _ranks(rank, world, init, out):
    dist.init_process_group("gloo", init_method=init, rank=rank, world_size=world)
    p = torch.nn.Parameter(torch.zeros(3))
    p.grad = torch.full((3,), float(rank + 1))
    opt = runtime.attach_gradient_sync(torch.optim.SGD([p], lr=1.0))
    opt.step()                                              # averaged grad (1 + 2) / 2 = 1.5
    batch = runtime.shard(torch.arange(8))
    torch.save({"p": p.detach(), "batch": batch, "main": runtime.is_main()}, f"{out}/{rank}.pt")
    runtime.exit_worker(0)                                  # barrier, destroy, then os._exit (gloo)


def test_gradients_are_averaged_and_batches_sharded_across_ranks(tmp_path):
    mp.spawn(_ranks, args=(2, f"file://{tmp_path}/rendezvous", str(tmp_path)), nprocs=2, join=True)
    r0, r1 = (torch.load(tmp_path / f"{i}.pt", weights_only=True) for i in (0, 1))
    assert torch.allclose(r0["p"], torch.full((3,), -1.5)) and torch.allclose(r1["p"], r0["p"])
    assert r0["batch"].tolist() == [0, 1, 2, 3] and r1["batch"].tolist() == [4, 5, 6, 7]
    assert r0["main"] and not r1["main"]


@pytest.mark.skipif(shutil.which("torchrun") is None and not (Path(sys.executable).parent / "torchrun").exists(),
                    reason="torchrun not installed")
def test_torchrun_two_processes_end_to_end(tmp_path):
    """The multi-GPU command, on two CPU processes (gloo) at smoke scale, with notebook 07's
    ablations: exit 0, one summary, rank 0's checkpoints in the cache."""
    torchrun = shutil.which("torchrun") or str(Path(sys.executable).parent / "torchrun")
    values = {**TINY_DATA, **TWO_STEPS, "j_batch": 4, "ab_steps": 3, "ab_batch": 4, "light_steps": 2,
              "image_size": 64, "run_dir": tmp_path / "run",
              "cache_dir": tmp_path / "cache", "data_dir": tmp_path / "data"}
    sets = [f"{k}={json.dumps(str(v)) if isinstance(v, (str, Path)) else v}" for k, v in values.items()]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    out = subprocess.run([torchrun, "--standalone", "--nproc_per_node", "2", "-m", "facefeat_lite.facefeat.train_all",
                          "--params", str(ROOT / "notebooks/params/cpu.yaml"), "--no-progress", "--ablations", "--set",
                          *sets],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    summaries = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    assert len(summaries) == 1 and summaries[0]["world_size"] == 2
    assert len(list((tmp_path / "cache").glob("joint-*.pt"))) == 2                 # notebook 04's, and at ab_steps
    assert {p.name.split("-")[0] for p in (tmp_path / "cache").glob("*.pt")} >= {
        "joint_no_id", "joint_no_f", "joint_no_img", "joint_no_rec", "single_stage"}
    assert summaries[0]["single_stage_train_seconds"] > 0 and summaries[0]["light_train_seconds"] > 0
    assert not list((tmp_path / "cache").glob("*-partial.pt"))
    # the ablations' "full" run shares notebook 04's checkpoint name but logs apart from it
    logs = tmp_path / "run/logs"
    steps = {p.stem: [json.loads(line)["step"] for line in p.read_text().splitlines()] for p in logs.glob("*.jsonl")}
    assert steps["joint"] == [1, 2]
    assert all(steps[f"ablation_{v}"] == [1, 2, 3] for v in ("full", "no_id", "no_f", "no_img", "no_rec"))


def test_facefeat_step_benchmark_prints_json(capsys):
    from facefeat_lite import bench

    bench.main(["facefeat_step", "--params", str(ROOT / "notebooks/params/cpu.yaml"), "--size", "32", "--batch", "2",
                "--seconds", "0.1", "--threads", "1"])
    out = json.loads(capsys.readouterr().out)
    assert out["device"] == "cpu" and out["size"] == 32 and out["batch"] == 2 and out["steps_per_s"] > 0
    assert out["images_per_s"] == pytest.approx(2 * out["steps_per_s"], rel=0.01)
