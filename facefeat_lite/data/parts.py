"""The parametric surfaces SynthFaces is made of (notebook `00_data`).

Each part is a surface ``(s, t) -> point`` in the canonical frame of ``layout.py``:

========== ============================================= ==================================
part       surface                                       notes
========== ============================================= ==================================
head       base head + mean relief (``fields.py``)       eye fissures cut out as holes
ear        an oval disc with a raised rim, tilted back   one per side
eye        front of an eyeball ellipsoid                 moves rigidly; iris is painted
lid        a sheet that slides down over the eyeball     closing is linear in the weight
mouth      back wall of the mouth cavity + tongue        seen when the lips part
teeth      two arched strips behind the lips             lower strip moves with the jaw
glasses    tubes: two rims, a bridge, two temples        drawn only for wearers
hair       a shell over the scalp + a hanging curtain    thickness/coverage per identity
neck       an elliptic cylinder                          follows part of the head's turn
========== ============================================= ==================================

``surface`` functions return the mean positions (N, 3) and attributes (``side``: 1 for
points that move with the lower jaw; ``aux``: (N, 2) part coordinates used for painting;
``lidvec``: (N, 3) eyelid closing vector). ``orient`` gives, per point, a direction the
outward normal should agree with.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Callable

import torch

from . import layout as L
from .fields import EAR, EYE, GLASSES, HAIR, HEAD, LID, MOUTH, NECK, TEETH, mean_features


@dataclass
class Part:
    name: str
    pid: int                     # part id (fields.HEAD, ...)
    surface: Callable            # (s, t) -> (P (N,3), attrs dict)
    s_range: tuple[float, float]
    t_range: tuple[float, float]
    extent: tuple[float, float]  # rough arc length along s and t (units): sets the grid density
    orient: Callable             # P (N,3) -> (N,3) direction the normal should point to
    keep: Callable | None = None  # P, attrs -> bool mask of candidates to keep
    anchor: tuple | None = None  # rigid parts: fields are evaluated at this point only
    expressive: bool = False     # expression fields apply
    shaped: bool = True          # identity fields apply
    coarse: bool = False         # sampled 1.5x sparser and drawn with 3 x 3 splats (hair, neck)


def _attrs(n, side=None, aux=None, lidvec=None):
    return {"side": torch.zeros(n) if side is None else side.float(),
            "aux": torch.zeros(n, 2) if aux is None else aux,
            "lidvec": torch.zeros(n, 3) if lidvec is None else lidvec}


def _away_from(c):
    c = torch.tensor(c)
    return lambda p: p - c


# --- head ---------------------------------------------------------------------------------
def head_mean(theta, azim):
    base = L.head_surface(theta, azim)
    return base + mean_features(base)


def _head(s, t):
    p = head_mean(s, t)
    # "side" = 1 below the lip line: a step between the lips (the mouth can open there),
    # a smooth ramp outside the mouth corners (so no field can tear the cheeks)
    ll = L.lip_line(p[:, 0])
    inside = L.smoothstep(L.MOUTH_HALF_W + 0.05, L.MOUTH_HALF_W, p[:, 0].abs()) * (p[:, 2] > 0.3).float()
    side = inside * (p[:, 1] < ll).float() + (1 - inside) * L.smoothstep(ll + 0.06, ll - 0.12, p[:, 1])
    return p, _attrs(len(p), side=side, aux=torch.stack([s, t], 1))


def _head_keep(p, a):
    """Drop the eye fissures and the back of the head below the crown (never visible for
    |yaw| <= 60 deg: the silhouette is then at most 150 deg round from the front)."""
    return ~in_fissure(p) & ((torch.cos(a["aux"][:, 1]) > math.cos(2.75)) | (p[:, 1] > 0.5))


def in_fissure(p, margin=0.0):
    """Points inside either eye's palpebral fissure (the holes in the skin)."""
    inside = torch.zeros(len(p), dtype=torch.bool)
    for side in (1.0, -1.0):
        s = (side * p[:, 0] - (L.EYE_X - L.EYE_W / 2)) / L.EYE_W
        _, up, down = L.eye_aperture(s, side)
        inside |= (s > 0) & (s < 1) & (p[:, 1] < up - margin) & (p[:, 1] > down + margin) & (p[:, 2] > 0.3)
    return inside


@functools.lru_cache(maxsize=None)
def eyeball_centre(side: float) -> tuple[float, float, float]:
    """Eyeball centre: its front sits on the mean skin surface at the eye centre."""
    azim = torch.linspace(0.0, 1.2, 4001) * side
    theta = torch.full_like(azim, L.theta_of_y(L.EYE_Y))
    p = head_mean(theta, azim)
    i = (p[:, 0] - side * L.EYE_X).abs().argmin()
    return (side * L.EYE_X, L.EYE_Y, float(p[i, 2]) + 0.006 - L.EYEBALL_R[2])


def eyeball_front_z(x, y, side):
    """z of the eyeball's front surface at (x, y) (clamped at its rim)."""
    cx, cy, cz = eyeball_centre(side)
    rx, ry, rz = L.EYEBALL_R
    q = (1 - ((x - cx) / rx) ** 2 - ((y - cy) / ry) ** 2).clamp(min=0.0)
    return cz + rz * q.sqrt()


def _eye(side):
    c = eyeball_centre(side)

    def surf(s, t):       # s: angle from the eye's axis (+z), t: azimuth around it
        rx, ry, rz = L.EYEBALL_R
        p = torch.stack([c[0] + rx * torch.sin(s) * torch.cos(t), c[1] + ry * torch.sin(s) * torch.sin(t),
                         c[2] + rz * torch.cos(s)], 1)
        return p, _attrs(len(p), aux=torch.stack([s, t], 1))
    return Part(f"eye_{'l' if side > 0 else 'r'}", EYE, surf, (0.0, 1.35), (-math.pi, math.pi), (0.17, 0.85),
                _away_from(c), anchor=c)


def _lid(side):
    def surf(s, t):       # s along the fissure (inner -> outer corner), t from the lid margin up
        x, up, down = L.eye_aperture(s, side)
        top = torch.stack([x, up, eyeball_front_z(x, up, side) + 0.004], 1)
        bot = torch.stack([x, down, eyeball_front_z(x, down, side) + 0.004], 1)
        # open: the whole sheet is folded into the upper margin; closing slides row t to
        # t * (bottom - top), so weight 1 puts the lid margin (t = 1) on the lower lid
        return top, _attrs(len(x), aux=torch.stack([s, t], 1), lidvec=t[:, None] * (bot - top))
    c = eyeball_centre(side)
    return Part(f"lid_{'l' if side > 0 else 'r'}", LID, surf, (0.0, 1.0), (0.0, 1.0), (0.32, 0.1),
                _away_from((c[0], c[1], c[2] - 0.3)), expressive=True)


# --- ears ---------------------------------------------------------------------------------
def _ear(side):
    def surf(s, t):       # polar coordinates on an oval disc; s = 1 is the rim
        v = s * torch.sin(t) * L.EAR_LEN / 2                       # up
        u = s * torch.cos(t) * L.EAR_WID / 2 * (1.0 + 0.25 * torch.sin(t))  # forward, wider on top
        w = 0.045 * L.bump((s - 0.86) / 0.16) - 0.025 * L.bump(s / 0.55) + 0.02  # rim up, concha down
        x = side * (0.705 + w + 0.28 * (L.EAR_WID / 2 - u).clamp(min=0))   # stands off at the back
        p = torch.stack([x, L.EAR_Y + v, L.EAR_Z + u - 0.15 * v], 1)
        return p, _attrs(len(p), aux=torch.stack([s, t], 1))
    return Part(f"ear_{'l' if side > 0 else 'r'}", EAR, surf, (0.0, 1.0), (-math.pi, math.pi), (0.35, 1.5),
                lambda p: torch.tensor([side, 0.0, 0.0]).expand_as(p))


# --- mouth --------------------------------------------------------------------------------
def _cavity(s, t):
    """Back wall of the mouth (static) and the tongue (moves with the jaw), seen from inside."""
    n = len(s)
    back = torch.stack([0.24 * torch.sin(s) * torch.cos(t), L.LIP_Y - 0.03 + 0.22 * torch.sin(s) * torch.sin(t),
                        0.52 - 0.17 * torch.cos(s)], 1)
    tongue = torch.stack([0.17 * torch.sin(s) * torch.cos(t), L.LIP_Y - 0.14 + 0.08 * torch.cos(s),
                          0.50 + 0.12 * torch.sin(s) * torch.sin(t)], 1)
    is_tongue = (torch.arange(n) % 3) == 0
    p = torch.where(is_tongue[:, None], tongue, back)
    return p, _attrs(n, side=is_tongue, aux=torch.stack([s, is_tongue.float()], 1))


def _teeth(s, t):
    """Upper (t >= 0) and lower (t < 0) dental arches: x across, y down/up from the lip line."""
    upper = t >= 0
    x = 0.19 * s
    y = torch.where(upper, L.LIP_Y + 0.004 + 0.08 * t, L.LIP_Y - 0.004 + 0.07 * t)
    z = 0.655 - torch.where(upper, 0.0, 0.012) - 0.9 * x * x
    p = torch.stack([x, y, z], 1)
    return p, _attrs(len(p), side=~upper, aux=torch.stack([s, t], 1))


# --- glasses ------------------------------------------------------------------------------
GLASS_Z, GLASS_HALF, GLASS_TUBE = 0.86, (0.235, 0.165), 0.017


def _glasses(s, t):
    """Tubes along a curve; s in [0, 4): 0-1 right rim, 1-2 left rim, 2-3 bridge, 3-4 temples."""
    k = s.floor().clamp(0, 3)
    u = s - k
    ang, phi = 2 * math.pi * u, 2 * math.pi * t
    ca, sa = torch.cos(ang), torch.sin(ang)
    zero = torch.zeros_like(u)

    def rim(side):   # a rounded rectangle (superellipse) around the eye
        return torch.stack([side * L.EYE_X + GLASS_HALF[0] * torch.sign(ca) * ca.abs() ** 0.6,
                            -0.01 + GLASS_HALF[1] * torch.sign(sa) * sa.abs() ** 0.6, zero], 1)
    bridge = torch.stack([0.12 * (2 * u - 1), 0.06 + 0.03 * torch.sin(math.pi * u), zero], 1)
    side = torch.where(u < 0.5, -1.0, 1.0)
    v = (u % 0.5) * 2
    temple = torch.stack([side * (0.55 + 0.22 * v), 0.06 - 0.02 * v, -0.9 * v], 1)
    c = torch.where((k == 0)[:, None], rim(-1.0), torch.where((k == 1)[:, None], rim(1.0),
                    torch.where((k == 2)[:, None], bridge, temple)))
    c[:, 2] += GLASS_Z - 0.35 * c[:, 0].clamp(-0.6, 0.6) ** 2      # the frame wraps round the face
    # tube cross-section: unit offsets perpendicular to the curve
    cp, sp = torch.cos(phi), torch.sin(phi)
    off_rim = torch.stack([cp * ca, cp * sa, sp], 1)
    off_bridge = torch.stack([zero, cp, sp], 1)
    off_temple = torch.stack([cp, sp, zero], 1)
    off = torch.where((k < 2)[:, None], off_rim, torch.where((k == 2)[:, None], off_bridge, off_temple))
    p = c + GLASS_TUBE * off
    a = _attrs(len(p), aux=torch.stack([s, t], 1))
    a["odir"] = off
    return p, a


# --- hair ---------------------------------------------------------------------------------
HANG_Y = 0.05          # the curtain of long hair falls from this height


def _hair(s, t):
    """s < pi: scalp shell (s = polar angle of the head); s >= pi: hanging curtain (s - pi =
    drop below HANG_Y). aux = (height on the head, azimuth), used for per-identity coverage."""
    scalp = s < math.pi
    theta = s.clamp(max=L.theta_of_y(-0.75))
    p_scalp = head_mean(theta, t)
    drop = (s - math.pi).clamp(min=0)
    ring = head_mean(torch.full_like(t, L.theta_of_y(HANG_Y)), t)
    centre = torch.tensor([0.0, 0.0, -0.2])
    flare = 1.0 + 0.22 * drop.clamp(max=1.2) + 0.1 * drop.clamp(max=0.5)   # hair falls outwards
    p_hang = centre + (ring - centre) * torch.stack([flare, torch.zeros_like(flare), flare], 1)
    p_hang[:, 1] = HANG_Y - drop
    p = torch.where(scalp[:, None], p_scalp, p_hang)
    return p, _attrs(len(p), aux=torch.stack([p[:, 1], t], 1), side=~scalp)


def _hair_keep(p, a):
    scalp = a["side"] < 0.5
    az = a["aux"][:, 1].abs()
    face = (az < 0.95) & (p[:, 1] < 0.3)                          # never hair (fringes stop above)
    back = (az > 2.75) & (p[:, 1] < 0.5)                           # never visible, as for the head
    return (scalp & (p[:, 1] > -0.8) & ~face & ~back) | (~scalp & (az > 1.25) & (az < 2.75))


# --- neck ---------------------------------------------------------------------------------
def _neck(s, t):
    p = torch.stack([L.NECK_R[0] * torch.sin(s), t, L.NECK_Z + L.NECK_R[1] * torch.cos(s)], 1)
    return p, _attrs(len(p), aux=torch.stack([s, t], 1))


@functools.lru_cache(maxsize=None)
def parts() -> tuple[Part, ...]:
    """All parts in render order; the neck comes last (it turns less than the head)."""
    return (
        Part("head", HEAD, _head, (0.0, math.pi), (-math.pi, math.pi), (3.7, 5.2), _away_from((0, -0.1, -0.2)),
             keep=_head_keep, expressive=True),
        _ear(1.0), _ear(-1.0), _eye(1.0), _eye(-1.0), _lid(1.0), _lid(-1.0),
        Part("mouth", MOUTH, _cavity, (0.0, 1.4), (-math.pi, math.pi), (0.5, 1.4),
             lambda p: torch.tensor([0.0, L.LIP_Y, 1.5]) - p, expressive=True),
        Part("teeth", TEETH, _teeth, (-1.0, 1.0), (-1.0, 1.0), (0.4, 0.16), lambda p: torch.tensor([0.0, 0.0, 1.0]).expand_as(p),
             expressive=True),
        Part("glasses", GLASSES, _glasses, (0.0, 4.0), (0.0, 1.0), (6.0, 0.12), _away_from((0.0, 0.0, GLASS_Z - 0.05)),
             anchor=(0.0, 0.05, 0.75)),
        Part("hair", HAIR, _hair, (0.0, math.pi + 2.05), (-math.pi, math.pi), (6.0, 5.2), _away_from((0, 0.0, -0.2)),
             keep=_hair_keep, coarse=True),
        Part("neck", NECK, _neck, (-1.9, 1.9), (L.NECK_BOTTOM, L.NECK_TOP), (1.9, 1.8), _away_from((0, 0, L.NECK_Z)),
             shaped=False, coarse=True),
    )
