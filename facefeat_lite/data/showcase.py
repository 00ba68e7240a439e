"""Controlled renders for notebook ``00_data``: one factor varied, everything else held fixed.

The contact sheets of notebook 00 show what each parameter group of the face model does.
They need parameters that the random sampler never produces on purpose — a neutral face, a
frontal pose, a plain studio light — and then one entry moved at a time. These helpers build
such parameter dictionaries (same keys and shapes as ``FaceModel.sample``) and render them.
"""
from __future__ import annotations

import torch

from .face_model import GROUPS, FaceModel
from .render import render

# A frontal key light slightly above and to the camera's left, a mid-grey background.
_STUDIO = {"light_azimuth_deg": -25.0, "light_elevation_deg": 25.0, "light_intensity": 1.0,
           "ambient": 0.4, "light_tint": 0.0, "specular": 0.5}
_PLAIN_NUISANCE = {"bg_top_r": 0.62, "bg_top_g": 0.66, "bg_top_b": 0.72, "bg_bottom_r": 0.45,
                   "bg_bottom_g": 0.48, "bg_bottom_b": 0.55, "cloth_r": 0.25, "cloth_g": 0.3,
                   "cloth_b": 0.45, "scale": 0.0, "shift_x": 0.0, "shift_y": 0.0}


def neutral_params(model: FaceModel, identity: torch.Tensor) -> dict[str, torch.Tensor]:
    """Parameters for (N, D_id) identities with a neutral expression, frontal pose, studio light
    and a plain background (no alignment jitter)."""
    n = len(identity)
    named = lambda group, values: torch.tensor([[values[k] for k in model.group_names[group]]]).expand(n, -1).clone()
    return {"identity": identity.clone(),
            "expression": torch.zeros(n, model.group_sizes["expression"]),
            "pose": torch.zeros(n, model.group_sizes["pose"]),
            "illumination": named("illumination", _STUDIO),
            "nuisance": named("nuisance", _PLAIN_NUISANCE)}


def set_entry(model: FaceModel, params: dict, group: str, name: str, values) -> dict:
    """A copy of ``params`` with entry ``name`` of ``group`` set to ``values`` (scalar or (N,))."""
    if group not in GROUPS:
        raise ValueError(f"unknown group {group!r}; groups are {GROUPS}")
    if name not in model.group_names[group]:
        raise ValueError(f"{group} has no entry {name!r}; entries: {model.group_names[group]}")
    out = {k: v.clone() for k, v in params.items()}
    out[group][:, model.group_names[group].index(name)] = torch.as_tensor(values, dtype=torch.float32)
    return out


def sweep(model: FaceModel, identity: torch.Tensor, group: str, name: str, values, size: int = 64,
          base: dict | None = None) -> torch.Tensor:
    """Render every identity (rows) at every value of one entry (columns) -> (rows·cols, 3, S, S)."""
    values = torch.as_tensor(values, dtype=torch.float32)
    base = base or neutral_params(model, identity)
    rows, cols = len(identity), len(values)
    tiled = {k: v.repeat_interleave(cols, 0) for k, v in base.items()}       # row-major grid
    p = set_entry(model, tiled, group, name, values.repeat(rows))
    return render(model, p, size=size, outputs=("image",))["image"]


def expression_sheet(model: FaceModel, identity: torch.Tensor, names, strength: float = 1.0,
                     size: int = 64) -> torch.Tensor:
    """One identity (1, D_id) with each named expression unit at ``strength`` -> (len(names), 3, S, S)."""
    base = neutral_params(model, identity.expand(len(names), -1))
    for i, name in enumerate(names):
        base["expression"][i, model.group_names["expression"].index(name)] = strength
    return render(model, base, size=size, outputs=("image",))["image"]
