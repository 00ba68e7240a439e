"""StyleGAN2's generator: mapping network, W / W+ styles, synthesis with skip ToRGBs (notebook 05).

The prior IDE encodes into (IDE §2.3). Layout as in the paper's config-f and rosinality's
``Generator`` (same module and buffer names, so its checkpoints load key for key)::

    mapping:    z (B, D) → PixelNorm → n_mlp × EqualLinear(D, D, lr_mul 0.01, lrelu) → w
    synthesis:  4×4 input (learned constant, or a per-sample input latent: IDE's)
                conv1 (style 0), to_rgb1 (style 1)
                for each resolution 8 … S:  StyledConv ↑2 (style 2i+1), StyledConv (style 2i+2),
                                            ToRGB (style 2i+3) added to the up-sampled skip image

so there are ``n_latent = 2·log2(S) − 2`` style inputs (18 at 1024², 8 at 32²) — the rows
of a W+ code. ``w_avg`` tracks the mean w during training (truncation: w' = w̄ + ψ (w − w̄)).
Channel widths are ``min(channel_base // res, channel_max)`` per resolution (NVlabs' rule;
config-f is base 16384·2 = 32768 capped at 512, which is also rosinality's table with
``channel_multiplier = 2``), or an explicit ``channels`` table: the CPU preset is narrow.
"""
from __future__ import annotations

import math
import random

import torch
import torch.nn as nn

from .layers import ConstantInput, EqualLinear, PixelNorm, StyledConv, ToRGB

__all__ = ["channels_for", "n_latent_for", "Generator"]


def channels_for(size: int, channel_base: int, channel_max: int) -> dict[int, int]:
    """{resolution: channels} for 4, 8, …, size."""
    return {2 ** i: min(channel_base // 2 ** i, channel_max) for i in range(2, int(math.log2(size)) + 1)}


def n_latent_for(size: int) -> int:
    """Number of style inputs (W+ rows) of a generator at ``size``: 2·log2(size) − 2."""
    return 2 * int(math.log2(size)) - 2


class Generator(nn.Module):
    """StyleGAN2 generator. ``size`` a power of two ≥ 8; ``style_dim`` = z and w dimension."""

    def __init__(self, size: int, style_dim: int = 512, n_mlp: int = 8, channel_base: int = 32768,
                 channel_max: int = 512, lr_mlp: float = 0.01, blur_kernel=(1, 3, 3, 1),
                 channels: dict[int, int] | None = None):
        super().__init__()
        if size < 8 or size & (size - 1):
            raise ValueError(f"size must be a power of two >= 8, got {size}")
        self.size, self.style_dim = size, style_dim
        self.log_size = int(math.log2(size))
        self.n_latent = n_latent_for(size)
        self.num_layers = (self.log_size - 2) * 2 + 1
        self.channels = ch = dict(channels) if channels else channels_for(size, channel_base, channel_max)

        self.style = nn.Sequential(PixelNorm(), *[EqualLinear(style_dim, style_dim, lr_mul=lr_mlp, activation=True)
                                                  for _ in range(n_mlp)])
        self.input = ConstantInput(ch[4])
        self.conv1 = StyledConv(ch[4], ch[4], 3, style_dim, blur_kernel=blur_kernel)
        self.to_rgb1 = ToRGB(ch[4], style_dim, upsample=False)
        self.convs, self.to_rgbs = nn.ModuleList(), nn.ModuleList()
        self.noises = nn.Module()
        for i in range(self.num_layers):
            res = 2 ** ((i + 5) // 2)
            self.noises.register_buffer(f"noise_{i}", torch.randn(1, 1, res, res))
        cin = ch[4]
        for i in range(3, self.log_size + 1):
            cout = ch[2 ** i]
            self.convs.append(StyledConv(cin, cout, 3, style_dim, upsample=True, blur_kernel=blur_kernel))
            self.convs.append(StyledConv(cout, cout, 3, style_dim, blur_kernel=blur_kernel))
            self.to_rgbs.append(ToRGB(cout, style_dim))
            cin = cout
        self.register_buffer("w_avg", torch.zeros(style_dim))

    # ---- latents ------------------------------------------------------------------------
    def mapping(self, z: torch.Tensor) -> torch.Tensor:
        """z (B, D) → w (B, D)."""
        return self.style(z)

    @torch.no_grad()
    def update_w_avg(self, w: torch.Tensor, beta: float = 0.995) -> None:
        """w̄ ← β w̄ + (1 − β) mean(w) (tracked while training, as in the paper)."""
        self.w_avg.lerp_(w.detach().mean(0).to(self.w_avg.dtype), 1 - beta)

    @torch.no_grad()
    def mean_latent(self, n: int = 4096, seed: int = 0) -> torch.Tensor:
        """Mean w over ``n`` random z (for generators loaded without a tracked w̄)."""
        z = torch.randn(n, self.style_dim, generator=torch.Generator().manual_seed(seed)).to(self.w_avg.device)
        return self.mapping(z).mean(0)

    def truncate(self, w: torch.Tensor, psi: float, w_avg: torch.Tensor | None = None) -> torch.Tensor:
        """w' = w̄ + ψ (w − w̄); ψ = 1 leaves w, ψ = 0 gives w̄."""
        w_avg = self.w_avg if w_avg is None else w_avg
        return w if psi == 1 else w_avg + psi * (w - w_avg)

    def to_wplus(self, styles: list[torch.Tensor], inject_index: int | None = None) -> torch.Tensor:
        """One or two w (B, D) → W+ (B, n_latent, D); with two, rows ≥ ``inject_index`` use the
        second (style mixing; a random index when None)."""
        if len(styles) == 1:
            return styles[0][:, None].expand(-1, self.n_latent, -1)
        if len(styles) != 2:
            raise ValueError(f"style mixing takes 1 or 2 style vectors, got {len(styles)}")
        if inject_index is None:
            inject_index = random.randint(1, self.n_latent - 1)
        a = styles[0][:, None].expand(-1, inject_index, -1)
        b = styles[1][:, None].expand(-1, self.n_latent - inject_index, -1)
        return torch.cat([a, b], 1)

    # ---- images ---------------------------------------------------------------------------
    def synthesis(self, wplus: torch.Tensor, noise: list[torch.Tensor | None] | None = None,
                  randomize_noise: bool = True, input_latent: torch.Tensor | None = None) -> torch.Tensor:
        """W+ (B, n_latent, D) → image (B, 3, S, S), unbounded (≈ [−1, 1]).

        ``input_latent`` (B, C_4, 4, 4) replaces the learned constant (IDE's input latent).
        ``noise``: one tensor (or None) per layer; by default fresh noise per call
        (``randomize_noise``) or the fixed buffers.
        """
        if wplus.dim() != 3 or wplus.shape[1] != self.n_latent or wplus.shape[2] != self.style_dim:
            raise ValueError(f"W+ must be (B, {self.n_latent}, {self.style_dim}) at size {self.size}, "
                             f"got {tuple(wplus.shape)}")
        if noise is None:
            noise = [None] * self.num_layers if randomize_noise else \
                [getattr(self.noises, f"noise_{i}") for i in range(self.num_layers)]
        b = wplus.shape[0]
        if input_latent is None:
            x = self.input(b)
        else:
            want = (b, self.channels[4], 4, 4)
            if tuple(input_latent.shape) != want:
                raise ValueError(f"input_latent must be {want}, got {tuple(input_latent.shape)}")
            x = input_latent
        x = self.conv1(x, wplus[:, 0], noise[0])
        skip = self.to_rgb1(x, wplus[:, 1])
        i = 1
        for conv_up, conv, to_rgb, n1, n2 in zip(self.convs[::2], self.convs[1::2], self.to_rgbs,
                                                 noise[1::2], noise[2::2]):
            x = conv_up(x, wplus[:, i], n1)
            x = conv(x, wplus[:, i + 1], n2)
            skip = to_rgb(x, wplus[:, i + 2], skip)
            i += 2
        return skip

    def forward(self, styles: list[torch.Tensor], input_is_latent: bool = False, truncation: float = 1.0,
                truncation_latent: torch.Tensor | None = None, inject_index: int | None = None,
                noise=None, randomize_noise: bool = True, input_latent: torch.Tensor | None = None,
                return_latents: bool = False):
        """rosinality's call: a list of z (or w, ``input_is_latent``) → images [, W+].

        A single (B, n_latent, D) tensor in ``styles`` with ``input_is_latent`` is taken as W+.
        """
        if input_is_latent and len(styles) == 1 and styles[0].dim() == 3:
            wplus = styles[0]
        else:
            ws = styles if input_is_latent else [self.mapping(z) for z in styles]
            ws = [self.truncate(w, truncation, truncation_latent) for w in ws]
            wplus = self.to_wplus(ws, inject_index)
        img = self.synthesis(wplus, noise, randomize_noise, input_latent)
        return (img, wplus) if return_latents else (img, None)
