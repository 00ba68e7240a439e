"""The canonical SynthFaces head: anthropometric layout and the base head surface (notebook `00_data`).

Everything the renderer draws is defined in one *canonical frame* before pose is applied:

* units: 1 unit = 100 mm (so an adult head is about 1.5 wide, 2.3 tall, 1.9 deep),
* axes: x to the subject's left (image right in a frontal view), y up, z out of the face
  towards the camera; the eyes are at y = 0, the face midline at x = 0.

The numbers below are rounded adult averages (Farkas, *Anthropometry of the Head and Face*,
1994): interpupillary distance 63 mm, palpebral fissure 30 x 10 mm, nose 50 mm long and
34 mm wide, mouth 50 mm wide, head breadth 150 mm, head length 190 mm, vertex-menton 230 mm.
The prototype's lesson was that getting these *sizes* right matters more than any shading.

The base head is a stack of horizontal cross-sections (superellipses) whose half-width,
front and back depth are smooth functions of the height ``y``; the face features (nose,
brow ridge, lips, chin, ...) are added on top as the mean displacement in ``fields.py``.
"""
from __future__ import annotations

import math

import torch

# --- landmarks of the layout (canonical units, 1 = 100 mm) ---------------------------------
EYE_X, EYE_Y = 0.315, 0.0            # eye centres at (+-EYE_X, EYE_Y): IPD 63 mm
EYE_W, EYE_UP, EYE_DOWN = 0.30, 0.060, 0.048  # palpebral fissure: width, upper/lower height
EYEBALL_R = (0.150, 0.125, 0.120)    # eyeball ellipsoid radii (wider than the 24 mm globe,
                                      # so the corners of the 30 mm fissure show white, not a hole)
BROW_Y = 0.20                        # brow centre line height
NASION_Y, NOSE_TIP_Y, SUBNASALE_Y = 0.05, -0.36, -0.46
LIP_Y, MOUTH_HALF_W = -0.655, 0.25   # stomion height, half mouth width (50 mm mouth)
CHIN_Y, VERTEX_Y = -1.12, 1.20       # menton (chin bottom) and vertex (top of the skull)
EAR_Y, EAR_Z, EAR_LEN, EAR_WID = -0.12, -0.13, 0.62, 0.33
JAW_HINGE = (0.0, -0.12, -0.22)      # temporo-mandibular joint axis (along x) for jaw opening
PIVOT = (0.0, -0.50, -0.20)          # head rotation centre (top of the neck)
NECK_R, NECK_Z, NECK_TOP, NECK_BOTTOM = (0.50, 0.46), -0.22, -0.45, -2.20

# --- image framing -------------------------------------------------------------------------
FRAME_UNITS = 2.60                   # the image spans 2.6 units (260 mm) vertically
FRAME_CENTRE = (0.0, -0.28)          # canonical point at the image centre (about the nose)

# --- base head profile ---------------------------------------------------------------------
# Cross-section tables from the chin (y = CHIN_Y) to the brow (y = 0.30), uniform knots.
# Columns: half-width W, front z, back z. Above y = 0.30 the cranium is an ellipsoid cap.
_KNOT_Y0, _KNOT_DY = CHIN_Y, 0.142
_TABLE = torch.tensor([
    # W     front   back
    [0.00, 0.47, 0.47],    # -1.12 menton: the section closes under the chin
    [0.32, 0.58, 0.05],    # -0.98
    [0.48, 0.62, -0.30],   # -0.84 gonion level (jaw angle)
    [0.54, 0.64, -0.55],   # -0.69 mouth level
    [0.60, 0.66, -0.75],   # -0.55
    [0.65, 0.68, -0.90],   # -0.41 nose base
    [0.69, 0.70, -1.00],   # -0.27 cheekbones
    [0.72, 0.72, -1.07],   # -0.13
    [0.74, 0.73, -1.12],   #  0.02 eyes
    [0.75, 0.73, -1.14],   #  0.16
    [0.75, 0.73, -1.15],   #  0.30 brow: joins the cranium cap
])
_CAP_Y0, _CAP_H = 0.30, VERTEX_Y - 0.30
Y_MID, Y_RAD = (VERTEX_Y + CHIN_Y) / 2, (VERTEX_Y - CHIN_Y) / 2


def smoothstep(e0: float, e1: float, x: torch.Tensor) -> torch.Tensor:
    """0 below e0, 1 above e1, the C1 cubic 3t^2 - 2t^3 between (e1 < e0 gives the mirror)."""
    t = ((x - e0) / (e1 - e0)).clamp(0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def bump(u: torch.Tensor) -> torch.Tensor:
    """Compact C1 bump (1 - u^2)^2 for |u| < 1, 0 outside; u is a normalised distance."""
    return (1.0 - u * u).clamp(min=0.0) ** 2


def gauss(x: torch.Tensor, y: torch.Tensor, cx: float, cy: float, rx: float, ry: float) -> torch.Tensor:
    """exp(-((x-cx)/rx)^2 - ((y-cy)/ry)^2): a smooth blob in the (x, y) face plane."""
    return torch.exp(-((x - cx) / rx) ** 2 - ((y - cy) / ry) ** 2)


def catmull_rom(t: torch.Tensor, values: torch.Tensor) -> torch.Tensor:
    """Uniform Catmull-Rom spline through ``values`` (K, C) at knots 0..K-1, evaluated at t (N,).

    Returns (N, C); t is clamped to [0, K-1]. C1-continuous, so shading shows no kinks.
    """
    k = values.shape[0]
    t = t.clamp(0.0, k - 1.0)
    i = t.floor().long().clamp(0, k - 2)
    u = (t - i.to(t.dtype))[:, None]
    p0, p1 = values[(i - 1).clamp(0, k - 1)], values[i]
    p2, p3 = values[i + 1], values[(i + 2).clamp(0, k - 1)]
    return 0.5 * ((2 * p1) + (-p0 + p2) * u + (2 * p0 - 5 * p1 + 4 * p2 - p3) * u ** 2
                  + (-p0 + 3 * p1 - 3 * p2 + p3) * u ** 3)


def head_section(y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Half-width W, front z and back z of the head's cross-section at height y (all (N,))."""
    low = catmull_rom((y - _KNOT_Y0) / _KNOT_DY, _TABLE)          # (N, 3) face and jaw
    f = (1.0 - ((y - _CAP_Y0) / _CAP_H).clamp(0.0, 1.0) ** 2).clamp(min=0.0).sqrt()  # cap profile
    cap = torch.stack([0.75 * f, -0.15 + 0.88 * f, -0.15 - 1.00 * f], dim=1)
    sec = torch.where((y > _CAP_Y0)[:, None], cap, low)
    return sec[:, 0], sec[:, 1], sec[:, 2]


def head_surface(theta: torch.Tensor, azim: torch.Tensor) -> torch.Tensor:
    """Base head point at polar angle theta in [0, pi] (0 = vertex) and azimuth (0 = front).

    y = Y_MID + Y_RAD cos(theta) spaces sections densely near the vertex and the chin where
    the surface turns horizontal. Each section is a superellipse |x/W|^n + |(z-zc)/D|^n = 1,
    flatter in front (n = 2.6, the face) than behind (n = 2, the skull). Returns (N, 3).
    """
    y = Y_MID + Y_RAD * torch.cos(theta)
    w, front, back = head_section(y)
    zc, d = (front + back) / 2, (front - back) / 2
    s, c = torch.sin(azim), torch.cos(azim)
    e = 1.0 - 0.23 * smoothstep(-0.2, 0.5, c)                   # exponent 2/n: 1 behind, 0.77 in front
    sx = torch.sign(s) * s.abs().clamp(min=1e-12) ** e
    cz = torch.sign(c) * c.abs().clamp(min=1e-12) ** e
    return torch.stack([w * sx, y, zc + d * cz], dim=1)


def theta_of_y(y: float) -> float:
    """Inverse of the height map in :func:`head_surface`."""
    return math.acos(max(-1.0, min(1.0, (y - Y_MID) / Y_RAD)))


def lip_line(x: torch.Tensor) -> torch.Tensor:
    """Height of the lip line (stomion) across the mouth; corners slightly raised."""
    return LIP_Y + 0.10 * x * x


def eye_aperture(s: torch.Tensor, side: float) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Almond-shaped palpebral fissure of the eye on ``side`` (+1 subject's left, -1 right).

    s in [0, 1] runs from the inner corner (s = 0) to the outer corner. Returns x, upper-lid
    y and lower-lid y (all like s). The upper lid peaks a little medially, the lower laterally.
    """
    x = side * (EYE_X - EYE_W / 2 + EYE_W * s)
    a = torch.sin(math.pi * s.clamp(0, 1)).clamp(min=0.0)
    up = EYE_Y + 0.004 + EYE_UP * a ** 0.75 * (1.0 + 0.25 * (0.5 - s))
    down = EYE_Y - 0.004 * s - EYE_DOWN * a ** 0.9 * (1.0 - 0.2 * (0.5 - s))
    return x, up, down


def vermilion(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Upper and lower edge (y) of the red of the lips at x: a Cupid's bow on top."""
    u = (x / MOUTH_HALF_W).clamp(-1.0, 1.0)
    env = (1.0 - u * u).clamp(min=0.0) ** 0.6
    bow = 1.0 + 0.12 * torch.exp(-((x.abs() - 0.06) / 0.03) ** 2) - 0.1 * torch.exp(-(x / 0.025) ** 2)
    return lip_line(x) + 0.085 * env * bow, lip_line(x) - 0.09 * env ** 0.8
