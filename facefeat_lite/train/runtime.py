"""How training runs, beside what it trains: per-step logs, sample grids, bf16, several GPUs.

Notebooks: every training notebook calls :func:`configure` once with its run folder; the
full-scale run (``python -m facefeat_lite.pipeline --params notebooks/params/full_gpu.yaml``,
or ``torchrun`` for several GPUs, see :mod:`facefeat_lite.facefeat.train_joint`) turns on
bf16. None of this is part of a model's config (its cache key), like the device is not:

* **Step logs.** With a log folder set, every training loop writes ``<log_dir>/<name>.jsonl``
  (one JSON line per step: step, wall seconds, every loss and metric the step returned) and,
  when the ``tensorboard`` package is installed, TensorBoard scalars under
  ``<log_dir>/tensorboard/<name>``.
* **Sample grids.** :class:`SampleGrid` saves a PNG of what a generator makes every N steps.
* **Shipped checkpoints.** ``shipped`` names a folder of reference checkpoints
  (:mod:`facefeat_lite.train.shipped`); a load-or-train cache miss loads from there when it
  holds the same model for the same config, instead of training.
* **Mixed precision.** ``amp=True`` runs each training step under ``torch.autocast`` in
  bfloat16 on CUDA devices that support it (no gradient scaler needed: bf16 keeps fp32's
  exponent range). On the CPU it is ignored — bf16 there is slower, not faster.
* **Data parallel.** Under ``torchrun`` (``WORLD_SIZE`` > 1) :func:`init_distributed` joins
  the process group; each rank takes its slice of every batch (:func:`shard`), gradients are
  averaged across ranks before every optimiser step (a pre-step hook, :func:`sync_gradients`),
  and only rank 0 writes checkpoints and logs. We average gradients ourselves instead of
  wrapping models in ``DistributedDataParallel``: the joint step renders once and then
  back-propagates one loss per player into that player's parameters, and DDP's reducer
  expects exactly one backward pass per forward. BatchNorm statistics stay per rank.
"""
from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import torch
import torch.distributed as dist

from .core import Callback

__all__ = ["Runtime", "RUNTIME", "configure", "autocast", "StepLog", "step_logs", "SampleGrid", "init_distributed",
           "world", "is_main", "shard", "barrier", "exit_worker", "sync_gradients", "attach_gradient_sync"]


@dataclass
class Runtime:
    log_dir: Path | None = None     # step logs (+ TensorBoard) and sample grids go here
    amp: bool = False               # bf16 autocast on CUDA
    shipped: Path | None = None     # shipped reference checkpoints load_or_train falls back on


RUNTIME = Runtime()


def configure(log_dir: str | os.PathLike | None = None, amp: bool = False,
              shipped: str | os.PathLike | None = None) -> Runtime:
    """Set where training loops log, whether they use bf16 and which folder of shipped
    checkpoints :func:`~facefeat_lite.train.checkpoint.load_or_train` may load (process-wide;
    ``None`` or ``""``: none, everything missing from the cache trains)."""
    RUNTIME.log_dir = Path(log_dir) if log_dir else None
    RUNTIME.amp = bool(amp)
    RUNTIME.shipped = Path(shipped) if shipped else None
    return RUNTIME


def autocast(device: torch.device | str):
    """bf16 autocast when ``amp`` is on and ``device`` is a CUDA device with bf16; else a no-op."""
    device = torch.device(device)
    if RUNTIME.amp and device.type == "cuda" and torch.cuda.is_bf16_supported():
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()


class StepLog(Callback):
    """``<log_dir>/<name>.jsonl``: one line per step; TensorBoard scalars when installed."""

    def __init__(self, name: str, log_dir: str | os.PathLike):
        self.path = Path(log_dir) / f"{name}.jsonl"
        self.name, self.fh, self.tb, self.t0 = name, None, None, 0.0

    def on_start(self, state, steps):
        if not is_main():
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # a resumed run appends; line-buffered, so a killed run keeps every finished step's line
        self.fh = open(self.path, "a" if state.step else "w", encoding="utf-8", buffering=1)
        try:
            from torch.utils.tensorboard import SummaryWriter
            self.tb = SummaryWriter(str(self.path.parent / "tensorboard" / self.name))
        except ImportError:            # tensorboard is optional
            self.tb = None
        self.t0 = time.perf_counter()

    def on_step(self, state, logs):
        if self.fh is None:
            return
        row = {"step": state.step, "seconds": round(time.perf_counter() - self.t0, 3), **logs}
        self.fh.write(json.dumps(row) + "\n")
        if self.tb is not None:
            for k, v in logs.items():
                self.tb.add_scalar(k, v, state.step)

    def close(self):
        if self.fh is not None:
            self.fh.close()
            self.fh = None
        if self.tb is not None:
            self.tb.close()
            self.tb = None


def step_logs(name: str) -> list[Callback]:
    """``[StepLog(name, log_dir)]`` when a log folder is configured, else ``[]``."""
    return [StepLog(name, RUNTIME.log_dir)] if RUNTIME.log_dir is not None else []


class SampleGrid(Callback):
    """Every ``every`` steps, save ``make(state)`` (B, 3, S, S) in [−1, 1] as one PNG row-grid:
    ``<log_dir>/samples/<name>-<step>.png``."""

    def __init__(self, name: str, log_dir: str | os.PathLike, make: Callable, every: int, columns: int = 8):
        self.dir, self.name, self.make, self.every, self.columns = Path(log_dir) / "samples", name, make, every, columns

    def on_step(self, state, logs):
        if self.every and state.step % self.every == 0 and is_main():
            with torch.no_grad():
                images = self.make(state).detach().float().cpu()
            save_grid(images, self.dir / f"{self.name}-{state.step:07d}.png", self.columns)


def save_grid(images: torch.Tensor, path: str | os.PathLike, columns: int = 8) -> Path:
    """Images (B, 3, S, S) in [−1, 1] → one PNG, ``columns`` per row (matplotlib's imsave)."""
    import matplotlib.pyplot as plt

    b, c, s, _ = images.shape
    rows = -(-b // columns)
    grid = torch.ones(c, rows * s, columns * s)
    x = ((images.clamp(-1, 1) + 1) / 2)
    for i in range(b):
        r, q = divmod(i, columns)
        grid[:, r * s:(r + 1) * s, q * s:(q + 1) * s] = x[i]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    plt.imsave(path, grid.permute(1, 2, 0).numpy())
    return path


# --------------------------------------------------------------------------- torchrun


def init_distributed() -> tuple[int, int]:
    """Join the process group when launched by ``torchrun``; returns (rank, world size).

    NCCL with one GPU per rank (``LOCAL_RANK``) when CUDA is present, else gloo (CPU tests).
    A single process (no ``WORLD_SIZE``, or 1) does nothing and returns (0, 1).
    """
    n = int(os.environ.get("WORLD_SIZE", "1"))
    if n <= 1:
        return 0, 1
    if not dist.is_initialized():
        if torch.cuda.is_available():
            torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    return dist.get_rank(), dist.get_world_size()


def world() -> tuple[int, int]:
    """(rank, world size) of this process; (0, 1) outside ``torchrun``."""
    return (dist.get_rank(), dist.get_world_size()) if dist.is_available() and dist.is_initialized() else (0, 1)


def is_main() -> bool:
    return world()[0] == 0


def shard(t: torch.Tensor) -> torch.Tensor:
    """This rank's slice of a global batch (the first dimension); every rank draws the same
    global batch from the same seeded generator, so the data order survives a resume."""
    rank, n = world()
    if n == 1:
        return t
    if len(t) % n:
        raise ValueError(f"batch {len(t)} must divide evenly over {n} ranks")
    return t.chunk(n)[rank]


def exit_worker(code: int = 0) -> None:
    """End this process with exit status ``code``, leaving the process group cleanly first.

    Outside torchrun this is ``sys.exit(code)``. A torchrun worker waits for the others, then
    destroys the group. On gloo (the CPU backend) it then leaves with ``os._exit``: with torch
    2.13, gloo aborts at interpreter shutdown ("terminate called without an active exception",
    SIGABRT) in about 1 of 50 two-rank runs even after a clean ``destroy_process_group`` (5
    of 290 spawned pairs here, with file:// and tcp:// rendezvous alike; none of 190 with this
    exit), which would turn a finished run into a failed one. Streams are flushed first;
    nothing else is pending by then (checkpoints are written atomically, step logs closed by
    their callbacks).
    """
    if dist.is_available() and dist.is_initialized():
        gloo = dist.get_backend() == "gloo"
        dist.barrier()
        dist.destroy_process_group()
        if gloo:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    sys.exit(code)


def barrier() -> None:
    """Wait for every rank (a no-op outside torchrun)."""
    if world()[1] > 1:
        dist.barrier()


def sync_gradients(params) -> None:
    """Average the gradients of ``params`` over all ranks (in place)."""
    _, n = world()
    if n == 1:
        return
    for p in params:
        if p.grad is not None:
            dist.all_reduce(p.grad, op=dist.ReduceOp.SUM)
            p.grad.div_(n)


def attach_gradient_sync(opt: torch.optim.Optimizer) -> torch.optim.Optimizer:
    """Make ``opt.step()`` average gradients across ranks first (a no-op outside torchrun)."""
    if world()[1] > 1:
        opt.register_step_pre_hook(
            lambda o, args, kwargs: sync_gradients(p for g in o.param_groups for p in g["params"]))
    return opt
