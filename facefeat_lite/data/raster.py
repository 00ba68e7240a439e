"""Point rasterizer with a z-buffer for SynthFaces (notebook `00_data`).

Pure PyTorch, no compiled extension. Each point covers the 2 x 2 pixels whose centres are
nearest to it (a "splat"); visibility is resolved with ONE integer key per point

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


def zbuffer(px: torch.Tensor, py: torch.Tensor, depth: torch.Tensor, valid: torch.Tensor, res: int) -> torch.Tensor:
    """Winner keys (B, res, res) int64 (EMPTY where no point landed).

    px, py: (B, N) pixel coordinates (x right, y down; pixel (i, j) spans [j, j+1) x [i, i+1));
    depth: (B, N) larger = nearer; valid: (B, N) bool (culled/hidden points are False).
    """
    b, n = px.shape
    w = res + 2                                                        # one pixel of padding
    ix = torch.floor(px - 0.5).long() + 1                              # left column of the splat (padded)
    iy = torch.floor(py - 0.5).long() + 1
    valid = valid & (ix >= 0) & (ix <= res) & (iy >= 0) & (iy <= res)
    bi, pi = valid.nonzero(as_tuple=True)                              # compact the survivors
    zq = ((depth[bi, pi] + Z_OFFSET) * Z_SCALE).long().clamp(0, (1 << 22) - 1)
    key = (zq << IDX_BITS) | pi
    flat = (bi * w + iy[bi, pi]) * w + ix[bi, pi]
    buf = torch.full((b * w * w,), EMPTY, dtype=torch.long)
    for off in (0, 1, w, w + 1):                                       # the 2 x 2 splat
        buf.scatter_reduce_(0, flat + off, key, reduce="amax")
    buf = buf.view(b, w, w)[:, 1:-1, 1:-1]
    return fill_cracks(buf)


def key_depth(key: torch.Tensor) -> torch.Tensor:
    """Quantised depth of keys (EMPTY -> very far)."""
    return torch.where(key >= 0, key >> IDX_BITS, torch.full_like(key, -(1 << 30)))


def fill_cracks(key: torch.Tensor, gap: float = 0.03) -> torch.Tensor:
    """Replace a pixel by the farther of two opposite neighbours when both are > gap nearer."""
    g = int(gap * Z_SCALE)
    d = key_depth(key)
    pad_k = torch.nn.functional.pad(key, (1, 1, 1, 1), value=EMPTY)
    pad_d = torch.nn.functional.pad(d, (1, 1, 1, 1), value=-(1 << 30))
    out = key
    for (a, b) in (((1, 0), (1, 2)), ((0, 1), (2, 1))):                # left/right, up/down
        ka = pad_k[:, a[0]:a[0] + key.shape[1], a[1]:a[1] + key.shape[2]]
        kb = pad_k[:, b[0]:b[0] + key.shape[1], b[1]:b[1] + key.shape[2]]
        da = pad_d[:, a[0]:a[0] + key.shape[1], a[1]:a[1] + key.shape[2]]
        db = pad_d[:, b[0]:b[0] + key.shape[1], b[1]:b[1] + key.shape[2]]
        far = torch.where(da < db, ka, kb)
        hole = (torch.minimum(da, db) > d + g) & (ka >= 0) & (kb >= 0)
        out = torch.where(hole & (out == key), far, out)
    return out

