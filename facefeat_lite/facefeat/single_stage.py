"""The single-stage baseline: one generator from identity and noise to a face (Fig. 1(a.1)).

Notebook: ``07_evaluations`` ("beyond the paper": does the two-stage design pay?). FaceFeat-GAN
*learns* the distribution of pose/expression and general features (stage 1) and renders
them (stage 2). The usual alternative feeds noise straight into one conditional generator,
x = G(f_id, z), trained adversarially with an identity loss. To isolate the two-stage claim,
the baseline here is FaceFeat-GAN with stage 1 removed and nothing else changed:

* **the same architecture and starting point**: G is G^I (notebook 03's weights), D is D^I;
  z fills the feature slots with fixed, simple distributions shaped like the features —
  z_1 ~ N(0, I_12) where f_1 is standardized (zero mean, unit variance per entry), and
  z_2 uniform on the sphere of radius 16 where f_2 lives (‖f_2‖ = 16);
* **the same losses where they apply**: D learns Eq. 4 with BEGAN's k_t, its fakes all
  G(f_id, z); G learns λ_adv φ^I(x) + λ_id φ_id(x) (Eq. 11) — there is no x^rec without an
  encoder, so no reconstruction term, as in any single-stage conditional GAN;
* **the same budget**: steps, batch, learning rate, λ_adv, λ_id (= λ_2) and φ_id's low-pass
  (``id_lowpass``, the joint run's deviation) of the joint run.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from ..data.faceset import FaceSet, to_model
from ..train.runtime import shard
from .adversarial import set_requires_grad, train_adversarial
from .extractors import GEN_NORM, IdentityExtractor, ImageGenerator
from .image_gan import (ImageDiscriminator, convergence_measure, energy, eq4_image_discriminator_loss,
                        eq11_identity_loss, identity_target, update_k)
from .training import Trained, TrainConfig

__all__ = ["SingleStageConfig", "sample_slots", "train_single_stage"]


@dataclass
class SingleStageConfig(TrainConfig):
    """The baseline's budget and weights: set them from the joint run's (``from_joint``)."""

    lam_adv: float = 0.1            # G's φ^I(x) weight (the joint run's λ_adv)
    lam_id: float = 1e-3            # G's φ_id(x) weight (the joint run's λ_2)
    id_lowpass: int = 1             # φ_id on low-passed images (the joint run's id_lowpass; 1 = the paper)
    gamma: float = 0.5
    lambda_k: float = 1e-3
    steps: int = 300
    batch: int = 16
    lr: float = 1e-3
    beta1: float = 0.5
    augment: bool = False

    @classmethod
    def from_joint(cls, joint) -> "SingleStageConfig":
        """The same budget as a :class:`~.joint.JointConfig`."""
        return cls(lam_adv=joint.lam_adv, lam_id=joint.lam2, id_lowpass=joint.id_lowpass, gamma=joint.gamma,
                   lambda_k=joint.lambda_k, steps=joint.steps, batch=joint.batch, lr=joint.lr, beta1=joint.beta1,
                   schedule=joint.schedule, lr_late=joint.lr_late, decay_step=joint.decay_step, seed=joint.seed)


def sample_slots(n: int, f1_dim: int, f2_dim: int, generator: torch.Generator | None = None,
                 device: str | torch.device = "cpu") -> tuple[torch.Tensor, torch.Tensor]:
    """Noise shaped like the features: z_1 ~ N(0, I) (n × f1_dim), z_2 on the radius-16 sphere (n × f2_dim)."""
    z_1 = torch.randn(n, f1_dim, generator=generator)
    z_2 = GEN_NORM * F.normalize(torch.randn(n, f2_dim, generator=generator), dim=1)
    return z_1.to(device), z_2.to(device)


def train_single_stage(data: FaceSet, feats: dict[str, torch.Tensor], e_id: IdentityExtractor,
                       g_init: ImageGenerator, d_init: ImageDiscriminator, cfg: SingleStageConfig | None = None,
                       source: dict | None = None, device: str = "cpu", root: str = "runs/cache",
                       progress: bool = True) -> Trained:
    """Load-or-train the baseline from notebook 03's G^I / D^I (``g_init``, ``d_init``, copied).

    ``feats``: ``f_id`` (N × 256, G^I's norm) and ``idx`` of the training images. Returns
    ``{"g": ImageGenerator, "d": ImageDiscriminator}`` frozen; ``extra["k"]``.
    """
    cfg = cfg or SingleStageConfig()
    if e_id.training:
        raise ValueError("E_id is frozen in the baseline's identity loss: pass freeze(e_id)")
    f_id, idx_all = feats["f_id"], feats["idx"]
    f1_dim, f2_dim = g_init.dims[1:]
    config = {"model": "single_stage", "source": source or {}, "slots": [f1_dim, f2_dim], **cfg.__dict__}

    def build():
        return {"g": copy.deepcopy(g_init).requires_grad_(True), "d": copy.deepcopy(d_init).requires_grad_(True)}

    def setup(m, state):
        state.extra["k"] = 0.0

    def step(state, m, opts):
        gen = state.generators["data"]
        pick = shard(torch.randint(len(idx_all), (cfg.batch,), generator=gen))
        x_r = to_model(data.take(idx_all[pick])).to(device)
        z_1, z_2 = (shard(z) for z in sample_slots(cfg.batch, f1_dim, f2_dim, gen, device))
        g, d, k = m["g"], m["d"], float(state.extra["k"])
        x = g(f_id[pick].to(device), z_1, z_2)                                     # B × 3 × S × S
        e_real, e_fake = energy(d, x_r), energy(d, x.detach())
        loss_d = eq4_image_discriminator_loss(e_real, e_fake, e_fake, k, 0.5, 0.5)  # every fake is x
        opts["d"].zero_grad(set_to_none=True)
        loss_d.backward()
        opts["d"].step()
        set_requires_grad(d, False)
        target = identity_target(f_id[pick].to(device), e_id, x_r, cfg.id_lowpass)  # as in the joint run
        id_loss = eq11_identity_loss(target, e_id, x, cfg.id_lowpass)
        loss_g = cfg.lam_adv * energy(d, x).mean() + cfg.lam_id * id_loss
        opts["g"].zero_grad(set_to_none=True)
        loss_g.backward()
        opts["g"].step()
        set_requires_grad(d, True)
        l_real, l_fake = float(e_real.detach().mean()), float(e_fake.detach().mean())
        state.extra["k"] = update_k(k, l_real, l_fake, cfg.gamma, cfg.lambda_k)
        return {"loss_d": loss_d, "loss_g": loss_g, "phi_id": id_loss.detach(), "energy_real": l_real,
                "energy_fake": l_fake, "k": state.extra["k"], "M": convergence_measure(l_real, l_fake, cfg.gamma)}

    return train_adversarial("single_stage", config, build, {"g": ["g"], "d": ["d"]}, cfg, step, device, root,
                             progress, setup=setup)

