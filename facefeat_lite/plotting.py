"""Small plotting helpers shared by the notebooks: image grids, label maps, landmarks.

Every figure in the notebooks is made through these so that sizes stay fixed (nbval compares
text outputs only, but a fixed ``figsize`` keeps the executed notebooks stable) and the
notebooks stay thin.
"""
from __future__ import annotations

import numpy as np
import torch


def image_grid(images, nrow: int, pad: int = 1, pad_value: float = 1.0) -> np.ndarray:
    """Tile (N, C, H, W) images in [0, 1] into one (rows·(H+pad), nrow·(W+pad), C) array.

    One-channel images are repeated to RGB; missing cells of the last row stay ``pad_value``.
    """
    x = torch.as_tensor(images).detach().float().cpu()
    if x.ndim == 3:
        x = x[:, None]
    if x.shape[1] == 1:
        x = x.repeat(1, 3, 1, 1)
    n, c, h, w = x.shape
    rows = -(-n // nrow)
    grid = torch.full((c, rows * (h + pad) + pad, nrow * (w + pad) + pad), pad_value)
    for i in range(n):
        r, k = divmod(i, nrow)
        grid[:, pad + r * (h + pad):pad + r * (h + pad) + h, pad + k * (w + pad):pad + k * (w + pad) + w] = x[i]
    return grid.clamp(0, 1).permute(1, 2, 0).numpy()


def show_grid(ax, images, nrow: int, title: str | None = None, row_labels=None, col_labels=None) -> None:
    """Draw :func:`image_grid` on a matplotlib axis, with optional row/column labels."""
    g = image_grid(images, nrow)
    ax.imshow(g, interpolation="nearest")
    ax.set_xticks([]); ax.set_yticks([])
    n = len(images)
    h, w = torch.as_tensor(images).shape[-2:]
    if row_labels is not None:
        ax.set_yticks([1 + (h + 1) * i + h / 2 for i in range(len(row_labels))])
        ax.set_yticklabels(row_labels, fontsize=8)
    if col_labels is not None:
        ax.set_xticks([1 + (w + 1) * i + w / 2 for i in range(len(col_labels))])
        ax.set_xticklabels(col_labels, fontsize=8)
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    if title:
        ax.set_title(title, fontsize=10)


def colorize_labels(labels, palette) -> torch.Tensor:
    """(N, H, W) integer label maps -> (N, 3, H, W) float RGB using ``palette`` ((L, 3) in 0..255)."""
    pal = torch.as_tensor(np.asarray(palette), dtype=torch.float32) / 255
    return pal[torch.as_tensor(labels).long()].permute(0, 3, 1, 2)
