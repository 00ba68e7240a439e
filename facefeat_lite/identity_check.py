"""Can identity be learned from a data set? A small CNN trained for a minute answers it.

Notebook: ``00_data`` (the separability check of SynthFaces). Both papers need face data in
which identity is a learnable, *shape*-borne property: FaceFeat-GAN's E_id and its judge, IDE's
identity encoder and its IDSIM metric all assume it. Before any model of the papers is
trained, this module measures it directly:

1. train :class:`SmallFaceNet` — four stride-2 conv stages and a cosine-softmax head
   (normalized softmax, the same loss family as E_id's Eq. 5) — on the training identities;
2. **identification**: classify held-out images of the training identities;
3. **verification**: embed images of *unseen* identities and run the LFW 10-fold protocol on
   cosine similarities of pairs (:func:`facefeat_lite.metrics.verification_10fold`).

Run it once on ordinary SynthFaces and once with appearance shared by all identities
(``SynthFacesConfig(share_appearance=True)``): the second run tells whether identity lives
in the face's shape and not only in its colours.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from . import metrics


def _stage(cin: int, cout: int) -> nn.Sequential:
    """conv3×3 stride 2 + conv3×3, each with BatchNorm and ReLU: halves H and W."""
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, 2, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
        nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class SmallFaceNet(nn.Module):
    """(B, 3, H, W) in [0, 1] -> (B, emb_dim) embedding; widths w, 2w, 4w, 8w over 4 stages."""

    def __init__(self, n_classes: int, width: int = 32, emb_dim: int = 128, scale: float = 16.0):
        super().__init__()
        w = width
        self.features = nn.Sequential(_stage(3, w), _stage(w, 2 * w), _stage(2 * w, 4 * w), _stage(4 * w, 8 * w))
        self.embed = nn.Linear(8 * w, emb_dim)
        # Cosine classifier: logits = s * cos(embedding, class weight) (normalized softmax).
        self.class_weight = nn.Parameter(torch.randn(n_classes, emb_dim) * 0.01)
        self.scale = scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.features(x * 2 - 1)                   # B × 8w × H/16 × W/16
        return self.embed(h.mean((2, 3)))               # global average pool -> B × emb_dim

    def logits(self, emb: torch.Tensor) -> torch.Tensor:
        return self.scale * F.normalize(emb, dim=1) @ F.normalize(self.class_weight, dim=1).T


@dataclass
class CheckResult:
    identification_acc: float      # held-out images of training identities
    verification: metrics.VerificationResult  # unseen identities, standard pairs
    verification_hard: metrics.VerificationResult | None  # unseen identities vs their shape twins
    train_seconds: float
    final_loss: float


def _to_float(images: torch.Tensor) -> torch.Tensor:
    return images.float().div(255) if images.dtype == torch.uint8 else images.float()


def train_small_facenet(images: torch.Tensor, labels: torch.Tensor, steps: int = 600, batch: int = 64,
                        width: int = 32, lr: float = 3e-3, seed: int = 0, device: str = "cpu"
                        ) -> tuple[SmallFaceNet, list[float]]:
    """Train a :class:`SmallFaceNet` on (N, 3, H, W) images (uint8 or [0, 1] float) and labels.

    Adam with a one-cycle schedule (short warm-up, then cosine decay); light augmentation (random shifts of ±H/16 px and
    brightness jitter) so the net cannot memorise exact pixels. The images stay on the CPU;
    each batch moves to ``device``. Returns (model, loss per step).
    """
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    n_classes = int(labels.max()) + 1
    net = SmallFaceNet(n_classes, width).to(device)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=max(steps, 1), pct_start=0.15)
    losses = []
    pad = images.shape[-1] // 16
    net.train()
    for _ in range(steps):
        idx = torch.randint(len(images), (batch,), generator=g)
        x = _to_float(images[idx])
        # Random translation by padding with edge pixels and cropping back.
        x = F.pad(x, (pad,) * 4, mode="replicate")
        dx, dy = torch.randint(2 * pad + 1, (2,), generator=g).tolist()
        x = x[..., dy:dy + images.shape[-2], dx:dx + images.shape[-1]]
        x = x * (0.8 + 0.4 * torch.rand(batch, 1, 1, 1, generator=g))
        loss = F.cross_entropy(net.logits(net(x.to(device))), labels[idx].to(device))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        losses.append(loss.item())
    net.eval()
    return net, losses


@torch.no_grad()
def embed(net: SmallFaceNet, images: torch.Tensor, batch: int = 500) -> torch.Tensor:
    """L2-normalized embeddings of (N, 3, H, W) images -> (N, emb_dim)."""
    net.eval()
    device = next(net.parameters()).device
    out = [F.normalize(net(_to_float(images[i:i + batch]).to(device)), dim=1).cpu() for i in range(0, len(images), batch)]
    return torch.cat(out)


def identity_check(train_ds, test_ds, steps: int = 600, batch: int = 64, width: int = 32,
                   holdout: float = 0.2, n_pairs: int = 2000, seed: int = 0, device: str = "cpu") -> CheckResult:
    """The separability check on two SynthFaces splits (training and unseen identities).

    The last ``holdout`` fraction of each training identity's samples is kept out of training
    and used for identification; ``n_pairs`` verification pairs are drawn from ``test_ds``
    (standard pairs, and hard shape-twin pairs when the split has twins).
    """
    from .data.synthfaces import verification_pairs

    m = train_ds.config.samples_per_id
    n_hold = max(1, int(round(holdout * m)))
    is_hold = train_ds.sample_index >= m - n_hold
    data = train_ds.batch(slice(None), ("image", "identity"))
    images = (data["image"] * 255).round().to(torch.uint8)          # keep the training set compact
    t0 = time.perf_counter()
    net, losses = train_small_facenet(images[~is_hold], data["identity"][~is_hold], steps, batch, width,
                                      seed=seed, device=device)
    train_s = time.perf_counter() - t0
    with torch.no_grad():
        logits = torch.cat([net.logits(net(_to_float(images[is_hold][i:i + 500]).to(device))).cpu()
                            for i in range(0, int(is_hold.sum()), 500)])
    ident = metrics.identification_accuracy(logits, data["identity"][is_hold])

    emb = embed(net, test_ds.batch(slice(None), ("image",))["image"])
    def verify(kind):
        a, b, same = verification_pairs(test_ds, n_pairs, kind=kind, seed=seed)
        return metrics.verification_10fold(metrics.cosine_scores(emb[a], emb[b]), same)
    hard = verify("hard") if (test_ds.twin_of >= 0).any() else None
    return CheckResult(ident, verify("standard"), hard, train_s, float(np.mean(losses[-20:])))
