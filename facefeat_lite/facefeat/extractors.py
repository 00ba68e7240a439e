"""FaceFeat-GAN's feature extractors E_id, E_1, E_2 and their losses (Eqs. 5, 7, 8).

Notebook: ``01_feature_extraction``. Paper: Shen, Zhou, Luo, Tang, *FaceFeat-GAN: a Two-Stage
Approach for Identity-Preserving Face Synthesis*, 2018, §3.1 "Feature extractors"
(restated in ``docs/papers.md``). An image x (B, 3, S, S), floats in [-1, 1], is described by

* f_id = E_id(x), 256-d identity (ResNet-50), trained by identity classification (Eq. 5);
* f_1 = E_1(x), pose + expression (ResNet-18), regressed against 3DMM labels (Eq. 7): 30-d in
  the paper, 12-d on SynthFaces (9 expression weights + yaw, pitch, roll; ``data.fields``);
* f_2 = E_2(x), 256-d "everything else" (BEGAN encoder), learned only by reconstructing x
  through the image generator G^I with E_id and E_1 frozen (Eq. 8).

G^I takes ``[f_id (norm 16), f_1 (standardized), f_2 (norm 16)]``: B × 542 at the paper's
sizes (the constructors' defaults), B × 524 on SynthFaces.
Why norm 16: a 256-d vector of unit-variance entries has norm ≈ √256 = 16, so both 256-d
features enter G^I at the scale of the standardized f_1 (and of unit-variance noise).

Choices and deviations (each a switch where cheap):

* Eq. 5 with ||f_id|| = 64 is a *normalized softmax*. Following NormFace (Wang et al. 2017)
  the class weights are l2-normalized too and the bias dropped, so logits = 64·cos(f, w_j)
  (``normalize_weight=True``); ``False`` keeps the paper's literal W^T f + b with raw W.
  ``head="arcface"`` swaps in ArcFace's additive angular margin (s = 64, m = 0.5).
* Eq. 5's training set: on SynthFaces E_id also sees its people in the shared template
  appearance, under the same labels (``eid_template_views``; see ``extractor_data``), so
  that f_id carries the face's shape and not only its colours.
* Eq. 7's W_3d defaults to the inverse per-entry variance of the targets over the training
  set, so every entry counts equally whatever its units (radians, coefficients). E_1's
  network predicts the standardized f_1 directly; with that default, Eq. 7 on raw f_3d is
  exactly the squared error on standardized entries.
* Eq. 8's ||·||_1 is the mean absolute error per pixel (the sum divided by B·3·S·S).
* E_2's code is standardized per entry (BatchNorm, no affine) before its renormalization to
  16, so that a fresh encoder's common component does not hide the per-image signal
  (see :class:`GeneralExtractor`).
* Sizes (ResNet width/depths, BEGAN n) are knobs: the paper's values are the defaults,
  the CPU preset shrinks them.
"""
from __future__ import annotations

import math
from typing import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..nn.began import BeganDecoder, BeganEncoder
from ..nn.resnet import ResNet, resnet18, resnet50

__all__ = ["renormalize", "freeze", "normalized_softmax_logits",
           "arcface_logits", "weighted_squared_error", "inverse_variance_weights",
           "IdentityExtractor", "PoseExpressionExtractor", "GeneralExtractor", "ImageGenerator",
           "reconstruct", "e2_reconstruction_loss", "view_render", "e2_view_loss", "view_readback",
           "ID_TRAIN_NORM", "GEN_NORM"]

ID_TRAIN_NORM = 64.0   # ||f_id|| while E_id trains (paper §3.1)
GEN_NORM = 16.0        # ||f_id||, ||f_2|| as they enter G^I (≈ √256, see module docstring)


def renormalize(f: torch.Tensor, norm: float = GEN_NORM) -> torch.Tensor:
    """Rescale each row of f (B × d) to l2 norm ``norm``: ``norm · f / ||f||``."""
    return norm * F.normalize(f, dim=-1)


def freeze(module: nn.Module) -> nn.Module:
    """Pre-trained and frozen (§3.1): eval mode (BatchNorm statistics fixed), no grads."""
    return module.eval().requires_grad_(False)


def _backbone(arch: str, out_dim: int, width: int, depths: Sequence[int] | None, stem_stride: int) -> ResNet:
    make = {"resnet18": resnet18, "resnet50": resnet50}[arch]
    kw = {} if depths is None else {"depths": tuple(depths)}
    return make(out_dim=out_dim, width=width, stem_stride=stem_stride, **kw)


# --------------------------------------------------------------------------- E_id, Eq. 5


def normalized_softmax_logits(f: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None = None,
                              norm: float = ID_TRAIN_NORM, normalize_weight: bool = True) -> torch.Tensor:
    """Eq. 5's logits W_id^T f_id + b_id with ||f_id|| fixed to ``norm``.

    f: B × d, weight: N × d → B × N. ``normalize_weight`` (NormFace): w_j/||w_j||, so the
    logits are ``norm · cos(f, w_j)``.
    """
    f = renormalize(f, norm)                                      # B × d, ||f|| = 64
    w = F.normalize(weight, dim=1) if normalize_weight else weight  # N × d
    logits = f @ w.T                                              # B × N
    return logits if bias is None else logits + bias


def arcface_logits(f: torch.Tensor, weight: torch.Tensor, labels: torch.Tensor, scale: float = ID_TRAIN_NORM,
                   margin: float = 0.5, easy_margin: bool = False) -> torch.Tensor:
    """ArcFace (Deng et al. 2019): s·cos(θ_y + m) on the target class, s·cos θ_j elsewhere.

    cos(θ+m) is not monotone past θ = π − m; there the target logit uses cos θ − m·sin m
    (insightface's threshold), or with ``easy_margin`` the margin applies only where cos θ > 0.
    """
    cos = (F.normalize(f, dim=1) @ F.normalize(weight, dim=1).T).clamp(-1.0, 1.0)  # B × N
    sin = (1.0 - cos * cos).clamp_min(0.0).sqrt()
    phi = cos * math.cos(margin) - sin * math.sin(margin)           # cos(θ + m)
    if easy_margin:
        phi = torch.where(cos > 0, phi, cos)
    else:
        phi = torch.where(cos > math.cos(math.pi - margin), phi, cos - math.sin(math.pi - margin) * margin)
    target = F.one_hot(labels, cos.shape[1]).bool()                 # B × N
    return scale * torch.where(target, phi, cos)


class IdentityExtractor(nn.Module):
    """E_id: image (B, 3, S, S) → f_id (B, 256) with ||f_id|| = 64; Eq. 5 classification loss

    L_Eid = Σ_j −[l_id]_j · log softmax(W_id^T f_id + b_id)_j   over N training identities.
    """

    def __init__(self, n_ids: int, feat_dim: int = 256, arch: str = "resnet50", width: int = 64,
                 depths: Sequence[int] | None = None, stem_stride: int = 1, train_norm: float = ID_TRAIN_NORM,
                 head: str = "softmax", normalize_weight: bool = True, margin: float = 0.5,
                 easy_margin: bool = False):
        super().__init__()
        if head not in ("softmax", "arcface"):
            raise ValueError(f"head must be 'softmax' or 'arcface', got {head!r}")
        self.backbone = _backbone(arch, feat_dim, width, depths, stem_stride)
        self.weight = nn.Parameter(torch.randn(n_ids, feat_dim) * 0.01)   # W_id^T: N × 256
        # Paper's b_id; dropped with normalized weights (NormFace) and for ArcFace.
        self.bias = nn.Parameter(torch.zeros(n_ids)) if (head == "softmax" and not normalize_weight) else None
        self.train_norm, self.head, self.normalize_weight = train_norm, head, normalize_weight
        self.margin, self.easy_margin = margin, easy_margin

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return renormalize(self.backbone(x), self.train_norm)        # B × 256, norm 64

    def for_generator(self, x: torch.Tensor) -> torch.Tensor:
        """f_id as it enters G^I: renormalized to 16 (B × 256)."""
        return renormalize(self.backbone(x), GEN_NORM)

    def logits(self, f: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """B × N logits; ArcFace needs ``labels`` (without them: plain s·cos θ, for accuracy)."""
        if self.head == "arcface" and labels is not None:
            return arcface_logits(f, self.weight, labels, self.train_norm, self.margin, self.easy_margin)
        return normalized_softmax_logits(f, self.weight, self.bias, self.train_norm,
                                         self.normalize_weight or self.head == "arcface")

    def loss(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Eq. 5, averaged over the batch."""
        return F.cross_entropy(self.logits(self(x), labels), labels)


# --------------------------------------------------------------------------- E_1, Eq. 7


def weighted_squared_error(pred: torch.Tensor, target: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """Eq. 7: (p − t)^T W_3d (p − t) with W_3d = diag(w); B × d → mean over the batch."""
    return ((pred - target).square() * w).sum(dim=-1).mean()


def inverse_variance_weights(targets: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """Default W_3d: 1 / Var(f_gt[:, j]) over the training targets (N × d → d)."""
    return 1.0 / targets.double().var(dim=0, unbiased=False).clamp_min(eps).float()


class PoseExpressionExtractor(nn.Module):
    """E_1: image (B, 3, S, S) → standardized f_1 (B, d); raw f_3d via :meth:`f3d`.

    f_1 = (f_3d − μ) / σ with μ, σ per entry over the training set, kept as buffers (saved in
    the state_dict); call :meth:`fit_standardizer` on the training targets before training.
    d = 30 is the paper's size; SynthFaces' f_3d has ``data.synthfaces.F3D_DIM`` = 12 entries.
    """

    def __init__(self, dim: int = 30, arch: str = "resnet18", width: int = 64,
                 depths: Sequence[int] | None = None, stem_stride: int = 1):
        super().__init__()
        self.backbone = _backbone(arch, dim, width, depths, stem_stride)
        self.register_buffer("f_mean", torch.zeros(dim))     # μ: d
        self.register_buffer("f_std", torch.ones(dim))       # σ: d
        self.register_buffer("fitted", torch.tensor(False))
        self.dim = dim

    @torch.no_grad()
    def fit_standardizer(self, targets: torch.Tensor) -> None:
        """Set μ, σ from raw training targets (N × d); a constant entry gets σ = 1."""
        t = targets.double()
        std = t.std(dim=0, unbiased=False)
        self.f_mean.copy_(t.mean(dim=0).float())
        self.f_std.copy_(torch.where(std > 1e-8, std, torch.ones_like(std)).float())
        self.fitted.fill_(True)

    def standardize(self, f3d: torch.Tensor) -> torch.Tensor:
        return (f3d - self.f_mean) / self.f_std               # raw → f_1

    def destandardize(self, f1: torch.Tensor) -> torch.Tensor:
        return f1 * self.f_std + self.f_mean                  # f_1 → raw

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.backbone(x)                               # B × d, standardized f_1

    def f3d(self, x: torch.Tensor) -> torch.Tensor:
        return self.destandardize(self(x))                    # B × d, raw units

    def default_weights(self) -> torch.Tensor:
        """W_3d = 1/σ² (inverse variance over the training set)."""
        return 1.0 / self.f_std.square()

    def loss(self, x: torch.Tensor, f_gt: torch.Tensor, w3d: torch.Tensor | None = None) -> torch.Tensor:
        """Eq. 7 on raw targets ``f_gt`` (B × d); ``w3d=None`` → :meth:`default_weights`."""
        if w3d is None:
            if not bool(self.fitted):
                raise RuntimeError("call fit_standardizer(train_targets) first (default W_3d = 1/σ²)")
            w3d = self.default_weights()
        return weighted_squared_error(self.f3d(x), f_gt, w3d)


# --------------------------------------------------------------------------- E_2 and G^I, Eq. 8


class GeneralExtractor(nn.Module):
    """E_2: BEGAN encoder, image (B, 3, S, S) → f_2 (B, 256) renormalized to 16.

    Deviation: the code is standardized per entry (BatchNorm without affine parameters)
    before the renormalization. A fresh encoder's outputs share a large common component
    (ELU features have a positive mean), so after renormalizing, every image's f_2 points
    the same way and G^I learns to ignore it; standardizing first makes the entries unit
    variance across images — the "256 unit-variance entries, norm ≈ 16" picture the
    renormalization assumes — and E_2 starts carrying information from the first steps.
    """

    def __init__(self, image_size: int = 64, dim: int = 256, n: int = 64, norm: float = GEN_NORM):
        super().__init__()
        self.encoder = BeganEncoder(image_size, dim, n)
        self.standardize = nn.BatchNorm1d(dim, affine=False)
        self.norm = norm

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return renormalize(self.standardize(self.encoder(x)), self.norm)   # B × 256, norm 16


class ImageGenerator(nn.Module):
    """G^I: BEGAN decoder over [f_id, f_1, f_2] (B × 542) → image (B, 3, S, S)."""

    def __init__(self, image_size: int = 64, id_dim: int = 256, f1_dim: int = 30, f2_dim: int = 256, n: int = 64):
        super().__init__()
        self.decoder = BeganDecoder(image_size, id_dim + f1_dim + f2_dim, n)
        self.dims = (id_dim, f1_dim, f2_dim)                     # the input slots' sizes

    def forward(self, f_id: torch.Tensor, f_1: torch.Tensor, f_2: torch.Tensor) -> torch.Tensor:
        return self.decoder(torch.cat([f_id, f_1, f_2], dim=1))  # B × 542 → B × 3 × S × S


def reconstruct(x: torch.Tensor, e_id: IdentityExtractor, e_1: PoseExpressionExtractor,
                e_2: GeneralExtractor, g_img: ImageGenerator) -> torch.Tensor:
    """x^rec = G^I(f_id, f_1, E_2(x)); E_id and E_1 run without gradients (frozen)."""
    if e_id.training or e_1.training:
        raise ValueError("E_id and E_1 are frozen in Eq. 8: call freeze(e_id), freeze(e_1) first "
                         "(in train mode their BatchNorm statistics would drift)")
    with torch.no_grad():
        f_id = e_id.for_generator(x)                          # B × 256, norm 16
        f_1 = e_1(x)                                          # B × 30, standardized
    return g_img(f_id, f_1, e_2(x))                           # B × 3 × S × S


def e2_reconstruction_loss(x: torch.Tensor, e_id: IdentityExtractor, e_1: PoseExpressionExtractor,
                           e_2: GeneralExtractor, g_img: ImageGenerator) -> torch.Tensor:
    """Eq. 8: L_E2 = || x − G^I(f_id, f_1, E_2(x)) ||_1 (mean over pixels); grads reach E_2, G^I only."""
    return (x - reconstruct(x, e_id, e_1, e_2, g_img)).abs().mean()


def view_render(x_view: torch.Tensor, x: torch.Tensor, e_id: IdentityExtractor, e_1: PoseExpressionExtractor,
                e_2: GeneralExtractor, g_img: ImageGenerator) -> tuple[torch.Tensor, torch.Tensor]:
    """x̂' = G^I(E_id(x), E_1(x'), E_2(x)) for view pairs (x, x') (B × 3 × S × S each), and the
    f'_1 = E_1(x') it was asked to draw (B × 12). E_id and E_1 run without gradients (frozen)."""
    if e_id.training or e_1.training:
        raise ValueError("E_id and E_1 are frozen in Eq. 8: call freeze(e_id), freeze(e_1) first")
    if x_view.shape != x.shape:
        raise ValueError(f"x_view and x must have the same shape, got {tuple(x_view.shape)} and {tuple(x.shape)}")
    with torch.no_grad():
        f_id, f_1 = e_id.for_generator(x), e_1(x_view)          # B × 256 (norm 16), B × 12
    return g_img(f_id, f_1, e_2(x)), f_1


def e2_view_loss(x_view: torch.Tensor, x: torch.Tensor, e_id: IdentityExtractor, e_1: PoseExpressionExtractor,
                 e_2: GeneralExtractor, g_img: ImageGenerator) -> torch.Tensor:
    """φ_view = || x' − G^I(E_id(x), E_1(x'), E_2(x)) ||_1 for view pairs (x, x') (B × 3 × S × S each).

    A deviation from Eq. 8 (:mod:`facefeat_lite.data.view_pairs`): x' is x with another
    image's pose and expression, so G^I must take them from f_1 = E_1(x'); f_2 = E_2(x)
    carries x's light and background and cannot say which way x' looks. Grads reach E_2, G^I.
    """
    return (x_view - view_render(x_view, x, e_id, e_1, e_2, g_img)[0]).abs().mean()


def view_readback(x_hat: torch.Tensor, f_1: torch.Tensor, e_1: PoseExpressionExtractor) -> torch.Tensor:
    """φ_view,3d = mean_{b,j} (E_1(x̂')_j − f'_{1,j})² over all f_1 entries (standardized): does
    the view rendering x̂' (:func:`view_render`) show the pose and expression it was asked for?

    A deviation beside Eq. 8 and φ_view (``E2Config.lam_view_3d``, off at 0): notebook 04's
    φ_3d idea on view pairs.
    L1 and φ_perc hardly register a smile, a few pixels around the mouth, so notebook 01's G^I
    learnt to take the pose from f_1 but hardly the smile (notebook 04 §7: 0.02 of a smile
    written into f_1 drawn per unit; an open jaw, many more pixels, 0.22). In the joint
    training φ_3d on all entries was answered with textures E_1 reads (notebook 04 §10); here
    the view x' is a pixel target beside it, and still: trained from the start at λ 0.2, E_1
    read 0.66 of the smile asked for per unit, yet G^I drew finer textures, no visible smile,
    and the reconstructions lost the person (judge cosine 0.74 → 0.62; notebook 04 §10). Not
    adopted; kept, tested, to measure against. E_1 must be frozen; the gradient flows into
    ``x_hat``.
    """
    if e_1.training:
        raise ValueError("E_1 is frozen in the view read-back: call freeze(e_1) first")
    return (e_1(x_hat) - f_1).pow(2).mean()
