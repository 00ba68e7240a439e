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

The same question asked of the *codes* rather than the noise (notebook 04 §7): how much of
an attribute a linear read of f_1 or of f_2 = E_2(x) (§3.1) recovers on real images,
:func:`linear_readout_r2` — f_2 is meant to leave the pose to f_1, and nothing in the paper's
losses makes it — and which of the two codes G^I actually draws it from,
:func:`code_sources`: render f_1 of one image with f_2 of another and see whose pose comes out.
"""
from __future__ import annotations

from typing import Callable

import torch

from ..data.faceset import same_person_partners   # re-exported: notebook 04 uses it from here

__all__ = ["variance_shares", "render_grid", "attribute_shares", "identity_spread", "linear_readout_r2",
           "same_person_partners", "code_sources"]


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


def linear_readout_r2(codes: torch.Tensor, targets: torch.Tensor, fit: torch.Tensor,
                      ridge: float = 1e-3) -> torch.Tensor:
    """How much of each target a linear read of ``codes`` recovers: a ridge regression
    y ≈ [c, 1] w, w = (AᵀA + ridge · n · I)⁻¹ Aᵀy on the rows where ``fit`` is True (codes
    standardized with those rows' mean and spread, so ``ridge`` does not depend on their
    scale), scored by R² = 1 − Σ(y − ŷ)² / Σ(y − ȳ)² on the other rows.

    ``codes``: N × D, ``targets``: N × K, ``fit``: (N,) bool (split by person, so that the
    read cannot lean on who it is). Returns (K,) held-out R²s; ≈ 0 (or below) when the codes
    say nothing linear about a target. With fewer fitting rows than code entries (smoke
    runs) the ridge alone makes the fit possible, and the R² comes out low."""
    c, y = torch.as_tensor(codes).double(), torch.as_tensor(targets).double()
    fit = torch.as_tensor(fit, dtype=torch.bool)
    if c.dim() != 2 or y.dim() != 2 or not len(c) == len(y) == len(fit):
        raise ValueError(f"expected codes N × D, targets N × K and fit (N,), got {tuple(c.shape)}, "
                         f"{tuple(y.shape)} and {tuple(fit.shape)}")
    n_fit, n_held = int(fit.sum()), int((~fit).sum())
    if n_fit < 2 or n_held < 2:
        raise ValueError(f"need at least 2 fitting and 2 held-out rows, got {n_fit} and {n_held}")
    mu, sd = c[fit].mean(0), c[fit].std(0).clamp_min(1e-8)
    a = torch.cat([(c - mu) / sd, torch.ones(len(c), 1, dtype=c.dtype)], 1)         # N × (D + 1)
    gram = a[fit].T @ a[fit] + ridge * n_fit * torch.eye(a.shape[1], dtype=c.dtype)
    w = torch.linalg.solve(gram, a[fit].T @ y[fit])                                   # (D + 1) × K
    resid = y[~fit] - a[~fit] @ w
    return (1 - resid.pow(2).sum(0) / (y[~fit] - y[~fit].mean(0)).pow(2).sum(0).clamp_min(1e-12)).float()


def _slopes(y: torch.Tensor, *xs: torch.Tensor) -> list[float]:
    """Least-squares slopes of y on the columns xs (with an intercept)."""
    a = torch.stack([*(x.double() for x in xs), torch.ones(len(y), dtype=torch.float64)], 1)
    return torch.linalg.lstsq(a, y.double()[:, None]).solution[:-1, 0].tolist()


@torch.no_grad()
def code_sources(render: Callable, read: Callable[[torch.Tensor], torch.Tensor], f_id: torch.Tensor,
                 f_1: torch.Tensor, f_2: torch.Tensor, partner: torch.Tensor, truth: torch.Tensor,
                 real: torch.Tensor | None = None) -> dict[str, float]:
    """Which code G^I draws an attribute from, in the attribute's units per unit of ``truth``.

    For N real images i with codes ``f_id``, ``f_1``, ``f_2`` (N × ·) and true attribute
    ``truth`` (N,), and ``partner`` (N,) another image of the same person for each: renders
    x^rec_i = G^I(f_id_i, f_1_i, f_2_i) and the swap G^I(f_id_i, f_1_i, f_2_partner(i)),
    reads the attribute off them with ``read`` (images → (N,)), and regresses::

        read(x^rec_i)  ≈ a_rec · t_i                       ("rec")
        read(swap_i)   ≈ a_1 · t_i + a_2 · t_partner(i)    ("f_1", "f_2")

    A renderer that draws the pose from f_1 alone has a_2 = 0 and a_1 = a_rec; one that takes
    it from f_2 the reverse. ``real`` (the images i themselves), when given, adds "real": the
    reader's own slope on real faces, the scale a faithful renderer would reach."""
    partner = torch.as_tensor(partner).long()
    t, tp = truth.double(), truth.double()[partner]
    out = {"rec": _slopes(read(render(f_id, f_1, f_2)), t)[0]}
    out["f_1"], out["f_2"] = _slopes(read(render(f_id, f_1, f_2[partner])), t, tp)
    if real is not None:
        out["real"] = _slopes(read(real), t)[0]
    return out
