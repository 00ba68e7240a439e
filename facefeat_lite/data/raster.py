"""Point rasterizer with a z-buffer for SynthFaces (notebook `00_data`).

Pure PyTorch, no compiled extension. Each point covers the 2 x 2 pixels whose centres are
nearest to it (a "splat"; points of the sparser hair and neck cover the 3 x 3 pixels around
the one they fall in); visibility is resolved with ONE integer key per point

    key = (quantised depth << 22) | point index

and ``scatter_reduce_(..., "amax")`` into a per-pixel buffer: the largest key is the nearest
point (larger z = nearer the camera), and its low bits say which point won. Everything the
renderer outputs (colour, labels, sketch, landmark visibility) is computed afterwards from
these winners, so all outputs come from the same z-buffer and line up pixel for pixel.

A one-pixel crack fill replaces a pixel whose two opposite neighbours are both clearly in
front of it (a hole in a surface that lets a farther surface or the background through).
"""
from __future__ import annotations

import torch

IDX_BITS = 22                        # up to 4M points per sample
Z_OFFSET, Z_SCALE = 8.0, float(1 << 18)  # depth in [-8, 8) canonical units -> 22 bits
EMPTY = -1


def rotation(yaw_deg: torch.Tensor, pitch_deg: torch.Tensor, roll_deg: torch.Tensor) -> torch.Tensor:
    """(B, 3, 3) rotation R = R_roll(z) @ R_pitch(x) @ R_yaw(y) applied as x' = R x.

    yaw > 0 turns the face towards +x (image right), pitch > 0 tilts the chin up,
    roll > 0 tilts the head clockwise in the image (towards the subject's left shoulder).
    """
    y, p, r = (torch.deg2rad(a) for a in (yaw_deg, pitch_deg, roll_deg))
    o, z = torch.ones_like(y), torch.zeros_like(y)
    ry = torch.stack([torch.cos(y), z, torch.sin(y), z, o, z, -torch.sin(y), z, torch.cos(y)], 1).view(-1, 3, 3)
    rx = torch.stack([o, z, z, z, torch.cos(p), torch.sin(p), z, -torch.sin(p), torch.cos(p)], 1).view(-1, 3, 3)
    rz = torch.stack([torch.cos(r), torch.sin(r), z, -torch.sin(r), torch.cos(r), z, z, z, o], 1).view(-1, 3, 3)
    return rz @ rx @ ry


def zbuffer(px: torch.Tensor, py: torch.Tensor, depth: torch.Tensor, valid: torch.Tensor, res: int,
            big: torch.Tensor | None = None) -> torch.Tensor:
    """Winner keys (B, res, res) int64 (EMPTY where no point landed).

    px, py: (B, N) pixel coordinates (x right, y down; pixel (i, j) spans [j, j+1) x [i, i+1));
    depth: (B, N) larger = nearer; valid: (B, N) bool (culled/hidden points are False);
    big: (N,) bool, points drawn as 3 x 3 splats centred on their pixel (sparser parts).
    """
    b, n = px.shape
    w = res + 2                                                        # one pixel of padding
    idx = valid.reshape(-1).nonzero()[:, 0]                            # compact the survivors
    bi = torch.div(idx, n, rounding_mode="floor")
    pi = idx - bi * n
    x, y = px.reshape(-1)[idx], py.reshape(-1)[idx]
    zq = depth.reshape(-1)[idx].add_(Z_OFFSET).mul_(Z_SCALE).long().clamp_(0, (1 << 22) - 1)
    key = (zq << IDX_BITS) | pi
    trash = b * w * w                                                  # off-image points land here
    buf = torch.full((trash + 2 * w + 3,), EMPTY, dtype=torch.long)
    large = torch.zeros_like(pi, dtype=torch.bool) if big is None else big[pi]
    for sel, shift, offs in ((~large, 0.5, (0, 1)), (large, 0.0, (-1, 0, 1))):
        j = sel.nonzero()[:, 0]
        ix = (x[j] + (1.0 - shift)).floor_().long()                    # splat anchor column, padded
        iy = (y[j] + (1.0 - shift)).floor_().long()
        inside = (ix >= -offs[0]) & (ix + offs[-1] <= res + 1) & (iy >= -offs[0]) & (iy + offs[-1] <= res + 1)
        flat = torch.where(inside, (bi[j] * w + iy) * w + ix, trash + w + 1)
        kj = key[j]
        for dy in offs:
            for dx in offs:
                buf.scatter_reduce_(0, flat + (dy * w + dx), kj, reduce="amax")
    buf = buf[:trash].view(b, w, w)[:, 1:-1, 1:-1]
    return fill_cracks(buf)


def key_depth(key: torch.Tensor) -> torch.Tensor:
    """Quantised depth of keys (EMPTY -> very far), int32."""
    return torch.where(key >= 0, key >> IDX_BITS, -(1 << 30)).int()


def fill_cracks(key: torch.Tensor, gap: float = 0.03) -> torch.Tensor:
    """Replace a pixel by the farther of two opposite neighbours when both are > gap nearer."""
    g = int(gap * Z_SCALE)
    d = torch.nn.functional.pad(key_depth(key), (1, 1, 1, 1), value=-(1 << 30))
    h, w = key.shape[1:]
    mid = d[:, 1:-1, 1:-1] + g
    out = key
    for da, db, sa, sb in ((d[:, 1:-1, :-2], d[:, 1:-1, 2:], (0, -1), (0, 1)), (d[:, :-2, 1:-1], d[:, 2:, 1:-1], (-1, 0), (1, 0))):
        hole = torch.minimum(da, db) > mid                             # both neighbours clearly nearer
        if hole.any():
            bi, yi, xi = hole.nonzero(as_tuple=True)
            ya, xa = (yi + sa[0]).clamp(0, h - 1), (xi + sa[1]).clamp(0, w - 1)
            yb, xb = (yi + sb[0]).clamp(0, h - 1), (xi + sb[1]).clamp(0, w - 1)
            ka, kb = key[bi, ya, xa], key[bi, yb, xb]
            out = out.clone() if out is key else out
            out[bi, yi, xi] = torch.minimum(ka, kb)                    # the farther of the two
    return out
