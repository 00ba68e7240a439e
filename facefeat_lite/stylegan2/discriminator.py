"""StyleGAN2's residual discriminator and its losses (notebook 05).

Discriminator (config-f, rosinality's layout)::

    ConvLayer 1×1 (3 → C_S)
    for res S … 8:  ResBlock  [conv3×3, blur + conv3×3 stride 2] + skip [blur + conv1×1 stride 2], / √2
    minibatch standard deviation (groups of 4, one extra channel) → conv3×3 → dense → dense → logit

Losses: the non-saturating logistic loss (D: softplus(−D(x)) + softplus(D(G(z))); G:
softplus(−D(G(z)))), lazy R1 (γ/2 · E‖∇_x D(x)‖² on reals, every ``r1_every`` steps, scaled by
that interval), and the EMA of the generator's weights used for sampling.
"""
from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from .generator import channels_for
from .layers import Blur, EqualConv2d, EqualLinear, FusedLeakyReLU

__all__ = ["ConvLayer", "ResBlock", "Discriminator", "d_logistic_loss", "g_nonsaturating_loss", "d_r1_loss",
           "accumulate"]


class ConvLayer(nn.Sequential):
    """[blur] → EqualConv2d (stride 2 when ``downsample``) → [bias + leaky ReLU]."""

    def __init__(self, cin: int, cout: int, k: int, downsample: bool = False, blur_kernel=(1, 3, 3, 1),
                 bias: bool = True, activate: bool = True):
        layers: list[nn.Module] = []
        if downsample:
            p = (len(blur_kernel) - 2) + (k - 1)
            layers.append(Blur(blur_kernel, ((p + 1) // 2, p // 2)))
            stride, padding = 2, 0
        else:
            stride, padding = 1, k // 2
        layers.append(EqualConv2d(cin, cout, k, stride, padding, bias=bias and not activate))
        if activate:
            layers.append(FusedLeakyReLU(cout))
        super().__init__(*layers)


class ResBlock(nn.Module):
    """Two convs (the second halves H, W) plus a 1×1 down-sampled skip, summed / √2."""

    def __init__(self, cin: int, cout: int, blur_kernel=(1, 3, 3, 1)):
        super().__init__()
        self.conv1 = ConvLayer(cin, cin, 3)
        self.conv2 = ConvLayer(cin, cout, 3, downsample=True, blur_kernel=blur_kernel)
        self.skip = ConvLayer(cin, cout, 1, downsample=True, blur_kernel=blur_kernel, bias=False, activate=False)

    def forward(self, x):
        return (self.conv2(self.conv1(x)) + self.skip(x)) / math.sqrt(2)


class Discriminator(nn.Module):
    """Image (B, 3, S, S) → logit (B, 1)."""

    def __init__(self, size: int, channel_base: int = 32768, channel_max: int = 512, blur_kernel=(1, 3, 3, 1),
                 stddev_group: int = 4):
        super().__init__()
        ch = channels_for(size, channel_base, channel_max)
        blocks: list[nn.Module] = [ConvLayer(3, ch[size], 1)]
        res = size
        while res > 4:
            blocks.append(ResBlock(ch[res], ch[res // 2], blur_kernel))
            res //= 2
        self.convs = nn.Sequential(*blocks)
        self.stddev_group = stddev_group
        self.final_conv = ConvLayer(ch[4] + 1, ch[4], 3)
        self.final_linear = nn.Sequential(EqualLinear(ch[4] * 16, ch[4], activation=True), EqualLinear(ch[4], 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.convs(x)                                          # B × C × 4 × 4
        b, c, h, w = out.shape
        g = min(b, self.stddev_group)
        if b % g:
            g = 1
        # minibatch stddev: std over groups of g samples, averaged → one extra feature map
        y = out.view(g, -1, 1, c, h, w)
        y = torch.sqrt(y.var(0, unbiased=False) + 1e-8).mean((2, 3, 4), keepdim=True).squeeze(2)
        y = y.repeat(g, 1, h, w)
        out = self.final_conv(torch.cat([out, y], 1))
        return self.final_linear(out.flatten(1))


def d_logistic_loss(real_pred: torch.Tensor, fake_pred: torch.Tensor) -> torch.Tensor:
    """Non-saturating logistic loss of D: softplus(−D(x)) + softplus(D(G(z)))."""
    return F.softplus(-real_pred).mean() + F.softplus(fake_pred).mean()


def g_nonsaturating_loss(fake_pred: torch.Tensor) -> torch.Tensor:
    """G's non-saturating loss: softplus(−D(G(z)))."""
    return F.softplus(-fake_pred).mean()


def d_r1_loss(real_pred: torch.Tensor, real_img: torch.Tensor) -> torch.Tensor:
    """E‖∇_x D(x)‖² on real images (``real_img`` must require grad); times γ/2 by the caller."""
    (grad,) = torch.autograd.grad(real_pred.sum(), real_img, create_graph=True)
    return grad.pow(2).flatten(1).sum(1).mean()


@torch.no_grad()
def accumulate(ema: nn.Module, model: nn.Module, decay: float = 0.999) -> None:
    """ema ← decay · ema + (1 − decay) · model, parameters and buffers (w_avg included)."""
    src = dict(model.named_parameters())
    for name, p in ema.named_parameters():
        p.lerp_(src[name].detach(), 1 - decay)
    bsrc = dict(model.named_buffers())
    for name, b in ema.named_buffers():
        if name == "w_avg":
            b.copy_(bsrc[name])
