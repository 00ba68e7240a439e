"""Displacement fields of the SynthFaces linear shape model (notebook `00_data`).

The whole geometry is one linear model, like a 3D morphable model (Blanz & Vetter 1999):

    X(alpha, beta) = X_mean + sum_k alpha_k D_k(X_mean) + sum_j beta_j E_j(X_mean)

with identity coefficients alpha (``n_shape`` of them, alpha ~ N(0, 1)) and expression
coefficients beta (27, blendshape weights). Departure from a real 3DMM: there is no scan
data, so the components D_k and E_j are *hand-written smooth displacement fields* over the
canonical head (see ``layout.py`` for the frame and units): the first ~40 identity fields
are named anthropometric changes (face width, jaw, chin, nose, eyes, lips, ears, ...) with
a standard deviation near the upper end of adult variation; the rest are smooth random
localised bumps, which make identities differ in ways no name describes.

Every field is a function ``f(p, a) -> (N, 3)`` of the mean positions ``p`` (N, 3) and
per-point attributes ``a`` (dict of tensors: ``part`` ids, ``side`` 1 below the lip line,
``nrm`` mean normals, ``lidvec`` the eyelid closing vector). Fields are evaluated once per
point set when the model is built, so their cost does not matter at render time.
"""
from __future__ import annotations

import torch

from .layout import (EAR_Y, EAR_Z, EYE_X, EYE_Y, JAW_HINGE, LIP_Y, MOUTH_HALF_W, NASION_Y, SUBNASALE_Y,
                     catmull_rom, gauss, lip_line, smoothstep)
from .streams import Stream

# part ids (shared with geometry/shading)
HEAD, EAR, EYE, LID, MOUTH, TEETH, GLASSES, HAIR, NECK = range(9)

# nose protrusion profile from the nasion (t = 0) to the subnasale (t = 1), and half-width
_NOSE_PROT = torch.tensor([[0.0], [0.03], [0.062], [0.098], [0.135], [0.175], [0.215], [0.21], [0.02], [0.0]])
_NOSE_HALF = torch.tensor([[0.12], [0.085], [0.085], [0.088], [0.092], [0.10], [0.11], [0.125], [0.16], [0.16]])


def _xy(p):
    return p[:, 0], p[:, 1], p[:, 2], p[:, 0].abs(), torch.sign(p[:, 0])


def _vec(n, dx=None, dy=None, dz=None, like=None):
    z = torch.zeros(n) if like is None else torch.zeros_like(like)
    return torch.stack([z if dx is None else dx, z if dy is None else dy, z if dz is None else dz], 1)


def nose_profile(p: torch.Tensor) -> torch.Tensor:
    """Mean nose protrusion (N,) at p: a ridge from the nasion to the tip, wide at the alae."""
    x, y, _, ax, _ = _xy(p)
    t = (NASION_Y - y) / (NASION_Y - SUBNASALE_Y)                # 0 nasion .. 1 subnasale
    k = (t + 1.0 / 7.0) * 7.0                                    # knot coordinate (knot 1 = nasion)
    prot = catmull_rom(k, _NOSE_PROT)[:, 0]
    half = catmull_rom(k, _NOSE_HALF)[:, 0]
    u = ax / half
    return prot * (1.0 - u * u).clamp(min=0.0) ** 1.5 * ((t > -0.14) & (t < 1.14)).float()


def mean_features(p: torch.Tensor) -> torch.Tensor:
    """Mean face relief added to the base head (N, 3): nose, sockets, brows, cheeks, lips, chin."""
    x, y, z, ax, sx = _xy(p)
    front = smoothstep(0.15, 0.5, z)                              # features live on the face front
    dz = (nose_profile(p)
          + 0.05 * gauss(ax, y, 0.105, -0.405, 0.045, 0.04)       # alar wings
          - 0.055 * gauss(ax, y, EYE_X, 0.01, 0.16, 0.11)         # eye sockets
          + 0.035 * gauss(ax, y, 0.27, 0.19, 0.24, 0.06)          # brow ridge
          + 0.015 * gauss(ax, y, 0.0, 0.15, 0.12, 0.08)           # glabella
          + 0.045 * gauss(ax, y, 0.44, -0.22, 0.15, 0.11)         # cheekbones
          - 0.02 * gauss(ax, y, 0.47, -0.58, 0.11, 0.12)          # cheek hollows
          + 0.055 * gauss(ax, y, 0.0, -0.62, 0.33, 0.22)          # dental arch (muzzle)
          - 0.006 * gauss(ax, y, 0.0, -0.54, 0.022, 0.05)         # philtrum groove
          + 0.030 * gauss(ax, y, 0.0, -0.625, 0.21, 0.028)        # upper lip vermilion
          + 0.036 * gauss(ax, y, 0.0, -0.695, 0.20, 0.035)        # lower lip vermilion
          - 0.02 * gauss(ax, y, MOUTH_HALF_W + 0.01, LIP_Y, 0.03, 0.03)  # mouth corners
          - 0.022 * gauss(ax, y, 0.0, -0.80, 0.18, 0.035)         # mentolabial sulcus
          + 0.05 * gauss(ax, y, 0.0, -0.95, 0.16, 0.09))          # chin
    dx = sx * 0.025 * gauss(ax, y, 0.55, -0.2, 0.15, 0.14)        # zygomatic width
    return _vec(len(p), dx * front, None, dz * front)


def jaw_weight(p: torch.Tensor, a: dict) -> torch.Tensor:
    """How much a point follows the lower jaw (N,) in [0, 1].

    Inside the mouth the lips split exactly at the lip line (``side``), which opens the mouth
    as a discontinuity; outside the mouth corners the cheeks stretch smoothly.
    """
    x, y, z, ax, _ = _xy(p)
    inside = smoothstep(MOUTH_HALF_W + 0.07, MOUTH_HALF_W - 0.01, ax)
    smooth = smoothstep(lip_line(x) + 0.06, lip_line(x) - 0.32, y)
    w = (inside * a["side"] + (1 - inside) * smooth) * smoothstep(-0.35, 0.15, z)
    inner = (a["part"] == MOUTH) | (a["part"] == TEETH)
    return torch.where(inner, a["side"], w)


def _rot_x(p: torch.Tensor, w: torch.Tensor, angle: float) -> torch.Tensor:
    """Linearised rotation about the jaw hinge axis (x): d = angle * w * e_x cross (p - hinge)."""
    r = p - torch.tensor(JAW_HINGE)
    return angle * w[:, None] * torch.stack([torch.zeros_like(w), -r[:, 2], r[:, 1]], 1)


# fields that move the whole head; all others are faded out behind the ears (z < -0.3), which
# keeps the basis sparse (see geometry.Geometry.positions) and the back of the head still
_GLOBAL = {"head_width", "cranium_height", "face_length", "head_depth", "occiput", "ear_size", "ear_protrusion", "ear_height"}


NAMED_GAIN = 1.35   # the tables below are adult 1-sigma values; identity needs a bit more


def _gain(f, k):
    return lambda p, a: k * f(p, a)


def _gate(f, z0, z1):
    return lambda p, a: f(p, a) * smoothstep(z0, z1, p[:, 2])[:, None]


# --- identity: named anthropometric components (1 sigma each) --------------------------------
def _identity_named():
    def face(z):
        return smoothstep(0.1, 0.45, z)

    def eye_scale(p, s):   # scale about the eye centres, periocular skin only
        x, y, z, ax, sx = _xy(p)
        g = gauss(ax, y, EYE_X, EYE_Y, 0.19, 0.12) * face(z)
        return _vec(len(p), s * (x - sx * EYE_X) * g, s * (y - EYE_Y) * g)

    def ear_mask(a):
        return (a["part"] == EAR).float()

    F = []
    F.append(("head_width", lambda p, a: _vec(len(p), 0.05 * p[:, 0])))
    F.append(("cranium_height", lambda p, a: _vec(len(p), None, 0.05 * p[:, 1].clamp(min=0))))
    F.append(("face_length", lambda p, a: _vec(len(p), None, 0.06 * p[:, 1].clamp(max=0))))
    F.append(("head_depth", lambda p, a: _vec(len(p), None, None, 0.07 * (p[:, 2] - 0.1) * smoothstep(0.1, -0.5, p[:, 2]))))
    F.append(("jaw_width", lambda p, a: _vec(len(p), 0.11 * p[:, 0] * smoothstep(-0.3, -0.85, p[:, 1]))))
    F.append(("jaw_angle", lambda p, a: _vec(len(p), torch.sign(p[:, 0]) * 0.035 * gauss(p[:, 0].abs(), p[:, 1], 0.5, -0.85, 0.14, 0.14))))
    F.append(("chin_length", lambda p, a: _vec(len(p), None, -0.03 * smoothstep(-0.72, -1.1, p[:, 1]) * face(p[:, 2]))))
    F.append(("chin_width", lambda p, a: _vec(len(p), 0.3 * p[:, 0] * gauss(p[:, 0].abs(), p[:, 1], 0.0, -1.0, 0.25, 0.12))))
    F.append(("chin_protrusion", lambda p, a: _vec(len(p), None, None, 0.045 * gauss(p[:, 0].abs(), p[:, 1], 0, -0.97, 0.22, 0.14) * face(p[:, 2]))))
    F.append(("cheekbone_width", lambda p, a: _vec(len(p), torch.sign(p[:, 0]) * 0.045 * gauss(p[:, 0].abs(), p[:, 1], 0.6, -0.2, 0.15, 0.15))))
    F.append(("cheekbone_height", lambda p, a: _vec(len(p), None, None, 0.04 * gauss(p[:, 0].abs(), p[:, 1], 0.42, -0.22, 0.13, 0.10) * face(p[:, 2]))))
    F.append(("cheek_fullness", lambda p, a: 0.035 * a["nrm"] * (gauss(p[:, 0].abs(), p[:, 1], 0.45, -0.55, 0.15, 0.15) * face(p[:, 2]))[:, None]))
    F.append(("forehead_slope", lambda p, a: _vec(len(p), None, None, 0.055 * smoothstep(0.25, 0.95, p[:, 1]) * face(p[:, 2]))))
    F.append(("temple_width", lambda p, a: _vec(len(p), torch.sign(p[:, 0]) * 0.035 * gauss(p[:, 0].abs(), p[:, 1], 0.65, 0.45, 0.15, 0.25))))
    F.append(("brow_ridge", lambda p, a: _vec(len(p), None, None, 0.028 * gauss(p[:, 0].abs(), p[:, 1], 0.25, 0.18, 0.25, 0.06) * face(p[:, 2]))))
    F.append(("nose_length", lambda p, a: _vec(len(p), None, -0.045 * gauss(p[:, 0].abs(), p[:, 1], 0, -0.3, 0.2, 0.3) * ((NASION_Y - p[:, 1]) / 0.45).clamp(0, 1) * face(p[:, 2]))))
    F.append(("nose_width", lambda p, a: _vec(len(p), 0.35 * p[:, 0] * gauss(p[:, 0].abs(), p[:, 1], 0, -0.36, 0.2, 0.12) * face(p[:, 2]))))
    F.append(("nose_protrusion", lambda p, a: _vec(len(p), None, None, 0.22 * nose_profile(p))))
    F.append(("nose_bridge", lambda p, a: _vec(len(p), None, None, 0.028 * gauss(p[:, 0].abs(), p[:, 1], 0, -0.08, 0.06, 0.15) * face(p[:, 2]))))
    F.append(("nose_tip_up", lambda p, a: _vec(len(p), None, 0.03 * gauss(p[:, 0].abs(), p[:, 1], 0, -0.38, 0.1, 0.07) * face(p[:, 2]))))
    F.append(("nose_bridge_width", lambda p, a: _vec(len(p), 0.45 * p[:, 0] * gauss(p[:, 0].abs(), p[:, 1], 0, -0.1, 0.1, 0.15) * face(p[:, 2]))))
    F.append(("eye_size", lambda p, a: eye_scale(p, 0.12)))
    F.append(("eye_spacing", lambda p, a: _vec(len(p), torch.sign(p[:, 0]) * 0.03 * gauss(p[:, 0].abs(), p[:, 1], EYE_X, EYE_Y, 0.17, 0.15))))
    F.append(("eye_height", lambda p, a: _vec(len(p), None, 0.03 * gauss(p[:, 0].abs(), p[:, 1], EYE_X, 0.05, 0.22, 0.2))))

    def eye_tilt(p, a):    # canthal tilt: rotate the periocular skin, outer corners up
        x, y, z, ax, sx = _xy(p)
        g = 0.15 * gauss(ax, y, EYE_X, EYE_Y, 0.19, 0.12) * face(z)
        return _vec(len(p), -sx * (y - EYE_Y) * g, (ax - EYE_X) * g)
    F.append(("eye_tilt", eye_tilt))
    F.append(("eye_depth", lambda p, a: _vec(len(p), None, None, -0.025 * gauss(p[:, 0].abs(), p[:, 1], EYE_X, 0.02, 0.2, 0.15))))
    F.append(("mouth_width", lambda p, a: _vec(len(p), 0.14 * p[:, 0] * gauss(p[:, 0].abs(), p[:, 1], 0, LIP_Y, 0.35, 0.12) * face(p[:, 2]))))
    F.append(("upper_lip", lambda p, a: _vec(len(p), None, 0.012 * gauss(p[:, 0].abs(), p[:, 1], 0, -0.62, 0.2, 0.04) * (1 - a["side"]),
                                             0.02 * gauss(p[:, 0].abs(), p[:, 1], 0, -0.625, 0.2, 0.035) * (1 - a["side"]))))
    F.append(("lower_lip", lambda p, a: _vec(len(p), None, -0.015 * gauss(p[:, 0].abs(), p[:, 1], 0, -0.69, 0.2, 0.04) * a["side"],
                                             0.024 * gauss(p[:, 0].abs(), p[:, 1], 0, -0.69, 0.2, 0.04) * a["side"])))
    F.append(("mouth_height", lambda p, a: _vec(len(p), None, 0.03 * gauss(p[:, 0].abs(), p[:, 1], 0, LIP_Y, 0.35, 0.15) * face(p[:, 2]))))
    F.append(("mouth_protrusion", lambda p, a: _vec(len(p), None, None, 0.035 * gauss(p[:, 0].abs(), p[:, 1], 0, -0.66, 0.35, 0.22) * face(p[:, 2]))))
    F.append(("ear_size", lambda p, a: 0.15 * (p - torch.stack([torch.sign(p[:, 0]) * 0.72, torch.full_like(p[:, 0], EAR_Y),
                                                                 torch.full_like(p[:, 0], EAR_Z)], 1)) * ear_mask(a)[:, None]))
    F.append(("ear_protrusion", lambda p, a: _vec(len(p), -0.35 * torch.sign(p[:, 0]) * (p[:, 2] - EAR_Z - 0.12) * ear_mask(a))))
    F.append(("ear_height", lambda p, a: _vec(len(p), None, 0.045 * ear_mask(a))))
    F.append(("occiput", lambda p, a: _vec(len(p), None, None, -0.05 * gauss(p[:, 0].abs(), p[:, 1], 0, 0.3, 0.6, 0.5) * smoothstep(-0.3, -0.8, p[:, 2]))))
    F.append(("midface_flatness", lambda p, a: _vec(len(p), None, None, -0.035 * gauss(p[:, 0].abs(), p[:, 1], 0, -0.3, 0.35, 0.3) * face(p[:, 2]))))
    F.append(("nose_deviation", lambda p, a: _vec(len(p), 0.018 * gauss(p[:, 0].abs(), p[:, 1], 0, -0.3, 0.15, 0.2) * face(p[:, 2]))))
    F.append(("eye_asymmetry", lambda p, a: _vec(len(p), None, 0.016 * torch.sign(p[:, 0]) * gauss(p[:, 0].abs(), p[:, 1], EYE_X, 0, 0.2, 0.15))))
    F.append(("jaw_asymmetry", lambda p, a: _vec(len(p), 0.025 * smoothstep(-0.5, -1.0, p[:, 1]) * face(p[:, 2]))))
    F.append(("mouth_tilt", lambda p, a: _vec(len(p), None, 0.018 * p[:, 0] / 0.25 * gauss(p[:, 0].abs(), p[:, 1], 0, LIP_Y, 0.3, 0.12) * face(p[:, 2]))))
    return F


def identity_fields(n_shape: int, seed: int, scale: float = 1.0):
    """(name, field) pairs for the ``n_shape`` identity components.

    The named components come first; the remainder are random smooth bumps on the face
    (centre, radius and direction drawn from the model's own fixed-seed stream), each moving
    the surface 2.5 mm (1 sigma) along the normal.
    """
    named = [(n, _gain(f if n in _GLOBAL else _gate(f, -0.7, -0.3), NAMED_GAIN)) for n, f in _identity_named()]
    fields = named[:n_shape]
    n_bumps = max(0, n_shape - len(named))
    if n_bumps:
        st = Stream(seed, "shape_bumps", range(n_bumps))
        cx, cy = st.uniform(1, -0.6, 0.6)[:, 0], st.uniform(1, -1.0, 0.75)[:, 0]
        rad = st.uniform(1, 0.10, 0.22)[:, 0]
        for i in range(n_bumps):
            def f(p, a, i=i):
                g = gauss(p[:, 0], p[:, 1], float(cx[i]), float(cy[i]), float(rad[i]), float(rad[i])) * smoothstep(0.1, 0.45, p[:, 2])
                return 0.025 * g[:, None] * a["nrm"]
            fields.append((f"bump_{i:02d}", f))
    if scale != 1.0:
        fields = [(n, (lambda p, a, f=f: scale * f(p, a))) for n, f in fields]
    return fields


# --- expression: blendshapes (coefficient 1 = the full expression) ---------------------------
EXPRESSION_NAMES = [
    "smile", "jaw_open", "lip_stretch", "brow_raise_l", "brow_raise_r", "brow_inner_raise", "frown",
    "eye_close_l", "eye_close_r",
]
# Nine shapes, each of which shows at 64 px. Earlier versions had 27 (also pucker, gaze, smirks,
# lip and cheek shapes, squint, eye_wide): E_1 read ten of them not at all and overlapping mouth
# and brow shapes hid one another, so the held-out expression R² stayed at 0.26. On these nine,
# each at least 0.6 strong when on, the same E_1 reaches 0.78 at 5000 steps, 0.815 at 7500
# (pose 0.979; notebook 01 §7).


def expression_fields():
    """(name, field) pairs, one per entry of ``EXPRESSION_NAMES``."""
    def g(p, cx, cy, rx, ry, absx=True):
        return gauss(p[:, 0].abs() if absx else p[:, 0], p[:, 1], cx, cy, rx, ry)

    def sx(p):
        return torch.sign(p[:, 0])

    def smile(p, a):
        c = g(p, 0.25, LIP_Y, 0.12, 0.1)
        ch = g(p, 0.4, -0.35, 0.15, 0.12)
        return _vec(len(p), 0.035 * sx(p) * c, 0.05 * c + 0.025 * ch, -0.03 * c + 0.02 * ch)

    def brow_raise(side):
        return lambda p, a: _vec(len(p), None, 0.045 * g(p, side * 0.3, 0.25, 0.2, 0.12, absx=False) * (p[:, 1] > EYE_Y + 0.03).float())

    def lid(side):
        return lambda p, a: a["lidvec"] * (torch.sign(p[:, 0]) == side).float()[:, None]

    F = {
        "smile": smile,
        "jaw_open": lambda p, a: _rot_x(p, jaw_weight(p, a), 0.26),
        "lip_stretch": lambda p, a: _vec(len(p), 0.05 * sx(p) * g(p, 0.2, LIP_Y, 0.15, 0.08)),
        "brow_raise_l": brow_raise(1.0),
        "brow_raise_r": brow_raise(-1.0),
        "brow_inner_raise": lambda p, a: _vec(len(p), None, 0.04 * g(p, 0.12, 0.22, 0.1, 0.1) * (p[:, 1] > EYE_Y + 0.03).float()),
        "frown": lambda p, a: _vec(len(p), -0.02 * sx(p) * g(p, 0.12, 0.2, 0.12, 0.1), -0.035 * g(p, 0.2, 0.22, 0.2, 0.1)),
        "eye_close_l": lid(1.0),
        "eye_close_r": lid(-1.0),
    }
    return [(n, _gain(_gate(F[n], -0.45, -0.1), EXPRESSION_GAIN.get(n, 1.0))) for n in EXPRESSION_NAMES]


# the blendshapes above are anatomically sized; at 64 px a 5 mm mouth-corner move is one pixel,
# so every shape is exaggerated to stay visible: E_1 (FaceFeat-GAN Eq. 7) must regress them from
# 64 px images (notebook 01 measures it). Gains 1.7 / 1.4 left most of them at a few pixels of
# change and an R² near zero; these move the mouth, brows and eyes by 2-4 px.
EXPRESSION_GAIN = {n: 2.0 for n in EXPRESSION_NAMES}
EXPRESSION_GAIN.update({n: 3.4 for n in ("smile", "lip_stretch")})
EXPRESSION_GAIN.update({n: 2.8 for n in ("brow_raise_l", "brow_raise_r", "brow_inner_raise", "frown")})
EXPRESSION_GAIN.update({"jaw_open": 1.3, "eye_close_l": 1.0, "eye_close_r": 1.0})
