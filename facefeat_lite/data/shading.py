"""Painting and lighting of SynthFaces pixels (notebook `00_data`).

Deferred shading: the z-buffer (``raster.py``) says which point each pixel sees; only then,
per visible pixel, is the point *painted* and *lit*. Painting lives in canonical
coordinates, so lips, brows, moles and beards move with expressions and foreshorten with
pose for free. For speed the painting is split in two:

* ``paint_table`` (once per point set): everything that does not depend on the identity:
  the label, a *colour source* (skin, lip, hair, ...), a colour multiplier (nostrils, lash
  line, blush, skin grain, hair strands), ambient occlusion and material constants;
* ``paint`` (per pixel): colour = palette[sample, source] * multiplier, then the few
  identity-dependent details on the small pixel subsets where they can occur (brows,
  beard, moles/freckles, iris placed by the gaze, eyelid margins).

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

SKIN, LIP, HAIRC, EYEC, CAVITY, TONGUE, TOOTH, FRAME = range(8)      # colour sources
# float table columns: multiplier rgb, ao, specular, shininess, wrap, grain, eye dir xyz
MR, MG, MB, AO, SPEC, SHIN, WRAP, GRAIN, DX, DY, DZ = range(11)
# flag bits: where identity-dependent details may apply
BROW_ZONE, BEARD_ZONE, FACE_ZONE, LID_EDGE = 1, 2, 4, 8


def _mix(a, b, t):
    return a + (b - a) * t[..., None]


def _rgb(*c):
    return torch.tensor(c)


def hash_noise(p: torch.Tensor, freq: float) -> torch.Tensor:
    """Cheap deterministic white noise in [0, 1) from positions (N, 3) quantised at ``freq``."""
    q = torch.floor(p * freq)
    v = torch.sin(q[:, 0] * 12.9898 + q[:, 1] * 78.233 + q[:, 2] * 37.719) * 43758.5453
    return v - torch.floor(v)


def paint_table(part, side, canon, aux) -> dict:
    """Identity-independent paint of every point: ``f`` (N, 11) floats, ``src`` (N,) colour
    source, ``label`` (N,) and ``flags`` (N,) bit mask (BROW_ZONE, ...)."""
    n = len(part)
    x, y, z = canon.unbind(1)
    ax, right = x.abs(), x < 0
    f = torch.zeros(n, 11)
    f[:, [MR, MG, MB, AO]] = 1.0
    f[:, SPEC], f[:, SHIN], f[:, WRAP] = 0.10, 18.0, 0.35
    grain = hash_noise(canon, 90.0)
    f[:, GRAIN] = grain
    src = torch.full((n,), SKIN, dtype=torch.long)
    lab = torch.full((n,), LABEL["skin"], dtype=torch.long)
    flags = torch.zeros(n, dtype=torch.long)
    mult = (0.97 + 0.06 * grain)[:, None].expand(n, 3).clone()

    head = part == HEAD
    nose = (nose_profile(canon) > 0.012) | (L.gauss(ax, y, 0.105, -0.405, 0.06, 0.05) > 0.5)
    lab[head & nose & (y > L.SUBNASALE_Y - 0.03)] = LABEL["nose"]
    nostril = L.gauss(ax, y, 0.062, -0.447, 0.032, 0.013) * (z > 0.5).float()
    f[:, AO] = (1 - 0.75 * nostril) * (1 - 0.25 * L.gauss(ax, y, L.EYE_X, 0.02, 0.17, 0.1))
    mult = _mix(mult, mult * _rgb(1.0, 0.9, 0.88), L.gauss(ax, y, 0.42, -0.35, 0.14, 0.1) * 0.5)  # cheeks
    up, down = L.vermilion(x)
    lip = head & (y < up) & (y > down) & (z > 0.4)
    src[lip], f[lip, SPEC] = LIP, 0.25
    lab[lip] = torch.where(side[lip] > 0.5, LABEL["l_lip"], LABEL["u_lip"])
    s = (ax - (L.EYE_X - L.EYE_W / 2)) / L.EYE_W
    _, lid_up, _ = L.eye_aperture(s, 1.0)
    lash = head & (s > 0.0) & (s < 1.02) & (y > lid_up - 0.004) & (y < lid_up + 0.010) & (z > 0.3)
    mult[lash] *= 0.25
    u = (ax - 0.09) / 0.43
    flags |= torch.where(head & (u > -0.05) & (u < 1.05) & ((y - L.BROW_Y).abs() < 0.09), BROW_ZONE, 0)
    beard = head & (z > -0.1) & (y < -0.47 + 0.35 * L.smoothstep(0.3, 0.62, ax)) & ~lip & (y > -1.25)
    beard &= ~((ax > 0.55) & (y > -0.2))
    flags |= torch.where(beard, BEARD_ZONE, 0) | torch.where(head & (z > 0.2), FACE_ZONE, 0)

    ear = part == EAR
    mult[ear] *= (0.8 + 0.2 * (aux[ear, 0] > 0.55).float())[:, None]
    lab[ear] = torch.where(right[ear], LABEL["r_ear"], LABEL["l_ear"])
    neck = part == NECK
    mult[neck] *= 0.94
    lab[neck] = LABEL["neck"]
    f[neck, AO] = 0.45 + 0.55 * L.smoothstep(-0.95, -1.45, y[neck])       # shadow under the jaw
    lid = part == LID
    mult[lid] *= 0.85
    flags |= torch.where(lid, LID_EDGE, 0)
    eye = part == EYE
    cz = eyeball_centre(1.0)[2]
    d = torch.stack([(x - torch.where(right, -L.EYE_X, L.EYE_X)) / L.EYEBALL_R[0], (y - L.EYE_Y) / L.EYEBALL_R[1],
                     (z - cz) / L.EYEBALL_R[2]], 1)
    f[:, DX:DZ + 1] = torch.where(eye[:, None], d / d.norm(dim=1, keepdim=True).clamp(min=1e-6), 0.0)
    src[eye], lab[eye] = EYEC, torch.where(right[eye], LABEL["r_eye"], LABEL["l_eye"])
    f[eye, SPEC], f[eye, SHIN], f[eye, AO] = 0.6, 90.0, 0.85
    mouth, teeth = part == MOUTH, part == TEETH
    src[mouth] = torch.where(aux[mouth, 1] > 0.5, TONGUE, CAVITY)
    src[teeth] = TOOTH
    lab[mouth | teeth] = LABEL["mouth"]
    f[mouth, AO], f[teeth, AO], f[teeth, SPEC] = 0.55, 0.85, 0.3
    hr = part == HAIR
    strand = hash_noise(torch.stack([aux[:, 1] * 3.0, aux[:, 0] * 0.08, torch.zeros(n)], 1), 40.0)
    mult[hr] = (0.7 + 0.55 * strand[hr])[:, None].expand(-1, 3)
    src[hr], lab[hr] = HAIRC, LABEL["hair"]
    f[hr, SPEC], f[hr, SHIN], f[hr, WRAP] = 0.18, 10.0, 0.1
    gl = part == GLASSES
    src[gl], lab[gl] = FRAME, LABEL["eye_g"]
    f[gl, SPEC], f[gl, SHIN] = 0.5, 60.0
    f[:, MR:MB + 1] = mult
    code = lab | (src << 5) | (flags << 8) | ((part == NECK).long() << 12)  # one int per point
    return {"f": f[:, :DX].contiguous(), "eye_dir": f[:, DX:DZ + 1].contiguous(), "code": code.int(),
            "aux_t": aux[:, 1].clone()}


def skin_colour(tone: torch.Tensor, red: torch.Tensor) -> torch.Tensor:
    """sRGB skin colour (B, 3) from tone (0 fair .. 1 dark) and redness (-1 .. 1)."""
    fair, mid, dark = _rgb(0.96, 0.80, 0.69), _rgb(0.80, 0.58, 0.44), _rgb(0.36, 0.23, 0.16)
    c = torch.where((tone < 0.5)[:, None], _mix(fair, mid, tone * 2), _mix(mid, dark, tone * 2 - 1))
    return c + red[:, None] * _rgb(0.035, -0.015, -0.02)


def hair_colour(dark, red, grey):
    blond, brown, black = _rgb(0.80, 0.66, 0.42), _rgb(0.33, 0.21, 0.12), _rgb(0.07, 0.055, 0.05)
    c = torch.where((dark < 0.5)[:, None], _mix(blond, brown, dark * 2), _mix(brown, black, dark * 2 - 1))
    c = _mix(c, _rgb(0.55, 0.20, 0.07), red * (1 - dark) * 0.8)
    return _mix(c, _rgb(0.72, 0.72, 0.72), grey)


def palette(app: dict) -> torch.Tensor:
    """(B, 8, 3) sRGB colour of each colour source for each sample's identity."""
    b = len(app["skin_tone"])
    skin = skin_colour(app["skin_tone"], app["skin_red"])
    lip = skin * _rgb(0.88, 0.58, 0.58) * (1 + 0.08 * app["lip_tint"])[:, None]
    frame = _mix(_mix(_rgb(0.75, 0.55, 0.3), _rgb(0.55, 0.58, 0.62), app["frame_hue"]), _rgb(0.05, 0.05, 0.05), app["frame_dark"])
    const = lambda *c: _rgb(*c).expand(b, 3)  # noqa: E731
    return torch.stack([skin, lip, hair_colour(app["hair_dark"], app["hair_red"], app["hair_grey"]),
                        const(0.9, 0.9, 0.9), const(0.45, 0.13, 0.13), const(0.70, 0.36, 0.36),
                        const(0.92, 0.89, 0.80), frame], 1)


def paint(tab: dict, pid, bi, app: dict, gaze, closure_l, closure_r, canon):
    """Linear albedo (F, 3), label (F,) and material rows (F, 11) of visible points.

    pid, bi: (F,) point index and sample index of each pixel; app: (B,) appearance values;
    gaze (B, 2); closure_l/r (B,); canon (N, 3) canonical positions of the point set.
    """
    f = tab["f"][pid]                                                      # (F, 8)
    code = tab["code"][pid].long()
    lab, src, flags = code & 31, (code >> 5) & 7, (code >> 8) & 15
    pal = palette(app)                                                     # (B, 8, 3)
    col = pal.view(-1, 3)[bi * pal.shape[1] + src] * f[:, MR:MB + 1]

    def subset(bit):
        return ((flags & bit) != 0).nonzero()[:, 0]

    # brows: a tapered band over each eye, u = 0 inner end .. 1 outer end
    i = subset(BROW_ZONE)
    if len(i):
        b, p = bi[i], canon[pid[i]]
        u = (p[:, 0].abs() - 0.09) / 0.43
        yc = L.BROW_Y + 0.02 * torch.sin(math.pi * u.clamp(0, 1)) * (1 + app["brow_arch"][b]) + 0.025 * app["brow_tilt"][b] * (u - 0.5)
        half = (0.016 + 0.014 * app["brow_thick"][b]) * (1.1 - 0.5 * u.clamp(0, 1))
        on = (u > 0) & (u < 1) & ((p[:, 1] - yc).abs() < half) & (f[i, GRAIN] > 0.08)
        hair = pal[b, HAIRC]
        col[i] = torch.where(on[:, None], _mix(hair, hair * 0.35, app["brow_dark"][b]), col[i])
        lab[i] = torch.where(on, torch.where(p[:, 0] < 0, LABEL["r_brow"], LABEL["l_brow"]), lab[i])
    # beard (hair-coloured tufts) and stubble (a grey-blue shadow)
    i = subset(BEARD_ZONE)
    if len(i):
        b = bi[i]
        c = _mix(col[i], col[i] * 0.72 * _rgb(0.9, 0.95, 1.0), app["stubble"][b])
        p = canon[pid[i]]
        edge = L.smoothstep(-0.47, -0.6, p[:, 1]) * L.smoothstep(-1.2, -1.05, p[:, 1])   # fade at its borders
        dens = (app["beard"][b] * (0.75 + 0.5 * hash_noise(p, 45.0)) * (0.4 + 0.6 * edge)).clamp(0, 1)
        col[i] = _mix(c, pal[b, HAIRC] * (0.85 + 0.3 * f[i, GRAIN:GRAIN + 1]), dens)
    # moles and freckles
    i = subset(FACE_ZONE)
    if len(i):
        b, p = bi[i], canon[pid[i]]
        c = col[i]
        for k in (1, 2, 3):
            d2 = (p[:, 0] - app[f"mole{k}_x"][b]) ** 2 + (p[:, 1] - app[f"mole{k}_y"][b]) ** 2
            c = torch.where(((app[f"mole{k}_on"][b] > 0.5) & (d2 < 0.018 ** 2))[:, None], pal[b, SKIN] * 0.35, c)
        fr = (hash_noise(p, 60.0) < 0.25 * app["freckles"][b]) & (L.gauss(p[:, 0].abs(), p[:, 1], 0.25, -0.2, 0.3, 0.2) > 0.3)
        col[i] = torch.where(fr[:, None], c * _rgb(0.8, 0.65, 0.55), c)
    # eyelid sheets: the lid margin (last 12% of the closing travel) carries the lashes
    i = subset(LID_EDGE)
    if len(i):
        b, p = bi[i], canon[pid[i]]
        t = tab["aux_t"][pid[i]]
        clo = torch.where(p[:, 0] < 0, closure_r[b], closure_l[b])
        col[i] = torch.where(((1 - t) * clo < 0.12)[:, None], pal[b, SKIN] * 0.2, col[i])
    # eyeballs: sclera, iris and pupil around the gaze direction
    i = (src == EYEC).nonzero()[:, 0]
    if len(i):
        b = bi[i]
        g = torch.stack([torch.sin(0.7 * gaze[b, 0]), torch.sin(0.55 * gaze[b, 1]), torch.ones(len(i))], 1)
        ang = torch.acos(((tab["eye_dir"][pid[i]] * g).sum(1) / g.norm(dim=1)).clamp(-1, 1))
        hue, dark = app["eye_hue"][b], app["eye_dark"][b]
        iris = torch.where((hue < 0.5)[:, None], _mix(_rgb(0.30, 0.45, 0.66), _rgb(0.38, 0.45, 0.26), hue * 2),
                           _mix(_rgb(0.38, 0.45, 0.26), _rgb(0.30, 0.17, 0.08), hue * 2 - 1)) * (1 - 0.5 * dark)[:, None]
        sclera = _rgb(0.92, 0.89, 0.86)
        col[i] = torch.where((ang < 0.19)[:, None], _rgb(0.02, 0.02, 0.02), torch.where(
            (ang < 0.50)[:, None], iris * (0.8 + 0.3 * f[i, GRAIN:GRAIN + 1]), torch.where((ang < 0.56)[:, None], iris * 0.4, sclera)))
    return col.clamp(0, 1) ** 2, lab, f, (code >> 12) & 1


def light_params(illum: torch.Tensor) -> torch.Tensor:
    """Per-sample lighting constants (B, 9): light dir, half vector, intensity, ambient, tint, k_s.

    illum: (B, 6) illumination parameters (see face_model.ILLUMINATION).
    """
    az, el = torch.deg2rad(illum[:, 0]), torch.deg2rad(illum[:, 1])
    ldir = torch.stack([torch.sin(az) * torch.cos(el), torch.sin(el), torch.cos(az) * torch.cos(el)], 1)
    h = ldir + torch.tensor([0.0, 0.0, 1.0])                             # h = normalise(l + v)
    h = h / h.norm(dim=1, keepdim=True)
    return torch.cat([ldir, h, illum[:, 2:3], illum[:, 3:4], illum[:, 5:6]], 1)


def light(albedo, normal, f, lp, tint):
    """Linear RGB (F, 3) of painted pixels; normal (F, 3) unit camera-space normals, f the
    material rows of ``paint``, lp (F, 9) ``light_params`` rows, tint (F,) light tint."""
    nx, ny, nz = normal.unbind(1)
    ndl = nx * lp[:, 0] + ny * lp[:, 1] + nz * lp[:, 2]
    wrap = f[:, WRAP]
    diff = ((ndl + wrap) / (1 + wrap)).clamp(min=0)
    ndh = (nx * lp[:, 3] + ny * lp[:, 4] + nz * lp[:, 5]).clamp(min=0)
    inten = lp[:, 6]
    hi = ndh ** f[:, SHIN] * f[:, SPEC] * (0.4 + lp[:, 8]) * (ndl > 0).float() * inten
    shade = (lp[:, 7] * (0.8 + 0.2 * ny) + inten * diff) * f[:, AO]
    tint_rgb = torch.stack([1 + 0.12 * tint, torch.ones_like(tint), 1 - 0.12 * tint], 1)
    return (albedo * shade[:, None] + hi[:, None]) * tint_rgb
