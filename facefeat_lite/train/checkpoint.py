"""Checkpoints: one dict, written atomically, read with ``weights_only=True``; load-or-train.

Notebook: ``01_feature_extraction`` and every later notebook that trains (the uvadlc pattern:
*if a checkpoint for this exact config exists, load it; else train it*).

A checkpoint is ONE dict (as in rosinality's stylegan2 checkpoints)::

    {"format": "facefeat-lite-checkpoint/1",
     "models": {name: state_dict}, "optimizers": {...}, "schedulers": {...},
     "config": {...JSON-able...}, "step": int, "history": {name: [float]},
     "rng": {"torch": ByteTensor, "numpy": {...}, "python": {...}, "cuda": [ByteTensor]},
     "generators": {name: ByteTensor}, "extra": {...}}

Everything in it is a tensor, dict, list, number, string or None, so it loads with
``torch.load(path, weights_only=True)`` (no arbitrary pickles: a checkpoint cannot run code).
:func:`save_checkpoint` checks that before writing. Writes go to memory first, then
:func:`facefeat_lite.runlog.atomic_write_bytes` (temp file in the same folder + ``os.replace``):
a run killed mid-write leaves the previous checkpoint intact and no temp file behind.

:func:`load_or_train` derives the file from the run's name and a hash of its config,
``<root>/<name>-<hash12>.pt``. Present → loaded (cache hit, nothing trains). Absent →
``train_fn(run)`` trains (cache miss); it should call ``run.resume(state)`` before
:func:`~facefeat_lite.train.core.fit` and pass ``run.checkpoint(every)`` as a callback, so that
an interrupted run resumes from ``<name>-<hash12>-partial.pt`` instead of restarting. With
all RNG states and the data generators restored, the resumed losses are bit-identical to
those of an uninterrupted run (``tests/test_training_core.py`` checks it). Before it trains,
a miss looks in the shipped folder (:mod:`facefeat_lite.train.shipped`, set by
:func:`~facefeat_lite.train.runtime.configure`) for a reference checkpoint of the same
name and config.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from ..params import project_path
from ..runlog import atomic_write_bytes
from .core import Callback, TrainState
from .runtime import RUNTIME, barrier, is_main

__all__ = ["CheckpointError", "FORMAT", "rng_state", "set_rng_state", "state_dict_of",
           "restore_state", "save_checkpoint", "load_checkpoint", "config_hash",
           "checkpoint_path", "PeriodicCheckpoint", "CachedRun", "load_or_train", "USED"]

FORMAT = "facefeat-lite-checkpoint/1"


class CheckpointError(RuntimeError):
    """A checkpoint file that cannot be used; the message names the file and what to do."""


# --------------------------------------------------------------------------- RNG states


def rng_state() -> dict[str, Any]:
    """The global RNG states as weights_only-loadable values (tensors, numbers)."""
    version, mt, gauss = random.getstate()                 # (3, 625 ints, float | None)
    _, keys, pos, has_gauss, cached = np.random.get_state()  # ('MT19937', uint32[624], ...)
    state = {"torch": torch.get_rng_state(),
             "python": {"version": version, "mt": torch.tensor(mt, dtype=torch.int64), "gauss": gauss},
             "numpy": {"keys": torch.from_numpy(keys.astype(np.int64)), "pos": int(pos),
                       "has_gauss": int(has_gauss), "cached": float(cached)}}
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore what :func:`rng_state` returned."""
    torch.set_rng_state(state["torch"].cpu())
    py = state["python"]
    random.setstate((py["version"], tuple(py["mt"].tolist()), py["gauss"]))
    npy = state["numpy"]
    np.random.set_state(("MT19937", npy["keys"].numpy().astype(np.uint32), npy["pos"],
                         npy["has_gauss"], npy["cached"]))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([s.cpu() for s in state["cuda"]])


# --------------------------------------------------------------------------- state <-> dict


def state_dict_of(state: TrainState) -> dict[str, Any]:
    """``state`` as one checkpoint dict (tensors are shared, not copied)."""
    return {"format": FORMAT,
            "models": {k: m.state_dict() for k, m in state.models.items()},
            "optimizers": {k: o.state_dict() for k, o in state.optimizers.items()},
            "schedulers": {k: s.state_dict() for k, s in state.schedulers.items()},
            "config": state.config, "step": state.step, "history": state.history,
            "rng": rng_state(),
            "generators": {k: g.get_state() for k, g in state.generators.items()},
            "extra": state.extra}


def restore_state(state: TrainState, ckpt: dict[str, Any], rng: bool = True) -> TrainState:
    """Load a checkpoint dict into ``state``: models, optimizers, schedulers, step, history,
    extra, generators and (``rng=True``) the global RNG states. Names must match."""
    for group in ("models", "optimizers", "schedulers", "generators"):
        have, saved = set(getattr(state, group)), set(ckpt[group])
        if have != saved:
            raise CheckpointError(f"checkpoint {group} {sorted(saved)} do not match the state's {sorted(have)}")
    for k, m in state.models.items():
        m.load_state_dict(ckpt["models"][k])
    for k, o in state.optimizers.items():
        o.load_state_dict(ckpt["optimizers"][k])
    for k, s in state.schedulers.items():
        s.load_state_dict(ckpt["schedulers"][k])
    for k, g in state.generators.items():
        g.set_state(ckpt["generators"][k].cpu())
    state.step = int(ckpt["step"])
    state.history = {k: list(v) for k, v in ckpt["history"].items()}
    state.extra = dict(ckpt["extra"])
    if rng:
        set_rng_state(ckpt["rng"])
    return state


# --------------------------------------------------------------------------- files


def save_checkpoint(path: str | os.PathLike, state_or_dict: TrainState | dict) -> dict[str, Any]:
    """Write a :class:`TrainState` (or a ready checkpoint dict) to ``path`` atomically.

    The bytes are loaded back with ``weights_only=True`` *before* writing, so a checkpoint
    that could not be read later (a numpy array or an object in ``extra``) is never written.
    Returns the dict as read back (CPU tensors, independent of the live models).
    """
    ckpt = state_dict_of(state_or_dict) if isinstance(state_or_dict, TrainState) else state_or_dict
    buf = io.BytesIO()
    torch.save(ckpt, buf)
    data = buf.getvalue()
    try:
        loaded = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception as e:
        raise TypeError(f"checkpoint for {path} holds something torch.load(weights_only=True) refuses "
                        f"(keep to tensors, dicts, lists, numbers, strings): {e}") from e
    if is_main():                    # under torchrun only rank 0 writes (the ranks hold equal weights)
        atomic_write_bytes(path, data)
    return loaded


def load_checkpoint(path: str | os.PathLike, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Read a checkpoint with ``weights_only=True``; a bad file raises :class:`CheckpointError`."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    try:
        ckpt = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as e:
        raise CheckpointError(
            f"cannot read checkpoint {path}: it is corrupt, truncated or not a facefeat-lite "
            f"checkpoint ({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}). "
            f"Delete it (rm '{path}') and run again to retrain.") from e
    if not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a {FORMAT} checkpoint. Delete it (rm '{path}') "
                              f"and run again to retrain.")
    return ckpt


# --------------------------------------------------------------------------- load-or-train


def _canonical(config: dict[str, Any]) -> str:
    try:
        return json.dumps(config, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as e:
        raise TypeError(f"config must be plain JSON (dict/list/str/number/bool/None): {e}") from e


def config_hash(config: dict[str, Any]) -> str:
    """First 12 hex digits of the SHA-256 of the config's canonical JSON (sorted keys)."""
    return hashlib.sha256(_canonical(config).encode()).hexdigest()[:12]


def checkpoint_path(name: str, config: dict[str, Any], root: str | os.PathLike = "runs/cache") -> Path:
    """``<root>/<name>-<hash12>.pt``; a relative root is relative to the project root."""
    if not name or "/" in name or "\\" in name:
        raise ValueError(f"checkpoint name {name!r} must be a plain file name")
    return project_path(root) / f"{name}-{config_hash(config)}.pt"


class PeriodicCheckpoint(Callback):
    """Save ``state`` to ``path`` every ``every`` steps (and after the last if ``at_end``)."""

    def __init__(self, path: str | os.PathLike, every: int, at_end: bool = True):
        self.path, self.every, self.at_end = Path(path), every, at_end

    def on_step(self, state, logs):
        if self.every and state.step % self.every == 0:
            save_checkpoint(self.path, state)

    def on_end(self, state):
        if self.at_end:
            save_checkpoint(self.path, state)


@dataclass
class CachedRun:
    """What ``train_fn`` receives from :func:`load_or_train`."""

    name: str
    config: dict[str, Any]      # the config, JSON-normalised (tuples became lists)
    path: Path                  # the finished checkpoint (written by load_or_train)
    partial_path: Path          # the periodic checkpoint of an unfinished run

    def resume(self, state: TrainState) -> bool:
        """Restore ``state`` from the partial checkpoint if one exists; True when resumed."""
        if not self.partial_path.exists():
            return False
        restore_state(state, load_checkpoint(self.partial_path))
        print(f"load_or_train: resuming {self.name} from step {state.step} ({self.partial_path})")
        return True

    def checkpoint(self, every: int) -> PeriodicCheckpoint:
        """The callback that writes the partial checkpoint every ``every`` steps."""
        return PeriodicCheckpoint(self.partial_path, every, at_end=False)


#: Every (name, file) load_or_train returned in this process, in order: what
#: ``train_all --export`` ships (:mod:`facefeat_lite.train.shipped`).
USED: list[tuple[str, Path]] = []


def load_or_train(name: str, config: dict[str, Any], train_fn: Callable[[CachedRun], TrainState],
                  root: str | os.PathLike = "runs/cache", map_location: str = "cpu") -> dict[str, Any]:
    """Load the finished checkpoint of ``(name, config)``, or train it and save it.

    Cache hit: returns the checkpoint dict, ``train_fn`` is not called. Otherwise, when the
    shipped folder set by :func:`~facefeat_lite.train.runtime.configure` holds the same file
    name, that shipped checkpoint is returned (:mod:`facefeat_lite.train.shipped`; its
    weights as float32, without optimiser state). Cache miss: calls
    ``train_fn(run)`` (see :class:`CachedRun`), which returns the trained :class:`TrainState`;
    its ``config`` is set to ``config``, it is saved to ``run.path``, the partial checkpoint is
    removed and the saved dict returned. Load models with ``restore_state(state, ckpt)`` or
    ``model.load_state_dict(ckpt["models"][name])``.
    """
    config = json.loads(_canonical(config))
    path = checkpoint_path(name, config, root)
    if path.exists():
        ckpt = load_checkpoint(path, map_location)
        if _canonical(ckpt["config"]) != _canonical(config):
            raise CheckpointError(f"{path} was saved for another config. Delete it (rm '{path}') and run again.")
        print(f"load_or_train: cache hit, loaded {path}")
        USED.append((name, path))
        return ckpt
    shipped_dir = RUNTIME.shipped
    if shipped_dir is not None:
        from .shipped import load_shipped

        ckpt = load_shipped(name, config, shipped_dir, path.name, map_location)
        if ckpt is not None:
            USED.append((name, project_path(shipped_dir) / path.name))
            return ckpt
    run = CachedRun(name, config, path, path.with_name(f"{path.stem}-partial.pt"))
    print(f"load_or_train: no checkpoint for this config, training {name} -> {path}")
    state = train_fn(run)
    if not isinstance(state, TrainState):
        raise TypeError(f"train_fn must return the TrainState it trained, got {type(state).__name__}")
    state.config = config
    ckpt = save_checkpoint(path, state)
    barrier()                        # torchrun: every rank sees the file before going on
    if is_main():
        run.partial_path.unlink(missing_ok=True)
    if map_location != "cpu":
        ckpt = load_checkpoint(path, map_location)
    USED.append((name, path))
    return ckpt
