"""The checkpoints shipped in data/weights/ load and reproduce their reference samples."""
from __future__ import annotations

import hashlib
import json

import torch

from conftest import ROOT
from facefeat_lite.stylegan2.__main__ import reference_samples
from facefeat_lite.stylegan2.importer import load_rosinality

WEIGHTS = ROOT / "data" / "weights"


def test_stylegan2_prior_matches_its_model_card():
    stem = WEIGHTS / "stylegan2_synthfaces32"
    card = json.loads(stem.with_suffix(".json").read_text())
    blob = stem.with_suffix(".pt").read_bytes()
    assert hashlib.sha256(blob).hexdigest() == card["sha256"]
    g = load_rosinality(stem.with_suffix(".pt"))
    assert g.size == card["config"]["size"] == 32 and g.style_dim == card["config"]["style_dim"]
    assert card["steps"] == card["config"]["steps"]
    ref = torch.load(stem.parent / card["reference_samples"]["file"], weights_only=True)
    again = reference_samples(g, ref["seeds"])
    assert again.shape == ref["images"].shape
    assert torch.allclose(again, ref["images"], atol=1e-4)
