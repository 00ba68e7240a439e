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
"""
from __future__ import annotations

from dataclasses import dataclass, field

import torch
import torch.nn as nn
import torch.nn.functional as F

from .adversarial import set_requires_grad, train_adversarial
from .extractors import renormalize
from .training import Trained, TrainConfig

__all__ = ["FeatureGanConfig", "FeatureGenerator", "FeatureDiscriminator", "sample_noise", "phi_f",
           "eq1_feature_generator_loss", "eq2_feature_discriminator_loss", "r1_penalty", "train_feature_gan",
           "sample_features"]


def _mlp(sizes: list[int]) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(nn.LeakyReLU(0.2))
    return nn.Sequential(*layers)


class FeatureGenerator(nn.Module):
    """G^f_i: z (B × 64, U[−1, 1]) → f^s_i (B × dim); ``norm`` re-normalizes the output (f_2: 16)."""

    def __init__(self, dim: int, z_dim: int = 64, hidden: tuple[int, ...] = (128, 256, 256),
                 norm: float | None = None):
        super().__init__()
        self.dim, self.z_dim, self.norm = dim, z_dim, norm
        self.net = _mlp([z_dim, *hidden, dim])

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        f = self.net(z)                                        # B × dim
        return f if self.norm is None else renormalize(f, self.norm)


class FeatureDiscriminator(nn.Module):
    """D^f_i: f (B × dim) → logit (B,); D(f) = sigmoid(logit) is the probability that f is real."""

    def __init__(self, dim: int, hidden: tuple[int, ...] = (256, 256, 128)):
        super().__init__()
        self.net = _mlp([dim, *hidden, 1])

    def forward(self, f: torch.Tensor) -> torch.Tensor:
        return self.net(f).squeeze(1)                          # B


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
    r1_gamma: float = 10.0          # R1 penalty γ/2 · E‖∇_f D(f^r)‖² added to Eq. 2 (0: off, the paper)
    augment: bool = False


def train_feature_gan(name: str, real: torch.Tensor, cfg: FeatureGanConfig | None = None,
                      norm: float | None = None, source: dict | None = None, device: str = "cpu",
                      root: str = "runs/cache", progress: bool = True) -> Trained:
    """Train G^f (``"g"``) against D^f (``"d"``) on ``real`` features (N × dim); Eqs. 1, 2.

    ``source`` names where ``real`` came from (extractor config hash, data, indices) and
    goes into the checkpoint config, so new features mean a new GAN. ``model`` is
    ``{"g": FeatureGenerator, "d": FeatureDiscriminator}``, frozen.
    """
    cfg = cfg or FeatureGanConfig()
    real = torch.as_tensor(real).float()
    if real.dim() != 2:
        raise ValueError(f"real features must be N × dim, got shape {tuple(real.shape)}")
    dim = real.shape[1]
    config = {"model": name, "dim": dim, "norm": norm, "source": source or {}, **cfg.__dict__}

    def build():
        return {"g": FeatureGenerator(dim, cfg.z_dim, tuple(cfg.g_hidden), norm),
                "d": FeatureDiscriminator(dim, tuple(cfg.d_hidden))}

    def step(state, m, opts):
        g = state.generators["data"]
        f_r = real[torch.randint(len(real), (cfg.batch,), generator=g)].to(device)
        f_s = m["g"](sample_noise(cfg.batch, cfg.z_dim, g, device))
        # D^f step (Eq. 2) on a detached f^s
        if cfg.r1_gamma:
            f_r.requires_grad_(True)
        logits_r = m["d"](f_r)
        loss_d = eq2_feature_discriminator_loss(logits_r, m["d"](f_s.detach()))
        if cfg.r1_gamma:
            loss_d = loss_d + r1_penalty(logits_r, f_r, cfg.r1_gamma)
        opts["d"].zero_grad(set_to_none=True)
        loss_d.backward()
        opts["d"].step()
        # G^f step (Eq. 1, first term), D^f held fixed
        set_requires_grad(m["d"], False)
        loss_g = eq1_feature_generator_loss(m["d"](f_s))
        opts["g"].zero_grad(set_to_none=True)
        loss_g.backward()
        opts["g"].step()
        set_requires_grad(m["d"], True)
        return {"loss_d": loss_d, "loss_g": loss_g}

    return train_adversarial(name, config, build, {"g": ["g"], "d": ["d"]}, cfg, step, device, root, progress)


@torch.no_grad()
def sample_features(g: FeatureGenerator, n: int, seed: int = 0, device: str = "cpu") -> torch.Tensor:
    """n features from G^f with noise drawn from ``seed`` (on the CPU, float32)."""
    z = sample_noise(n, g.z_dim, torch.Generator().manual_seed(seed), device)
    return g(z).float().cpu()
