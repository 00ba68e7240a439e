"""The BEGAN encoder and decoder (the architecture of FaceFeat-GAN's E_2, G^I and D^I).

Notebook: ``01_feature_extraction`` (E_2 and G^I of FaceFeat-GAN §3.1, Eq. 8); later the
stage-2 notebook (G^I and the auto-encoder discriminator D^I, §3.2). Paper: Berthelot, Schumm,
Metz, *BEGAN: Boundary Equilibrium Generative Adversarial Networks*, 2017,
https://arxiv.org/abs/1703.10717. Layout as in its reference code
(carpedm20/BEGAN-tensorflow, ``models.py``), written here from that description:

Encoder, image (B, 3, S, S) → code (B, h), with L = log2(S) − 2 levels (4 at 64², 5 at 128²)::

    conv3×3(3→n) ELU
    level i = 1..L:   [conv3×3 ELU, conv3×3 ELU] with i·n channels
                      then (all but the last level) conv3×3 stride 2 ELU       (S/2^(i))
    flatten 8×8×(L·n) → dense → h                                              (no activation)

Decoder, code (B, h) → image (B, 3, S, S)::

    dense h → 8×8×n                                                            (no activation)
    level i = 1..L:   [conv3×3 ELU, conv3×3 ELU] with n channels
                      then (all but the last level) nearest-neighbour 2× upsampling
    conv3×3(n→3)                                                               (no activation)

Channels grow linearly (n, 2n, 3n, ...) on the way down, as in BEGAN; the decoder stays at n.
The paper and the reference use n = 64 (h = 64 for BEGAN; FaceFeat-GAN's codes differ: E_2
outputs h = 256, G^I takes the 542-d feature concatenation, 524-d on SynthFaces). ``S``
must be 8·2^k (64 and 128 both work). Deviation: none in the layout; BEGAN's optional skip
connections are left out (the reference code leaves them out too). Images are floats in
[-1, 1]; the decoder output is unbounded (no tanh, as in the reference).
"""
from __future__ import annotations

import math

import torch
import torch.nn as nn

__all__ = ["BeganEncoder", "BeganDecoder", "began_levels"]


def began_levels(image_size: int) -> int:
    """Number of resolution levels L = log2(S) − 2: the maps go S, S/2, ..., 8."""
    levels = int(round(math.log2(image_size))) - 2 if image_size > 0 else 0
    if levels < 1 or 8 * 2 ** (levels - 1) != image_size:
        raise ValueError(f"image_size must be 8·2^k (8, 16, ..., 64, 128, ...), got {image_size}")
    return levels


def _conv_elu(cin: int, cout: int, stride: int = 1) -> list[nn.Module]:
    return [nn.Conv2d(cin, cout, 3, stride, 1), nn.ELU(inplace=True)]


class BeganEncoder(nn.Module):
    """(B, 3, S, S) → (B, h): BEGAN's encoder (the first half of its discriminator)."""

    def __init__(self, image_size: int = 64, h: int = 256, n: int = 64, in_channels: int = 3):
        super().__init__()
        self.levels = L = began_levels(image_size)
        layers = _conv_elu(in_channels, n)                      # B × n × S × S
        cin = n
        for i in range(1, L + 1):
            c = i * n                                          # channels grow: n, 2n, ..., L·n
            layers += _conv_elu(cin, c) + _conv_elu(c, c)
            if i < L:
                layers += _conv_elu(c, c, stride=2)            # halve H, W
            cin = c
        self.convs = nn.Sequential(*layers)                    # B × L·n × 8 × 8
        self.fc = nn.Linear(8 * 8 * L * n, h)
        self.h, self.n, self.image_size = h, n, image_size

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.convs(x).flatten(1))               # B × (L·n·64) → B × h


class BeganDecoder(nn.Module):
    """(B, h) → (B, out_channels, S, S): BEGAN's generator (and its discriminator's decoder)."""

    def __init__(self, image_size: int = 64, h: int = 256, n: int = 64, out_channels: int = 3):
        super().__init__()
        self.levels = L = began_levels(image_size)
        self.fc = nn.Linear(h, 8 * 8 * n)
        layers: list[nn.Module] = []
        for i in range(1, L + 1):
            layers += _conv_elu(n, n) + _conv_elu(n, n)
            if i < L:
                layers.append(nn.Upsample(scale_factor=2, mode="nearest"))   # double H, W
        layers.append(nn.Conv2d(n, out_channels, 3, 1, 1))    # to RGB, no activation
        self.convs = nn.Sequential(*layers)
        self.h, self.n, self.image_size = h, n, image_size

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        x = self.fc(z).view(-1, self.n, 8, 8)                 # B × h → B × n × 8 × 8
        return self.convs(x)                                  # B × 3 × S × S
