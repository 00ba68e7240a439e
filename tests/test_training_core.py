"""Training core: fit/callbacks, checkpoint round trip (weights_only), atomic writes,
bit-identical resume, load-or-train cache hit/miss, corrupt-file errors."""
import os
import random

import numpy as np
import pytest
import torch

from facefeat_lite.train import (CheckpointError, Evaluate, PeriodicCheckpoint, ProgressBar, TrainState,
                                 checkpoint_path, config_hash, fit, load_checkpoint, load_or_train,
                                 restore_state, save_checkpoint, seed_everything)
from facefeat_lite.train.core import Callback

torch.set_num_threads(1)
DATA_X = torch.linspace(-1, 1, 64).reshape(32, 2)
DATA_Y = DATA_X @ torch.tensor([[1.5], [-0.5]]) + 0.3


def make_state(config):
    seed_everything(config["seed"])
    model = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    opt = torch.optim.Adam(model.parameters(), lr=config["lr"])
    return TrainState(models={"net": model}, optimizers={"opt": opt}, config=config,
                      generators={"data": torch.Generator().manual_seed(config["seed"])})


def step_fn(state):
    """Uses the data generator and all three global RNGs, so a resume must restore them all."""
    idx = torch.randint(len(DATA_X), (8,), generator=state.generators["data"])
    x = DATA_X[idx] + 0.01 * torch.randn(8, 2) + 0.01 * float(np.random.randn()) + 0.01 * random.random()
    loss = (state.models["net"](x) - DATA_Y[idx]).square().mean()
    state.optimizers["opt"].zero_grad()
    loss.backward()
    state.optimizers["opt"].step()
    return {"loss": loss}


class Killed(Exception):
    pass


class KillAt(Callback):
    def __init__(self, step):
        self.step = step

    def on_step(self, state, logs):
        if state.step == self.step:
            raise Killed


def make_train_fn(steps, calls, kill_at=None):
    def train_fn(run):
        calls.append(run)
        state = make_state(run.config)
        run.resume(state)
        cbs = [run.checkpoint(every=3)] + ([KillAt(kill_at)] if kill_at else [])
        return fit(step_fn, state, steps, cbs)
    return train_fn


CFG = {"seed": 0, "lr": 0.01, "sizes": (2, 8, 1)}


def test_fit_history_and_callbacks(capsys):
    state = make_state(dict(CFG))
    evals = Evaluate(lambda s: {"mse": torch.tensor(0.5)}, every=4)
    fit(step_fn, state, 10, [ProgressBar(disable=True), evals])
    assert state.step == 10 and len(state.history["loss"]) == 10
    assert [e["step"] for e in state.extra["eval"]] == [4, 8, 10]
    assert state.history["loss"][-1] < state.history["loss"][0]
    fit(step_fn, state, 10)                           # already done: nothing happens
    assert state.step == 10


def test_checkpoint_round_trip_weights_only(tmp_path):
    state = make_state(dict(CFG))
    fit(step_fn, state, 5)
    path = tmp_path / "ck.pt"
    save_checkpoint(path, state)
    raw = torch.load(path, weights_only=True)         # loadable without arbitrary pickles
    assert raw["step"] == 5 and raw["config"]["lr"] == 0.01 and set(raw["rng"]) >= {"torch", "numpy", "python"}
    expect = [step_fn(state)["loss"].item() for _ in range(3)]   # continue the original
    other = make_state(dict(CFG))
    restore_state(other, load_checkpoint(path))
    for k, v in raw["models"]["net"].items():
        assert torch.equal(other.models["net"].state_dict()[k], v)
    assert other.step == 5 and other.history == raw["history"]
    assert [step_fn(other)["loss"].item() for _ in range(3)] == expect  # same RNG, same Adam state
    with pytest.raises(TypeError, match="weights_only"):
        state.extra["bad"] = object()
        save_checkpoint(tmp_path / "bad.pt", state)
    assert not (tmp_path / "bad.pt").exists()


def test_atomic_write_survives_crash(tmp_path, monkeypatch):
    state = make_state(dict(CFG))
    path = tmp_path / "ck.pt"
    save_checkpoint(path, state)
    before = path.read_bytes()
    fit(step_fn, state, 3)
    real_fdopen = os.fdopen

    class HalfWriter:                                  # writes half the bytes, then "dies"
        def __init__(self, fh):
            self.fh = fh
        def __enter__(self):
            return self
        def __exit__(self, *a):
            self.fh.close()
        def write(self, data):
            self.fh.write(data[: len(data) // 2])
            raise OSError("simulated crash mid-write")

    monkeypatch.setattr(os, "fdopen", lambda fd, mode: HalfWriter(real_fdopen(fd, mode)))
    with pytest.raises(OSError, match="simulated"):
        save_checkpoint(path, state)
    monkeypatch.undo()
    assert path.read_bytes() == before                 # old checkpoint intact
    assert os.listdir(tmp_path) == ["ck.pt"]           # no temp litter
    assert load_checkpoint(path)["step"] == 0


def test_resume_after_kill_is_bit_identical(tmp_path, capsys):
    calls = []
    full = load_or_train("toy", CFG, make_train_fn(10, calls), root=tmp_path / "a")
    assert len(calls) == 1
    killed = []
    with pytest.raises(Killed):                        # killed after step 7: partial at step 6
        load_or_train("toy", CFG, make_train_fn(10, killed, kill_at=7), root=tmp_path / "b")
    partial = killed[0].partial_path
    assert load_checkpoint(partial)["step"] == 6 and not killed[0].path.exists()
    resumed = load_or_train("toy", CFG, make_train_fn(10, killed), root=tmp_path / "b")
    assert "resuming toy from step 6" in capsys.readouterr().out
    assert resumed["history"]["loss"] == full["history"]["loss"]        # bit-identical
    for k, v in full["models"]["net"].items():
        assert torch.equal(resumed["models"]["net"][k], v)
    assert not partial.exists() and killed[0].path.exists()


def test_load_or_train_hit_and_miss(tmp_path, capsys):
    calls = []
    first = load_or_train("toy", CFG, make_train_fn(4, calls), root=tmp_path)
    path = checkpoint_path("toy", CFG, tmp_path)
    assert len(calls) == 1 and path.exists() and path.name == f"toy-{config_hash(CFG)}.pt"
    again = load_or_train("toy", {"lr": 0.01, "sizes": [2, 8, 1], "seed": 0}, make_train_fn(4, calls),
                          root=tmp_path)                # same config (key order, tuple/list)
    assert len(calls) == 1 and "cache hit" in capsys.readouterr().out
    assert again["history"] == first["history"] and again["step"] == 4
    changed = load_or_train("toy", {**CFG, "lr": 0.02}, make_train_fn(4, calls), root=tmp_path)
    assert len(calls) == 2 and changed["config"]["lr"] == 0.02
    assert len(list(tmp_path.glob("toy-*.pt"))) == 2


@pytest.mark.parametrize("damage", ["truncate", "garbage"])
def test_corrupt_checkpoint_clear_error(tmp_path, damage):
    calls = []
    load_or_train("toy", CFG, make_train_fn(2, calls), root=tmp_path)
    path = checkpoint_path("toy", CFG, tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2] if damage == "truncate" else b"not a checkpoint")
    with pytest.raises(CheckpointError) as err:
        load_or_train("toy", CFG, make_train_fn(2, calls), root=tmp_path)
    assert str(path) in str(err.value) and "Delete" in str(err.value)
    assert len(calls) == 1


def test_periodic_checkpoint_and_seeding(tmp_path):
    seed_everything(3)
    a = (torch.rand(2), np.random.rand(), random.random())
    seed_everything(3)
    b = (torch.rand(2), np.random.rand(), random.random())
    assert torch.equal(a[0], b[0]) and a[1:] == b[1:]
    state = make_state(dict(CFG))
    fit(step_fn, state, 5, [PeriodicCheckpoint(tmp_path / "p.pt", every=2)])
    assert load_checkpoint(tmp_path / "p.pt")["step"] == 5    # at_end
