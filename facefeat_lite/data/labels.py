"""Semantic label names and display colours, in CelebAMask-HQ's 19-class order (notebook `00_data`).

SynthFaces writes these indices into its label maps; the real-data loaders map
CelebAMask-HQ's masks to the same indices, so a face parser trained on one reads the other.

Side convention: ``l_`` is the SUBJECT's left (anatomical), which is the IMAGE RIGHT in a
frontal view (x > 0 in the canonical frame of ``layout.py``); ``r_`` is the image left.
SynthFaces never uses ``ear_r`` (earrings), ``neck_l`` (necklace) or ``hat``.
"""
from __future__ import annotations

import torch

LABEL_NAMES = ["background", "skin", "l_brow", "r_brow", "l_eye", "r_eye", "eye_g", "l_ear", "r_ear",
               "ear_r", "nose", "mouth", "u_lip", "l_lip", "neck", "neck_l", "cloth", "hair", "hat"]
LABEL = {name: i for i, name in enumerate(LABEL_NAMES)}

# one RGB colour (0..255) per class, for contact sheets and notebooks
PALETTE = torch.tensor([
    [0, 0, 0], [204, 0, 0], [0, 255, 255], [0, 200, 200], [51, 51, 255], [204, 0, 204], [204, 204, 0],
    [102, 51, 0], [255, 0, 0], [102, 204, 0], [76, 153, 0], [255, 255, 0], [0, 0, 153], [0, 0, 204],
    [255, 153, 51], [0, 204, 153], [0, 51, 0], [255, 204, 204], [0, 204, 0]], dtype=torch.uint8)


def colorize(labels: torch.Tensor) -> torch.Tensor:
    """Label map (..., H, W) of indices -> float (..., 3, H, W) colours in [0, 1]."""
    rgb = PALETTE[labels.long()].float() / 255.0           # (..., H, W, 3)
    return rgb.movedim(-1, -3)
