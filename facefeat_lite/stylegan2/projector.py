"""Project an image into a StyleGAN2's W+ (and noise, optionally the input latent) — notebook 05.

Optimisation-based inversion as in the StyleGAN2 paper's projector (§5; rosinality's
``projector.py`` follows it), the basis of the PULSE baseline in the IDE evaluation:

* start from w̄ in every W+ row, random noise maps (and the learned 4×4 constant);
* Adam on the latents with a cosine ramp-down of the learning rate and a short ramp-up;
* Gaussian noise added to w, decaying to 0 over the first ``noise_ramp`` of the steps
  (explores before it settles), scaled by the spread of w around w̄;
* loss = pixel MSE (+ an optional ``feature_loss(x, target)``; the paper uses LPIPS, which
  has no weights here) + ``noise_reg`` · the noise maps' autocorrelation at every scale, so
  the noise inputs cannot smuggle the image in; the noise maps are re-normalised to zero
  mean and unit variance after every step.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn.functional as F

from .generator import Generator

__all__ = ["ProjectConfig", "noise_regularize", "project"]


@dataclass
class ProjectConfig:
    steps: int = 300
    lr: float = 0.1
    lr_rampup: float = 0.05         # fraction of steps to ramp the lr up
    lr_rampdown: float = 0.25       # fraction of steps of the final cosine ramp-down
    w_noise: float = 0.05           # initial latent noise, × the spread of w around w̄
    noise_ramp: float = 0.75        # fraction of steps over which the latent noise decays to 0
    noise_reg: float = 1e5          # weight of the noise maps' autocorrelation penalty
    optimize_noise: bool = True
    optimize_input: bool = False    # also fit the 4×4 input latent (IDE's second output)
    seed: int = 0


def noise_regularize(noises: list[torch.Tensor]) -> torch.Tensor:
    """Σ over maps and scales of the squared lag-1 autocorrelations (rows and columns)."""
    loss = 0.0
    for n in noises:
        while True:
            loss = loss + (n * torch.roll(n, 1, dims=3)).mean().pow(2) + (n * torch.roll(n, 1, dims=2)).mean().pow(2)
            if n.shape[2] <= 8:
                break
            n = F.avg_pool2d(n, 2)
    return loss


def _lr(t: float, cfg: ProjectConfig) -> float:
    ramp = min(1.0, (1 - t) / cfg.lr_rampdown)
    ramp = 0.5 - 0.5 * math.cos(ramp * math.pi)
    return cfg.lr * ramp * min(1.0, t / cfg.lr_rampup)


def project(g: Generator, target: torch.Tensor, cfg: ProjectConfig | None = None,
            feature_loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None) -> dict:
    """Fit W+ (+ noise, + input latent) so that G reproduces ``target`` (B, 3, S, S) in [−1, 1].

    Returns ``{"wplus", "noise", "input_latent", "image", "history"}``; ``history["loss"]``
    holds the pixel (+ feature) loss per step, without the regulariser.
    """
    cfg = cfg or ProjectConfig()
    if target.shape[1:] != (3, g.size, g.size):
        raise ValueError(f"target must be (B, 3, {g.size}, {g.size}) in [-1, 1], got {tuple(target.shape)}")
    gen = torch.Generator().manual_seed(cfg.seed)
    b, dev = target.shape[0], target.device
    flags = [p.requires_grad for p in g.parameters()]
    g.requires_grad_(False)                                  # only the latents learn
    with torch.no_grad():
        w_std = (g.mapping(torch.randn(2048, g.style_dim, generator=gen).to(dev)) - g.w_avg).pow(2).sum(1).mean().sqrt()
    wplus = g.w_avg.detach().expand(b, g.n_latent, -1).clone().requires_grad_(True)
    noises = [torch.randn(b, 1, *getattr(g.noises, f"noise_{i}").shape[2:], generator=gen).to(dev)
              .requires_grad_(cfg.optimize_noise) for i in range(g.num_layers)]
    input_latent = g.input.input.detach().expand(b, -1, -1, -1).clone().requires_grad_(cfg.optimize_input)
    params = [wplus] + (noises if cfg.optimize_noise else []) + ([input_latent] if cfg.optimize_input else [])
    opt = torch.optim.Adam(params, lr=cfg.lr)
    history: dict[str, list[float]] = {"loss": [], "mse": []}
    for step in range(cfg.steps):
        t = step / max(cfg.steps - 1, 1)
        for group in opt.param_groups:
            group["lr"] = _lr(max(t, 1e-8), cfg)
        strength = float(w_std) * cfg.w_noise * max(0.0, 1 - t / cfg.noise_ramp) ** 2
        w_in = wplus + torch.randn(wplus.shape, generator=gen).to(dev) * strength
        x = g.synthesis(w_in, noise=noises, input_latent=input_latent)
        mse = F.mse_loss(x, target)
        loss = mse + (feature_loss(x, target) if feature_loss is not None else 0.0)
        total = loss + (cfg.noise_reg * noise_regularize(noises) if cfg.optimize_noise else 0.0)
        opt.zero_grad(set_to_none=True)
        total.backward()
        opt.step()
        with torch.no_grad():
            for n in noises:
                n.sub_(n.mean((1, 2, 3), keepdim=True)).div_(n.std((1, 2, 3), keepdim=True) + 1e-8)
        history["loss"].append(float(loss.detach()))
        history["mse"].append(float(mse.detach()))
    with torch.no_grad():
        image = g.synthesis(wplus, noise=noises, input_latent=input_latent)
    for p, flag in zip(g.parameters(), flags):
        p.requires_grad_(flag)
    return {"wplus": wplus.detach(), "noise": [n.detach() for n in noises], "input_latent": input_latent.detach(),
            "image": image, "history": history}
