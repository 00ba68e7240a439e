"""Painting and lighting of SynthFaces pixels (notebook `00_data`).

Deferred shading: the z-buffer (``raster.py``) says which point each pixel sees; only then,
per visible pixel, is the point *painted* (albedo, label, specular) from its canonical
position and its identity's appearance, and *lit*. Painting in canonical coordinates means
lips, brows, moles and beards move with expressions and foreshorten with pose for free.

Lighting (one directional light in camera space plus a sky ambient), in linear RGB:

    c = albedo * ao * (ambient * (0.8 + 0.2 n_y) + I * max(0, (n.l + w) / (1 + w)) * tint)
        + I * k_s * max(0, n.h)^p * tint

wrapped Lambert (w > 0 fakes light bleeding through skin), Blinn-Phong highlight with
h = normalise(l + v), v = (0, 0, 1); output is sqrt(c) (gamma 2).
"""
from __future__ import annotations

import math

import torch

from . import layout as L
from .fields import EAR, EYE, GLASSES, HAIR, HEAD, LID, MOUTH, NECK, TEETH, nose_profile
from .labels import LABEL
from .parts import eyeball_centre


def _mix(a, b, t):
    return a + (b - a) * t[:, None]


def _rgb(*c):
    return torch.tensor(c)


def hash_noise(p: torch.Tensor, freq: float) -> torch.Tensor:
    """Cheap deterministic white noise in [0, 1) from positions (N, 3) quantised at ``freq``."""
    q = torch.floor(p * freq)
    v = torch.sin(q[:, 0] * 12.9898 + q[:, 1] * 78.233 + q[:, 2] * 37.719) * 43758.5453
    return v - torch.floor(v)


def skin_colour(tone: torch.Tensor, red: torch.Tensor) -> torch.Tensor:
    """sRGB skin colour (N, 3) from tone (0 fair .. 1 dark) and redness (-1 .. 1)."""
    fair, mid, dark = _rgb(0.96, 0.80, 0.69), _rgb(0.80, 0.58, 0.44), _rgb(0.36, 0.23, 0.16)
    c = torch.where((tone < 0.5)[:, None], _mix(fair, mid, tone * 2), _mix(mid, dark, tone * 2 - 1))
    return c + red[:, None] * _rgb(0.035, -0.015, -0.02)


def hair_colour(dark, red, grey):
    blond, brown, black = _rgb(0.80, 0.66, 0.42), _rgb(0.33, 0.21, 0.12), _rgb(0.07, 0.055, 0.05)
    c = torch.where((dark < 0.5)[:, None], _mix(blond, brown, dark * 2), _mix(brown, black, dark * 2 - 1))
    c = _mix(c, _rgb(0.55, 0.20, 0.07), red * (1 - dark) * 0.8)
    return _mix(c, _rgb(0.72, 0.72, 0.72), grey)


def paint(part, side, canon, aux, app, gaze, closure):
    """Albedo (F, 3, linear), label (F,), specular (F,), shininess (F,), wrap (F,), ao (F,).

    part, side: (F,) per pixel; canon: (F, 3) canonical position; aux: (F, 2); app: dict of
    (F,) appearance values of each pixel's identity; gaze (F, 2); closure (F,) of the eye
    on the pixel's side.
    """
    f = len(part)
    x, y, z = canon.unbind(1)
    ax, right = x.abs(), x < 0
    skin = skin_colour(app["skin_tone"], app["skin_red"])
    hair = hair_colour(app["hair_dark"], app["hair_red"], app["hair_grey"])
    grain = hash_noise(canon, 90.0)
    col = skin * (0.97 + 0.06 * grain[:, None])
    lab = torch.full((f,), LABEL["skin"], dtype=torch.long)
    spec, shin, wrap, ao = torch.full((f,), 0.10), torch.full((f,), 18.0), torch.full((f,), 0.35), torch.ones(f)

    # --- head skin: nose, lips, brows, lashes, beard, moles ---------------------------------
    head = part == HEAD
    nose = (nose_profile(canon) > 0.012) | (L.gauss(ax, y, 0.105, -0.405, 0.06, 0.05) > 0.5)
    lab = torch.where(head & nose & (y > L.SUBNASALE_Y - 0.03), LABEL["nose"], lab)
    nostril = L.gauss(ax, y, 0.062, -0.447, 0.032, 0.013) * (z > 0.5).float()
    ao = ao * (1 - 0.75 * nostril) * (1 - 0.25 * L.gauss(ax, y, L.EYE_X, 0.02, 0.17, 0.1))
    col = _mix(col, col * _rgb(1.0, 0.9, 0.88), L.gauss(ax, y, 0.42, -0.35, 0.14, 0.1) * 0.5)  # cheeks
    # lips: between the vermilion edges; the lip line (side) splits upper and lower
    up, down = L.vermilion(x)
    lip = head & (y < up) & (y > down) & (z > 0.4)
    lipc = skin * _rgb(0.88, 0.58, 0.58) * (1 + 0.08 * app["lip_tint"])[:, None]
    col = torch.where(lip[:, None], lipc, col)
    lab = torch.where(lip, torch.where(side > 0.5, LABEL["l_lip"], LABEL["u_lip"]), lab)
    spec = torch.where(lip, 0.25, spec)
    # brows: a tapered band over each eye, u = 0 inner end .. 1 outer end
    u = (ax - 0.09) / 0.43
    yc = L.BROW_Y + 0.02 * torch.sin(math.pi * u.clamp(0, 1)) * (1 + app["brow_arch"]) + 0.025 * app["brow_tilt"] * (u - 0.5)
    half = (0.016 + 0.014 * app["brow_thick"]) * (1.1 - 0.5 * u.clamp(0, 1))
    brow = head & (u > 0) & (u < 1) & ((y - yc).abs() < half) & (grain > 0.08)
    browc = _mix(hair, hair * 0.35, app["brow_dark"])
    col = torch.where(brow[:, None], browc, col)
    lab = torch.where(brow, torch.where(right, LABEL["r_brow"], LABEL["l_brow"]), lab)
    # lashes: the skin edge of the upper lid
    s = (ax - (L.EYE_X - L.EYE_W / 2)) / L.EYE_W
    _, lid_up, lid_down = L.eye_aperture(s, 1.0)
    lash = head & (s > 0.0) & (s < 1.02) & (y > lid_up - 0.004) & (y < lid_up + 0.012) & (z > 0.3)
    col = torch.where(lash[:, None], col * 0.25, col)
    # beard and stubble: below the nose and along the jaw, not on the lips
    region = head & (z > -0.1) & (y < -0.47 + 0.35 * L.smoothstep(0.3, 0.62, ax)) & ~lip & (y > -1.25)
    region &= ~((ax > 0.55) & (y > -0.2))
    beard = region & (hash_noise(canon, 140.0) < app["beard"] * 1.2)
    col = torch.where(region[:, None], _mix(col, col * 0.72 * _rgb(0.9, 0.95, 1.0), app["stubble"]), col)
    col = torch.where(beard[:, None], hair * (0.8 + 0.3 * grain[:, None]), col)
    # moles and freckles
    for k in (1, 2, 3):
        d2 = (x - app[f"mole{k}_x"]) ** 2 + (y - app[f"mole{k}_y"]) ** 2
        mole = head & (app[f"mole{k}_on"] > 0.5) & (d2 < 0.018 ** 2) & (z > 0.2)
        col = torch.where(mole[:, None], skin * 0.35, col)
    freck = head & (hash_noise(canon, 60.0) < 0.25 * app["freckles"]) & (L.gauss(ax, y, 0.25, -0.2, 0.3, 0.2) > 0.3)
    col = torch.where(freck[:, None], col * _rgb(0.8, 0.65, 0.55), col)

    # --- other parts ------------------------------------------------------------------
    ear = part == EAR
    col = torch.where(ear[:, None], skin * (0.8 + 0.2 * (aux[:, 0] > 0.55).float())[:, None], col)
    lab = torch.where(ear, torch.where(right, LABEL["r_ear"], LABEL["l_ear"]), lab)
    neck = part == NECK
    col = torch.where(neck[:, None], skin * 0.94, col)
    lab = torch.where(neck, LABEL["neck"], lab)
    ao = torch.where(neck, 0.45 + 0.55 * L.smoothstep(-0.95, -1.45, y), ao)        # under the jaw
    lid = part == LID
    edge = (1 - aux[:, 1]) * closure < 0.12                          # the lid margin: lashes
    col = torch.where(lid[:, None], torch.where(edge[:, None], skin * 0.2, skin * 0.85), col)
    # eyeball: sclera, iris and pupil placed by the gaze
    eye = part == EYE
    cx = torch.where(right, -L.EYE_X, L.EYE_X)
    cz = torch.full_like(x, eyeball_centre(1.0)[2])
    d = torch.stack([(x - cx) / L.EYEBALL_R[0], (y - L.EYE_Y) / L.EYEBALL_R[1], (z - cz) / L.EYEBALL_R[2]], 1)
    g = torch.stack([torch.sin(0.45 * gaze[:, 0]), torch.sin(0.35 * gaze[:, 1]), torch.ones(f)], 1)
    g = g / g.norm(dim=1, keepdim=True)
    ang = torch.acos(((d * g).sum(1) / d.norm(dim=1).clamp(min=1e-6)).clamp(-1, 1))
    hue = app["eye_hue"]
    iris = torch.where((hue < 0.5)[:, None], _mix(_rgb(0.30, 0.45, 0.66), _rgb(0.38, 0.45, 0.26), hue * 2),
                       _mix(_rgb(0.38, 0.45, 0.26), _rgb(0.30, 0.17, 0.08), hue * 2 - 1)) * (1 - 0.5 * app["eye_dark"])[:, None]
    eyec = torch.where((ang < 0.19)[:, None], _rgb(0.02, 0.02, 0.02), torch.where((ang < 0.50)[:, None],
                       iris * (0.8 + 0.3 * grain[:, None]), torch.where((ang < 0.56)[:, None], iris * 0.4, _rgb(0.92, 0.89, 0.86))))
    col = torch.where(eye[:, None], eyec, col)
    lab = torch.where(eye, torch.where(right, LABEL["r_eye"], LABEL["l_eye"]), lab)
    spec, shin = torch.where(eye, 0.6, spec), torch.where(eye, 90.0, shin)
    ao = torch.where(eye, 0.85, ao)
    # mouth interior
    mouth, teeth = part == MOUTH, part == TEETH
    cav = torch.where((aux[:, 1] > 0.5)[:, None], _rgb(0.62, 0.30, 0.30), _rgb(0.30, 0.07, 0.07))
    col = torch.where(mouth[:, None], cav, torch.where(teeth[:, None], _rgb(0.92, 0.89, 0.80), col))
    lab = torch.where(mouth | teeth, LABEL["mouth"], lab)
    ao = torch.where(mouth, 0.35, torch.where(teeth, 0.75, ao))
    spec = torch.where(teeth, 0.3, spec)
    # hair: strands = noise stretched along the hanging direction
    hr = part == HAIR
    strand = hash_noise(torch.stack([aux[:, 1] * 3.0, aux[:, 0] * 0.08, torch.zeros(f)], 1), 40.0)
    col = torch.where(hr[:, None], hair * (0.7 + 0.55 * strand[:, None]), col)
    lab = torch.where(hr, LABEL["hair"], lab)
    spec, shin, wrap = torch.where(hr, 0.18, spec), torch.where(hr, 10.0, shin), torch.where(hr, 0.1, wrap)
    # spectacle frames
    gl = part == GLASSES
    frame = _mix(_mix(_rgb(0.75, 0.55, 0.3), _rgb(0.55, 0.58, 0.62), app["frame_hue"]), _rgb(0.05, 0.05, 0.05), app["frame_dark"])
    col = torch.where(gl[:, None], frame, col)
    lab = torch.where(gl, LABEL["eye_g"], lab)
    spec, shin = torch.where(gl, 0.5, spec), torch.where(gl, 60.0, shin)
    return col.clamp(0, 1) ** 2, lab, spec, shin, wrap, ao


def light(albedo, normal, spec, shin, wrap, ao, illum):
    """Linear RGB (F, 3) of painted pixels with camera-space unit normals (F, 3).

    illum: (F, 6) illumination parameters of each pixel's sample (see face_model.ILLUMINATION).
    """
    az, el = torch.deg2rad(illum[:, 0]), torch.deg2rad(illum[:, 1])
    ldir = torch.stack([torch.sin(az) * torch.cos(el), torch.sin(el), torch.cos(az) * torch.cos(el)], 1)
    inten, amb, tint, ks = illum[:, 2], illum[:, 3], illum[:, 4], illum[:, 5]
    tint_rgb = torch.stack([1 + 0.12 * tint, torch.ones_like(tint), 1 - 0.12 * tint], 1)
    ndl = (normal * ldir).sum(1)
    diff = ((ndl + wrap) / (1 + wrap)).clamp(min=0)
    h = ldir + torch.tensor([0.0, 0.0, 1.0])
    h = h / h.norm(dim=1, keepdim=True)
    hi = (normal * h).sum(1).clamp(min=0) ** shin * spec * (0.4 + ks) * (ndl > 0).float()
    sky = amb * (0.8 + 0.2 * normal[:, 1])
    return albedo * ao[:, None] * (sky + inten * diff)[:, None] * tint_rgb + (inten * hi)[:, None] * tint_rgb
