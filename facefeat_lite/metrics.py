"""Evaluation metrics shared by every notebook (FaceFeat-GAN §4, IDE §3).

Identity is scored the way face-recognition papers score it:

* :func:`identification_accuracy` — closed-set classification accuracy, or rank-k accuracy of
  probes against a gallery of identity templates (:func:`rank_k_accuracy`, IJB-A style).
* :func:`verification_10fold` — the LFW protocol: pairs are split into 10 folds; for each fold
  the decision threshold is the one that maximises accuracy on the *other nine*, and the
  accuracy on the held-out fold is recorded; report mean ± std over folds (FaceFeat-GAN Tab. 1).
* :func:`tar_at_far` — true-accept rate at a fixed false-accept rate (IJB-A, Tab. 2).
* :func:`r2_by_group` — coefficient of determination of a regression (E_1's f_3d), per group of
  entries (pose, expression).

Pairs for verification come from :func:`sample_pairs` (any list of labels) or from a data
set's own protocol (LFW ``pairs.txt``, SynthFaces' hard-negative pairs).
All functions take torch tensors or numpy arrays and return plain Python numbers or tensors.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch


def _t(x, dtype=torch.float64) -> torch.Tensor:
    return torch.as_tensor(np.asarray(x) if not torch.is_tensor(x) else x).to(dtype)


def cosine_scores(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Row-wise cosine similarity of two (N, D) embedding batches -> (N,)."""
    a, b = _t(a), _t(b)
    return torch.nn.functional.cosine_similarity(a, b, dim=1)


def identification_accuracy(logits_or_pred, labels) -> float:
    """Fraction of correct identity predictions. Accepts (N, C) logits or (N,) predictions."""
    pred = torch.as_tensor(logits_or_pred)
    if pred.ndim == 2:
        pred = pred.argmax(1)
    labels = torch.as_tensor(labels)
    if pred.shape != labels.shape:
        raise ValueError(f"predictions {tuple(pred.shape)} and labels {tuple(labels.shape)} differ in shape")
    return float((pred == labels).double().mean())


def rank_k_accuracy(probe_emb, probe_labels, gallery_emb, gallery_labels, k: int = 1) -> float:
    """Closed-set identification: is the probe's identity among the k most similar gallery
    entries (cosine similarity)? Each gallery row is one identity's template embedding."""
    p = torch.nn.functional.normalize(_t(probe_emb), dim=1)
    g = torch.nn.functional.normalize(_t(gallery_emb), dim=1)
    sim = p @ g.T                                                   # (P, G)
    top = sim.topk(min(k, sim.shape[1]), dim=1).indices             # (P, k)
    hits = torch.as_tensor(gallery_labels)[top] == torch.as_tensor(probe_labels)[:, None]
    return float(hits.any(1).double().mean())


def best_threshold(scores, same) -> tuple[float, float]:
    """The threshold t maximising the accuracy of the rule ``same := score > t``.

    Exact: every midpoint between consecutive sorted scores (and one below / above all) is a
    candidate. Returns (threshold, accuracy on these pairs).
    """
    s, y = _t(scores), torch.as_tensor(same).bool()
    order = torch.argsort(s)
    s, y = s[order], y[order]
    n = len(s)
    # Predicting "same" for all pairs above position i (exclusive): correct = negatives at or
    # below i + positives above i.
    neg_below = torch.cat([torch.zeros(1, dtype=torch.float64), torch.cumsum((~y).double(), 0)])
    pos_above = y.sum().double() - torch.cat([torch.zeros(1, dtype=torch.float64), torch.cumsum(y.double(), 0)])
    correct = neg_below + pos_above                                 # (n + 1,) cut after i items
    # A cut is only realisable between two *different* scores.
    valid = torch.ones(n + 1, dtype=torch.bool)
    valid[1:n] = s[1:] > s[:-1]
    correct[~valid] = -1
    i = int(torch.argmax(correct))
    if i == 0:
        t = float(s[0]) - 1.0
    elif i == n:
        t = float(s[-1]) + 1.0
    else:
        t = float((s[i - 1] + s[i]) / 2)
    return t, float(correct[i] / n)


@dataclass
class VerificationResult:
    """Mean ± std accuracy over folds, the per-fold accuracies and thresholds."""

    mean: float
    std: float
    fold_accuracies: list[float]
    thresholds: list[float]

    def __str__(self) -> str:
        return f"{100 * self.mean:.2f} ± {100 * self.std:.2f} %"


def verification_10fold(scores, same, folds=None, n_folds: int = 10) -> VerificationResult:
    """The LFW 10-fold verification protocol (FaceFeat-GAN Tab. 1).

    ``scores``: (N,) similarity of each pair (higher = more alike); ``same``: (N,) bool.
    ``folds``: (N,) fold index of each pair (as in LFW's pairs.txt); when omitted, pairs are
    split into ``n_folds`` contiguous folds in the given order. For each fold, the threshold
    is chosen on the other folds and the accuracy is measured on the fold itself.
    The std is the population std over folds (numpy's default, as LFW reports).
    """
    s, y = _t(scores), torch.as_tensor(same).bool()
    if s.shape != y.shape or s.ndim != 1:
        raise ValueError(f"scores {tuple(s.shape)} and same {tuple(y.shape)} must be equal 1-d shapes")
    if folds is None:
        if len(s) < n_folds:
            raise ValueError(f"need at least {n_folds} pairs for {n_folds}-fold verification, got {len(s)}")
        folds = torch.arange(len(s)) * n_folds // len(s)
    folds = torch.as_tensor(folds)
    accs, ths = [], []
    for f in torch.unique(folds).tolist():
        test = folds == f
        t, _ = best_threshold(s[~test], y[~test])
        accs.append(float(((s[test] > t) == y[test]).double().mean()))
        ths.append(t)
    a = np.asarray(accs)
    return VerificationResult(float(a.mean()), float(a.std()), accs, ths)


def tar_at_far(scores, same, far: float) -> float:
    """True-accept rate at the threshold whose false-accept rate is at most ``far``.

    The threshold is the smallest t such that the fraction of negative pairs with
    score > t is <= far; TAR is then the fraction of positive pairs with score > t.
    """
    s, y = _t(scores), torch.as_tensor(same).bool()
    neg, pos = s[~y], s[y]
    if len(neg) == 0 or len(pos) == 0:
        raise ValueError("tar_at_far needs both positive and negative pairs")
    neg_sorted = torch.sort(neg, descending=True).values
    n_allowed = int(np.floor(far * len(neg) + 1e-9))               # negatives allowed above t
    t = float(neg_sorted[n_allowed]) if n_allowed < len(neg) else float(neg_sorted[-1]) - 1.0
    return float((pos > t).double().mean())


def r2_score(pred, target) -> torch.Tensor:
    """Per-entry R² = 1 − SSE / SST of (N, D) predictions -> (D,)."""
    p, y = _t(pred), _t(target)
    sse = ((p - y) ** 2).sum(0)
    sst = ((y - y.mean(0)) ** 2).sum(0)
    return 1 - sse / sst.clamp_min(1e-12)


def r2_by_group(pred, target, groups: dict[str, slice]) -> dict[str, float]:
    """Pooled R² per group of entries: 1 − Σ SSE / Σ SST over the group's entries.

    Pooling weights each entry by its variance, so an entry that barely varies cannot drag the
    group down (the per-entry values are in :func:`r2_score`).
    """
    p, y = _t(pred), _t(target)
    out = {}
    for name, sl in groups.items():
        sse = ((p[:, sl] - y[:, sl]) ** 2).sum()
        sst = ((y[:, sl] - y[:, sl].mean(0)) ** 2).sum()
        out[name] = float(1 - sse / sst.clamp_min(1e-12))
    return out


def sample_pairs(labels, n_pairs: int, seed: int = 0, positive_fraction: float = 0.5):
    """Random verification pairs from a label vector: (idx_a, idx_b, same), shuffled.

    Positive pairs are two distinct samples of one identity, negatives two samples of
    different identities. Deterministic in ``seed``.
    """
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    by_id = {}
    for i, l in enumerate(labels):
        by_id.setdefault(int(l), []).append(i)
    multi = [v for v in by_id.values() if len(v) >= 2]
    if not multi or len(by_id) < 2:
        raise ValueError("need at least two identities and one identity with two samples")
    n_pos = int(round(n_pairs * positive_fraction))
    a, b = [], []
    for _ in range(n_pos):
        members = multi[rng.integers(len(multi))]
        i, j = rng.choice(len(members), 2, replace=False)
        a.append(members[i]); b.append(members[j])
    while len(a) < n_pairs:
        i, j = rng.integers(len(labels), size=2)
        if labels[i] != labels[j]:
            a.append(i); b.append(j)
    same = np.array([True] * n_pos + [False] * (n_pairs - n_pos))
    perm = rng.permutation(n_pairs)
    return np.asarray(a)[perm], np.asarray(b)[perm], same[perm]
