"""Template mixing (FaceFeat-GAN Tab. 2) on toy embeddings whose answers are known by hand."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from facefeat_lite.templates import split_templates, template_embeddings, template_protocol

N_IDS, PER_ID = 4, 10
LABELS = np.repeat(np.arange(N_IDS), PER_ID)
REAL = torch.eye(N_IDS)[LABELS]                              # image i embeds as e_{label(i)}
WRONG = torch.eye(N_IDS)[(LABELS + 1) % N_IDS]               # a "fake" that looks like the next person


def test_split_templates_are_disjoint_and_per_identity():
    gallery, probe, ids = split_templates(LABELS, 5, np.random.default_rng(0))
    assert gallery.shape == probe.shape == (N_IDS, 5) and ids.tolist() == [0, 1, 2, 3]
    for g, p, i in zip(gallery, probe, ids):
        assert not set(g) & set(p) and (LABELS[g] == i).all() and (LABELS[p] == i).all()
    with pytest.raises(ValueError, match="at least two identities"):
        split_templates(LABELS, 6, np.random.default_rng(0))             # nobody has 12 images


def test_template_embedding_by_hand():
    t = template_embeddings(REAL, WRONG, np.array([[0, 1]]), n_fake=1)  # (e_1 + e_0) / √2
    assert torch.allclose(t, torch.tensor([[1.0, 1.0, 0.0, 0.0]]) / math.sqrt(2))


def test_protocol_degrades_with_the_fake_ratio_as_computed_by_hand():
    res = template_protocol(REAL, WRONG, LABELS, ratios=(0.0, 0.2, 0.8, 1.0), template_size=5, n_splits=3)
    # 0 or 1 fakes of 5: the template stays nearest its own person (cos 4/√17 vs 1/√17) -> perfect
    for r in (0.0, 0.2):
        assert res[r]["rank1"] == (1.0, 0.0) and res[r]["tar_far0.01"] == (1.0, 0.0)
    # 4 of 5 fakes: nearest the next person; all fakes: the same, exactly
    for r in (0.8, 1.0):
        assert res[r]["rank1"] == (0.0, 0.0) and res[r]["tar_far0.01"][0] == 0.0
    assert res[1.0]["rank5"] == (1.0, 0.0)                                 # 4 gallery people: always in the top 5


def test_protocol_with_faithful_fakes_is_perfect_and_checks_shapes():
    res = template_protocol(REAL, REAL.clone(), LABELS, template_size=5, n_splits=2)
    assert all(v["rank1"] == (1.0, 0.0) and v["tar_far0.001"] == (1.0, 0.0) for v in res.values())
    with pytest.raises(ValueError, match="equal N × D"):
        template_protocol(REAL, REAL[:5], LABELS)
    with pytest.raises(ValueError, match="labels has"):
        template_protocol(REAL, REAL, LABELS[:5])
