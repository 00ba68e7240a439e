"""Point sampling and the linear geometry basis of SynthFaces (notebook `00_data`).

The renderer draws *points*, not triangles: every part of ``parts.py`` is sampled at a
spacing ``h`` chosen from the output size (about one supersampled pixel), roughly uniformly
in surface area: a dense parameter grid is thinned to one point per cube of side ``h``.

For those points the model is linear (a 3DMM). With ``c = [1, alpha (identity shape),
beta (expression)]`` of length K + 1,

    positions  X = c @ B_pos    (K+1) x (N*3)
    normals    n ~ c @ B_nrm    (K+1) x (N*3), normalised afterwards

``B_pos`` holds the mean and the displacement fields of ``fields.py`` evaluated at the
points. ``B_nrm`` is the first-order change of the normal: with tangents T_s, T_t and their
changes dT_s, dT_t under one field, n = T_s x T_t changes by T_s x dT_t + dT_s x T_t
(finite differences in the part's parameters). Both are stored in one (K+1, N*6) matrix, so
the whole geometry of a batch is one GEMM: (B, K+1) @ (K+1, N*6).

The 68 landmarks (iBUG-300W layout, see ``landmark_targets``) are extra rows of the same
model, so they move with shape and expression exactly like the surface.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import torch

from . import layout as L
from .fields import EYE, GLASSES, HAIR, LID, NECK, expression_fields, identity_fields
from .parts import Part, in_fissure, parts
from .shading import paint_table

DENSITY = 3.0        # candidate grid samples per spacing h along each parameter
HAIR_BINS = 256      # azimuth bins for the per-identity hairline
EPS = 2e-4           # basis entries below this (0.02 mm) are treated as zero


@dataclass
class Geometry:
    """A sampled SynthFaces point set and its linear basis (all float32 unless noted)."""
    spacing: float           # point spacing h (canonical units)
    blocks: list             # [(start, end, rows (R,), basis (R, 6*(end-start)))]: see ``positions``
    part: torch.Tensor       # (N,) int64 part ids (fields.HEAD, ...)
    side: torch.Tensor       # (N,) 1 = moves with the lower jaw / lower lip / hanging hair
    canon: torch.Tensor      # (N, 3) mean positions: the "texture coordinates" for painting
    aux: torch.Tensor        # (N, 2) part parameters (s, t) or hair (height, azimuth)
    nrm0: torch.Tensor       # (N, 3) unit mean normals (hair grows along them)
    depth_bias: torch.Tensor  # (N,) added to depth in the z-test only (lids over eyeballs, ...)
    big: torch.Tensor        # (N,) bool: coarse points, drawn with 3 x 3 splats
    lids: slice              # the eyelid sheet points
    lid_delta: torch.Tensor  # (n_shape, n_lid*3) identity part of the closing vector (see below)
    neck_start: int          # points [neck_start:] are the neck (turns less than the head)
    hair: slice              # the hair points
    glasses: slice           # the spectacle frame points
    lm_basis: torch.Tensor   # (K+1, 68*3) landmark positions
    paint: dict              # identity-independent paint table (``shading.paint_table``)
    hair_bin: torch.Tensor   # (Nh,) azimuth bin (of HAIR_BINS) of each hair point

    @property
    def n_points(self) -> int:
        return self.part.numel()

    def positions(self, coef: torch.Tensor) -> torch.Tensor:
        """(B, 6, N) planes x, y, z, nx, ny, nz for coefficients coef (B, K+1).

        Block-sparse GEMM: each block of points only multiplies the rows (components) that
        move it (the back of the head ignores the nose fields, the hair all expressions).
        """
        out = torch.empty(coef.shape[0], 6, self.n_points)
        for start, end, rows, sub in self.blocks:
            out[:, :, start:end] = (coef[:, rows] @ sub).view(-1, 6, end - start)
        return out


def _cross(a, b):
    return torch.linalg.cross(a, b, dim=-1)


def _grid(part: Part, h: float):
    """Dense (s, t) candidate grid, DENSITY samples per h of arc length."""
    ns = max(4, math.ceil(part.extent[0] / h * DENSITY))
    nt = max(4, math.ceil(part.extent[1] / h * DENSITY))
    s = part.s_range[0] + (torch.arange(ns, dtype=torch.float64) + 0.5) / ns * (part.s_range[1] - part.s_range[0])
    t = part.t_range[0] + (torch.arange(nt, dtype=torch.float64) + 0.5) / nt * (part.t_range[1] - part.t_range[0])
    ss, tt = torch.meshgrid(s.float(), t.float(), indexing="ij")
    return ss.reshape(-1), tt.reshape(-1)


def _thin(p: torch.Tensor, h: float) -> torch.Tensor:
    """Indices keeping the first candidate in each cube of side h (deterministic)."""
    q = torch.floor(p / h).long() + 4096                            # (M, 3) voxel coordinates
    key = (q[:, 0] << 26) | (q[:, 1] << 13) | q[:, 2]
    uniq, inv = torch.unique(key, return_inverse=True)
    first = torch.full((len(uniq),), len(p), dtype=torch.long)
    first.scatter_reduce_(0, inv, torch.arange(len(p)), reduce="amin")
    return first.sort().values


def evaluate(part: Part, s: torch.Tensor, t: torch.Tensor, id_fields, ex_fields):
    """Position and normal bases of one part at parameters (s, t).

    Returns pos (K+1, n, 3), nrm (K+1, n, 3) and the attributes of the points.
    """
    ds = 1e-3 * (part.s_range[1] - part.s_range[0])
    dt = 1e-3 * (part.t_range[1] - part.t_range[0])
    p0, a = part.surface(s, t)
    ps, pt = part.surface(s + ds, t)[0], part.surface(s, t + dt)[0]  # forward differences
    ts, tt = ps - p0, pt - p0                                       # tangents (n, 3)
    n_raw = _cross(ts, tt)
    want = a.get("odir", None)
    want = part.orient(p0) if want is None else want
    norm = n_raw.norm(dim=1, keepdim=True)
    bad = norm[:, 0] < 1e-12
    sign = torch.where((n_raw * want).sum(1, keepdim=True) < 0, -1.0, 1.0)
    scale = sign / norm.clamp(min=1e-12)
    n0 = torch.where(bad[:, None], want / want.norm(dim=1, keepdim=True).clamp(min=1e-9), n_raw * scale)
    a["nrm"], a["part"] = n0, torch.full((len(p0),), part.pid, dtype=torch.long)

    pos, nrm = [p0], [n0]
    fields = [(f, part.shaped) for _, f in id_fields] + [(f, part.expressive) for _, f in ex_fields]
    anchor = None if part.anchor is None else torch.tensor(part.anchor).expand_as(p0)
    zeros = torch.zeros_like(p0)
    for f, active in fields:
        if not active:
            pos.append(zeros), nrm.append(zeros)
        elif anchor is not None:                                    # rigid: translate only
            pos.append(f(anchor, a)), nrm.append(zeros)
        else:
            d0, d_s, d_t = f(p0, a), f(ps, a), f(pt, a)
            dts, dtt = d_s - d0, d_t - d0                          # change of the tangents
            dn = (_cross(ts, dtt) + _cross(dts, tt)) * scale
            pos.append(d0), nrm.append(torch.where(bad[:, None], zeros, dn))
    return torch.stack(pos), torch.stack(nrm), p0, a


# --- landmarks --------------------------------------------------------------------------
def landmark_targets():
    """The 68 iBUG-300W landmarks as (part, x or azimuth, y, side) targets on the mean face.

    Order (0-based; "right" = the subject's right = image left in a frontal view):
    0-16 jaw line from the right ear round the chin to the left; 17-21 right brow (outer ->
    inner), 22-26 left brow (inner -> outer); 27-30 nose bridge down to the tip; 31-35 nose
    base right -> left; 36-41 right eye (outer corner, 2 upper lid, inner corner, 2 lower
    lid), 42-47 left eye (inner corner, 2 upper, outer corner, 2 lower); 48-59 outer lip
    (right corner, upper lip to the left corner, lower lip back); 60-67 inner lip.
    Upper-lid points ride on the eyelid sheet, so they close with the eye.
    """
    out = []
    jaw = [(0.00, 78), (-0.17, 77), (-0.34, 75), (-0.52, 70), (-0.70, 62), (-0.85, 52), (-0.97, 38), (-1.06, 20), (-1.10, 0)]
    for y, a in jaw:
        out.append(("jaw", -math.radians(a), y, 0))
    for y, a in reversed(jaw[:-1]):
        out.append(("jaw", math.radians(a), y, 0))
    bx, by = [0.50, 0.41, 0.31, 0.21, 0.11], [0.17, 0.21, 0.225, 0.22, 0.20]
    out += [("skin", -x, y, 0) for x, y in zip(bx, by)]
    out += [("skin", x, y, 0) for x, y in zip(reversed(bx), reversed(by))]
    out += [("skin", 0.0, y, 0) for y in (0.03, -0.10, -0.23, -0.36)]
    out += [("skin", x, y, 0) for x, y in ((-0.13, -0.39), (-0.065, -0.41), (0.0, -0.42), (0.065, -0.41), (0.13, -0.39))]
    for side, order in ((-1.0, ("c1", "u.67", "u.33", "c0", "d.33", "d.67")), (1.0, ("c0", "u.33", "u.67", "c1", "d.67", "d.33"))):
        for tag in order:
            s = float(tag[1:]) if tag[0] != "c" else float(tag[1])
            x, up, down = (v.item() for v in L.eye_aperture(torch.tensor([s]), side))
            if tag[0] == "u":
                out.append(("lid", side, s, 0))
            elif tag[0] == "d":
                out.append(("skin", x, down - 0.006, 0))
            else:
                out.append(("skin", x + side * (0.008 if s == 1 else -0.008), (up + down) / 2, 0))
    ox = torch.tensor([-0.25, -0.16, -0.06, 0.0, 0.06, 0.16, 0.25, 0.16, 0.06, 0.0, -0.06, -0.16])
    up, down = L.vermilion(ox)
    for i in range(12):
        y = L.lip_line(ox[i:i + 1]).item() if i in (0, 6) else (up[i].item() if i < 6 else down[i].item())
        out.append(("skin", ox[i].item() * (0.97 if i in (0, 6) else 1.0), y, 1 if i > 6 else 0))
    for x, sd in ((-0.2, 0), (-0.08, 0), (0.0, 0), (0.08, 0), (0.2, 0), (0.08, 1), (0.0, 1), (-0.08, 1)):
        y = L.lip_line(torch.tensor([x])).item() + (0.004 if sd == 0 else -0.004)
        out.append(("skin", x, y, sd))
    assert len(out) == 68
    return out


def _landmark_params(head: Part):
    """(s, t) head parameters or lid parameters for each landmark target."""
    s = torch.linspace(L.theta_of_y(0.35), math.pi - 1e-3, 900)      # the face only, finely
    t = torch.linspace(-1.5, 1.5, 1200)
    s, t = (g.reshape(-1) for g in torch.meshgrid(s, t, indexing="ij"))
    p, a = head.surface(s, t)
    front = (p[:, 2] > 0.2) & ~in_fissure(p)
    res = []
    for kind, u, y, sd in landmark_targets():
        if kind == "jaw":
            res.append(("head", L.theta_of_y(y), u))
        elif kind == "lid":
            res.append(("lid", u, y))
        else:
            ok = front & (a["side"] == sd)
            score = (p[:, 0] - u) ** 2 + (p[:, 1] - y) ** 2 - 1e-3 * p[:, 2] + (~ok).float()
            i = int(score.argmin())
            res.append(("head", float(s[i]), float(t[i])))
    return res


@functools.lru_cache(maxsize=8)
def build_geometry(n_shape: int, seed: int, shape_scale: float, spacing: float, coarse: float) -> Geometry:
    """Sample all parts at ``spacing`` (coarse parts at ``coarse``) and evaluate the linear
    basis (cached per arguments)."""
    id_f, ex_f = identity_fields(n_shape, seed, shape_scale), expression_fields()
    pos, nrm, canon, side, aux, pid, bias, spans = [], [], [], [], [], [], [], {}
    count = 0
    big = []
    for part in parts():
        h = coarse if part.coarse else spacing * (0.7 if part.pid == LID else 1.0)  # lids stretch
        s, t = _grid(part, h)
        p, a = part.surface(s, t)
        keep = torch.ones(len(p), dtype=torch.bool) if part.keep is None else part.keep(p, a)
        s, t, p = s[keep], t[keep], p[keep]
        closed = p + a["lidvec"][keep]                              # lids are thinned closed
        idx = _thin(closed, h)
        b_pos, b_nrm, p0, a = evaluate(part, s[idx], t[idx], id_f, ex_f)
        pos.append(b_pos), nrm.append(b_nrm), canon.append(p0)
        side.append(a["side"]), aux.append(a["aux"]), pid.append(a["part"])
        n = len(p0)
        bias.append(torch.full((n,), {EYE: -0.05, HAIR: 0.004, LID: 0.002}.get(part.pid, 0.0)))
        big.append(torch.full((n,), part.coarse))
        spans.setdefault(part.pid, [count, count + n])[1] = count + n
        count += n
    basis = torch.cat([torch.cat(pos, 1), torch.cat(nrm, 1)], 2)    # (K+1, N, 6)
    basis = torch.where(basis.abs() < EPS, 0.0, basis)
    # within each part sort the points by how many components move them, then cut it into
    # up to three blocks where that minimises GEMM work (sum of points x rows used)
    act = (basis != 0).any(2).T                                     # (N, K+1) rows moving each point
    bounds = sorted({0, count} | {a for a, _ in spans.values()} | {b for _, b in spans.values()})
    order, blocks = [], []
    for a, b in zip(bounds[:-1], bounds[1:]):
        srt = act[a:b].sum(1).argsort(descending=True, stable=True)
        m = act[a:b][srt].int()
        pre = m.cummax(0).values.sum(1)                             # rows used by points [0, i]
        suf = m.flip(0).cummax(0).values.flip(0).sum(1)             # rows used by points [i, end)
        n = b - a

        def cost(i, j):                                             # blocks [0,i), [i,j), [j,n)
            mid = m[i:j].amax(0).sum() if j > i else 0
            return (i * pre[i - 1] if i else 0) + (j - i) * mid + ((n - j) * suf[j] if j < n else 0)
        cuts = sorted({int(q * n) for q in torch.linspace(0, 1, 11).tolist()})
        i, j = min(((i, j) for i in cuts for j in cuts if i <= j), key=lambda c: int(cost(*c)))
        order.append(srt + a)
        blocks += [(a + lo, a + hi) for lo, hi in ((0, i), (i, j), (j, n)) if hi > lo]
    order = torch.cat(order)
    basis = basis[:, order]
    can_all = torch.cat(canon)[order]
    side_all, aux_all, pid_all = torch.cat(side)[order], torch.cat(aux)[order], torch.cat(pid)[order]
    blocks_out = []
    for lo, hi in blocks:
        sub = basis[:, lo:hi]                                       # (K+1, n, 6)
        rows = (sub != 0).flatten(1).any(1).nonzero()[:, 0]
        blocks_out.append((lo, hi, rows, sub[rows].permute(0, 2, 1).reshape(len(rows), -1).contiguous()))
    head = parts()[0]
    lid = {1.0: next(p for p in parts() if p.name == "lid_l"), -1.0: next(p for p in parts() if p.name == "lid_r")}
    lm = []
    for kind, u, v in _landmark_params(head):
        part, s, t = (head, u, v) if kind == "head" else (lid[u], v, 1.0)
        lm.append(evaluate(part, torch.tensor([s]), torch.tensor([t]), id_f, ex_f)[0])
    lm_basis = torch.cat(lm, 1)                                     # (K+1, 68, 3)
    lids = slice(*spans[LID])
    lid_delta = _lid_delta(can_all[lids], aux_all[lids], id_f)
    hs = slice(*spans[HAIR])
    hair_bin = ((aux_all[hs, 1] + math.pi) / (2 * math.pi) * HAIR_BINS).long().clamp(0, HAIR_BINS - 1)
    return Geometry(
        spacing=spacing, blocks=blocks_out, part=pid_all, side=side_all, canon=can_all, aux=aux_all,
        nrm0=basis[0, :, 3:], depth_bias=torch.cat(bias)[order], big=torch.cat(big)[order], neck_start=spans[NECK][0], hair=hs,
        glasses=slice(*spans[GLASSES]), lm_basis=lm_basis.reshape(lm_basis.shape[0], -1).contiguous(),
        paint=paint_table(pid_all, side_all, can_all, aux_all), hair_bin=hair_bin, lids=lids, lid_delta=lid_delta)


def _lid_delta(canon, aux, id_fields):
    """Bilinear correction of the eyelids: (n_shape, n_lid * 3).

    A closing lid row sits at top' + c t (bottom' - top') where ' marks the identity-deformed
    fissure edges. The linear model has top' + c t (bottom - top); the missing term is
    c * t * sum_k alpha_k (D_k(bottom) - D_k(top)), linear in alpha for a given closure c,
    so the renderer adds (alpha @ lid_delta) * c. Without it, large eyes never fully close.
    """
    rows = []
    for side in (1.0, -1.0):
        sel = torch.sign(canon[:, 0]) == side
        s, t = aux[sel, 0], aux[sel, 1]
        part = next(p for p in parts() if p.name == f"lid_{'l' if side > 0 else 'r'}")
        top, a = part.surface(s, torch.ones_like(t))
        bot = top + a["lidvec"]
        a["nrm"] = torch.tensor([0.0, 0.0, 1.0]).expand_as(top)
        a["part"] = torch.full((len(s),), LID, dtype=torch.long)
        rows.append((sel, torch.stack([t[:, None] * (f(bot, a) - f(top, a)) for _, f in id_fields])))
    out = torch.zeros(len(id_fields), len(canon), 3)
    for sel, d in rows:
        out[:, sel] = d
    return out.reshape(len(id_fields), -1)
