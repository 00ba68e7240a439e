"""Template-based identity evaluation with real and generated faces mixed (FaceFeat-GAN Tab. 2).

Notebook: ``07_evaluations`` (the Table 2 analogue). IJB-A scores *templates*: sets of images
of one person, each represented by the mean of its members' embeddings. FaceFeat-GAN asks
whether its generated faces can stand in for real ones: in every probe template a fraction
r of the images (the fake ratio: 0, 20, 50, 80, 100 %) is replaced by faces generated from
those same images' identity features, and the templates are scored as usual:

* **verification** — every (probe, gallery) template pair, same person or not, scored by
  the cosine of the template embeddings; TAR at FAR 10⁻² and 10⁻³
  (:func:`facefeat_lite.metrics.tar_at_far`);
* **identification** — each probe template against the gallery (one real template per
  person): rank-1 and rank-5 accuracy (:func:`facefeat_lite.metrics.rank_k_accuracy`).

Gallery templates stay real. Each split draws, per identity, ``template_size`` gallery and
``template_size`` probe images at random; the split's draw is the same for every ratio, so
within a split only the ratio changes. Mean ± std over ``n_splits`` splits (IJB-A has 10).
``fake_emb[i]`` must be the embedding of the face generated *for* real image ``i``.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from .metrics import rank_k_accuracy, tar_at_far

__all__ = ["split_templates", "template_embeddings", "template_protocol"]


def split_templates(labels, template_size: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One split: ``(gallery, probe, ids)`` with gallery and probe (n_ids × template_size)
    image indices, disjoint within each identity, for identities with ≥ 2 · template_size images."""
    labels = np.asarray(labels)
    gallery, probe, ids = [], [], []
    for ident in np.unique(labels):
        members = np.flatnonzero(labels == ident)
        if len(members) < 2 * template_size:
            continue
        pick = rng.permutation(members)[:2 * template_size]
        gallery.append(pick[:template_size])
        probe.append(pick[template_size:])
        ids.append(ident)
    if len(ids) < 2:
        raise ValueError(f"need at least two identities with {2 * template_size} images each, got {len(ids)}")
    return np.stack(gallery), np.stack(probe), np.asarray(ids)


def template_embeddings(real_emb: torch.Tensor, fake_emb: torch.Tensor, members: np.ndarray,
                        n_fake: int) -> torch.Tensor:
    """(T, D) unit template embeddings: the mean over each row of ``members`` (T × size), the
    first ``n_fake`` members taken from ``fake_emb`` instead of ``real_emb``."""
    idx = torch.as_tensor(members)
    parts = torch.cat([fake_emb[idx[:, :n_fake]], real_emb[idx[:, n_fake:]]], 1)        # T × size × D
    return F.normalize(parts.mean(1), dim=1)


def template_protocol(real_emb, fake_emb, labels, ratios=(0.0, 0.2, 0.5, 0.8, 1.0), template_size: int = 5,
                      n_splits: int = 10, fars=(1e-2, 1e-3), ranks=(1, 5), seed: int = 0) -> dict[float, dict]:
    """Table 2: ``{ratio: {"tar_far0.01": (mean, std), "rank1": (mean, std), ...}}``.

    ``real_emb``, ``fake_emb``: (N, D) embeddings aligned by image; ``labels``: (N,) identity.
    The number of fakes per probe template is ``round(ratio · template_size)``.
    """
    real = F.normalize(torch.as_tensor(real_emb).double(), dim=1)
    fake = F.normalize(torch.as_tensor(fake_emb).double(), dim=1)
    if real.shape != fake.shape or real.ndim != 2:
        raise ValueError(f"real_emb {tuple(real.shape)} and fake_emb {tuple(fake.shape)} must be equal N × D shapes")
    if len(np.asarray(labels)) != len(real):
        raise ValueError(f"labels has {len(np.asarray(labels))} entries for {len(real)} embeddings")
    runs: dict[float, dict[str, list[float]]] = {r: {} for r in ratios}
    for s in range(n_splits):
        gallery, probe, ids = split_templates(labels, template_size, np.random.default_rng(seed + s))
        g = template_embeddings(real, fake, gallery, 0)                                   # galleries stay real
        same = torch.as_tensor(ids[:, None] == ids[None, :])                              # probe × gallery
        for r in ratios:
            p = template_embeddings(real, fake, probe, int(round(r * template_size)))
            scores = p @ g.T
            out = runs[r]
            for far in fars:
                out.setdefault(f"tar_far{far:g}", []).append(tar_at_far(scores.flatten(), same.flatten(), far))
            for k in ranks:
                out.setdefault(f"rank{k}", []).append(rank_k_accuracy(p, ids, g, ids, k))
    return {r: {name: (float(np.mean(v)), float(np.std(v))) for name, v in out.items()} for r, out in runs.items()}
