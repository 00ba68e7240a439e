"""ResNet-18 / ResNet-50 backbones for small faces, without torchvision.

Notebook: ``01_feature_extraction`` (FaceFeat-GAN §3.1). The paper's identity extractor E_id
is a ResNet-50 and its 3DMM regressor E_1 a ResNet-18 (He et al., *Deep Residual Learning for
Image Recognition*, 2016, https://arxiv.org/abs/1512.03385). This module writes both from
their two residual units:

* :class:`BasicBlock` (ResNet-18/34): ``y = ReLU(x + BN(conv3×3(ReLU(BN(conv3×3(x))))))``;
* :class:`Bottleneck` (ResNet-50/101): 1×1 reduce → 3×3 → 1×1 expand (×4), the stride on
  the 3×3 conv (the "v1.5" variant torchvision uses; the 2016 paper strides the first 1×1).

Four stages with base widths w, 2w, 4w, 8w (w = 64 in the paper) and strides 1, 2, 2, 2;
the standard depths are ``[2, 2, 2, 2]`` (18) and ``[3, 4, 6, 3]`` (50). ``width`` and
``depths`` are knobs so a CPU preset can be tiny (e.g. ``width=16, depths=(1, 1, 1, 1)``).

Deviations from the ImageNet ResNet, each a parameter:

* **Stem.** ``stem="small"`` (default) is one conv3×3 with stride ``stem_stride`` (default 1)
  and no max-pool, instead of ImageNet's conv7×7 stride 2 + max-pool stride 2 (a 4× cut
  meant for 224² inputs). With stride 1 a 64² face ends as an 8×8 map (≈ ImageNet's 7×7);
  for 128² faces use ``stem_stride=2`` for the same 8×8. ``stem="imagenet"`` gives the
  original stem (its parameter count matches torchvision's exactly, see the tests).
* **Head.** Global average pooling + one linear layer to ``out_dim`` features (the paper's
  feature vector: 256-d f_id, 30-d f_1; 12-d on SynthFaces) replaces the 1000-way ImageNet
  classifier.
"""
from __future__ import annotations

from typing import Sequence

import torch
import torch.nn as nn

__all__ = ["BasicBlock", "Bottleneck", "ResNet", "resnet18", "resnet50"]


def _conv_bn(cin: int, cout: int, k: int, stride: int = 1) -> list[nn.Module]:
    """conv k×k ('same' padding, no bias: BN has one) + BatchNorm."""
    return [nn.Conv2d(cin, cout, k, stride, k // 2, bias=False), nn.BatchNorm2d(cout)]


class BasicBlock(nn.Module):
    """Two 3×3 convs and an identity shortcut: ``y = ReLU(x + F(x))`` (ResNet-18/34)."""

    expansion = 1

    def __init__(self, cin: int, planes: int, stride: int = 1):
        super().__init__()
        cout = planes * self.expansion
        self.residual = nn.Sequential(*_conv_bn(cin, planes, 3, stride), nn.ReLU(inplace=True),
                                      *_conv_bn(planes, cout, 3))
        # Projection shortcut (1×1 conv + BN) only where the shape changes (He et al. option B).
        self.shortcut = (nn.Sequential(*_conv_bn(cin, cout, 1, stride))
                         if stride != 1 or cin != cout else nn.Identity())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.shortcut(x) + self.residual(x))     # B × cout × H/s × W/s


class Bottleneck(nn.Module):
    """1×1 reduce → 3×3 (stride here, "v1.5") → 1×1 expand ×4, plus shortcut (ResNet-50)."""

    expansion = 4

    def __init__(self, cin: int, planes: int, stride: int = 1):
        super().__init__()
        cout = planes * self.expansion
        self.residual = nn.Sequential(
            *_conv_bn(cin, planes, 1), nn.ReLU(inplace=True),
            *_conv_bn(planes, planes, 3, stride), nn.ReLU(inplace=True),
            *_conv_bn(planes, cout, 1))
        self.shortcut = (nn.Sequential(*_conv_bn(cin, cout, 1, stride))
                         if stride != 1 or cin != cout else nn.Identity())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.shortcut(x) + self.residual(x))     # B × 4·planes × H/s × W/s


class ResNet(nn.Module):
    """(B, 3, H, W) image → (B, out_dim) feature: stem, 4 residual stages, GAP, linear.

    ``out_dim=None`` drops the linear head and returns the pooled (B, 8·w·expansion) vector.
    """

    def __init__(self, block: type[BasicBlock] | type[Bottleneck], depths: Sequence[int],
                 out_dim: int | None = 256, width: int = 64, stem: str = "small",
                 stem_stride: int = 1, in_channels: int = 3):
        super().__init__()
        if len(depths) != 4 or min(depths) < 1:
            raise ValueError(f"depths must be 4 positive block counts, got {list(depths)}")
        if stem == "small":        # deviation: conv3×3, stride 1 or 2, no max-pool (small faces)
            self.stem = nn.Sequential(*_conv_bn(in_channels, width, 3, stem_stride), nn.ReLU(inplace=True))
        elif stem == "imagenet":   # the original: conv7×7 s2 + max-pool s2
            self.stem = nn.Sequential(*_conv_bn(in_channels, width, 7, 2), nn.ReLU(inplace=True),
                                      nn.MaxPool2d(3, 2, 1))
        else:
            raise ValueError(f"stem must be 'small' or 'imagenet', got {stem!r}")
        stages, cin = [], width
        for i, n in enumerate(depths):  # stage i: planes w·2^i; first block strides by 2 (i > 0)
            planes = width * 2 ** i
            blocks = [block(cin if j == 0 else planes * block.expansion, planes,
                            stride=2 if (i > 0 and j == 0) else 1) for j in range(n)]
            stages.append(nn.Sequential(*blocks))
            cin = planes * block.expansion
        self.stages = nn.Sequential(*stages)
        self.feat_channels = cin                   # 8w (BasicBlock) or 32w (Bottleneck)
        self.head = nn.Linear(cin, out_dim) if out_dim is not None else nn.Identity()
        self.out_dim = out_dim if out_dim is not None else cin
        for m in self.modules():                   # He init for convs, BN as identity
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.stages(self.stem(x))              # B × C × H/(s·8) × W/(s·8)
        return self.head(h.mean(dim=(2, 3)))       # global average pool → B × C → B × out_dim


def resnet18(out_dim: int | None = 256, width: int = 64, depths: Sequence[int] = (2, 2, 2, 2),
             **kw) -> ResNet:
    """ResNet-18 (E_1 in the paper): BasicBlocks, depths [2, 2, 2, 2]."""
    return ResNet(BasicBlock, depths, out_dim, width, **kw)


def resnet50(out_dim: int | None = 256, width: int = 64, depths: Sequence[int] = (3, 4, 6, 3),
             **kw) -> ResNet:
    """ResNet-50 (E_id in the paper): Bottlenecks, depths [3, 4, 6, 3]."""
    return ResNet(Bottleneck, depths, out_dim, width, **kw)
