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
share(z_2); "both" is what depends on the pair (interaction).
"""
from __future__ import annotations

import torch

__all__ = ["variance_shares"]


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
