"""Which noise drives which attribute: a two-way variance decomposition over a z_1 × z_2 grid.

Notebook: ``07_evaluations`` ("beyond the paper", disentanglement). FaceFeat-GAN means z_1
(through f_1) to carry pose and expression and z_2 (through f_2) the rest — light,
background. With SynthFaces' ground truth we can check it: render every pair of n_1 values of
z_1 and n_2 values of z_2 for one identity, read an attribute off each image (E_1's yaw, a
light estimate), and split the attribute's variance over the grid the way a two-way
ANOVA does::

    a_ij = μ + α_i + β_j + ε_ij      α_i = row mean − μ (z_1),  β_j = column mean − μ (z_2)
    share(z_1) = Σ α_i² · n_2 / SS,  share(z_2) = Σ β_j² · n_1 / SS,  share(both) = Σ ε_ij² / SS

The three shares sum to 1. A well-disentangled model puts pose in share(z_1) and light in
share(z_2); "both" is what depends on the pair (interaction). :func:`attribute_shares`
renders the grids for several identities and averages the shares; :func:`identity_spread`
says how much the judge's view of the person moves while only z changes.
"""
from __future__ import annotations

from typing import Callable

import torch

__all__ = ["variance_shares", "render_grid", "attribute_shares", "identity_spread"]


def variance_shares(values: torch.Tensor) -> dict[str, float]:
    """Shares of the total sum of squares of an (n_1, n_2) grid due to rows (z_1), columns
    (z_2) and their interaction; all 0 for a constant grid."""
    a = torch.as_tensor(values, dtype=torch.float64)
    if a.dim() != 2 or min(a.shape) < 2:
        raise ValueError(f"values must be an n_1 × n_2 grid with n_1, n_2 >= 2, got shape {tuple(a.shape)}")
    mu = a.mean()
    rows, cols = a.mean(1) - mu, a.mean(0) - mu                              # α_i, β_j
    ss = float(((a - mu) ** 2).sum())
    if ss == 0:
        return {"z_1": 0.0, "z_2": 0.0, "interaction": 0.0}
    ss1 = float((rows ** 2).sum()) * a.shape[1]
    ss2 = float((cols ** 2).sum()) * a.shape[0]
    return {"z_1": ss1 / ss, "z_2": ss2 / ss, "interaction": max(0.0, 1 - (ss1 + ss2) / ss)}


@torch.no_grad()
def render_grid(render: Callable, f_id: torch.Tensor, z_1: torch.Tensor, z_2: torch.Tensor) -> torch.Tensor:
    """Every (z_1[i], z_2[j]) pair for one identity ``f_id`` (1 × D): ``render(f_id, z_1, z_2)``
    on n_1 · n_2 rows → images (n_1 · n_2, 3, S, S), row-major (i slow, j fast)."""
    n1, n2 = len(z_1), len(z_2)
    return render(f_id.expand(n1 * n2, -1), z_1.repeat_interleave(n2, 0), z_2.repeat(n1, 1))


def attribute_shares(render: Callable, readout: Callable[[torch.Tensor], dict[str, torch.Tensor]],
                     f_ids: torch.Tensor, z_1: torch.Tensor, z_2: torch.Tensor) -> dict[str, dict[str, float]]:
    """For each attribute ``readout`` returns (name → (N,) values of N images): the
    :func:`variance_shares` of its z_1 × z_2 grid, averaged over the identities ``f_ids`` (K × D)."""
    sums: dict[str, dict[str, float]] = {}
    for f in f_ids:
        values = readout(render_grid(render, f[None], z_1, z_2))
        for name, v in values.items():
            shares = variance_shares(v.reshape(len(z_1), len(z_2)))
            acc = sums.setdefault(name, dict.fromkeys(shares, 0.0))
            for k, x in shares.items():
                acc[k] += x / len(f_ids)
    return sums


def identity_spread(embeddings: torch.Tensor) -> float:
    """Mean cosine over all distinct pairs of unit ``embeddings`` (N × D) of one person's
    images: 1 when z never moves the identity the judge sees."""
    e = torch.as_tensor(embeddings).double()
    n = len(e)
    if n < 2:
        raise ValueError("identity_spread needs at least two embeddings")
    g = e @ e.T
    return float((g.sum() - g.diagonal().sum()) / (n * (n - 1)))
