"""StyleGAN2 building blocks, generator and discriminator (issue: the StyleGAN2 prior)."""
from __future__ import annotations

import copy

import pytest
import torch
import torch.nn.functional as F

from conftest import dying_fit
from facefeat_lite.stylegan2 import (Discriminator, Generator, accumulate, d_logistic_loss, d_r1_loss,
                                     g_nonsaturating_loss, n_latent_for)
from facefeat_lite.stylegan2.layers import Blur, ModulatedConv2d, Upsample

TINY = dict(style_dim=16, n_mlp=2, channel_base=256, channel_max=16)


def _direct_modconv(conv: ModulatedConv2d, x: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
    """The paper's formulation: per-sample weights w'_oik = s_i w_oik, demodulated, grouped conv."""
    b, cin, h, w = x.shape
    s = conv.modulation(style)                                          # B × in
    weight = conv.scale * conv.weight * s[:, None, :, None, None]       # B × out × in × k × k
    if conv.demodulate:
        weight = weight * torch.rsqrt(weight.pow(2).sum((2, 3, 4)) + 1e-8)[:, :, None, None, None]
    cout, k = weight.shape[1], weight.shape[-1]
    if conv.upsample:
        wt = weight.transpose(1, 2).reshape(b * cin, cout, k, k)
        out = F.conv_transpose2d(x.reshape(1, b * cin, h, w), wt, stride=2, groups=b)
        return conv.blur(out.view(b, cout, out.shape[-2], out.shape[-1]))
    out = F.conv2d(x.reshape(1, b * cin, h, w), weight.view(b * cout, cin, k, k), padding=k // 2, groups=b)
    return out.view(b, cout, h, w)


@pytest.mark.parametrize("upsample", [False, True])
@pytest.mark.parametrize("demodulate", [True, False])
def test_fast_modulated_conv_equals_the_direct_computation(upsample, demodulate):
    torch.manual_seed(0)
    conv = ModulatedConv2d(5, 7, 3, style_dim=6, demodulate=demodulate, upsample=upsample)
    with torch.no_grad():
        conv.modulation.bias.normal_()                                   # styles far from 1
    x, style = torch.randn(3, 5, 8, 8), torch.randn(3, 6)
    fast, direct = conv(x, style), _direct_modconv(conv, x, style)
    assert fast.shape == ((3, 7, 16, 16) if upsample else (3, 7, 8, 8))
    assert torch.allclose(fast, direct, atol=1e-5)


def test_blur_and_upsample_preserve_a_constant_image():
    x = torch.full((1, 2, 8, 8), 3.0)
    assert torch.allclose(Blur(pad=(2, 1))(x)[..., 2:-2, 2:-2], x[..., 2:-2, 2:-2])
    up = Upsample()(x)
    assert up.shape == (1, 2, 16, 16)
    assert torch.allclose(up[..., 2:-2, 2:-2], torch.full_like(up[..., 2:-2, 2:-2], 3.0), atol=1e-6)


@pytest.mark.parametrize("size,n_latent", [(8, 4), (32, 8), (64, 10), (256, 14), (1024, 18)])
def test_n_latent_per_resolution(size, n_latent):
    assert n_latent_for(size) == n_latent


@pytest.mark.parametrize("size", [32, 64, 128, 256])
def test_generator_and_discriminator_shapes(size):
    g = Generator(size, **TINY)
    d = Discriminator(size, channel_base=256, channel_max=16)
    z = torch.randn(4, 16)
    img, wplus = g([z], return_latents=True)
    assert img.shape == (4, 3, size, size) and wplus.shape == (4, n_latent_for(size), 16)
    assert g.mapping(z).shape == (4, 16)
    assert d(img).shape == (4, 1)


def test_input_latent_replaces_the_constant():
    torch.manual_seed(0)
    g = Generator(32, **TINY)
    w = g.to_wplus([g.mapping(torch.randn(2, 16))])
    fixed = dict(randomize_noise=False)
    base = g.synthesis(w, **fixed)
    assert torch.equal(base, g.synthesis(w, input_latent=g.input.input.expand(2, -1, -1, -1), **fixed))
    other = g.synthesis(w, input_latent=torch.randn(2, 16, 4, 4), **fixed)
    assert not torch.allclose(base, other)
    with pytest.raises(ValueError, match="input_latent must be"):
        g.synthesis(w, input_latent=torch.randn(2, 8, 4, 4))
    with pytest.raises(ValueError, match="W\\+ must be"):
        g.synthesis(w[:, :3])


def test_truncation_and_w_avg():
    torch.manual_seed(0)
    g = Generator(32, **TINY)
    w = g.mapping(torch.randn(64, 16))
    g.update_w_avg(w, beta=0.0)                                        # w̄ = mean of this batch
    assert torch.allclose(g.w_avg, w.mean(0), atol=1e-6)
    _, wplus = g([torch.randn(3, 16)], truncation=0.0, return_latents=True)
    assert torch.allclose(wplus, g.w_avg.expand(3, g.n_latent, -1), atol=1e-6)   # ψ = 0 → w̄
    half = g.truncate(w[:2], 0.5)
    assert torch.allclose(half, g.w_avg + 0.5 * (w[:2] - g.w_avg))


def test_style_mixing_rows():
    g = Generator(32, **TINY)
    a, b = torch.zeros(2, 16), torch.ones(2, 16)
    mixed = g.to_wplus([a, b], inject_index=3)
    assert torch.equal(mixed[:, :3], torch.zeros(2, 3, 16)) and torch.equal(mixed[:, 3:], torch.ones(2, 5, 16))


def test_losses_r1_and_ema():
    real, fake = torch.tensor([[2.0], [0.0]]), torch.tensor([[0.0], [-2.0]])
    sp = F.softplus
    assert float(d_logistic_loss(real, fake)) == pytest.approx(float((sp(-real).mean() + sp(fake).mean())))
    assert float(g_nonsaturating_loss(fake)) == pytest.approx(float(sp(-fake).mean()))
    x = torch.randn(3, 4, requires_grad=True)
    pred = (x * torch.tensor([1.0, 2.0, 0.0, 0.0])).sum(1)            # ∇ = (1, 2, 0, 0): ‖∇‖² = 5
    assert float(d_r1_loss(pred, x)) == pytest.approx(5.0)
    g = Generator(32, **TINY)
    ema = copy.deepcopy(g)
    with torch.no_grad():
        for p in g.parameters():
            p.add_(1.0)
    accumulate(ema, g, decay=0.75)
    p_g, p_e = next(g.parameters()), next(ema.parameters())
    assert torch.allclose(p_e, p_g - 0.75)                               # moved a quarter of the way


def test_train_step_updates_g_d_ema_and_w_avg():
    from facefeat_lite.stylegan2.training import StyleGAN2Config, build, make_optimizers, train_step

    torch.manual_seed(0)
    cfg = StyleGAN2Config(size=16, style_dim=16, n_mlp=2, channel_base=128, channel_max=8, batch=4, r1_every=2)
    models = build(cfg)
    opts = make_optimizers(models, cfg)
    before = {k: copy.deepcopy(m.state_dict()) for k, m in models.items()}
    real = torch.rand(4, 3, 16, 16) * 2 - 1
    logs = [train_step(models, opts, real, s, cfg) for s in range(1, 5)]
    assert "r1" in logs[1] and "r1" not in logs[0]                      # lazy R1 every 2 steps
    assert all(torch.isfinite(torch.tensor(list(l.values()))).all() for l in logs)
    for k in ("g", "d", "g_ema"):
        w0, w1 = before[k]["style.1.weight" if k != "d" else "final_linear.1.weight"], \
            models[k].state_dict()["style.1.weight" if k != "d" else "final_linear.1.weight"]
        assert not torch.equal(w0, w1), k
    assert models["g"].w_avg.abs().sum() > 0
    assert not any(p.requires_grad for p in models["g_ema"].parameters())
    assert opts["d"].param_groups[0]["lr"] == pytest.approx(cfg.lr * 2 / 3)   # lazy-R1 correction


def test_train_stylegan2_caches_and_resumes(tmp_path, monkeypatch):
    """A tiny run on a FaceSet: cache hit on the second call; killed after its step-2
    checkpoint, the rerun resumes and ends with the same losses (python's random included)."""
    import facefeat_lite.stylegan2.training as sg
    from facefeat_lite.data.faceset import FaceSet

    g = torch.Generator().manual_seed(0)
    images = (torch.rand(12, 3, 32, 32, generator=g) * 255).to(torch.uint8)
    data = FaceSet(identity=torch.arange(12) // 3, images=images, name="toy", fingerprint="toy-sg2")
    cfg = sg.StyleGAN2Config(size=16, style_dim=8, n_mlp=1, channel_base=64, channel_max=8, batch=4, steps=4,
                             r1_every=2, ckpt_every=2)
    ref = sg.train_stylegan2(data, cfg=cfg, root=str(tmp_path / "a"), progress=False)
    assert ref["step"] == 4 and len(ref["history"]["loss_g"]) == 4
    assert sg.train_stylegan2(data, cfg=cfg, root=str(tmp_path / "a"), progress=False)["history"] == ref["history"]

    real_fit = sg.fit


    monkeypatch.setattr(sg, "fit", dying_fit(real_fit, 3))
    with pytest.raises(KeyboardInterrupt):
        sg.train_stylegan2(data, cfg=cfg, root=str(tmp_path / "b"), progress=False)
    monkeypatch.setattr(sg, "fit", real_fit)
    resumed = sg.train_stylegan2(data, cfg=cfg, root=str(tmp_path / "b"), progress=False)
    assert resumed["history"]["loss_g"] == pytest.approx(ref["history"]["loss_g"], rel=1e-5)


def test_ema_half_life_ramps_up():
    from facefeat_lite.stylegan2.training import StyleGAN2Config, ema_decay

    cfg = StyleGAN2Config(batch=16, ema_kimg=10.0, ema_rampup=0.05)
    assert ema_decay(1, 16, cfg) == pytest.approx(0.5 ** (16 / 0.8))          # half-life 0.8 images
    assert ema_decay(100, 16, cfg) == pytest.approx(0.5 ** (16 / 80))
    assert ema_decay(10 ** 6, 16, cfg) == pytest.approx(0.5 ** (16 / 10000))   # capped at 10k images
    assert ema_decay(10, 16, StyleGAN2Config(ema_rampup=0.0)) == pytest.approx(0.5 ** (16 / 10000))


def test_rosinality_round_trip_same_images(tmp_path):
    """Export our generator in rosinality's format, import it back: same latents → same images."""
    from facefeat_lite.stylegan2.importer import load_rosinality, to_rosinality

    torch.manual_seed(0)
    g = Generator(32, style_dim=16, n_mlp=3, channels={4: 16, 8: 16, 16: 8, 32: 4}).eval()
    with torch.no_grad():
        g.w_avg.normal_()
        for p in g.parameters():
            p.add_(0.1 * torch.randn_like(p))
    torch.save(to_rosinality(g), tmp_path / "g.pt")
    h = load_rosinality(tmp_path / "g.pt")
    assert h.size == 32 and h.n_latent == 8 and h.channels == g.channels and len(h.style) == 4
    z = torch.randn(3, 16)
    a, _ = g([z], truncation=0.7, randomize_noise=False)
    b, _ = h([z], truncation=0.7, randomize_noise=False)
    assert torch.equal(a, b)


def test_rosinality_key_names():
    """The keys rosinality's Generator has (model.py) are exactly ours, minus w_avg."""
    from facefeat_lite.stylegan2.importer import to_rosinality

    keys = set(to_rosinality(Generator(8, style_dim=4, n_mlp=2, channels={4: 4, 8: 4}))["g_ema"])
    conv = lambda p: {f"{p}.conv.weight", f"{p}.conv.modulation.weight", f"{p}.conv.modulation.bias",  # noqa: E731
                      f"{p}.noise.weight", f"{p}.activate.bias"}
    rgb = lambda p: {f"{p}.conv.weight", f"{p}.conv.modulation.weight", f"{p}.conv.modulation.bias",  # noqa: E731
                     f"{p}.bias"}
    expected = ({"style.1.weight", "style.1.bias", "style.2.weight", "style.2.bias", "input.input"}
                | conv("conv1") | rgb("to_rgb1") | conv("convs.0") | {"convs.0.conv.blur.kernel"} | conv("convs.1")
                | rgb("to_rgbs.0") | {"to_rgbs.0.upsample.kernel"}
                | {f"noises.noise_{i}" for i in range(3)})
    assert keys == expected


def test_importer_errors(tmp_path):
    from facefeat_lite.stylegan2.importer import generator_from_state_dict, load_rosinality
    from facefeat_lite.train.checkpoint import CheckpointError

    with pytest.raises(FileNotFoundError, match="rosinality"):
        load_rosinality(tmp_path / "missing.pt")
    torch.save({"g": {}}, tmp_path / "x.pt")
    with pytest.raises(CheckpointError, match="no 'g_ema'"):
        load_rosinality(tmp_path / "x.pt")
    with pytest.raises(CheckpointError, match="style.1.weight"):
        generator_from_state_dict({"input.input": torch.zeros(1, 4, 4, 4)})


def test_projector_lowers_its_loss_and_keeps_g_frozen():
    from facefeat_lite.stylegan2.projector import ProjectConfig, noise_regularize, project

    torch.manual_seed(0)
    g = Generator(16, style_dim=16, n_mlp=2, channels={4: 16, 8: 16, 16: 8}).eval()
    with torch.no_grad():
        g.update_w_avg(g.mapping(torch.randn(256, 16)), beta=0.0)
        target, _ = g([torch.randn(2, 16)], randomize_noise=False)
    flags = [p.requires_grad for p in g.parameters()]
    out = project(g, target, ProjectConfig(steps=80, lr=0.05))
    h = out["history"]["mse"]
    assert sum(h[-5:]) / 5 < 0.5 * sum(h[:5]) / 5
    assert float(F.mse_loss(out["image"], target)) < h[0]
    assert out["wplus"].shape == (2, g.n_latent, 16) and len(out["noise"]) == g.num_layers
    assert [p.requires_grad for p in g.parameters()] == flags
    white = [torch.randn(1, 1, 16, 16, generator=torch.Generator().manual_seed(1))]
    smooth = [F.interpolate(torch.randn(1, 1, 4, 4), size=16, mode="bilinear")]
    assert float(noise_regularize(smooth)) > 10 * float(noise_regularize(white))
    with pytest.raises(ValueError, match="target must be"):
        project(g, torch.zeros(1, 3, 8, 8))


def test_interpolation_callbacks_headless():
    from facefeat_lite.stylegan2.latent_ops import interpolate_image, lerp_wplus, row_groups

    torch.manual_seed(0)
    g = Generator(32, **TINY).eval()
    a0, wa = interpolate_image(g, 1, 2, 0.0)
    a1, wb = interpolate_image(g, 1, 2, 1.0)
    b0, _ = interpolate_image(g, 2, 1, 1.0)
    assert torch.allclose(a0, b0, atol=1e-5) and not torch.allclose(a0, a1)
    for space in ("z", "w", "wplus"):
        img, _ = interpolate_image(g, 1, 2, 0.5, space=space, rows=range(0, 2))
        assert img.shape == (1, 3, 32, 32)
    _, w_half = interpolate_image(g, 1, 2, 0.5, space="wplus", rows=row_groups(g)["coarse"])
    assert torch.allclose(w_half[:, 4:], wa[:, 4:]) and not torch.allclose(w_half[:, :4], wa[:, :4])
    assert torch.allclose(lerp_wplus(wa, wb, 0.25), wa + 0.25 * (wb - wa))
    assert list(row_groups(g)["fine"]) == [] and len(row_groups(Generator(256, **TINY))["fine"]) == 6
    with pytest.raises(ValueError, match="space"):
        interpolate_image(g, 1, 2, 0.5, space="q")
    with pytest.raises(ValueError, match="t must be"):
        interpolate_image(g, 1, 2, 1.5)


def test_row_swap_analysis_and_frechet_judge_distance():
    from facefeat_lite.stylegan2 import analysis

    torch.manual_seed(0)
    g = Generator(32, **TINY).eval()
    assert analysis.coarse_fine_rows(g) == {"coarse": [0, 1, 2, 3], "fine": [4, 5, 6, 7]}
    a, s, b = analysis.swap_rows(g, 3, seed=0, rows=[0, 1, 2, 3])
    assert a.shape == s.shape == b.shape == (3, 3, 32, 32) and not torch.allclose(a, s)
    _, s_none, _ = analysis.swap_rows(g, 3, seed=0, rows=[])
    assert torch.allclose(a, s_none)
    # a readout that only sees the image's mean: the effect table has both groups and is ≥ 0
    eff = analysis.row_swap_effect(g, lambda x: x.mean((1, 2, 3)), n=4, seed=1)
    assert set(eff) == {"coarse", "fine"}
    assert all(v >= 0 for e in eff.values() for k, v in e.items() if "share" not in k)
    # swapping every row carries all of b over, swapping none carries nothing (2-d readouts too)
    two = lambda x: x.mean((2, 3))[:, :2]  # noqa: E731
    eff = analysis.row_swap_effect(g, two, n=4, seed=1, groups={"all": list(range(8)), "none": [], "one": [7]})
    assert set(eff) == {"all", "one"}
    assert eff["all"]["readout_share"] == pytest.approx(1.0) and eff["all"]["colour_share"] == pytest.approx(1.0)
    assert eff["all"]["readout_change"] == pytest.approx(eff["all"]["readout_change_all_rows"])
    assert eff["one"]["readout_share"] != pytest.approx(1.0)
    # the share on hand values: a quarter of the way, plus noise unrelated to b that cancels out
    ra, rb = torch.tensor([0.0, 0.0, 1.0, 1.0]), torch.tensor([4.0, -4.0, 5.0, -3.0])
    rs = ra + 0.25 * (rb - ra) + 3.0                                 # rb − ra = (4, −4, 4, −4): the 3s cancel
    assert analysis.transfer_share(ra, rs, rb) == pytest.approx(0.25)
    assert float((rs - ra).abs().mean()) == pytest.approx(3.0)      # the mean change counts them (1.0 without)
    up = analysis.to_judge(torch.full((2, 3, 32, 32), 3.0))
    assert up.shape == (2, 3, 64, 64) and float(up.max()) == 1.0
    emb = lambda x: x.flatten(1)[:, :3]  # noqa: E731
    x = torch.randn(50, 3, 4, 4)
    assert analysis.frechet_judge_distance(emb, x, x) == pytest.approx(0.0, abs=1e-6)


def test_people_halves_split_by_person():
    from facefeat_lite.stylegan2 import analysis

    identity = torch.tensor([3, 3, 7, 7, 7, 1, 9, 9, 4])            # 5 people, unequal counts
    a, b = analysis.people_halves(identity, seed=0)
    assert sorted(torch.cat([a, b]).tolist()) == list(range(9))      # every image once
    people_a, people_b = set(identity[a].tolist()), set(identity[b].tolist())
    assert not people_a & people_b and len(people_a) == 2 and len(people_b) == 3
    a2, _ = analysis.people_halves(identity, seed=0)
    assert torch.equal(a, a2)                                        # deterministic in the seed
    assert any(set(identity[analysis.people_halves(identity, seed=s)[0]].tolist()) != people_a for s in range(1, 6))
    with pytest.raises(ValueError, match="at least 2 people"):
        analysis.people_halves(torch.zeros(4, dtype=torch.long))
