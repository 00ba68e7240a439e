"""Attribute manipulation (§3.3), identity interpolation (Fig. 4b) and frontalization (§4.2).

Notebook: ``04_two_level_losses`` (the widgets call :meth:`Manipulator.compose`; pytest calls
it headless). FaceFeat-GAN controls a face through its features: f_id says who, z_1 → f_1
says pose and expression, z_2 → f_2 the rest. The paper finds "which noise means left view
or smile" by annotating samples by hand; here E_1 annotates them (:func:`fit_directions`):
draw many z_1, render, read yaw, pitch, smile and the open jaw off the images with the
frozen E_1, and fit each readout by least squares on z_1. The fitted weight vector,
normalized, is that attribute's direction in z_1 space; its held-out R² says how well one
direction controls it.
The same fit over z_2 (``space="z_2"``) finds directions in the general feature's noise,
such as where the light comes from, read by notebook 07's light estimator: the paper's
sliders move z_1 for pose and expression and z_2 for the rest.

Two ways to set a pose, both pure functions:

* **in z_1**, along a fitted direction (:func:`move`): what the paper does — the pose comes
  out of stage 1, so it stays a plausible f_1;
* **in f_1 directly** (:func:`with_pose`): f_1 is E_1's standardized f_3d, whose last three
  entries are yaw, pitch, roll / 60°; overwrite them with a given angle. Frontalization is
  yaw = pitch = roll = 0 (the paper's "canonical frontal pose feature").
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch

from ..data.fields import EXPRESSION_NAMES
from .extractors import GEN_NORM, PoseExpressionExtractor, renormalize

__all__ = ["ATTRIBUTES", "SPACES", "f3d_column", "readout", "with_pose", "with_entry", "frontalize",
           "interpolate_identity", "Direction", "fit_directions", "move", "Manipulator",
           "turned", "identity_kept_under_pose", "pose_turn", "pixels_changed", "drawn_from_f1", "entry_sweep"]

POSE_NAMES = ("yaw", "pitch", "roll")                   # f_3d = [9 expression weights, yaw, pitch, roll] / 60
ATTRIBUTES = ("yaw", "pitch", "smile", "jaw_open")      # the z_1 directions the notebook fits
SPACES = ("z_1", "z_2")                                 # the noises a direction can live in
DEG = 60.0                                              # f_3d stores angles as degrees / 60


def f3d_column(name: str) -> int:
    """Column of an attribute in f_3d: an expression name (``"smile"``) or yaw / pitch / roll."""
    if name in POSE_NAMES:
        return len(EXPRESSION_NAMES) + POSE_NAMES.index(name)
    if name in EXPRESSION_NAMES:
        return EXPRESSION_NAMES.index(name)
    raise ValueError(f"unknown attribute {name!r}; expected one of {POSE_NAMES} or an expression name")


@torch.no_grad()
def readout(e_1: PoseExpressionExtractor, x: torch.Tensor, names=ATTRIBUTES) -> dict[str, torch.Tensor]:
    """E_1's estimates on images x (B, 3, S, S) in [−1, 1]: angles in degrees, weights as is."""
    f3d = e_1.f3d(x).float()
    return {n: f3d[:, f3d_column(n)] * (DEG if n in POSE_NAMES else 1.0) for n in names}


def with_pose(e_1: PoseExpressionExtractor, f_1: torch.Tensor, yaw: float | None = None,
              pitch: float | None = None, roll: float | None = None) -> torch.Tensor:
    """f_1 (B × 12, standardized) with the given angles (degrees) written into its pose entries."""
    f3d = e_1.destandardize(f_1).clone()
    for name, deg in (("yaw", yaw), ("pitch", pitch), ("roll", roll)):
        if deg is not None:
            f3d[:, f3d_column(name)] = deg / DEG
    return e_1.standardize(f3d)


def with_entry(e_1: PoseExpressionExtractor, f_1: torch.Tensor, name: str, value: float) -> torch.Tensor:
    """§3.3's control through f_1, one entry at a time: f_1 (B × 12, standardized) with one
    f_3d entry set, an angle in degrees (yaw, pitch, roll) or an expression weight as is
    (``"smile"``)."""
    f3d = e_1.destandardize(f_1).clone()
    f3d[:, f3d_column(name)] = value / DEG if name in POSE_NAMES else value
    return e_1.standardize(f3d)


def frontalize(e_1: PoseExpressionExtractor, f_1: torch.Tensor) -> torch.Tensor:
    """§4.2: the canonical frontal pose feature — yaw = pitch = roll = 0, expression kept."""
    return with_pose(e_1, f_1, 0.0, 0.0, 0.0)


def interpolate_identity(f_a: torch.Tensor, f_b: torch.Tensor, t: float, norm: float = GEN_NORM) -> torch.Tensor:
    """Fig. 4b: (1 − t) f_a + t f_b, renormalized to G^I's norm (a mid-point keeps ‖f_id‖ = 16)."""
    return renormalize((1 - t) * f_a + t * f_b, norm)


@dataclass
class Direction:
    """A unit direction in z_1 space and how one attribute responds along it (units per unit
    step), with the held-out R² of the linear fit it came from."""

    name: str
    vector: torch.Tensor        # z_dim, unit norm
    slope: float                # attribute change per unit step along ``vector``
    intercept: float
    r2: float                   # held-out R² of attribute ~ w·z + b
    space: str = "z_1"          # which noise it moves: "z_1" (→ f_1) or "z_2" (→ f_2)


def fit_directions(readouts: Callable[[torch.Tensor], dict[str, torch.Tensor]], z_dim: int = 64, n: int = 2000,
                   seed: int = 0, names=ATTRIBUTES, space: str = "z_1") -> dict[str, Direction]:
    """Least squares attribute ≈ w·z + b on the first half of ``n`` samples z ~ U[−1, 1]^z_dim,
    R² on the second half; ``readouts(z)`` renders with z as the noise ``space`` ("z_1" or
    "z_2") and reads the attributes (e.g. E_1 on x^s)."""
    if space not in SPACES:
        raise ValueError(f"space must be one of {SPACES}, got {space!r}")
    if n < 4 * (z_dim + 1):
        raise ValueError(f"n = {n} samples cannot fit {z_dim + 1} coefficients with a held-out half; "
                         f"use n >= {4 * (z_dim + 1)}")
    z = torch.rand(n, z_dim, generator=torch.Generator().manual_seed(seed)) * 2 - 1
    values = readouts(z)
    a = torch.cat([z, torch.ones(n, 1)], 1).double()
    fit, held = slice(0, n // 2), slice(n // 2, n)
    out = {}
    for name in names:
        y = values[name].double().cpu()
        coef = torch.linalg.lstsq(a[fit], y[fit].unsqueeze(1)).solution[:, 0]
        pred = a[held] @ coef
        r2 = 1 - float((y[held] - pred).pow(2).sum() / (y[held] - y[held].mean()).pow(2).sum().clamp_min(1e-12))
        w = coef[:-1]
        out[name] = Direction(name, (w / w.norm()).float(), float(w.norm()), float(coef[-1]), r2, space)
    return out


def move(z: torch.Tensor, direction: Direction, t: float) -> torch.Tensor:
    """z + t · direction, kept inside the noise's support [−1, 1]."""
    return (z + t * direction.vector.to(z.device)).clamp(-1, 1)


class Manipulator:
    """Everything the widgets need around a trained model: features → image, with controls.

    ``g_f1``, ``g_f2``, ``g_img``: the (frozen) trained generators; ``e_1``: the frozen E_1
    (for :func:`with_pose`); ``directions`` from :func:`fit_directions`.
    """

    def __init__(self, g_f1, g_f2, g_img, e_1: PoseExpressionExtractor, directions: dict[str, Direction],
                 device: str = "cpu"):
        self.g_f1, self.g_f2, self.g_img, self.e_1 = g_f1, g_f2, g_img, e_1
        self.directions, self.device = directions, device

    @torch.no_grad()
    def render(self, f_id: torch.Tensor, z_1: torch.Tensor, z_2: torch.Tensor, yaw: float | None = None,
               pitch: float | None = None, frontal: bool = False) -> torch.Tensor:
        """x^s = G^I(f_id, G^f_1(z_1), G^f_2(z_2)), optionally with f_1's pose overwritten."""
        f_1 = self.g_f1(z_1.to(self.device))
        if frontal:
            f_1 = frontalize(self.e_1, f_1)
        if yaw is not None or pitch is not None:
            f_1 = with_pose(self.e_1, f_1, yaw, pitch)
        return self.g_img(f_id.to(self.device), f_1, self.g_f2(z_2.to(self.device))).clamp(-1, 1)

    def compose(self, f_a: torch.Tensor, f_b: torch.Tensor, z_1: torch.Tensor, z_2: torch.Tensor,
                identity_t: float = 0.0, frontal: bool = False, **steps: float) -> torch.Tensor:
        """The widget's image: identity f_a → f_b by ``identity_t``, z_1 or z_2 (the
        direction's ``space``) moved ``steps[name]`` along each fitted direction (``yaw=1.5,
        smile=-1, light=2``), optionally frontalized."""
        unknown = sorted(set(steps) - set(self.directions))
        if unknown:
            raise ValueError(f"no fitted direction for {unknown}; have {sorted(self.directions)}")
        for name, t in steps.items():
            d = self.directions[name]
            if d.space == "z_1":
                z_1 = move(z_1, d, t)
            else:
                z_2 = move(z_2, d, t)
        return self.render(interpolate_identity(f_a, f_b, identity_t), z_1, z_2, frontal=frontal)


@torch.no_grad()
def turned(manip: Manipulator, f_id: torch.Tensor, yaw: float = 40.0, seed: int = 0
           ) -> tuple[torch.Tensor, torch.Tensor]:
    """G^I(f_id, f_1 at yaw −``yaw``°, f_2) and the same at +``yaw``° (each N × 3 × S × S in
    [−1, 1], on the CPU): one person, one z_1 and z_2 each, only the pose feature changed
    (:func:`with_pose`)."""
    g = torch.Generator().manual_seed(seed)
    n = len(f_id)
    z_1 = torch.rand(n, manip.g_f1.z_dim, generator=g) * 2 - 1          # U[−1, 1], the paper's noise
    z_2 = torch.rand(n, manip.g_f2.z_dim, generator=g) * 2 - 1
    left, right = (manip.render(f_id, z_1, z_2, yaw=s * yaw).cpu() for s in (-1, 1))
    return left, right


def identity_kept_under_pose(manip: Manipulator, judge, f_id: torch.Tensor, yaw: float = 40.0,
                             seed: int = 0) -> torch.Tensor:
    """Judge cosine (N,) between the two images of :func:`turned`."""
    left, right = turned(manip, f_id, yaw, seed)
    return judge.similarity((left + 1) / 2, (right + 1) / 2)


@torch.no_grad()
def pose_turn(manip: Manipulator, f_id: torch.Tensor, yaw: float = 40.0, seed: int = 0,
              read_yaw: Callable[[torch.Tensor], torch.Tensor] | None = None) -> dict[str, float]:
    """How far the images of :func:`turned` actually turn (a check on §3.3's pose control, not a
    paper metric): the mean yaw read off each side (degrees; asked for: ∓``yaw``) by
    ``read_yaw`` (images -> (B,) degrees; default: E_1) and the mean absolute pixel change
    between them (images in [−1, 1]). A high :func:`identity_kept_under_pose` means little
    when the images barely change; the pixel change of two real images of one person is the
    yardstick."""
    left, right = turned(manip, f_id, yaw, seed)
    if read_yaw is None:
        dev = next(manip.e_1.parameters()).device
        read_yaw = lambda x: readout(manip.e_1, x.to(dev), ("yaw",))["yaw"]  # noqa: E731
    read = [float(read_yaw(x).mean()) for x in (left, right)]
    return {"yaw_read_left": read[0], "yaw_read_right": read[1],
            "pixel_change": float((left - right).abs().mean())}


def pixels_changed(x_a: torch.Tensor, x_b: torch.Tensor, threshold: float = 0.1) -> torch.Tensor:
    """Per image pair, how many pixels differ by more than ``threshold`` of the intensity range
    in some channel: x_a, x_b (B, 3, S, S) in [−1, 1] → (B,) counts. A check on §3.3's control
    (not a paper metric) that no loss trains against, beside E_1's readings
    (:func:`drawn_from_f1`)."""
    if x_a.shape != x_b.shape or x_a.dim() != 4:
        raise ValueError(f"two B × 3 × S × S batches expected, got {tuple(x_a.shape)} and {tuple(x_b.shape)}")
    return ((x_a - x_b).abs().amax(1) > 2 * threshold).float().sum((1, 2))   # [−1, 1]: the range is 2


@torch.no_grad()
def drawn_from_f1(g_img, e_1: PoseExpressionExtractor, f_id: torch.Tensor, f_1: torch.Tensor, f_2: torch.Tensor,
                  name: str = "smile", low: float = 0.0, high: float = 1.0, batch: int = 256) -> dict[str, float]:
    """How much of one f_1 entry G^I (§3.2's stage 2) draws (a check on §3.3's control, not a
    paper metric): render every row of (f_id, f_1, f_2) with the entry written as ``low`` and
    as ``high`` (:func:`with_entry`), read it back with E_1 and return the mean readings and
    ``per_unit``, their difference per unit asked (1: drawn as asked, as far as E_1 reads it;
    0: G^I ignores the entry). E_1's own slope on real images with a known entry is the
    yardstick. ``pixels_changed``: the mean :func:`pixels_changed` between the two renderings,
    which E_1 does not decide (notebook 04 compares it with SynthFaces' renderer)."""
    if high == low:
        raise ValueError(f"low and high must differ, both are {low}")
    dev = next(e_1.parameters()).device
    read, changed = {low: [], high: []}, []
    for i in range(0, len(f_id), batch):
        rows = slice(i, i + batch)
        x = {}
        for value in (low, high):
            f = with_entry(e_1, f_1[rows].to(dev), name, value)
            x[value] = g_img(f_id[rows].to(dev), f, f_2[rows].to(dev)).clamp(-1, 1)
            read[value].append(readout(e_1, x[value], (name,))[name].cpu())
        changed.append(pixels_changed(x[low], x[high]).cpu())
    r_low, r_high = float(torch.cat(read[low]).mean()), float(torch.cat(read[high]).mean())
    return {"read_low": r_low, "read_high": r_high, "per_unit": (r_high - r_low) / (high - low),
            "pixels_changed": float(torch.cat(changed).mean())}


@torch.no_grad()
def entry_sweep(g_img, e_1: PoseExpressionExtractor, f_id: torch.Tensor, f_1: torch.Tensor, f_2: torch.Tensor,
                name: str, values) -> torch.Tensor:
    """What :func:`drawn_from_f1` measures, to look at: one image's features (f_id, f_1, f_2,
    each 1 × D) rendered by G^I (§3.2's stage 2) once per value of one f_1 entry written with
    :func:`with_entry`, everything else kept; ``len(values)`` × 3 × S × S in [−1, 1]."""
    if len(f_id) != 1 or len(f_1) != 1 or len(f_2) != 1:
        raise ValueError(f"entry_sweep renders one image's features, got {len(f_id)}, {len(f_1)}, {len(f_2)} rows")
    dev = next(e_1.parameters()).device
    f_1 = torch.cat([with_entry(e_1, f_1.to(dev), name, float(v)) for v in values])
    n = len(f_1)
    return g_img(f_id.to(dev).expand(n, -1), f_1, f_2.to(dev).expand(n, -1)).clamp(-1, 1)
