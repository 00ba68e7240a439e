"""Latent-space operations behind notebook 05's widgets: pure functions, tested headless.

A widget only maps slider values to arguments of :func:`interpolate_image`; everything it
shows is computed here. Interpolation is linear in z, W or W+ (the paper's "lerp in W";
slerp in z is StyleGAN1's PPL convention, not needed for viewing), optionally on a subset of
W+ rows — e.g. only the coarse rows (pose, shape) or only the fine rows (colour); notebook 05
§4 measures which rows carry what.
"""
from __future__ import annotations

import torch

from .generator import Generator

__all__ = ["latents_for_seed", "lerp_wplus", "interpolate_image", "row_groups"]


def latents_for_seed(g: Generator, seed: int, n: int = 1) -> torch.Tensor:
    """z (n, D) drawn from ``seed`` — the seed picker's latent."""
    return torch.randn(n, g.style_dim, generator=torch.Generator().manual_seed(seed)).to(g.w_avg.device)


def row_groups(g: Generator) -> dict[str, range]:
    """W+ rows by the resolution they act on: coarse (4²–8²), middle (16²–32²), fine (the rest)."""
    n = g.n_latent
    return {"coarse": range(0, min(4, n)), "middle": range(min(4, n), min(8, n)), "fine": range(min(8, n), n)}


def lerp_wplus(wa: torch.Tensor, wb: torch.Tensor, t: float, rows=None) -> torch.Tensor:
    """(1 − t) wa + t wb on W+ codes (B, n_latent, D); rows outside ``rows`` keep wa."""
    out = wa + t * (wb - wa)
    if rows is not None:
        keep = torch.ones(wa.shape[1], dtype=torch.bool, device=wa.device)
        keep[list(rows)] = False
        out[:, keep] = wa[:, keep]
    return out


@torch.no_grad()
def interpolate_image(g: Generator, seed_a: int, seed_b: int, t: float, space: str = "w", rows=None,
                      truncation: float = 1.0) -> tuple[torch.Tensor, torch.Tensor]:
    """The image between two seeds' latents at ``t`` ∈ [0, 1]; returns (image (1, 3, S, S), W+).

    ``space``: "z" (lerp the noise, then map), "w" (lerp the mapped w) or "wplus" (lerp W+,
    with ``rows`` restricting which rows move). Noise maps are the fixed buffers, so only the
    latent changes between frames.
    """
    if not 0.0 <= t <= 1.0:
        raise ValueError(f"t must be in [0, 1], got {t}")
    za, zb = latents_for_seed(g, seed_a), latents_for_seed(g, seed_b)
    if space == "z":
        w = g.truncate(g.mapping(za + t * (zb - za)), truncation)
        wplus = g.to_wplus([w])
    elif space in ("w", "wplus"):
        wa = g.to_wplus([g.truncate(g.mapping(za), truncation)])
        wb = g.to_wplus([g.truncate(g.mapping(zb), truncation)])
        wplus = lerp_wplus(wa, wb, t, rows if space == "wplus" else None)
    else:
        raise ValueError(f"space must be 'z', 'w' or 'wplus', got {space!r}")
    return g.synthesis(wplus, randomize_noise=False), wplus
