"""Load-or-train for adversarial pairs: one Adam per player, the step function owns the updates.

Notebooks: ``02_stage1_feature_gans`` (G^f_i against D^f_i), ``03_stage2_began_rendering``
(G^I against D^I) and the joint training. :func:`~.training.train_models` serves models that
minimise one loss; a GAN has two players that take turns, so here ``step(state, models, opts)``
does its own ``backward`` and ``opt.step()`` calls in the order the algorithm needs, and this
function supplies everything around it: seeding, one Adam (β₁ = ``cfg.beta1``) and one
learning-rate schedule per group of models, periodic checkpoints, resume, the cache and
freezing the result. Numbers a step must carry across steps (BEGAN's k_t) live in
``state.extra``, which checkpoints save and resume restores.
"""
from __future__ import annotations

from typing import Callable

import torch
import torch.nn as nn

from ..train.checkpoint import load_or_train
from ..train.core import TrainState, seed_everything
from ..train.runtime import attach_gradient_sync
from .training import Trained, TrainConfig, load_trained, make_scheduler, run_steps

__all__ = ["train_adversarial", "set_requires_grad"]


def set_requires_grad(module: nn.Module, flag: bool) -> None:
    """Switch gradients of ``module``'s parameters on or off (the other player's turn)."""
    for p in module.parameters():
        p.requires_grad_(flag)


def train_adversarial(name: str, config: dict, build: Callable[[], dict[str, nn.Module]],
                      groups: dict[str, list[str]], cfg: TrainConfig,
                      step: Callable[[TrainState, dict[str, nn.Module], dict[str, torch.optim.Optimizer]], dict],
                      device: str = "cpu", root: str = "runs/cache", progress: bool = True,
                      setup: Callable[[dict[str, nn.Module], TrainState], None] | None = None,
                      callbacks: list | None = None, lr_mult: dict[str, float] | None = None,
                      log_name: str | None = None) -> Trained:
    """Load-or-train the models ``build()`` makes, one Adam per entry of ``groups``.

    ``groups`` maps an optimiser name to the model names it updates, e.g.
    ``{"g": ["g_f1"], "d": ["d_f1"]}``; models in no group stay fixed (pass frozen helpers
    through the step's closure instead). ``step`` returns ``{name: number}`` logs; it calls
    ``zero_grad``, ``backward`` and ``opt.step()`` itself. ``setup(models, state)`` runs once
    on a fresh run (not on resume): load initial weights, set ``state.extra`` values.
    ``callbacks`` (:class:`~facefeat_lite.train.core.Callback`) join the progress bar and the
    checkpoints: step logs to a file, sample grids (the full-scale run). ``lr_mult`` scales
    ``cfg.lr`` per optimiser, e.g. ``{"d": 4.0}`` (two time-scale updates); 1 where not named.
    ``log_name`` names the step log and progress bar (default ``name``, the checkpoint's name).
    """
    beta1 = float(getattr(cfg, "beta1", 0.9))
    lrs = {g: cfg.lr * (lr_mult or {}).get(g, 1.0) for g in groups}

    def train(run):
        seed_everything(cfg.seed)
        models = {k: m.to(device) for k, m in build().items()}
        opts = {g: attach_gradient_sync(torch.optim.Adam([p for k in names for p in models[k].parameters()],
                                                         lr=lrs[g], betas=(beta1, 0.999),
                                                         weight_decay=cfg.weight_decay))
                for g, names in groups.items()}
        state = TrainState(models=models, optimizers=opts,
                           schedulers={g: make_scheduler(o, cfg, lrs[g]) for g, o in opts.items()},
                           generators={"data": torch.Generator().manual_seed(cfg.seed)})
        if not run.resume(state) and setup is not None:
            setup(models, state)

        def one_step(state):
            logs = step(state, models, opts)
            for g, s in state.schedulers.items():
                if opts[g].state:          # a player an ablation switches off never steps: leave its
                    s.step()               # schedule alone (PyTorch warns about a step before any update)
            return logs

        return run_steps(log_name or name, one_step, state, models, cfg, run, progress, callbacks)

    return load_trained(load_or_train(name, config, train, root, map_location=device), build, device)
