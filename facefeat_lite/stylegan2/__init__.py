"""StyleGAN2 (Karras et al. 2020) in pure PyTorch: IDE's pretrained prior (notebook 05).

:mod:`.layers` (equalized layers, depthwise blur, the fast modulated conv), :mod:`.generator`
(mapping, W+, truncation, style mixing, synthesis with a replaceable input latent),
:mod:`.discriminator` (residual D, logistic loss, lazy R1, EMA), :mod:`.training` (one
step and the load-or-train recipe), :mod:`.importer` (rosinality-format checkpoints),
:mod:`.projector` (optimisation-based inversion into W+), :mod:`.latent_ops` (interpolation
behind the widgets).
"""
from .discriminator import Discriminator, accumulate, d_logistic_loss, d_r1_loss, g_nonsaturating_loss
from .generator import Generator, channels_for, n_latent_for

__all__ = ["Generator", "Discriminator", "channels_for", "n_latent_for", "d_logistic_loss",
           "g_nonsaturating_loss", "d_r1_loss", "accumulate"]
