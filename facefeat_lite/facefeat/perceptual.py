"""A perceptual reconstruction on a frozen extractor's early feature maps (a deviation).

Notebooks: ``01_feature_extraction`` (E_2 + G^I learn Eq. 8's L1 plus λ_perc φ_perc,
``E2Config.lam_perc``) and ``04_two_level_losses`` (G^I's Eq. 3 plus λ_perc φ_perc(x^rec),
``JointConfig.lam_perc``). Neither paper has it: FaceFeat-GAN reconstructs with L1 alone
(Eqs. 3 and 8). It stands in for LPIPS, whose learned weights do not exist here, with the
frozen E_id this project trains anyway. Why it is on in the CPU preset is measured in
notebook 01 §4 and notebook 04 §10; ``full_gpu.yaml`` keeps the paper's 0.
"""
from __future__ import annotations

import torch
from torch import nn

__all__ = ["phi_perc"]


def phi_perc(backbone: nn.Module, x: torch.Tensor, target: torch.Tensor, n_stages: int = 2) -> torch.Tensor:
    """φ_perc(x) = Σ_l mean_{b,h,w} Σ_c (n(h_l(x)) − n(h_l(x^r)))², h_l the frozen ResNet's
    stem and first ``n_stages`` stages, n(·) unit length over channels (LPIPS's normalization,
    without its learned weights).

    **Not in the paper** (a deviation, off when its λ_perc = 0). An L1 loss is lowest for the
    average of the images a code could mean, a blur; here a blur, or a frontal head drawn for
    a turned one, costs more than in pixels, because edges and parts move the maps. Its
    target is one real image, not a code a generator could game. Measured:

    * notebook 04 §10, in the joint training (Eq. 3, G^I only), at λ_perc 0.3 on E_id's maps:
      the identity terms and φ_3d outweigh φ_rec about twenty times at the start and G^I gave
      the reconstruction up (x^rec's L1 0.10 → 0.17 in 500 steps); with φ_perc x^r–x^s rose
      0.711 → 0.741 of a real pair and the yaw x^rec draws 0.26 → 0.48° per degree (on E_1's
      maps identity fell, 0.692);
    * notebook 01 §4, in Eq. 8 (E_2 and G^I both learn from it), at λ_perc 0.3: after 3000
      steps from scratch the same L1 as Eq. 8 alone (0.117), but the judge's cosine between x
      and x^rec 0.53 → 0.70 and the yaw drawn 0.42 → 0.77° per degree; at 12000 steps 0.83
      and 0.82° (Eq. 8 alone: 0.67 and 0.57°). Notebook 04 §10 follows it downstream.

    Gradient flows into ``x`` only; the target's maps are computed without gradient.
    ``x``, ``target``: B × 3 × S × S in [-1, 1].
    """
    if x.shape != target.shape:
        raise ValueError(f"x and target must have the same shape, got {tuple(x.shape)} and {tuple(target.shape)}")

    def maps(img: torch.Tensor) -> list[torch.Tensor]:
        h, out = backbone.stem(img), []                                     # B × w × S' × S'
        for stage in list(backbone.stages)[:n_stages]:
            h = stage(h)
            out.append(h / (h.pow(2).sum(1, keepdim=True) + 1e-10).sqrt())  # B × C_l × H_l × W_l
        return out
    with torch.no_grad():
        want = maps(target)
    return sum((a - b).pow(2).sum(1).mean() for a, b in zip(maps(x), want))
