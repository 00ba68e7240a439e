"""Import (and export) rosinality-format StyleGAN2 checkpoints (notebook 05, ``full_gpu.yaml``).

rosinality's ``train.py`` saves ``{"g", "d", "g_ema", "g_optim", "d_optim", "args"}`` and its
``convert_weight.py`` (NVlabs ``.pkl`` → ``.pt``) saves ``{"g_ema", "latent_avg"}``. Our
:class:`~.generator.Generator` uses the same module names, so the mapping is the identity on
every key of ``g_ema``:

=================================  =============================================================
``style.{1..n_mlp}.weight/bias``   mapping layers (``style.0`` is the PixelNorm, no weights)
``input.input``                    the 4×4 constant, (1, C_4, 4, 4)
``conv1.*``, ``to_rgb1.*``         the 4×4 StyledConv and its ToRGB
``convs.{2j}.*``, ``convs.{2j+1}.*``  the up-sampling and the plain StyledConv at 2^(j+3)
``to_rgbs.{j}.*``                  the ToRGB at 2^(j+3) (``upsample.kernel``: the skip's blur)
``*.conv.weight``                  modulated conv weight, (1, out, in, k, k)
``*.conv.modulation.weight/bias``  the affine style map (bias initialised to 1)
``*.noise.weight``, ``*.activate.bias``  noise strength, bias of the fused leaky ReLU
``*.conv.blur.kernel``             the [1,3,3,1]² × 4 blur after an up-sampling conv
``noises.noise_{i}``               fixed noise maps (used with ``randomize_noise=False``)
``latent_avg`` (top level)         → our ``w_avg`` buffer (truncation centre)
=================================  =============================================================

Conventions already handled by rosinality's converter and therefore *not* repeated here: NVlabs'
up-sampling conv weights are flipped spatially (``flip`` in ``convert_weight.py``), and NVlabs'
modulation bias is stored without the +1 that rosinality's ``bias_init=1`` makes explicit.
Widths, ``style_dim``, ``n_mlp`` and the size are read from the tensors' shapes.
"""
from __future__ import annotations

import os
import re

import torch

from ..train.checkpoint import CheckpointError
from .generator import Generator

__all__ = ["generator_from_state_dict", "load_rosinality", "to_rosinality"]


def generator_from_state_dict(sd: dict[str, torch.Tensor], latent_avg: torch.Tensor | None = None) -> Generator:
    """Build a :class:`Generator` shaped like ``sd`` (rosinality's ``g_ema`` keys) and load it."""
    try:
        style_ids = sorted(int(m.group(1)) for k in sd if (m := re.fullmatch(r"style\.(\d+)\.weight", k)))
        style_dim = sd["style.1.weight"].shape[0]
        n_rgbs = len({k.split(".")[1] for k in sd if k.startswith("to_rgbs.")})
        channels = {4: sd["input.input"].shape[1]}
        for j in range(n_rgbs):
            channels[2 ** (j + 3)] = sd[f"to_rgbs.{j}.conv.weight"].shape[2]
    except KeyError as e:
        raise CheckpointError(f"not a rosinality StyleGAN2 generator state dict: missing {e}; expected keys like "
                              "'style.1.weight', 'input.input', 'conv1.conv.weight', 'to_rgbs.0.conv.weight'") from e
    size = 2 ** (n_rgbs + 2)
    g = Generator(size, style_dim, n_mlp=len(style_ids), channels=channels)
    missing, unexpected = g.load_state_dict(sd, strict=False)
    missing = [k for k in missing if k != "w_avg"]
    if missing or unexpected:
        raise CheckpointError(f"state dict does not fit a {size}² StyleGAN2 generator: missing {missing[:5]}, "
                              f"unexpected {list(unexpected)[:5]}")
    with torch.no_grad():
        if latent_avg is not None:
            g.w_avg.copy_(torch.as_tensor(latent_avg).reshape(-1))
        elif "w_avg" in sd:
            g.w_avg.copy_(sd["w_avg"])
        else:
            g.w_avg.copy_(g.mean_latent())
    return g.eval()


def load_rosinality(path: str | os.PathLike, key: str = "g_ema", map_location: str = "cpu") -> Generator:
    """Our generator from a rosinality checkpoint file (``g_ema`` + ``latent_avg``).

    Loaded with ``weights_only=True``; rosinality's training checkpoints also hold an
    ``args`` namespace, which that refuses — save ``{"g_ema", "latent_avg"}`` only (what
    ``convert_weight.py`` writes) or re-save without ``args``.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"no StyleGAN2 checkpoint at {path!r} (expected a rosinality .pt, e.g. "
                                "stylegan2-ffhq-config-f.pt from convert_weight.py)")
    try:
        ckpt = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as e:   # noqa: BLE001 - re-raised with what to do
        raise CheckpointError(f"{path}: cannot be read with weights_only=True ({e}). If it is a rosinality "
                              "training checkpoint, re-save it as {'g_ema': ..., 'latent_avg': ...}.") from e
    if key not in ckpt:
        raise CheckpointError(f"{path}: no {key!r} entry (has {sorted(ckpt)[:8]}); expected rosinality's format")
    return generator_from_state_dict(ckpt[key], ckpt.get("latent_avg"))


def to_rosinality(g: Generator) -> dict[str, torch.Tensor | dict]:
    """``{"g_ema": state dict, "latent_avg": w̄}`` in rosinality's format (what the importer reads)."""
    sd = {k: v.detach().clone() for k, v in g.state_dict().items() if k != "w_avg"}
    return {"g_ema": sd, "latent_avg": g.w_avg.detach().clone()}
