"""Attribute manipulation (§3.3, §4.2): pure functions and the widget callback, headless."""
from __future__ import annotations

import pytest
import torch

from facefeat_lite.facefeat.extractors import ImageGenerator, PoseExpressionExtractor, freeze
from facefeat_lite.facefeat.feature_gan import FeatureGenerator
from facefeat_lite.facefeat.manipulate import (Direction, Manipulator, f3d_column, fit_directions, frontalize,
                                               interpolate_identity, move, readout, with_pose)


def _e1():
    e = PoseExpressionExtractor(12, "resnet18", width=4, depths=[1, 1, 1, 1], stem_stride=2)
    g = torch.Generator().manual_seed(0)
    e.fit_standardizer(torch.randn(200, 12, generator=g) * 0.3 + 0.1)
    return freeze(e)


def test_columns_and_pose_overwrite():
    assert f3d_column("smile") == 0 and f3d_column("yaw") == 9 and f3d_column("roll") == 11
    with pytest.raises(ValueError, match="unknown attribute"):
        f3d_column("nose_length")
    e = _e1()
    f1 = torch.randn(4, 12)
    posed = e.destandardize(with_pose(e, f1, yaw=30.0, pitch=-10.0))
    assert torch.allclose(posed[:, 9] * 60, torch.full((4,), 30.0), atol=1e-4)
    assert torch.allclose(posed[:, 10] * 60, torch.full((4,), -10.0), atol=1e-4)
    raw = e.destandardize(f1)
    assert torch.allclose(posed[:, :9], raw[:, :9], atol=1e-5) and torch.allclose(posed[:, 11], raw[:, 11], atol=1e-5)
    front = e.destandardize(frontalize(e, f1))
    assert front[:, 9:].abs().max() < 1e-5
    r = readout(e, torch.zeros(2, 3, 64, 64))
    assert set(r) == {"yaw", "pitch", "smile", "jaw_open"} and r["yaw"].shape == (2,)


def test_identity_interpolation_keeps_the_norm():
    a, b = torch.randn(3, 256), torch.randn(3, 256)
    mid = interpolate_identity(a, b, 0.5)
    assert torch.allclose(mid.norm(dim=1), torch.full((3,), 16.0), atol=1e-4)
    assert torch.allclose(interpolate_identity(a, b, 0.0), 16 * a / a.norm(dim=1, keepdim=True), atol=1e-5)


def test_fit_directions_recovers_a_linear_attribute_and_reports_a_useless_one():
    def readouts(z):
        g = torch.Generator().manual_seed(1)
        return {"yaw": 20 * z[:, 5] - 10 * z[:, 9] + 2 + torch.randn(len(z), generator=g),
                "pitch": torch.randn(len(z), generator=g), "smile": z[:, 0].abs(), "jaw_open": 0.5 - z[:, 3]}

    d = fit_directions(readouts, z_dim=16, n=400, seed=0)
    want = torch.zeros(16)
    want[5], want[9] = 20, -10
    assert torch.allclose(d["yaw"].vector, want / want.norm(), atol=0.02)
    assert d["yaw"].slope == pytest.approx(float(want.norm()), rel=0.05) and d["yaw"].r2 > 0.95
    assert d["pitch"].r2 < 0.1 and d["smile"].r2 < 0.2          # noise and a non-linear readout
    assert torch.allclose(d["jaw_open"].vector, -torch.eye(16)[3], atol=1e-4) and d["jaw_open"].r2 > 0.99
    assert {x.space for x in d.values()} == {"z_1"}
    with pytest.raises(ValueError, match="cannot fit"):
        fit_directions(readouts, z_dim=16, n=40)
    light = fit_directions(lambda z: {"light": -3 * z[:, 2]}, z_dim=16, n=400, names=("light",), space="z_2")["light"]
    assert light.space == "z_2" and light.r2 > 0.99 and torch.allclose(light.vector, -torch.eye(16)[2], atol=1e-4)
    with pytest.raises(ValueError, match="space must be one of"):
        fit_directions(readouts, z_dim=16, n=400, space="z_3")


def test_move_stays_in_the_noise_support():
    d = Direction("yaw", torch.eye(4)[0], 1.0, 0.0, 1.0)
    z = torch.tensor([[0.5, 0.0, 0.0, 0.0]])
    assert torch.equal(move(z, d, 0.25), torch.tensor([[0.75, 0.0, 0.0, 0.0]]))
    assert float(move(z, d, 3.0)[0, 0]) == 1.0


def test_widget_callback_headless():
    torch.manual_seed(0)
    e = _e1()
    m = Manipulator(freeze(FeatureGenerator(12, hidden=(8, 8, 8))),
                    freeze(FeatureGenerator(16, hidden=(8, 8, 8), norm=16.0)),
                    freeze(ImageGenerator(32, 16, 12, 16, n=4)), e,
                    {"yaw": Direction("yaw", torch.eye(64)[3], 1.0, 0.0, 0.9)})
    f_a, f_b = torch.randn(1, 16), torch.randn(1, 16)
    z_1, z_2 = torch.zeros(1, 64), torch.zeros(1, 64)
    x0 = m.compose(f_a, f_b, z_1, z_2)
    assert x0.shape == (1, 3, 32, 32) and x0.abs().max() <= 1
    assert torch.equal(x0, m.compose(f_a, f_b, z_1, z_2))                              # deterministic
    assert not torch.allclose(x0, m.compose(f_a, f_b, z_1, z_2, yaw=1.0))               # the slider acts
    assert torch.allclose(m.compose(f_a, f_b, z_1, z_2, identity_t=1.0),
                          m.compose(f_b, f_a, z_1, z_2, identity_t=0.0), atol=1e-6)     # identity end points
    assert not torch.allclose(x0, m.compose(f_a, f_b, z_1, z_2, frontal=True))
    with pytest.raises(ValueError, match="no fitted direction"):
        m.compose(f_a, f_b, z_1, z_2, smile=1.0)


def test_a_z2_direction_moves_z2_and_only_z2():
    torch.manual_seed(0)
    seen = []

    class Recorder(torch.nn.Module):                                  # a G^f that records its noise
        def __init__(self, dim):
            super().__init__()
            self.dim = dim

        def forward(self, z):
            seen.append(z.clone())
            return torch.zeros(len(z), self.dim)

    light = Direction("light", torch.eye(64)[7], 1.0, 0.0, 0.9, space="z_2")
    yaw = Direction("yaw", torch.eye(64)[3], 1.0, 0.0, 0.9)
    m = Manipulator(Recorder(12), Recorder(16), freeze(ImageGenerator(32, 16, 12, 16, n=4)), _e1(),
                    {"yaw": yaw, "light": light})
    z_1, z_2 = torch.zeros(1, 64), torch.zeros(1, 64)
    m.compose(torch.randn(1, 16), torch.randn(1, 16), z_1, z_2, light=0.5)
    assert torch.equal(seen[0], z_1) and torch.equal(seen[1], 0.5 * torch.eye(64)[7][None])
    seen.clear()
    m.compose(torch.randn(1, 16), torch.randn(1, 16), z_1, z_2, yaw=-0.5, light=0.25)
    assert torch.equal(seen[0], -0.5 * torch.eye(64)[3][None]) and torch.equal(seen[1], 0.25 * torch.eye(64)[7][None])


def test_pose_turn_reports_what_the_turned_images_show():
    from facefeat_lite.facefeat.manipulate import identity_kept_under_pose, pose_turn, turned

    torch.manual_seed(0)
    e = _e1()
    m = Manipulator(freeze(FeatureGenerator(12, hidden=(8, 8, 8))),
                    freeze(FeatureGenerator(16, hidden=(8, 8, 8), norm=16.0)),
                    freeze(ImageGenerator(32, 16, 12, 16, n=4)), e, {})
    f_id = torch.randn(3, 16)
    left, right = turned(m, f_id, 40.0, seed=1)
    assert left.shape == right.shape == (3, 3, 32, 32) and not torch.allclose(left, right)   # only the pose differs
    out = pose_turn(m, f_id, 40.0, seed=1)
    assert out["pixel_change"] == pytest.approx(float((left - right).abs().mean()), rel=1e-6)
    assert out["yaw_read_left"] == pytest.approx(float(readout(e, left, ("yaw",))["yaw"].mean()), rel=1e-5)
    assert out["yaw_read_right"] == pytest.approx(float(readout(e, right, ("yaw",))["yaw"].mean()), rel=1e-5)
    mean_pixel = pose_turn(m, f_id, 40.0, seed=1, read_yaw=lambda x: x.mean((1, 2, 3)))      # another reader
    assert mean_pixel["yaw_read_left"] == pytest.approx(float(left.mean()), rel=1e-5)
    still = pose_turn(m, f_id, 0.0, seed=1)                                                   # no turn: no change
    assert still["pixel_change"] == 0.0 and still["yaw_read_left"] == still["yaw_read_right"]

    class Cosine:                                                     # a stand-in judge: pixel cosine
        @staticmethod
        def similarity(a, b):
            return torch.nn.functional.cosine_similarity(a.flatten(1), b.flatten(1))

    assert torch.allclose(identity_kept_under_pose(m, Cosine, f_id, 0.0, seed=1), torch.ones(3), atol=1e-6)


def test_drawn_from_f1_measures_how_much_of_an_entry_the_renderer_draws():
    from facefeat_lite.facefeat.manipulate import drawn_from_f1, with_entry

    e = _e1()
    f1 = torch.randn(5, 12)
    assert torch.allclose(e.destandardize(with_entry(e, f1, "smile", 0.7))[:, 0], torch.full((5,), 0.7), atol=1e-5)
    assert torch.allclose(e.destandardize(with_entry(e, f1, "yaw", 30.0))[:, 9], torch.full((5,), 0.5), atol=1e-5)

    class Reader(torch.nn.Module):                  # a stand-in E_1 that reads the smile off one pixel
        def __init__(self):
            super().__init__()
            self.w = torch.nn.Parameter(torch.zeros(1))

        def destandardize(self, f):
            return f

        def standardize(self, f):
            return f

        def f3d(self, x):
            out = torch.zeros(len(x), 12)
            out[:, 0] = x[:, 0, 0, 0]
            return out

    def drawing(gain):                              # G^I stand-in: draws gain × f_1's smile into that pixel
        def g(f_id, f_1, f_2):
            x = torch.zeros(len(f_id), 3, 4, 4)
            x[:, 0, 0, 0] = gain * f_1[:, 0] + 0.1 * f_2[:, 0]
            return x
        return g

    f_id, f_2 = torch.randn(7, 16), torch.randn(7, 16)
    f_1 = torch.rand(7, 12)
    half = drawn_from_f1(drawing(0.5), Reader(), f_id, f_1, f_2, "smile", 0.0, 1.0, batch=3)
    assert half["per_unit"] == pytest.approx(0.5, abs=1e-6)
    assert half["read_low"] == pytest.approx(float(0.1 * f_2[:, 0].mean()), abs=1e-6)
    assert half["pixels_changed"] == 1.0                                   # one pixel moved by 0.5 of 2
    none = drawn_from_f1(drawing(0.0), Reader(), f_id, f_1, f_2)
    assert none["per_unit"] == pytest.approx(0.0, abs=1e-7) and none["pixels_changed"] == 0.0
    with pytest.raises(ValueError, match="must differ"):
        drawn_from_f1(drawing(1.0), Reader(), f_id, f_1, f_2, low=1.0, high=1.0)
    from facefeat_lite.facefeat.manipulate import entry_sweep

    reader = Reader()
    strip = entry_sweep(drawing(0.5), reader, f_id[:1], f_1[:1], f_2[:1], "smile", [0.0, 1.0, 4.0])
    assert strip.shape == (3, 3, 4, 4)                                      # one image per value
    want = 0.5 * torch.tensor([0.0, 1.0, 4.0]) + 0.1 * f_2[0, 0]            # 0.5 × value, clamped to [−1, 1]
    assert torch.allclose(strip[:, 0, 0, 0], want.clamp(-1, 1), atol=1e-6)
    with pytest.raises(ValueError, match="one image"):
        entry_sweep(drawing(0.5), reader, f_id[:2], f_1[:2], f_2[:2], "smile", [0.0])


def test_pixels_changed_counts_pixels_past_the_threshold_in_any_channel():
    from facefeat_lite.facefeat.manipulate import pixels_changed

    a = torch.zeros(2, 3, 4, 4)
    b = a.clone()
    b[0, 2, 1, 1] = 0.3                  # 0.15 of the [−1, 1] range: counts
    b[0, 0, 2, 2] = -0.1                 # 0.05: does not
    b[1, :, 0, :] = 1.0                  # a whole row, every channel: 4 pixels, once each
    assert pixels_changed(a, b).tolist() == [1.0, 4.0]
    assert pixels_changed(a, b, threshold=0.2).tolist() == [0.0, 4.0]
    with pytest.raises(ValueError, match="B × 3 × S × S"):
        pixels_changed(a, b[:1])
