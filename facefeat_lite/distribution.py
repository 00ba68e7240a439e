"""How close a set of generated vectors is to a set of real ones: diversity, Fréchet, MMD.

Notebooks: ``02_stage1_feature_gans`` (generated vs real f_1 and f_2, FaceFeat-GAN §3.2),
later the evaluations (the same Fréchet distance on judge embeddings of images).

* :func:`diversity_score` — FaceFeat-GAN §4's diversity score: the mean over entries of the
  per-entry variance of the generated features, each entry standardized by the *real*
  features' mean and standard deviation, so real features score 1 and a collapsed generator 0
  (the paper reports 0.63 for its model).
* :func:`frechet_distance` — ‖μ_a − μ_b‖² + tr(Σ_a + Σ_b − 2 (Σ_a^{1/2} Σ_b Σ_a^{1/2})^{1/2}),
  the distance between Gaussians fitted to the two sets (the formula of FID, which is this
  distance on Inception features; on other features it is *not* FID and is named for what
  it is measured on). It is biased upward by finite samples, so compare it to
  :func:`noise_floor`: the same distance between two disjoint halves of the real set, at the
  same sample size.
* :func:`mmd_rbf` — the unbiased squared maximum mean discrepancy with a Gaussian kernel whose
  bandwidth is the median pairwise distance (a kernel two-sample statistic: ≈ 0, possibly
  slightly negative, when both sets come from one distribution).
"""
from __future__ import annotations

from typing import Callable

import torch

__all__ = ["diversity_score", "frechet_distance", "mmd_rbf", "noise_floor", "split_halves"]


def _check(x: torch.Tensor, name: str) -> torch.Tensor:
    x = torch.as_tensor(x)
    if x.dim() != 2 or len(x) < 2:
        raise ValueError(f"{name} must be an N × D matrix with N ≥ 2 vectors, got shape {tuple(x.shape)}")
    return x.double()


def diversity_score(generated: torch.Tensor, real: torch.Tensor, eps: float = 1e-8) -> float:
    """Mean per-entry variance of ``generated`` (N × D) standardized by ``real``'s entries."""
    g, r = _check(generated, "generated"), _check(real, "real")
    if g.shape[1] != r.shape[1]:
        raise ValueError(f"generated has {g.shape[1]} entries per vector, real has {r.shape[1]}")
    z = (g - r.mean(0)) / (r.std(0) + eps)
    return float(z.var(0).mean())


def _sqrtm_psd(m: torch.Tensor) -> torch.Tensor:
    """Square root of a symmetric positive semi-definite matrix (eigenvalues clipped at 0)."""
    w, v = torch.linalg.eigh((m + m.T) / 2)
    return (v * w.clamp_min(0).sqrt()) @ v.T


def frechet_distance(a: torch.Tensor, b: torch.Tensor) -> float:
    """Fréchet distance between Gaussians fitted to ``a`` (N × D) and ``b`` (M × D).

    tr((Σ_a Σ_b)^{1/2}) is computed as tr((Σ_a^{1/2} Σ_b Σ_a^{1/2})^{1/2}), a symmetric PSD
    square root, which is stable where the general matrix square root is not.
    """
    a, b = _check(a, "a"), _check(b, "b")
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"a has {a.shape[1]} entries per vector, b has {b.shape[1]}")
    mu = a.mean(0) - b.mean(0)
    ca, cb = torch.cov(a.T).reshape(a.shape[1], -1), torch.cov(b.T).reshape(b.shape[1], -1)
    sa = _sqrtm_psd(ca)
    cross = torch.linalg.eigvalsh(sa @ cb @ sa).clamp_min(0).sqrt().sum()
    return float(mu @ mu + torch.trace(ca) + torch.trace(cb) - 2 * cross)


def mmd_rbf(a: torch.Tensor, b: torch.Tensor, bandwidth: float | None = None) -> float:
    """Unbiased MMD² between ``a`` and ``b`` with k(x, y) = exp(−‖x − y‖² / (2 h²)).

    ``bandwidth`` h defaults to the median distance between all pooled vectors.
    """
    a, b = _check(a, "a"), _check(b, "b")
    d = torch.cdist(torch.cat([a, b]), torch.cat([a, b])).pow(2)
    if bandwidth is None:
        off = d[~torch.eye(len(d), dtype=torch.bool)]
        bandwidth = float(off.median().sqrt())
    k = torch.exp(-d / (2 * bandwidth ** 2))
    n, m = len(a), len(b)
    kaa, kbb, kab = k[:n, :n], k[n:, n:], k[:n, n:]
    term_a = (kaa.sum() - kaa.diagonal().sum()) / (n * (n - 1))
    term_b = (kbb.sum() - kbb.diagonal().sum()) / (m * (m - 1))
    return float(term_a + term_b - 2 * kab.mean())


def split_halves(x: torch.Tensor, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Two disjoint random halves of the rows of ``x`` (deterministic in ``seed``)."""
    perm = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))
    h = len(x) // 2
    return x[perm[:h]], x[perm[h:2 * h]]


def noise_floor(real: torch.Tensor, distance: Callable = frechet_distance, seed: int = 0) -> float:
    """``distance`` between two disjoint halves of ``real``: what sampling alone costs.

    Compare a generated set of ``len(real) // 2`` vectors against one half (see
    :func:`split_halves` with the same seed) to put both figures at the same sample size.
    """
    a, b = split_halves(real, seed)
    return distance(a, b)
