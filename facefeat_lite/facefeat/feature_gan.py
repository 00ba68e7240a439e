"""Stage 1 of FaceFeat-GAN: MLP GANs that generate features, not images (§3.2, Eqs. 1, 2, 9).

Notebook: ``02_stage1_feature_gans``. For each feature f_i besides identity (f_1: pose and
expression from E_1; f_2: the general feature from E_2) a generator G^f_i turns noise
z_i ∈ U[−1, 1]^64 into a synthesized feature f^s_i, and a discriminator D^f_i tells it from
the real features f^r_i = E_i(x^r). The paper sizes both as 4-layer MLPs::

    G^f_i:  z (64) → 128 → 256 → 256 → dim(f_i)        D^f_i:  dim(f_i) → 256 → 256 → 128 → 1

Deviations and readings (see ``shared/docs/papers.md``, "Stage 1"):

* Activations are unspecified in the paper: LeakyReLU(0.2) between layers, none at the ends.
  D^f_i outputs a logit; D(f) = sigmoid(logit) is the paper's probability.
* G^f_2's output is re-normalized to ‖f‖ = 16 like the real f_2 (E_2's output); G^f_1's is
  left free, because real f_1 is standardized per entry (zero mean, unit variance), not normed.
* Eq. 2 taken literally (φ(f^r) − φ(f^s), φ = −log D) is unbounded below; it is read as the
  standard discriminator cross-entropy −log D(f^r) − log(1 − D(f^s)).

Five training aids, none in the paper, each a config field that turns it off (notebook 02 §7
has the measurements behind them):

* R1 on D^f (``r1_gamma``): without it D^f separates the real features within a few hundred
  steps and G^f's gradient dies.
* Whitened principal coordinates (``pca_dims``): both players work in the top-k principal
  directions of the real features, each scaled to unit variance. G^f's last layer emits k
  coordinates and a fixed *colouring* (mean + coordinates · √λ · Uᵀ, fitted on the real
  features before training) maps them to the feature; D^f starts with the inverse, fixed
  *whitening*. For f_1 (12 entries) k = 12 only decorrelates; for f_2 it also drops the
  directions the real features barely use (past the 150th, 0.15 % of the variance), where
  an unconstrained G^f_2 put noise.
* Two learning rates (``d_lr_mult``; TTUR, Heusel et al. 2017): D^f steps 4× faster.
* Weight averaging (``ema``; Karras et al. 2018): the G^f that later notebooks sample is an
  exponential moving average of the weights the optimiser moves (``"g_live"``).
* A linear path (``linear_skip``): G^f(z) = MLP(z) + A z + b. The real features are close to
  Gaussian and a linear map of the uniform z is close to Gaussian already, so the MLP only
  models what is left. It fits better (f_1: 1.10× the Fréchet floor against 1.35×) and keeps
  each feature entry nearer a *linear* function of z, which is what §3.3's directions in
  z_1 assume (f_1's yaw: linear R² 0.91 on z_1 against 0.85).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field

import torch
import torch.nn as nn
import torch.nn.functional as F

from .adversarial import set_requires_grad, train_adversarial
from .extractors import renormalize
from .training import Trained, TrainConfig

__all__ = ["FeatureGanConfig", "FeatureGenerator", "FeatureDiscriminator", "sample_noise", "phi_f",
           "eq1_feature_generator_loss", "eq2_feature_discriminator_loss", "r1_penalty", "real_logits_r1",
           "principal_axes", "train_feature_gan", "sample_features"]


def _mlp(sizes: list[int]) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(nn.LeakyReLU(0.2))
    return nn.Sequential(*layers)


def principal_axes(real: torch.Tensor, k: int, eps: float = 1e-6) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Stage 1's whitening (§3.2; a deviation, see the module docstring): the real features'
    top-k principal directions (N × dim → mean (dim), colour (k × dim),
    whiten (dim × k)): u = (f − mean) · whiten has unit variance per entry and
    f ≈ mean + u · colour (exact when k = dim). Eigenvalues are floored at eps × the largest."""
    real = torch.as_tensor(real).double()
    if not 0 < k <= real.shape[1]:
        raise ValueError(f"k must be in 1..{real.shape[1]} (the feature's entries), got {k}")
    mean = real.mean(0)
    lam, axes = torch.linalg.eigh(torch.cov((real - mean).T))            # ascending
    lam, axes = lam.flip(0)[:k].clamp_min(eps * lam.max()), axes.flip(1)[:, :k]   # k, dim × k
    return mean.float(), (axes * lam.sqrt()).T.float(), (axes / lam.sqrt()).float()


class FeatureGenerator(nn.Module):
    """G^f_i: z (B × 64, U[−1, 1]) → f^s_i (B × dim); ``norm`` re-normalizes the output (f_2: 16).

    ``pca_dims`` k > 0: the MLP emits k whitened principal coordinates and the fixed buffers
    ``mean`` (dim) and ``colour`` (k × dim) map them to the feature (set by :func:`principal_axes`
    on the real features; until then the map keeps the first k entries)."""

    def __init__(self, dim: int, z_dim: int = 64, hidden: tuple[int, ...] = (128, 256, 256),
                 norm: float | None = None, pca_dims: int = 0, linear_skip: bool = False):
        super().__init__()
        self.dim, self.z_dim, self.norm, self.pca_dims = dim, z_dim, norm, pca_dims
        self.net = _mlp([z_dim, *hidden, pca_dims or dim])
        # not in the paper: a linear path z → output beside the MLP (see the module docstring)
        self.skip = nn.Linear(z_dim, pca_dims or dim) if linear_skip else None
        if pca_dims:
            self.register_buffer("mean", torch.zeros(dim))
            self.register_buffer("colour", torch.eye(pca_dims, dim))

    def coordinates(self, z: torch.Tensor) -> torch.Tensor:
        """What stage 1's D^f compares with the real features' coordinates: the B × k whitened
        principal coordinates with ``pca_dims`` (before the colouring and the re-normalization,
        which would move them off the k-dimensional subspace), else the feature itself."""
        return self._raw(z) if self.pca_dims else self(z)

    def _raw(self, z: torch.Tensor) -> torch.Tensor:
        """The MLP's output, plus the linear path A z + b with ``linear_skip``."""
        u = self.net(z)
        return u if self.skip is None else u + self.skip(z)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        f = self._raw(z)                                       # B × dim (B × k with pca_dims)
        if self.pca_dims:
            f = self.mean + f @ self.colour                    # B × k → B × dim
        return f if self.norm is None else renormalize(f, self.norm)


class FeatureDiscriminator(nn.Module):
    """D^f_i: f (B × dim) → logit (B,); D(f) = sigmoid(logit) is the probability that f is real.

    ``pca_dims`` k > 0: f first goes through the fixed whitening (f − ``mean``) · ``whiten``
    (dim × k) to the coordinates G^f emits; :meth:`head` is the MLP on them."""

    def __init__(self, dim: int, hidden: tuple[int, ...] = (256, 256, 128), pca_dims: int = 0):
        super().__init__()
        self.pca_dims = pca_dims
        self.net = _mlp([pca_dims or dim, *hidden, 1])
        if pca_dims:
            self.register_buffer("mean", torch.zeros(dim))
            self.register_buffer("whiten", torch.eye(dim, pca_dims))

    def coordinates(self, f: torch.Tensor) -> torch.Tensor:
        """B × dim → the MLP's input: B × k whitened coordinates (f itself without ``pca_dims``)."""
        return (f - self.mean) @ self.whiten if self.pca_dims else f

    def head(self, u: torch.Tensor) -> torch.Tensor:
        return self.net(u).squeeze(1)                          # B

    def forward(self, f: torch.Tensor) -> torch.Tensor:
        return self.head(self.coordinates(f))


def sample_noise(n: int, z_dim: int = 64, generator: torch.Generator | None = None,
                 device: str | torch.device = "cpu") -> torch.Tensor:
    """z ∈ U[−1, 1]^{z_dim}, n × z_dim (the paper's noise)."""
    return (torch.rand(n, z_dim, generator=generator) * 2 - 1).to(device)


def phi_f(logits: torch.Tensor) -> torch.Tensor:
    """Eq. 9: φ^f(f) = −E[log D^f(f)] = mean softplus(−logit) (a stable log-sigmoid)."""
    return F.softplus(-logits).mean()


def eq2_feature_discriminator_loss(logits_real: torch.Tensor, logits_fake: torch.Tensor) -> torch.Tensor:
    """Eq. 2 as read here: −log D(f^r) − log(1 − D(f^s)) (the first term is φ^f(f^r))."""
    return phi_f(logits_real) + F.softplus(logits_fake).mean()


def eq1_feature_generator_loss(logits_fake: torch.Tensor, image_energy: torch.Tensor | None = None,
                               lam_f: float = 0.0) -> torch.Tensor:
    """Eq. 1: φ^f(f^s) + λ^f φ^I(x^s). Stage 1 alone has no image term (``image_energy=None``);
    the joint training passes D^I's energy of the rendered x^s."""
    loss = phi_f(logits_fake)
    if image_energy is not None and lam_f:
        loss = loss + lam_f * image_energy
    return loss


def r1_penalty(logits_real: torch.Tensor, f_real: torch.Tensor, gamma: float) -> torch.Tensor:
    """R1 (Mescheder et al. 2018): γ/2 · E‖∇_f logit(f^r)‖², D's gradient at real features.

    Not in the paper (a deviation, off unless ``r1_gamma`` > 0): without it D^f separates the
    low-dimensional cloud of real features from G^f's samples within a few hundred steps and
    G^f's gradient dies; with it D^f stays smooth around the real features.
    """
    (grad,) = torch.autograd.grad(logits_real.sum(), f_real, create_graph=True)
    return 0.5 * gamma * grad.pow(2).sum(1).mean()


def real_logits_r1(d: FeatureDiscriminator, f_real: torch.Tensor, gamma: float
                   ) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Eq. 2's real term's logits and, if ``gamma`` > 0, the R1 penalty, taken with respect to
    D^f's MLP input (the whitened coordinates with ``pca_dims``, else f itself), so that every
    principal direction is held equally smooth. Returns (logits (B,), penalty or None)."""
    u = d.coordinates(f_real.detach()).detach().requires_grad_(gamma > 0)
    logits = d.head(u)
    return logits, (r1_penalty(logits, u, gamma) if gamma else None)


@dataclass
class FeatureGanConfig(TrainConfig):
    """One feature GAN (CPU preset). The paper: Adam 8e-5 → 5e-5, 200k joint steps, batch 96."""

    z_dim: int = 64
    g_hidden: list[int] = field(default_factory=lambda: [128, 256, 256])
    d_hidden: list[int] = field(default_factory=lambda: [256, 256, 128])
    steps: int = 12000
    batch: int = 256
    lr: float = 1e-3
    beta1: float = 0.5              # Adam β₁ for both players (DCGAN's; the paper does not say)
    r1_gamma: float = 10.0          # R1 penalty γ/2 · E‖∇_u D(f^r)‖² added to Eq. 2 (0: off, the paper)
    pca_dims: int = 150             # whitened principal directions G^f, D^f work in, ≤ dim (0: raw f, the paper)
    d_lr_mult: float = 4.0          # D^f's learning rate ÷ G^f's (TTUR; 1: one rate, the paper)
    ema: float = 0.999              # G^f = moving average of the trained weights, this decay (0: off, the paper)
    linear_skip: bool = True        # G^f(z) = MLP(z) + A z + b (False: the MLP alone, the paper)
    augment: bool = False


def train_feature_gan(name: str, real: torch.Tensor, cfg: FeatureGanConfig | None = None,
                      norm: float | None = None, source: dict | None = None, device: str = "cpu",
                      root: str = "runs/cache", progress: bool = True) -> Trained:
    """Train G^f (``"g"``) against D^f (``"d"``) on ``real`` features (N × dim); Eqs. 1, 2.

    ``source`` names where ``real`` came from (extractor config hash, data, indices) and
    goes into the checkpoint config, so new features mean a new GAN. ``model`` is
    ``{"g": FeatureGenerator, "d": FeatureDiscriminator}`` (with ``ema``, also ``"g_live"``:
    the un-averaged G^f), frozen.
    """
    cfg = cfg or FeatureGanConfig()
    real = torch.as_tensor(real).float()
    if real.dim() != 2:
        raise ValueError(f"real features must be N × dim, got shape {tuple(real.shape)}")
    dim = real.shape[1]
    config = {"model": name, "dim": dim, "norm": norm, "source": source or {}, **cfg.__dict__}

    k = min(cfg.pca_dims, dim)
    live = "g_live" if cfg.ema else "g"            # the G^f the optimiser moves

    def build():
        m = {"g": FeatureGenerator(dim, cfg.z_dim, tuple(cfg.g_hidden), norm, k, cfg.linear_skip),
             "d": FeatureDiscriminator(dim, tuple(cfg.d_hidden), k)}
        if cfg.ema:
            m["g_live"] = copy.deepcopy(m["g"])
        return m

    def setup(m, state):                           # a fresh run: fit the principal axes once
        if k:
            mean, colour, whiten = principal_axes(real, k)
            for net, buffers in ((m[live], {"mean": mean, "colour": colour}),
                                 (m["d"], {"mean": mean, "whiten": whiten})):
                for key, value in buffers.items():
                    getattr(net, key).copy_(value)
        if cfg.ema:
            m["g"].load_state_dict(m["g_live"].state_dict())

    def step(state, m, opts):
        g = state.generators["data"]
        f_r = real[torch.randint(len(real), (cfg.batch,), generator=g)].to(device)
        u_s = m[live].coordinates(sample_noise(cfg.batch, cfg.z_dim, g, device))   # B × k (B × dim)
        # D^f step (Eq. 2, + R1) on a detached f^s, both in D^f's input coordinates
        logits_r, r1 = real_logits_r1(m["d"], f_r, cfg.r1_gamma)
        loss_d = eq2_feature_discriminator_loss(logits_r, m["d"].head(u_s.detach()))
        if r1 is not None:
            loss_d = loss_d + r1
        opts["d"].zero_grad(set_to_none=True)
        loss_d.backward()
        opts["d"].step()
        # G^f step (Eq. 1, first term), D^f held fixed
        set_requires_grad(m["d"], False)
        loss_g = eq1_feature_generator_loss(m["d"].head(u_s))
        opts["g"].zero_grad(set_to_none=True)
        loss_g.backward()
        opts["g"].step()
        set_requires_grad(m["d"], True)
        if cfg.ema:                                # G^f ← ema · G^f + (1 − ema) · G^f_live
            with torch.no_grad():
                for avg, cur in zip(m["g"].parameters(), m["g_live"].parameters()):
                    avg.lerp_(cur, 1 - cfg.ema)
        return {"loss_d": loss_d, "loss_g": loss_g}

    return train_adversarial(name, config, build, {"g": [live], "d": ["d"]}, cfg, step, device, root, progress,
                             setup=setup, lr_mult={"d": cfg.d_lr_mult})


@torch.no_grad()
def sample_features(g: FeatureGenerator, n: int, seed: int = 0, device: str = "cpu") -> torch.Tensor:
    """n features from G^f with noise drawn from ``seed`` (on the CPU, float32)."""
    z = sample_noise(n, g.z_dim, torch.Generator().manual_seed(seed), device)
    return g(z).float().cpu()
