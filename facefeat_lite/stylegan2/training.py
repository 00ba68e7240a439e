"""One StyleGAN2 training step (notebook 05's loop and ``python -m facefeat_lite.bench stylegan2``).

Per step, as in the paper (config-f without path-length regularisation, which the CPU preset
cannot afford — a stated deviation):

1. D step: logistic loss on a real batch and on G(z) (style mixing with probability 0.9);
   every ``r1_every`` steps also lazy R1, γ/2 · E‖∇D(x)‖² · r1_every on reals.
2. G step: non-saturating loss on a fresh G(z); w̄ tracked from the batch's w.
3. EMA: g_ema ← β g_ema + (1 − β) g with a half-life of min(10k images, 5 % of the images
   seen so far) (NVlabs' ramp-up: without it a short CPU run samples mostly the initial weights).
"""
from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from ..data.faceset import FaceSet, to_model
from ..facefeat.training import index_hash
from ..train import runtime
from ..train.checkpoint import load_or_train
from ..train.core import ProgressBar, TrainState, fit, seed_everything
from .discriminator import Discriminator, accumulate, d_logistic_loss, d_r1_loss, g_nonsaturating_loss
from .generator import Generator

__all__ = ["StyleGAN2Config", "build", "make_optimizers", "ema_decay", "train_step", "train_stylegan2"]


@dataclass
class StyleGAN2Config:
    """Sizes and optimiser of a StyleGAN2 (defaults: the CPU preset at 32²)."""

    size: int = 32
    style_dim: int = 128            # z and w (paper: 512)
    n_mlp: int = 4                  # mapping layers (paper: 8)
    channel_base: int = 1024        # channels min(base // res, max) (paper: 32768, max 512)
    channel_max: int = 64
    batch: int = 16
    lr: float = 2e-3                # Adam (0, 0.99), as the paper
    r1_gamma: float = 0.1           # paper: 10 at 1024² (scaled ~ res²; 0.1 suits 32²)
    r1_every: int = 16              # lazy regularisation interval
    mixing: float = 0.9             # style-mixing probability
    ema_kimg: float = 10.0          # EMA half-life in thousands of images (the paper's 10)
    ema_rampup: float = 0.05        # ... but at most this fraction of the images seen so far
    steps: int = 1000               # training steps (train_stylegan2)
    flip: bool = True               # random horizontal mirror of the real images
    seed: int = 0
    ckpt_every: int = 0             # partial checkpoint period; 0 = every 5 % of steps (≥ 100)


def build(cfg: StyleGAN2Config) -> dict[str, torch.nn.Module]:
    """``{"g", "d", "g_ema"}`` for ``cfg`` (g_ema a copy of g, never trained directly)."""
    g = Generator(cfg.size, cfg.style_dim, cfg.n_mlp, cfg.channel_base, cfg.channel_max)
    d = Discriminator(cfg.size, cfg.channel_base, cfg.channel_max)
    g_ema = Generator(cfg.size, cfg.style_dim, cfg.n_mlp, cfg.channel_base, cfg.channel_max)
    g_ema.load_state_dict(g.state_dict())
    g_ema.requires_grad_(False).eval()
    return {"g": g, "d": d, "g_ema": g_ema}


def make_optimizers(models: dict, cfg: StyleGAN2Config) -> dict[str, torch.optim.Optimizer]:
    """Adam for G and D; D's lr and betas corrected for lazy R1 (ratio r / (r + 1)), as the paper."""
    ratio = cfg.r1_every / (cfg.r1_every + 1) if cfg.r1_every else 1.0
    return {"g": torch.optim.Adam(models["g"].parameters(), lr=cfg.lr, betas=(0.0, 0.99)),
            "d": torch.optim.Adam(models["d"].parameters(), lr=cfg.lr * ratio, betas=(0.0, 0.99 ** ratio))}


def _styles(cfg: StyleGAN2Config, batch: int, device) -> list[torch.Tensor]:
    n = 2 if random.random() < cfg.mixing else 1
    return [torch.randn(batch, cfg.style_dim, device=device) for _ in range(n)]


def ema_decay(step: int, batch: int, cfg: StyleGAN2Config) -> float:
    """β = 0.5^(batch / half-life), half-life = min(ema_kimg · 1000, ema_rampup · step · batch) images."""
    half_life = min(cfg.ema_kimg * 1000, cfg.ema_rampup * step * batch) if cfg.ema_rampup else cfg.ema_kimg * 1000
    return 0.5 ** (batch / max(half_life, 1e-8))


def train_step(models: dict, opts: dict, real: torch.Tensor, step: int, cfg: StyleGAN2Config) -> dict[str, float]:
    """One D step (+ lazy R1) and one G step on ``real`` (B, 3, S, S) in [−1, 1]; then EMA."""
    g, d = models["g"], models["d"]
    b, device = real.shape[0], real.device
    # D: logistic loss
    g.requires_grad_(False)
    d.requires_grad_(True)
    with torch.no_grad():
        fake, _ = g(_styles(cfg, b, device))
    loss_d = d_logistic_loss(d(real), d(fake))
    opts["d"].zero_grad(set_to_none=True)
    loss_d.backward()
    opts["d"].step()
    logs = {"loss_d": float(loss_d.detach())}
    if cfg.r1_every and step % cfg.r1_every == 0:
        x = real.detach().requires_grad_(True)
        r1 = d_r1_loss(d(x), x)
        opts["d"].zero_grad(set_to_none=True)
        (cfg.r1_gamma / 2 * r1 * cfg.r1_every).backward()
        opts["d"].step()
        logs["r1"] = float(r1.detach())
    # G: non-saturating loss
    g.requires_grad_(True)
    d.requires_grad_(False)
    fake, wplus = g(_styles(cfg, b, device), return_latents=True)
    loss_g = g_nonsaturating_loss(d(fake))
    opts["g"].zero_grad(set_to_none=True)
    loss_g.backward()
    opts["g"].step()
    d.requires_grad_(True)
    g.update_w_avg(wplus[:, 0])
    accumulate(models["g_ema"], g, ema_decay(step, b, cfg))
    logs["loss_g"] = float(loss_g.detach())
    return logs


def _real_batch(data: FaceSet, idx: torch.Tensor, cfg: StyleGAN2Config, g: torch.Generator, device) -> torch.Tensor:
    """``cfg.batch`` real images in [−1, 1] at ``cfg.size`` (area-resized when the data differ)."""
    pick = idx[torch.randint(len(idx), (cfg.batch,), generator=g)]
    x = to_model(data.take(pick))
    if x.shape[-1] != cfg.size:
        x = F.interpolate(x, size=(cfg.size, cfg.size), mode="area")
    if cfg.flip:
        mirror = torch.rand(cfg.batch, generator=g) < 0.5
        x = torch.where(mirror[:, None, None, None], x.flip(-1), x)
    return x.to(device)


def train_stylegan2(data: FaceSet, idx: torch.Tensor | None = None, cfg: StyleGAN2Config | None = None,
                    device: str = "cpu", root: str = "runs/cache", progress: bool = True) -> dict:
    """Load-or-train a StyleGAN2 on ``data`` (at ``idx``); returns the checkpoint dict
    (``ckpt["models"]["g_ema"]`` is the generator to sample from). Resumes an interrupted run."""
    cfg = cfg or StyleGAN2Config()
    idx = torch.arange(len(data)) if idx is None else torch.as_tensor(idx).long()
    config = {"model": "stylegan2", **dataclasses.asdict(cfg), "data": data.describe(), "idx": index_hash(idx)}

    def train(run):
        seed_everything(cfg.seed)
        random.seed(cfg.seed)
        models = {k: m.to(device) for k, m in build(cfg).items()}
        opts = make_optimizers(models, cfg)
        state = TrainState(models=models, optimizers=opts, generators={"data": torch.Generator().manual_seed(cfg.seed)})
        run.resume(state)

        def one_step(state):
            real = _real_batch(data, idx, cfg, state.generators["data"], device)
            with runtime.autocast(device):                  # bf16 on CUDA when the run asks for it
                return train_step(models, opts, real, state.step + 1, cfg)

        models["g"].train()
        models["d"].train()
        every = cfg.ckpt_every or max(100, cfg.steps // 20)
        return fit(one_step, state, cfg.steps, [ProgressBar(desc="stylegan2", disable=not progress),
                                                 run.checkpoint(every), *runtime.step_logs("stylegan2")])

    return load_or_train("stylegan2", config, train, root, map_location=device)
