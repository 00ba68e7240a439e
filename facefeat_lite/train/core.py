"""The training loop every notebook shares: a state, a step function, callbacks.

Notebook: ``01_feature_extraction`` first (E_id, E_1, E_2), then every notebook that trains.
In the spirit of minGPT's ``Trainer`` ("boilerplate that could apply to any network"), the
loop knows nothing about the model: a notebook writes ``step_fn(state) -> {"loss": ...}``
(one optimisation step: forward, backward, ``opt.step()``) and calls::

    state = TrainState(models={"e_id": net}, optimizers={"opt": opt}, config=cfg,
                       generators={"data": torch.Generator().manual_seed(cfg["seed"])})
    fit(step_fn, state, steps=cfg["steps"],
        callbacks=[ProgressBar(), Evaluate(eval_fn, every=200), PeriodicCheckpoint(path, 500)])

:class:`TrainState` holds everything a bit-identical resume needs — models, optimizers,
schedulers, the step, the loss history, the seeded generators that decide the data order —
and nothing that ``torch.load(weights_only=True)`` refuses (see
:mod:`facefeat_lite.train.checkpoint`). Draw every random number of a step either from a
generator in ``state.generators`` or from the global torch / numpy / ``random`` RNGs: all of
them are saved and restored, so a resumed run repeats an uninterrupted one exactly.
"""
from __future__ import annotations

import numbers
import random
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import torch

from ..params import resolve_device

__all__ = ["TrainState", "Callback", "ProgressBar", "Evaluate", "fit", "seed_everything",
           "resolve_device"]


def seed_everything(seed: int, deterministic: bool = False) -> None:
    """Seed Python's ``random``, numpy and torch (all CUDA devices too).

    ``deterministic=True`` also asks cuDNN / torch for deterministic kernels (slower on GPU;
    CPU runs are deterministic anyway). Data order should still come from a seeded
    ``torch.Generator`` kept in ``TrainState.generators`` (its state is checkpointed).
    """
    random.seed(seed)
    np.random.seed(seed % 2 ** 32)
    torch.manual_seed(seed)                        # also seeds every CUDA device
    if deterministic:
        torch.backends.cudnn.benchmark = False
        torch.backends.cudnn.deterministic = True
        torch.use_deterministic_algorithms(True, warn_only=True)


@dataclass
class TrainState:
    """Everything one training run owns; a checkpoint is this state written as one dict."""

    models: dict[str, torch.nn.Module]
    optimizers: dict[str, torch.optim.Optimizer] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)      # plain JSON-able values only
    step: int = 0                                             # optimisation steps done
    schedulers: dict[str, Any] = field(default_factory=dict)  # lr schedulers (state_dict-able)
    generators: dict[str, torch.Generator] = field(default_factory=dict)  # data order etc.
    history: dict[str, list[float]] = field(default_factory=dict)  # logs of step_fn, per step
    extra: dict[str, Any] = field(default_factory=dict)       # tensors/numbers/str/lists/dicts


def _to_logs(out: Any) -> dict[str, float]:
    """step_fn's return value as ``{name: float}``: a dict, or one number / scalar tensor."""
    if out is None:
        return {}
    if not isinstance(out, Mapping):
        out = {"loss": out}
    logs = {}
    for k, v in out.items():
        v = v.item() if isinstance(v, torch.Tensor) else v
        if not isinstance(v, numbers.Real):
            raise TypeError(f"step_fn must return numbers; {k!r} is {type(v).__name__}")
        logs[str(k)] = float(v)
    return logs


class Callback:
    """Hooks called by :func:`fit`, in list order: ``on_start``, ``on_step`` after each step,
    ``on_end`` after the last step, ``close`` always (also when a step raises)."""

    def on_start(self, state: TrainState, steps: int) -> None: ...
    def on_step(self, state: TrainState, logs: dict[str, float]) -> None: ...
    def on_end(self, state: TrainState) -> None: ...
    def close(self) -> None: ...


class ProgressBar(Callback):
    """A tqdm bar: steps/s from tqdm, the latest logs (and last evaluation) in the postfix.

    Uses ``tqdm.auto`` (a widget in Jupyter, text elsewhere); ``disable=True`` silences it.
    """

    def __init__(self, desc: str | None = None, postfix_every: int = 10, disable: bool = False):
        self.desc, self.every, self.disable, self.bar = desc, max(1, postfix_every), disable, None

    def on_start(self, state, steps):
        from tqdm.auto import tqdm
        self.bar = tqdm(total=steps, initial=state.step, desc=self.desc, disable=self.disable,
                        mininterval=0.5, dynamic_ncols=True)

    def on_step(self, state, logs):
        self.bar.update(1)
        if state.step % self.every == 0:
            post = {k: f"{v:.4g}" for k, v in logs.items()}
            evals = state.extra.get("eval")
            if evals:
                post.update({f"val_{k}": f"{v:.4g}" for k, v in evals[-1].items() if k != "step"})
            self.bar.set_postfix(post, refresh=False)

    def close(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class Evaluate(Callback):
    """Every ``every`` steps (and after the last), ``fn(state) -> {name: number}`` is appended
    to ``state.extra["eval"]`` as ``{"step": k, **metrics}`` (so it is checkpointed).

    ``fn`` should switch models to ``eval()`` and back itself, under ``torch.no_grad()``.
    """

    def __init__(self, fn: Callable[[TrainState], Mapping[str, Any]], every: int, at_end: bool = True):
        self.fn, self.every, self.at_end = fn, every, at_end

    def _run(self, state):
        evals = state.extra.setdefault("eval", [])
        if evals and evals[-1]["step"] == state.step:
            return                                           # already evaluated at this step
        evals.append({"step": state.step, **_to_logs(self.fn(state))})

    def on_step(self, state, logs):
        if self.every and state.step % self.every == 0:
            self._run(state)

    def on_end(self, state):
        if self.at_end:
            self._run(state)


def fit(step_fn: Callable[[TrainState], Any], state: TrainState, steps: int,
        callbacks: Sequence[Callback] = ()) -> TrainState:
    """Run ``step_fn`` until ``state.step == steps`` (a resumed state continues where it was).

    ``step_fn(state)`` does one optimisation step and returns ``{name: number}`` (or one
    number, logged as ``"loss"``); the values are appended to ``state.history[name]``.
    Returns ``state``; ``state.extra["train_seconds"]`` accumulates the wall time.
    """
    for cb in callbacks:
        cb.on_start(state, steps)
    t0, base = time.perf_counter(), float(state.extra.get("train_seconds", 0.0))
    try:
        while state.step < steps:
            logs = _to_logs(step_fn(state))
            state.step += 1
            state.extra["train_seconds"] = base + time.perf_counter() - t0  # saved with the step
            for k, v in logs.items():
                state.history.setdefault(k, []).append(v)
            for cb in callbacks:
                cb.on_step(state, logs)
        for cb in callbacks:
            cb.on_end(state)
    finally:
        for cb in callbacks:
            cb.close()
    return state
