"""StyleGAN2's building blocks in plain PyTorch, written for CPU speed (IDE's prior, notebook 05).

Karras et al., *Analyzing and Improving the Image Quality of StyleGAN*, CVPR 2020. Names of
modules and parameters follow rosinality's ``stylegan2-pytorch`` (``EqualLinear``,
``ModulatedConv2d``, ``modulation``, ``noise.weight``, ``activate.bias``, ...) so that its
checkpoints map onto ours key for key; the code is ours. Two choices make it fast on a CPU,
where rosinality's pure-PyTorch fallback spends ~80 % of a step in its blur:

* **Blur as a depthwise conv.** The [1, 3, 3, 1] low-pass filter runs as ``conv2d`` with
  ``groups = C`` — one 4×4 filter per channel — instead of one-channel convs over a
  reshaped batch (upfirdn2d's reference path). Up-sampling is zero insertion + this blur.
* **Modulate activations, not weights.** Demodulated modulated conv (Eq. 1–3 of the paper)
  is ``conv(x · s, w) · d`` with d_o = 1/√(Σ_i s_i² Σ_k w_oik² + ε): one ordinary conv shared
  by the batch, scaled before and after, instead of a grouped conv with per-sample
  weights. The two are equal (tests check it against the direct computation).
"""
from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

__all__ = ["make_kernel", "Blur", "Upsample", "EqualLinear", "EqualConv2d", "FusedLeakyReLU", "PixelNorm",
           "ModulatedConv2d", "NoiseInjection", "StyledConv", "ToRGB", "ConstantInput"]

SQRT2 = math.sqrt(2.0)


def make_kernel(k=(1, 3, 3, 1)) -> torch.Tensor:
    """The separable low-pass kernel: outer product of ``k`` with itself, summing to 1."""
    k = torch.tensor(k, dtype=torch.float32)
    k = k[None, :] * k[:, None]
    return k / k.sum()


def _depthwise(x: torch.Tensor, kernel: torch.Tensor, pad: tuple[int, int]) -> torch.Tensor:
    """Depthwise 2-D filtering with (before, after) zero padding on both axes."""
    c = x.shape[1]
    x = F.pad(x, (pad[0], pad[1], pad[0], pad[1]))
    return F.conv2d(x, kernel.flip(0, 1)[None, None].expand(c, 1, -1, -1).to(x.dtype), groups=c)


class Blur(nn.Module):
    """Low-pass filter (FIR), times ``scale`` (= factor² after an up-sampling conv)."""

    def __init__(self, kernel=(1, 3, 3, 1), pad: tuple[int, int] = (1, 1), scale: float = 1.0):
        super().__init__()
        self.register_buffer("kernel", make_kernel(kernel) * scale)
        self.pad = pad

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _depthwise(x, self.kernel, self.pad)


class Upsample(nn.Module):
    """2× up-sampling: zero insertion, then the blur ×4 (upfirdn2d with up = 2)."""

    def __init__(self, kernel=(1, 3, 3, 1), factor: int = 2):
        super().__init__()
        self.register_buffer("kernel", make_kernel(kernel) * factor ** 2)
        p = len(kernel) - factor
        self.pad, self.factor = ((p + 1) // 2 + factor - 1, p // 2), factor

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        f = self.factor
        up = x.new_zeros(b, c, h, f, w, f)
        up[:, :, :, 0, :, 0] = x
        return _depthwise(up.view(b, c, h * f, w * f), self.kernel, self.pad)   # B × C × 2H × 2W


class FusedLeakyReLU(nn.Module):
    """leaky_relu(x + b, 0.2) · √2 (the gain keeps activations' scale), b per channel."""

    def __init__(self, channels: int):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shape = (1, -1) + (1,) * (x.dim() - 2)
        return F.leaky_relu(x + self.bias.view(shape), 0.2) * SQRT2


class EqualLinear(nn.Module):
    """Linear layer with equalized learning rate: w ~ N(0, 1/lr_mul²), used as w · lr_mul/√in."""

    def __init__(self, in_dim: int, out_dim: int, bias: bool = True, bias_init: float = 0.0,
                 lr_mul: float = 1.0, activation: bool = False):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_dim, in_dim) / lr_mul)
        self.bias = nn.Parameter(torch.full((out_dim,), float(bias_init))) if bias else None
        self.scale, self.lr_mul, self.activation = lr_mul / math.sqrt(in_dim), lr_mul, activation

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b = self.bias * self.lr_mul if self.bias is not None else None
        if self.activation:
            out = F.linear(x, self.weight * self.scale)
            return F.leaky_relu(out + b, 0.2) * SQRT2 if b is not None else F.leaky_relu(out, 0.2) * SQRT2
        return F.linear(x, self.weight * self.scale, b)

    def extra_repr(self) -> str:
        return f"{self.weight.shape[1]} → {self.weight.shape[0]}, lr_mul={self.lr_mul}, act={self.activation}"


class EqualConv2d(nn.Module):
    """Conv with equalized learning rate (weight scaled by 1/√(in·k²) at run time)."""

    def __init__(self, cin: int, cout: int, k: int, stride: int = 1, padding: int = 0, bias: bool = True):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(cout, cin, k, k))
        self.bias = nn.Parameter(torch.zeros(cout)) if bias else None
        self.scale, self.stride, self.padding = 1 / math.sqrt(cin * k * k), stride, padding

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.weight * self.scale, self.bias, self.stride, self.padding)


class PixelNorm(nn.Module):
    """z / ‖z‖_rms: the mapping network's input normalization."""

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return z * torch.rsqrt(z.pow(2).mean(1, keepdim=True) + 1e-8)


class ModulatedConv2d(nn.Module):
    """Modulated (and optionally demodulated) conv, the fast way; optional 2× up-sampling.

    x (B, in, H, W), style w (B, style_dim) → (B, out, H', W'). s = modulation(w) (B × in,
    bias initialised to 1); weight (1, out, in, k, k) as in rosinality's checkpoints.
    Up-sampling is a stride-2 transposed conv followed by the blur (×4), as in StyleGAN2.
    """

    def __init__(self, cin: int, cout: int, k: int, style_dim: int, demodulate: bool = True,
                 upsample: bool = False, blur_kernel=(1, 3, 3, 1)):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(1, cout, cin, k, k))
        self.modulation = EqualLinear(style_dim, cin, bias_init=1.0)
        self.scale, self.padding = 1 / math.sqrt(cin * k * k), k // 2
        self.demodulate, self.upsample = demodulate, upsample
        if upsample:
            p = (len(blur_kernel) - 2) - (k - 1)
            self.blur = Blur(blur_kernel, ((p + 1) // 2 + 1, p // 2 + 1), scale=4.0)

    def forward(self, x: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        s = self.modulation(style)                                  # B × in
        w = self.weight[0] * self.scale                             # out × in × k × k
        x = x * s[:, :, None, None]                                 # modulate the activations
        if self.upsample:
            x = self.blur(F.conv_transpose2d(x, w.transpose(0, 1), stride=2))   # B × out × 2H × 2W
        else:
            x = F.conv2d(x, w, padding=self.padding)                # B × out × H × W
        if self.demodulate:                                         # d_o = 1/√(Σ_i s_i² Σ_k w_oik² + ε)
            d = torch.rsqrt(s.pow(2) @ w.pow(2).sum((2, 3)).t() + 1e-8)          # B × out
            x = x * d[:, :, None, None]
        return x

    def extra_repr(self) -> str:
        _, o, i, k, _ = self.weight.shape
        return f"{i} → {o}, k={k}, demodulate={self.demodulate}, upsample={self.upsample}"


class NoiseInjection(nn.Module):
    """x + weight · noise, noise (B, 1, H, W) ~ N(0, 1) unless given; weight starts at 0."""

    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(1))

    def forward(self, x: torch.Tensor, noise: torch.Tensor | None = None) -> torch.Tensor:
        if noise is None:
            noise = x.new_empty(x.shape[0], 1, x.shape[2], x.shape[3]).normal_()
        return x + self.weight * noise


class StyledConv(nn.Module):
    """ModulatedConv2d → noise → bias + leaky ReLU (one style input of the synthesis network)."""

    def __init__(self, cin: int, cout: int, k: int, style_dim: int, upsample: bool = False,
                 blur_kernel=(1, 3, 3, 1)):
        super().__init__()
        self.conv = ModulatedConv2d(cin, cout, k, style_dim, True, upsample, blur_kernel)
        self.noise = NoiseInjection()
        self.activate = FusedLeakyReLU(cout)

    def forward(self, x, style, noise=None):
        return self.activate(self.noise(self.conv(x, style), noise))


class ToRGB(nn.Module):
    """1×1 modulated conv to RGB (no demodulation) + bias, added to the up-sampled skip."""

    def __init__(self, cin: int, style_dim: int, upsample: bool = True, blur_kernel=(1, 3, 3, 1)):
        super().__init__()
        if upsample:
            self.upsample = Upsample(blur_kernel)
        self.conv = ModulatedConv2d(cin, 3, 1, style_dim, demodulate=False)
        self.bias = nn.Parameter(torch.zeros(1, 3, 1, 1))

    def forward(self, x, style, skip=None):
        out = self.conv(x, style) + self.bias
        return out if skip is None else out + self.upsample(skip)


class ConstantInput(nn.Module):
    """The learned 4×4 input (1, C, 4, 4), repeated over the batch."""

    def __init__(self, channels: int, size: int = 4):
        super().__init__()
        self.input = nn.Parameter(torch.randn(1, channels, size, size))

    def forward(self, batch: int) -> torch.Tensor:
        return self.input.expand(batch, -1, -1, -1)
