"""The single-stage baseline (Fig. 1(a.1)): G^I fed noise shaped like the features."""
from __future__ import annotations

import pytest
import torch

from facefeat_lite.facefeat.extractors import ImageGenerator
from facefeat_lite.facefeat.joint import JointConfig
from facefeat_lite.facefeat.single_stage import SingleStageConfig, sample_slots, train_single_stage
from test_joint import D1, D2, _toy


def test_noise_slots_are_shaped_like_the_features():
    z_1, z_2 = sample_slots(500, 30, 256, torch.Generator().manual_seed(0))
    assert z_1.shape == (500, 30) and z_2.shape == (500, 256)
    assert abs(float(z_1.mean())) < 0.05 and abs(float(z_1.std()) - 1) < 0.05       # standardized like f_1
    assert torch.allclose(z_2.norm(dim=1), torch.full((500,), 16.0), atol=1e-4)     # on f_2's sphere


def test_budget_copies_the_joint_run():
    joint = JointConfig(steps=123, batch=8, lr=3e-4, lam_adv=0.7, lam2=0.02, id_lowpass=3, seed=5)
    cfg = SingleStageConfig.from_joint(joint)
    assert (cfg.steps, cfg.batch, cfg.lr, cfg.lam_adv, cfg.lam_id, cfg.id_lowpass, cfg.seed) == (
        123, 8, 3e-4, 0.7, 0.02, 3, 5)


def test_single_stage_trains_from_the_given_start(tmp_path):
    data, feats, e_id, init, _ = _toy()
    g0, d0 = init["g_img"], init["d_img"]
    cfg = SingleStageConfig(steps=6, batch=4, lr=1e-3, ckpt_every=3, schedule="step")
    t = train_single_stage(data, feats, e_id, g0, d0, cfg, root=str(tmp_path), progress=False)
    assert set(t.model) == {"g", "d"} and isinstance(t.model["g"], ImageGenerator)
    assert len(t.history["phi_id"]) == 6 and 0.0 <= t.extra["k"] <= 1.0
    moved = any(not torch.equal(a, b) for a, b in zip(g0.state_dict().values(), t.model["g"].state_dict().values()))
    assert moved and g0.dims == (8, D1, D2)
    still = train_single_stage(data, feats, e_id, g0, d0, SingleStageConfig(**{**cfg.__dict__, "lr": 1e-12}),
                               root=str(tmp_path / "b"), progress=False)
    for a, b in zip(g0.state_dict().values(), still.model["g"].state_dict().values()):
        assert torch.allclose(a, b, atol=1e-8)                              # it starts from G^I's weights
    with pytest.raises(ValueError, match="frozen"):
        train_single_stage(data, feats, e_id.train(), g0, d0, cfg, root=str(tmp_path / "c"), progress=False)


def test_single_stage_takes_the_joint_runs_low_passed_identity_loss(tmp_path):
    data, feats, e_id, init, _ = _toy()
    cfg = SingleStageConfig(steps=1, batch=4, lr=1e-12, schedule="step")
    paper = train_single_stage(data, feats, e_id, init["g_img"], init["d_img"], cfg, root=str(tmp_path / "a"),
                               progress=False)
    low = train_single_stage(data, feats, e_id, init["g_img"], init["d_img"],
                             SingleStageConfig(**{**cfg.__dict__, "id_lowpass": 2}), root=str(tmp_path / "b"),
                             progress=False)
    # the same batch and start: only φ_id's low-pass differs, so its first value must too
    assert low.history["phi_id"][0] != pytest.approx(paper.history["phi_id"][0], rel=1e-3)
