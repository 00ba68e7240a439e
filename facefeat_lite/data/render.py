"""SynthFaces renderer: parameters -> image, label map, sketch, landmarks (notebook `00_data`).

One call renders a batch in five stages, all batched tensor ops (no Python loop over
points or pixels):

1. geometry: coefficients c = [1, shape, expression] (B, K+1) times the basis gives
   positions and normals of every point (a block-sparse GEMM, ``geometry.py``); hair grows
   along the normals by the identity's volume, its coverage masked per identity;
2. pose: rotate about the top of the neck (the neck itself follows only part of the turn),
   weak-perspective projection into a supersampled image (``model.internal_size``);
3. visibility: back-face culling, 2 x 2 (hair, neck: 3 x 3) splats, an int64 z-buffer
   (``raster.py``);
4. deferred shading of the winning point of each pixel (``shading.py``), clothing and the
   background as cheap image-space shapes;
5. outputs at the requested size: box-filtered image, majority label map (a pixel is
   background only if all its subsamples are), sketch lines from label boundaries and depth
   jumps, landmarks with a z-buffer visibility test.

Pixel coordinates: x right, y down, pixel (i, j) covers [j, j+1) x [i, i+1) (centre j+0.5).
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from . import layout as L
from .face_model import FaceModel
from .fields import EXPRESSION_NAMES
from .geometry import HAIR_BINS
from .labels import LABEL
from .parts import HANG_Y
from .raster import IDX_BITS, Z_OFFSET, Z_SCALE, key_depth, rotation, zbuffer
from .shading import hash_noise, light, light_params, paint

OUTPUTS = ("image", "labels", "sketch", "landmarks")
CHUNK_PIXELS = 1 << 19             # supersampled pixels per internal chunk (B is split above it)
NECK_FOLLOW = (0.45, 0.3, 0.5)     # fraction of the head's yaw, pitch, roll the neck follows
_SKETCH_GROUP = torch.tensor([0, 1, 2, 2, 4, 4, 6, 1, 1, 1, 1, 11, 12, 13, 1, 1, 16, 17, 18], dtype=torch.uint8)
_EX = {n: i for i, n in enumerate(EXPRESSION_NAMES)}


def hairline(app: dict, azim: torch.Tensor) -> torch.Tensor:
    """Height (B, A) above which the scalp carries hair, per identity, at azimuths (1, A)."""
    a = azim.abs()
    front = 0.62 + 0.3 * app["hairline"] + 0.08 * (a / 0.9) ** 2
    part_shift = 0.12 * app["hair_part"] * torch.sign(azim)        # the fringe falls to one side
    fringe = front + (0.33 + part_shift.clamp(min=0) - front) * app["fringe"] * L.smoothstep(0.95, 0.6, a)
    long = (app["hair_length"] > 0.4).float()
    y = fringe + (0.0 - fringe) * L.smoothstep(0.95, 1.2, a)     # temples down to the sideburns
    y = y + ((0.28 + (-0.6 - 0.28) * long) - y) * L.smoothstep(1.2, 1.3, a)   # round the ears
    y = y + (-0.55 - y) * L.smoothstep(1.7, 1.9, a)                 # the nape
    return torch.where(app["bald"] > 0.5, torch.maximum(y, 2.0 * (a < 1.1).float()), y)   # bald: no front


def hair_layer(app: dict, geo):
    """Hair thickness (B, Nh) along the mean normals and coverage mask (B, Nh).

    The hairline is evaluated on HAIR_BINS azimuths per identity and looked up per point.
    """
    hs = geo.hair
    height = geo.aux[hs, 0][None]                                  # (1, Nh)
    hang = geo.side[hs][None] > 0.5
    col = {k: v[:, None] for k, v in app.items()}
    centres = (torch.arange(HAIR_BINS) + 0.5) / HAIR_BINS * 2 * math.pi - math.pi
    y0 = hairline(col, centres[None])[:, geo.hair_bin]             # (B, Nh)
    length = (col["hair_length"] - 0.4).clamp(0, 0.3) / 0.3 * 0.8 + (col["hair_length"] - 0.7).clamp(0, 0.3) / 0.3 * 1.25
    crown = torch.where(col["bald"] > 0.5, 0.9 - 0.5 * col["bald"], 9.0)   # bald: a horseshoe only
    cover = torch.where(hang, (HANG_Y - height) < length, (height > y0) & (height < crown))
    full = (0.035 + 0.12 * col["hair_volume"]) * (0.6 + 0.4 * L.smoothstep(0.2, 0.9, height))
    ramp = ((height - y0) / 0.12).clamp(0.12, 1.0)
    noise = hash_noise(geo.canon[hs], 25.0)[None] - 0.5
    thick = torch.where(hang, full * 0.8 + 0.05, full * ramp) + col["hair_curl"] * 0.05 * noise
    return thick, cover


def _transform(xyz, rot, cx, cy, scale):
    """Rotate points (B, 3, n) about the pivot and project: pixel x, pixel y, depth (B, n).

    w = R (p - pivot) + pivot; px = cx + s (w_x - frame_x); py = cy - s (w_y - frame_y).
    """
    piv = torch.tensor(L.PIVOT)[None, :, None]
    w = torch.bmm(rot, xyz - piv)                                          # (B, 3, n)
    s = scale[:, None]
    px = (w[:, 0] + (L.PIVOT[0] - L.FRAME_CENTRE[0])).mul_(s).add_(cx[:, None])
    py = (w[:, 1] + (L.PIVOT[1] - L.FRAME_CENTRE[1])).mul_(-s).add_(cy[:, None])
    return px, py, w[:, 2] + L.PIVOT[2]


def cloth_mask(res: int, cx, cy, scale) -> torch.Tensor:
    """(B, res, res) bool: shoulders below a trapezius curve, minus a round neckline."""
    c = torch.arange(res, dtype=torch.float32) + 0.5
    x = (c[None, None, :] - cx[:, None, None]) / scale[:, None, None] + L.FRAME_CENTRE[0]
    y = (cy[:, None, None] - c[None, :, None]) / scale[:, None, None] + L.FRAME_CENTRE[1]
    shoulder = -1.38 - 0.42 * L.smoothstep(0.4, 1.6, x.abs()) + 0.1 * (1 - (x / 0.45).clamp(-1, 1) ** 2)
    neckline = -1.58 - 0.2 * (1 - (x / 0.5).clamp(-1, 1) ** 2)
    return (y < shoulder) & ~((x.abs() < 0.5) & (y > neckline))


def background(nuisance: torch.Tensor, size: int) -> torch.Tensor:
    """(B, 3, size, size) vertical gradient from the top to the bottom background colour."""
    t = ((torch.arange(size, dtype=torch.float32) + 0.5) / size)[None, None, :, None]
    top, bot = nuisance[:, 0:3, None, None], nuisance[:, 3:6, None, None]
    return (top + (bot - top) * t).expand(-1, -1, -1, size)


def _downsample_labels(lab: torch.Tensor, ss: int) -> torch.Tensor:
    """Majority of each ss x ss block; background only if the whole block is background."""
    if ss == 1:
        return lab
    b, h, w = lab.shape
    blk = lab.view(b, h // ss, ss, w // ss, ss).permute(0, 1, 3, 2, 4).reshape(b, h // ss, w // ss, ss * ss)
    votes = (blk[..., :, None] == blk[..., None, :]).sum(-1)      # (b, H, W, ss^2) matches of each
    votes = torch.where(blk == 0, 0, votes)                         # background never outvotes
    best = votes.argmax(-1, keepdim=True)
    return blk.gather(-1, best)[..., 0]


def render(model: FaceModel, params: dict, size: int = 64, outputs=OUTPUTS) -> dict:
    """Render a batch. params: identity/expression/pose/illumination/nuisance, each (B, D).

    Returns a dict with the requested outputs: ``image`` (B,3,S,S) float32 in [0,1];
    ``labels`` (B,S,S) uint8 (``labels.LABEL_NAMES``); ``sketch`` (B,1,S,S) float32, 1 = line;
    ``landmarks`` (B,68,2) float32 pixel (x, y) in the iBUG-68 order of
    ``geometry.landmark_targets`` plus ``landmarks_visible`` (B,68) bool.
    """
    if not 32 <= size <= 256:
        raise ValueError("size must be in [32, 256]")
    res = model.internal_size(size)
    chunk = max(1, CHUNK_PIXELS // (res * res))                           # keep buffers cache-sized
    n = params["identity"].shape[0]
    if n > chunk:
        parts = [_render(model, {k: v[i:i + chunk] for k, v in params.items()}, size, outputs) for i in range(0, n, chunk)]
        return {k: torch.cat([p[k] for p in parts]) for k in parts[0]}
    return _render(model, params, size, outputs)


def _render(model: FaceModel, params: dict, size: int, outputs) -> dict:
    """Render one chunk of a batch (see :func:`render`)."""
    ident = params["identity"].float()
    expr, pose = params["expression"].float(), params["pose"].float()
    illum, nuis = params["illumination"].float(), params["nuisance"].float()
    b, ns = ident.shape[0], model.cfg.n_shape
    res = model.internal_size(size)
    ss = res // size
    geo = model.geometry(res)
    app = {n: ident[:, sl][:, 0] for n, sl in model.identity_slices.items() if n not in ("shape", "appearance")}

    # 1. geometry: positions and normals of every point, as planes (B, N) each
    coef = torch.cat([torch.ones(b, 1), ident[:, :ns], expr], 1)           # (B, K+1)
    g = geo.positions(coef)                                                # (B, 6, N)
    hs, k = geo.hair, geo.neck_start
    ls = geo.lids                                                          # bilinear eyelid term
    clo = torch.where(geo.canon[ls, 0] > 0, expr[:, _EX["eye_close_l"], None], expr[:, _EX["eye_close_r"], None])
    g[:, 0:3, ls] += ((ident[:, :ns] @ geo.lid_delta).view(b, -1, 3) * clo[..., None]).transpose(1, 2)
    thick, cover = hair_layer(app, geo)
    g[:, 0:3, hs] += thick[:, None] * geo.nrm0[hs].T[None]
    valid = torch.ones(b, geo.n_points, dtype=torch.bool)
    valid[:, hs] = cover
    valid[:, geo.glasses] = (app["glasses"] > 0.5)[:, None]

    # 2. pose: head about the pivot, neck with part of the rotation; weak perspective
    rot_h = rotation(pose[:, 0], pose[:, 1], pose[:, 2])
    rot_n = rotation(*(pose[:, i] * NECK_FOLLOW[i] for i in range(3)))
    scale = res / L.FRAME_UNITS * (1 + nuis[:, 9])
    cx, cy = res / 2 + nuis[:, 10] * res, res / 2 + nuis[:, 11] * res
    px, py, depth = (torch.empty(b, geo.n_points) for _ in range(3))
    facing = torch.empty(b, geo.n_points)                                  # camera-space n_z
    for sl, rot in ((slice(0, k), rot_h), (slice(k, None), rot_n)):
        px[:, sl], py[:, sl], depth[:, sl] = _transform(g[:, 0:3, sl], rot, cx, cy, scale)
        facing[:, sl] = torch.bmm(rot[:, 2:3], g[:, 3:6, sl])[:, 0]

    # 3. visibility
    key = zbuffer(px, py, depth + geo.depth_bias, valid & (facing > -0.05), res, geo.big)  # (B, res, res)
    out = {}

    # 4. deferred shading of the visible points (flat pixel index q = (b * res + y) * res + x)
    kflat = key.view(-1)
    q = (kflat >= 0).nonzero()[:, 0]
    bi = torch.div(q, res * res, rounding_mode="floor")
    pid = kflat[q] & ((1 << IDX_BITS) - 1)
    # the eyes look at the camera: gaze is no longer a parameter (it moved the iris by ~1 px)
    albedo, lab, mat, is_neck = paint(geo.paint, pid, bi, app, torch.zeros(len(expr), 2),
                                      expr[:, _EX["eye_close_l"]], expr[:, _EX["eye_close_r"]], geo.canon)
    lab_ss = torch.zeros(b * res * res, dtype=torch.uint8)
    lab_ss[q] = lab.to(torch.uint8)
    lab_ss = lab_ss.view(b, res, res)
    cloth = cloth_mask(res, cx, cy, scale) & ((lab_ss == 0) | (lab_ss == LABEL["neck"]))
    lab_ss[cloth] = LABEL["cloth"]
    if "image" in outputs:
        n = geo.n_points
        base = bi * (6 * n) + pid
        gf = g.view(-1)
        n_can = torch.stack([gf[base + c * n] for c in (3, 4, 5)], 1)     # (F, 3) canonical normals
        rots = torch.stack([rot_h, rot_n], 1).view(b * 2, 9)
        r = rots[bi * 2 + is_neck]                                         # (F, 9)
        n_cam = torch.stack([(r[:, 3 * i:3 * i + 3] * n_can).sum(1) for i in range(3)], 1)
        n_cam = n_cam * torch.rsqrt((n_cam * n_cam).sum(1, keepdim=True).clamp(min=1e-12))
        lp = torch.cat([light_params(illum), illum[:, 4:5]], 1)[bi]       # (F, 10)
        rgb = light(albedo, n_cam, mat, lp[:, :9], lp[:, 9]).clamp(0, 1).sqrt()
        # clothing: flat colour shaded by the light's intensity, darker towards the bottom
        shade = (illum[:, 3] * 0.9 + 0.55 * illum[:, 2]).clamp(max=1.2)[:, None, None, None]
        ramp = 1.0 - 0.25 * (torch.arange(res, dtype=torch.float32) / res)[None, :, None, None]
        cloth_rgb = (nuis[:, None, None, 6:9] * shade * ramp).clamp(0, 1)
        img = torch.where(cloth[..., None], cloth_rgb, background(nuis, res).permute(0, 2, 3, 1))  # (B, res, res, 3)
        img.view(-1, 3)[q] = rgb
        img = img.permute(0, 3, 1, 2)
        img = F.avg_pool2d(img, ss) if ss > 1 else img
        out["labels"] = _downsample_labels(lab_ss, ss)                     # bg only if all subsamples are
        out["image"] = torch.where((out["labels"] == 0)[:, None], background(nuis, size), img).contiguous()
    if "labels" in outputs and "labels" not in out:
        out["labels"] = _downsample_labels(lab_ss, ss)
    elif "labels" not in outputs:
        out.pop("labels", None)
    if "sketch" in outputs:
        out["sketch"] = sketch(lab_ss, key, ss, scale)
    if "landmarks" in outputs:
        lm = (coef @ geo.lm_basis).view(b, -1, 3)
        lx, ly, lz = _transform(lm.transpose(1, 2), rot_h, cx, cy, scale)
        ix, iy = lx.long().clamp(0, res - 1), ly.long().clamp(0, res - 1)
        zb = key_depth(key)[torch.arange(b)[:, None], iy, ix]
        zl = ((lz + Z_OFFSET) * Z_SCALE).long()
        inside = (lx >= 0) & (lx < res) & (ly >= 0) & (ly < res)
        tol = (0.03 + 3.0 / scale)[:, None] * Z_SCALE                    # 3 mm + 3 pixels of slope
        out["landmarks"] = torch.stack([lx, ly], -1) / ss
        out["landmarks_visible"] = inside & (zl >= zb - tol.long())
    return out


def sketch(lab_ss, key, ss, scale):
    """Line drawing (B, 1, S, S): part boundaries and depth jumps, box-filtered to S."""
    grp = _SKETCH_GROUP[lab_ss.long()]
    d = key_depth(key).float() / Z_SCALE
    jump = (4.0 / scale)[:, None, None]                                    # 4 pixels' worth of depth
    e = torch.zeros_like(grp, dtype=torch.bool)
    e[:, :, :-1] |= (grp[:, :, 1:] != grp[:, :, :-1]) | ((d[:, :, 1:] - d[:, :, :-1]).abs() > jump) & (grp[:, :, 1:] > 0)
    e[:, :-1, :] |= (grp[:, 1:, :] != grp[:, :-1, :]) | ((d[:, 1:, :] - d[:, :-1, :]).abs() > jump) & (grp[:, 1:, :] > 0)
    e = e.float()[:, None]
    return (F.avg_pool2d(e, ss) * ss).clamp(0, 1) if ss > 1 else e
