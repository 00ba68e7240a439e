"""SynthFaces parameter groups and the face model (notebook `00_data`).

A SynthFaces image is a pure function of five parameter vectors (one float32 vector each):

============== ==== =================================================================
group          size contents
============== ==== =================================================================
identity       94   60 shape coefficients of the linear 3D model (``shape_*``, N(0,1))
                    + 34 appearance values: skin, hair colour and style, eye colour,
                    brows, beard, glasses, moles, freckles
expression      9   blendshape weights (smile, jaw open, brows, frown, eye closure)
pose           3    yaw, pitch, roll in DEGREES (yaw > 0 turns the nose to image right)
illumination   6    light azimuth/elevation (degrees), intensity, ambient, tint, specular
nuisance       12   background colours, clothing colour, scale/shift jitter
============== ==== =================================================================

``f3d = expression + pose`` (12 values) is the 3D-feature ground truth that FaceFeat-GAN's
encoder E_1 regresses. Sampling uses counter-based streams (``streams.py``), one stream per
group, so any group can be re-sampled with the others fixed. Identity *shape* lives in the
geometry (``fields.py``); the appearance slice of the identity vector is everything else,
so ``identity_slices`` lets one build "appearance of A + shape of B" hard negatives.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import torch

from .fields import EXPRESSION_NAMES, identity_fields
from .geometry import Geometry, build_geometry
from .layout import FRAME_UNITS
from .streams import Stream

GROUPS = ("identity", "expression", "pose", "illumination", "nuisance")

# appearance entries: name, template value (shared appearance), sampler(stream, n) -> (n,)
_U = lambda lo, hi: lambda st: st.uniform(1, lo, hi)[:, 0]  # noqa: E731


def _sometimes(p, lo, hi):
    return lambda st: st.bernoulli(1, p)[:, 0] * st.uniform(1, lo, hi)[:, 0]


APPEARANCE = [
    ("skin_tone", 0.35, _U(0.0, 1.0)),           # 0 fair .. 1 dark
    ("skin_red", 0.0, _U(-1.0, 1.0)),            # olive .. ruddy
    ("hair_dark", 0.7, _U(0.0, 1.0)),            # blond .. black
    ("hair_red", 0.2, _U(0.0, 1.0)),
    ("hair_grey", 0.0, _sometimes(0.15, 0.3, 1.0)),
    ("eye_hue", 0.8, _U(0.0, 1.0)),              # blue .. green .. brown
    ("eye_dark", 0.5, _U(0.0, 1.0)),
    ("lip_tint", 0.0, _U(-1.0, 1.0)),
    ("brow_thick", 0.5, _U(0.0, 1.0)),
    ("brow_dark", 0.6, _U(0.0, 1.0)),
    ("brow_arch", 0.0, _U(-1.0, 1.0)),
    ("brow_tilt", 0.0, _U(-1.0, 1.0)),
    ("hairline", 0.5, _U(0.0, 1.0)),             # 0 low .. 1 receding
    ("fringe", 0.0, _sometimes(0.35, 0.3, 1.0)),  # bangs over the forehead
    ("hair_length", 0.2, _U(0.0, 1.0)),          # < 0.4 short, < 0.7 bob, else long
    ("hair_volume", 0.4, _U(0.0, 1.0)),
    ("hair_curl", 0.0, _sometimes(0.25, 0.2, 1.0)),
    ("hair_part", 0.3, _U(-1.0, 1.0)),
    ("bald", 0.0, _sometimes(0.08, 0.5, 1.0)),
    ("beard", 0.0, _sometimes(0.25, 0.3, 1.0)),
    ("stubble", 0.0, _sometimes(0.3, 0.1, 0.6)),
    ("glasses", 0.0, lambda st: st.bernoulli(1, 0.2)[:, 0]),
    ("frame_dark", 0.5, _U(0.0, 1.0)),
    ("frame_hue", 0.5, _U(0.0, 1.0)),
    ("mole1_on", 0.0, lambda st: st.bernoulli(1, 0.35)[:, 0]),
    ("mole1_x", 0.0, _U(-0.55, 0.55)),
    ("mole1_y", 0.0, _U(-0.95, 0.7)),
    ("mole2_on", 0.0, lambda st: st.bernoulli(1, 0.25)[:, 0]),
    ("mole2_x", 0.0, _U(-0.55, 0.55)),
    ("mole2_y", 0.0, _U(-0.95, 0.7)),
    ("mole3_on", 0.0, lambda st: st.bernoulli(1, 0.15)[:, 0]),
    ("mole3_x", 0.0, _U(-0.55, 0.55)),
    ("mole3_y", 0.0, _U(-0.95, 0.7)),
    ("freckles", 0.0, _sometimes(0.15, 0.3, 1.0)),
]

# expression entries: probability of being active and value range when active. An active
# blendshape is at least 0.6 strong: a weaker one changes a few pixels at 64 px, and E_1 then
# cannot tell whether it is on (with 0.2-0.3 as the floor, E_1's expression R² fell from 0.80
# to 0.72; notebook 01 §7). Smile and jaw_open are the common ones, eye closure the rare one
# (and then mostly closed: from 0.6 up, E_1 read the eyes at R² 0.70; from 0.8 up, 0.74-0.79).
_EXPR_DEFAULT = (0.18, 0.6, 1.0)
_EXPR = {"smile": (0.5, 0.6, 1.0), "jaw_open": (0.35, 0.6, 1.0), "eye_close_l": (0.08, 0.8, 1.0),
         "eye_close_r": (0.08, 0.8, 1.0)}
POSE_NAMES = ["yaw_deg", "pitch_deg", "roll_deg"]
POSE_SIGMA_LIMIT = [(28.0, 60.0), (10.0, 25.0), (6.0, 15.0)]
ILLUMINATION = [("light_azimuth_deg", -70.0, 70.0), ("light_elevation_deg", -20.0, 60.0), ("light_intensity", 0.6, 1.3),
                ("ambient", 0.25, 0.6), ("light_tint", -1.0, 1.0), ("specular", 0.0, 1.0)]
NUISANCE = ["bg_top_r", "bg_top_g", "bg_top_b", "bg_bottom_r", "bg_bottom_g", "bg_bottom_b",
            "cloth_r", "cloth_g", "cloth_b", "scale", "shift_x", "shift_y"]


@dataclass(frozen=True)
class FaceModelConfig:
    n_shape: int = 60            # identity shape components (40..80): ~40 named + random bumps
    shape_scale: float = 1.0     # multiplies every shape component's standard deviation
    seed: int = 20240611         # internal seed of the model itself (random bump fields)
    supersample: int = 2         # render at this many times the output size, then box-filter
    max_internal: int = 256      # cap on the supersampled resolution (large outputs use ss=1)
    point_spacing: float = 1.4   # surface point spacing in supersampled pixels (2 x 2 splats);
                                 # 1.4 meets the speed floor (300 img/s at 64, 75 at 128) at the cost
                                 # of a few more one-pixel holes than 1.0 (0.8 % vs 0.7 % of pixels)
    coarse_spacing: float = 1.5  # hair and neck: sparser points drawn as 3 x 3 splats


class FaceModel:
    """The SynthFaces generator's parameter space and geometry (deterministic per config).

    >>> m = FaceModel(FaceModelConfig())
    >>> m.sample("pose", seed=0, keys=[0, 1]).shape
    torch.Size([2, 3])
    """

    def __init__(self, cfg: FaceModelConfig = FaceModelConfig()) -> None:
        self.cfg = cfg
        shape_names = [f"shape_{n}" for n, _ in identity_fields(cfg.n_shape, cfg.seed)]
        self.group_names = {
            "identity": shape_names + [n for n, _, _ in APPEARANCE],
            "expression": list(EXPRESSION_NAMES),
            "pose": list(POSE_NAMES),
            "illumination": [n for n, _, _ in ILLUMINATION],
            "nuisance": list(NUISANCE),
        }
        self.group_sizes = {g: len(v) for g, v in self.group_names.items()}
        self.identity_slices = {"shape": slice(0, cfg.n_shape),
                                "appearance": slice(cfg.n_shape, self.group_sizes["identity"])}
        for i, (n, _, _) in enumerate(APPEARANCE):
            self.identity_slices[n] = slice(cfg.n_shape + i, cfg.n_shape + i + 1)
        self.template = torch.tensor([v for _, v, _ in APPEARANCE])   # the shared appearance

    def __repr__(self) -> str:
        return f"FaceModel({self.cfg}, sizes={self.group_sizes})"

    # --- sampling -------------------------------------------------------------------------
    def sample(self, group: str, seed: int, keys) -> torch.Tensor:
        """(N, D) float32 parameters of ``group`` for each key, from stream ``group``."""
        if group == "identity":
            return self.sample_identity(seed, keys)
        st = Stream(seed, group, keys)
        n = len(st)
        if group == "expression":
            cols = []
            for name in EXPRESSION_NAMES:
                p, lo, hi = _EXPR.get(name, _EXPR_DEFAULT)
                on, val = st.bernoulli(1, p)[:, 0], st.uniform(1, lo, hi)[:, 0]
                cols.append(on * val)
            x = torch.stack(cols, 1)
            blink = st.bernoulli(1, 0.06)[:, 0] * st.uniform(1, 0.7, 1.0)[:, 0]   # both eyes
            i, j = EXPRESSION_NAMES.index("eye_close_l"), EXPRESSION_NAMES.index("eye_close_r")
            x[:, i], x[:, j] = torch.maximum(x[:, i], blink), torch.maximum(x[:, j], blink)
            return x
        if group == "pose":
            sig = torch.tensor([s for s, _ in POSE_SIGMA_LIMIT])
            lim = torch.tensor([m for _, m in POSE_SIGMA_LIMIT])
            return torch.maximum(torch.minimum(st.normal(3) * sig, lim), -lim)
        if group == "illumination":
            return torch.cat([st.uniform(1, lo, hi) for _, lo, hi in ILLUMINATION], 1)
        if group == "nuisance":
            bg_top, mix = st.uniform(3, 0.08, 0.92), st.uniform(1, 0.0, 0.6)
            bg_bottom = (1 - mix) * bg_top + mix * st.uniform(3, 0.08, 0.92)
            cloth = st.uniform(3, 0.04, 0.9)
            jitter = (st.normal(3) * torch.tensor([0.04, 0.02, 0.02])).clamp(-0.08, 0.08)
            return torch.cat([bg_top, bg_bottom, cloth, jitter], 1)
        raise ValueError(f"unknown group {group!r}; expected one of {GROUPS}")

    def sample_identity(self, seed: int, keys, share_appearance: bool = False) -> torch.Tensor:
        """(N, n_shape + 34) identities; with ``share_appearance`` every identity gets the fixed
        appearance template (same skin, hair, eyes; no beard/glasses/moles): only shape differs."""
        st = Stream(seed, "identity", keys)
        shape = st.normal(self.cfg.n_shape).clamp(-3.0, 3.0)
        app = torch.stack([f(st) for _, _, f in APPEARANCE], 1)
        if share_appearance:
            app = self.template.expand(len(st), -1).clone()
        return torch.cat([shape, app], 1)

    def sample_all(self, seeds: dict, keys) -> dict:
        """All five groups; ``seeds`` maps group -> seed (missing groups use seed 0)."""
        return {g: self.sample(g, seeds.get(g, 0), keys) for g in GROUPS}

    def f3d(self, expression: torch.Tensor, pose: torch.Tensor) -> torch.Tensor:
        """(N, 30) FaceFeat-GAN 3D feature: expression weights and pose (degrees / 60)."""
        return torch.cat([expression, pose / 60.0], 1)

    def appearance(self, identity: torch.Tensor, name: str) -> torch.Tensor:
        """(N,) the named appearance entry of a batch of identity vectors."""
        return identity[:, self.identity_slices[name]][:, 0]

    # --- geometry -------------------------------------------------------------------------
    def internal_size(self, size: int) -> int:
        """Supersampled render resolution for an output ``size``."""
        ss = max(1, min(self.cfg.supersample, self.cfg.max_internal // size))
        return size * ss

    def geometry(self, internal: int) -> Geometry:
        """Point set + linear basis sampled for an internal resolution (cached)."""
        px = FRAME_UNITS / internal                                   # one supersampled pixel
        return build_geometry(self.cfg.n_shape, self.cfg.seed, self.cfg.shape_scale,
                              round(px * self.cfg.point_spacing, 6), round(px * self.cfg.coarse_spacing, 6))


@functools.lru_cache(maxsize=4)
def get_model(cfg: FaceModelConfig = FaceModelConfig()) -> FaceModel:
    """The (cached) model for a config: building is deterministic, so share one instance."""
    return FaceModel(cfg)
