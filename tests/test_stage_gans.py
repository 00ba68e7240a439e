"""Stage 1 (feature GANs, Eqs. 1, 2, 9), stage 2 (BEGAN G^I / D^I, Eqs. 3, 4, 11) and the
distribution measures of notebook 02."""
from __future__ import annotations

import math

import pytest
import torch

from conftest import dying_fit
from facefeat_lite import distribution
from facefeat_lite.data.faceset import FaceSet
from facefeat_lite.facefeat.extractors import IdentityExtractor, ImageGenerator, freeze
from facefeat_lite.facefeat.feature_gan import (FeatureDiscriminator, FeatureGanConfig, FeatureGenerator,
                                                eq1_feature_generator_loss, eq2_feature_discriminator_loss, phi_f,
                                                principal_axes, r1_penalty, real_logits_r1, sample_features,
                                                sample_noise, train_feature_gan)
from facefeat_lite.facefeat.image_gan import (ImageDiscriminator, Stage2Config, convergence_measure, energy,
                                              eq3_image_generator_loss, eq4_image_discriminator_loss,
                                              eq11_identity_loss, render, train_stage2, update_k)
from facefeat_lite.train.checkpoint import load_checkpoint

# ----------------------------------------------------------------------------- stage 1


def test_feature_mlps_have_the_papers_sizes():
    g, d = FeatureGenerator(30), FeatureDiscriminator(30)
    lin_g = [m for m in g.net if isinstance(m, torch.nn.Linear)]
    lin_d = [m for m in d.net if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features) for m in lin_g] == [(64, 128), (128, 256), (256, 256), (256, 30)]
    assert [(m.in_features, m.out_features) for m in lin_d] == [(30, 256), (256, 256), (256, 128), (128, 1)]
    z = sample_noise(5, 64, torch.Generator().manual_seed(0))
    assert z.shape == (5, 64) and z.min() >= -1 and z.max() <= 1
    assert g(z).shape == (5, 30) and d(g(z)).shape == (5,)


def test_generated_f2_is_renormalized_to_16():
    g = FeatureGenerator(256, norm=16.0)
    f = g(sample_noise(7))
    assert torch.allclose(f.norm(dim=1), torch.full((7,), 16.0), atol=1e-4)
    assert FeatureGenerator(30).norm is None   # f_1 stays standardized, not normed


def test_feature_losses_on_hand_values():
    logit = torch.tensor([math.log(3.0)])                # D = sigmoid(log 3) = 0.75
    assert float(phi_f(logit)) == pytest.approx(-math.log(0.75), abs=1e-6)          # Eq. 9
    d = eq2_feature_discriminator_loss(torch.tensor([math.log(3.0)]), torch.tensor([math.log(1 / 3)]))
    assert float(d) == pytest.approx(-math.log(0.75) - math.log(1 - 0.25), abs=1e-6)  # Eq. 2 read as CE
    g = eq1_feature_generator_loss(torch.tensor([0.0]), image_energy=torch.tensor(0.2), lam_f=0.5)
    assert float(g) == pytest.approx(math.log(2) + 0.1, abs=1e-6)                   # Eq. 1, both terms
    assert float(eq1_feature_generator_loss(torch.tensor([0.0]))) == pytest.approx(math.log(2), abs=1e-6)


def test_feature_gan_learns_a_shifted_gaussian(tmp_path):
    """A short seeded run moves the generated mean toward the real one (losses go the right way)."""
    g = torch.Generator().manual_seed(0)
    real = torch.randn(2000, 4, generator=g) * 0.5 + torch.tensor([2.0, -1.0, 0.5, 3.0])
    cfg = FeatureGanConfig(steps=600, batch=64, lr=2e-3, g_hidden=[32, 32, 32], d_hidden=[32, 32, 32], ckpt_every=200,
                           pca_dims=0, d_lr_mult=1.0, ema=0.0, linear_skip=False)                 # the paper's recipe (+ R1)
    before = sample_features(FeatureGenerator(4, hidden=(32, 32, 32)), 500)
    t = train_feature_gan("toy", real, cfg, root=str(tmp_path), progress=False)
    fake = sample_features(t.model["g"], 1000, seed=1)
    err_before = (before.mean(0) - real.mean(0)).norm()
    err_after = (fake.mean(0) - real.mean(0)).norm()
    assert err_after < 0.5 * err_before
    assert distribution.frechet_distance(fake, real) < distribution.frechet_distance(before, real) / 3
    assert not any(p.requires_grad for p in t.model["g"].parameters())     # returned frozen
    again = train_feature_gan("toy", real, cfg, root=str(tmp_path), progress=False)   # cache hit
    assert again.history == t.history


def test_principal_axes_whiten_and_colour_back():
    g = torch.Generator().manual_seed(0)
    real = torch.randn(4000, 5, generator=g) @ torch.randn(5, 5, generator=g) + torch.arange(5.0)
    mean, colour, whiten = principal_axes(real, 5)
    u = (real - mean) @ whiten
    assert torch.allclose(torch.cov(u.T), torch.eye(5), atol=1e-3)             # unit variance, uncorrelated
    assert torch.allclose(mean + u @ colour, real, atol=1e-3)                  # k = dim: exact round trip
    mean3, colour3, whiten3 = principal_axes(real, 3)
    lam = torch.linalg.eigvalsh(torch.cov(real.T)).flip(0)
    kept = ((real - mean3) @ whiten3 @ colour3).var(0).sum()
    assert float(kept) == pytest.approx(float(lam[:3].sum()), rel=1e-3)       # the top-3 variance is kept
    with pytest.raises(ValueError, match="1..5"):
        principal_axes(real, 6)


def test_whitened_feature_mlps_map_coordinates_to_features():
    g, d = FeatureGenerator(256, norm=16.0, pca_dims=150), FeatureDiscriminator(256, pca_dims=150)
    assert g.net[-1].out_features == 150 and d.net[0].in_features == 150
    real = torch.randn(500, 256) * torch.linspace(3, 0.01, 256) + 1.0
    mean, colour, whiten = principal_axes(real, 150)
    g.mean.copy_(mean), g.colour.copy_(colour), d.mean.copy_(mean), d.whiten.copy_(whiten)
    z = sample_noise(7)
    u, f = g.coordinates(z), g(z)
    assert u.shape == (7, 150) and torch.allclose(f.norm(dim=1), torch.full((7,), 16.0), atol=1e-4)
    f_raw = mean + u @ colour                                                  # before re-normalization
    assert torch.allclose(d.coordinates(f_raw), u, atol=1e-3)                  # D^f whitens what G^f coloured
    assert torch.allclose(d(f_raw), d.head(u), atol=1e-4)
    plain = FeatureGenerator(30)
    assert torch.equal(plain.coordinates(z), plain(z))                          # without PCA: the feature


def test_linear_skip_adds_a_linear_path_before_the_colouring():
    g = FeatureGenerator(8, z_dim=5, hidden=(4, 4, 4), norm=16.0, pca_dims=3, linear_skip=True)
    assert g.skip.in_features == 5 and g.skip.out_features == 3                # z → the k coordinates
    z = sample_noise(6, 5)
    assert torch.allclose(g.coordinates(z), g.net(z) + g.skip(z))
    g.net[-1].weight.data.zero_(), g.net[-1].bias.data.zero_()                 # MLP silenced: G^f linear in z
    a, b = g.coordinates(z[:1]), g.coordinates(z[1:2])
    assert torch.allclose(g.coordinates((z[:1] + z[1:2]) / 2), (a + b) / 2, atol=1e-6)
    assert FeatureGenerator(8).skip is None                                     # off by default (the paper)
    cfg = FeatureGanConfig(steps=1, batch=8, g_hidden=[4, 4, 4], d_hidden=[4, 4, 4], pca_dims=0, ema=0.0)
    assert cfg.linear_skip                                                      # on in the preset


def test_r1_through_real_logits_matches_the_plain_penalty_without_pca():
    d, f = FeatureDiscriminator(6, hidden=(8, 8, 8)), torch.randn(10, 6)
    logits, r1 = real_logits_r1(d, f, 10.0)
    f_req = f.clone().requires_grad_(True)
    assert torch.allclose(logits, d(f))
    assert float(r1.detach()) == pytest.approx(float(r1_penalty(d(f_req), f_req, 10.0).detach()), rel=1e-5)
    assert real_logits_r1(d, f, 0.0)[1] is None


def test_feature_gan_training_aids(tmp_path):
    """Whitening fitted on the real features, D^f at 4× G^f's rate, G^f the weights' average."""
    g = torch.Generator().manual_seed(0)
    real = torch.randn(2000, 6, generator=g) @ torch.randn(6, 6, generator=g) + 2.0
    cfg = FeatureGanConfig(steps=300, batch=64, lr=2e-3, g_hidden=[16, 16, 16], d_hidden=[16, 16, 16],
                           pca_dims=150, d_lr_mult=4.0, ema=0.9)
    t = train_feature_gan("aids", real, cfg, root=str(tmp_path), progress=False)
    assert set(t.model) == {"g", "g_live", "d"} and t.model["g"].pca_dims == 6    # k capped at dim
    assert t.model["g"].skip.out_features == 6 and not torch.equal(t.model["g"].skip.weight,
                                                                    t.model["g_live"].skip.weight)  # averaged too
    mean, colour, whiten = principal_axes(real, 6)
    for name in ("g", "g_live"):
        assert torch.allclose(t.model[name].colour, colour) and torch.allclose(t.model[name].mean, mean)
    assert torch.allclose(t.model["d"].whiten, whiten)
    avg, live = t.model["g"].net[0].weight, t.model["g_live"].net[0].weight
    assert not torch.equal(avg, live) and (avg - live).abs().max() < 0.5       # an average near the live weights
    fake = sample_features(t.model["g"], 1000, seed=1)
    assert (fake.mean(0) - real.mean(0)).norm() < 0.5 * real.mean(0).norm()
    ckpt = load_checkpoint(next(tmp_path.glob("aids-*.pt")))
    lrs = {k: o["param_groups"][0]["initial_lr"] for k, o in ckpt["optimizers"].items()}
    assert lrs["d"] == pytest.approx(4 * lrs["g"])                              # two time-scale rates


def test_feature_gan_refuses_bad_features(tmp_path):
    with pytest.raises(ValueError, match="N × dim"):
        train_feature_gan("bad", torch.randn(10), FeatureGanConfig(steps=1), root=str(tmp_path), progress=False)


# ----------------------------------------------------------------------------- stage 2


def test_began_energy_and_equilibrium_by_hand():
    assert update_k(0.0, 0.2, 0.05, gamma=0.5, lambda_k=0.001) == pytest.approx(0.001 * (0.1 - 0.05))
    assert update_k(0.0, 0.1, 0.3) == 0.0                              # clipped below
    assert update_k(0.9999, 1.0, 0.0, gamma=1.0, lambda_k=0.1) == 1.0  # clipped above
    assert convergence_measure(0.2, 0.05, 0.5) == pytest.approx(0.2 + 0.05)
    assert convergence_measure(0.2, 0.15, 0.5) == pytest.approx(0.2 + 0.05)
    d = ImageDiscriminator(32, n=4, h=8)
    x = torch.rand(3, 3, 32, 32) * 2 - 1
    assert torch.allclose(energy(d, x), (x - d(x)).abs().mean((1, 2, 3)))
    e_r, e_s, e_rec = torch.tensor([0.3, 0.5]), torch.tensor([0.2]), torch.tensor([0.6])
    assert float(eq4_image_discriminator_loss(e_r, e_s, e_rec, k=0.5, lam3=0.5, lam4=0.5)) == \
        pytest.approx(0.4 - 0.5 * (0.1 + 0.3))


def test_eq3_terms_and_switches():
    x_r, x_rec = torch.zeros(2, 3, 4, 4), torch.full((2, 3, 4, 4), 0.5)
    e = torch.tensor([0.1, 0.3])
    assert float(eq3_image_generator_loss(e, x_r, x_rec)) == pytest.approx(0.2 + 0.5)
    full = eq3_image_generator_loss(e, x_r, x_rec, torch.tensor(2.0), torch.tensor(4.0), lam1=0.1, lam2=0.01)
    assert float(full) == pytest.approx(0.7 + 0.2 + 0.04)
    assert float(eq3_image_generator_loss(e, x_r, x_rec, lam_adv=0.0)) == pytest.approx(0.5)
    assert float(eq3_image_generator_loss(e, x_r, x_rec, lam_rec=0.0)) == pytest.approx(0.2)


def test_eq11_identity_loss_needs_frozen_eid_and_reaches_the_image():
    e_id = IdentityExtractor(5, 16, "resnet18", width=4, depths=[1, 1, 1, 1])
    x = torch.rand(2, 3, 32, 32, requires_grad=True)
    with pytest.raises(ValueError, match="frozen"):
        eq11_identity_loss(torch.zeros(2, 16), e_id, x)
    freeze(e_id)
    f = e_id.for_generator(x).detach()
    assert float(eq11_identity_loss(f, e_id, x).detach()) == pytest.approx(0.0, abs=1e-6)
    loss = eq11_identity_loss(torch.zeros(2, 16), e_id, x)
    assert float(loss.detach()) == pytest.approx(16.0 ** 2, rel=1e-4)   # ||0 − f||² with ||f|| = 16
    loss.backward()
    assert x.grad is not None and all(p.grad is None for p in e_id.parameters())


@pytest.mark.parametrize("size", [64, 128])
def test_stage2_shapes(size):
    g = ImageGenerator(size, 16, 6, 16, n=4)
    d = ImageDiscriminator(size, n=4, h=8)
    x = g(torch.randn(2, 16), torch.randn(2, 6), torch.randn(2, 16))
    assert x.shape == (2, 3, size, size) and d(x).shape == x.shape and energy(d, x).shape == (2,)


def _stage2_toy(tmp_path, steps=40, ckpt_every=20):
    torch.manual_seed(0)
    n, size = 24, 32
    g = torch.Generator().manual_seed(0)
    coarse = torch.rand(n, 3, 4, 4, generator=g)                          # smooth images D^I can auto-encode
    images = (torch.nn.functional.interpolate(coarse, size=size, mode="bilinear") * 255).to(torch.uint8)
    data = FaceSet(identity=torch.arange(n) // 4, images=images, name="toy", fingerprint="toy-stage2")
    feats = {"f_id": torch.randn(n, 8, generator=g), "f_1": torch.randn(n, 4, generator=g),
             "f_2": torch.randn(n, 8, generator=g), "idx": torch.arange(n)}
    g_init = ImageGenerator(size, 8, 4, 8, n=4)
    g_f1, g_f2 = freeze(FeatureGenerator(4, hidden=(8, 8, 8))), freeze(FeatureGenerator(8, hidden=(8, 8, 8)))
    cfg = Stage2Config(d_n=4, d_h=8, steps=steps, batch=8, lr=1e-3, ckpt_every=ckpt_every, schedule="step")
    return data, feats, g_init, g_f1, g_f2, cfg


def test_stage2_short_run_moves_the_right_way(tmp_path):
    data, feats, g_init, g_f1, g_f2, cfg = _stage2_toy(tmp_path, steps=60)
    t = train_stage2(data, feats, g_init, g_f1, g_f2, cfg, root=str(tmp_path), progress=False)
    h = {k: torch.tensor(v) for k, v in t.history.items()}
    assert h["energy_real"][-10:].mean() < h["energy_real"][:10].mean()      # D^I learns to auto-encode
    assert h["M"][-10:].mean() < h["M"][:10].mean()                           # BEGAN's M falls
    assert h["rec_l1"][-10:].mean() < h["rec_l1"][:10].mean()                 # G^I reconstructs better
    assert ((h["k"] >= 0) & (h["k"] <= 1)).all() and t.extra["k"] == pytest.approx(float(h["k"][-1]))
    x = render(t.model["g_img"], feats["f_id"][:3], feats["f_1"][:3], feats["f_2"][:3])
    assert x.shape == (3, 3, 32, 32) and x.abs().max() <= 1


def test_stage2_starts_from_notebook01s_g(tmp_path):
    data, feats, g_init, g_f1, g_f2, cfg = _stage2_toy(tmp_path, steps=1)
    t = train_stage2(data, feats, g_init, g_f1, g_f2, Stage2Config(**{**cfg.__dict__, "lr": 1e-12}),
                     root=str(tmp_path), progress=False)
    for (name, a), b in zip(g_init.state_dict().items(), t.model["g_img"].state_dict().values()):
        assert torch.allclose(a, b, atol=1e-9), name


def test_stage2_resume_keeps_k(tmp_path, monkeypatch):
    """Kill stage 2 after its step-10 checkpoint; the rerun restores k_t and ends identical."""
    import facefeat_lite.facefeat.training as training

    data, feats, g_init, g_f1, g_f2, cfg = _stage2_toy(tmp_path, steps=20, ckpt_every=10)
    ref = train_stage2(data, feats, g_init, g_f1, g_f2, cfg, root=str(tmp_path / "a"), progress=False)
    real_fit = training.fit


    monkeypatch.setattr(training, "fit", dying_fit(real_fit, 12))
    with pytest.raises(KeyboardInterrupt):
        train_stage2(data, feats, g_init, g_f1, g_f2, cfg, root=str(tmp_path / "b"), progress=False)
    partial = list((tmp_path / "b").glob("*-partial.pt"))
    assert len(partial) == 1 and load_checkpoint(partial[0])["extra"]["k"] == pytest.approx(ref.history["k"][9])
    monkeypatch.setattr(training, "fit", real_fit)
    resumed = train_stage2(data, feats, g_init, g_f1, g_f2, cfg, root=str(tmp_path / "b"), progress=False)
    assert resumed.history["k"] == pytest.approx(ref.history["k"])
    assert resumed.history["loss_g"] == pytest.approx(ref.history["loss_g"], rel=1e-5)


# ----------------------------------------------------------------------------- distribution measures


def test_diversity_score():
    g = torch.Generator().manual_seed(0)
    real = torch.randn(4000, 6, generator=g) * torch.tensor([1.0, 2.0, 3.0, 0.5, 1.0, 4.0]) + 5
    assert distribution.diversity_score(real, real) == pytest.approx(1.0, abs=1e-6)
    assert distribution.diversity_score(real[:10].mean(0, keepdim=True).repeat(5, 1), real) == pytest.approx(0.0)
    half = (real - real.mean(0)) * math.sqrt(0.5) + real.mean(0)
    assert distribution.diversity_score(half, real) == pytest.approx(0.5, abs=1e-6)
    with pytest.raises(ValueError, match="entries"):
        distribution.diversity_score(real[:, :3], real)


def test_frechet_distance_against_closed_form():
    g = torch.Generator().manual_seed(0)
    a = torch.randn(20000, 3, generator=g)
    b = torch.randn(20000, 3, generator=g) * 2 + torch.tensor([1.0, 0.0, 0.0])
    # N(0, I) vs N(m, 4I): |m|² + tr(I + 4I − 2·2I) = 1 + 3
    assert distribution.frechet_distance(a, b) == pytest.approx(4.0, abs=0.15)
    assert distribution.frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)
    # a diagonal case by hand: variances (1, 9) vs (4, 1) → tr = 10 + 5 − 2(2 + 3) = 5
    ca, cb = torch.diag(torch.tensor([1.0, 9.0])), torch.diag(torch.tensor([4.0, 1.0]))
    x = torch.randn(40000, 2, generator=g)
    assert distribution.frechet_distance(x @ ca.sqrt(), x.flip(0) @ cb.sqrt()) == pytest.approx(5.0, abs=0.2)


def test_mmd_and_noise_floor():
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(400, 5, generator=g), torch.randn(400, 5, generator=g)
    far = torch.randn(400, 5, generator=g) + 2
    assert abs(distribution.mmd_rbf(a, b)) < 0.01 < distribution.mmd_rbf(a, far)
    h1, h2 = distribution.split_halves(torch.arange(10.0)[:, None].repeat(1, 2), seed=3)
    assert len(h1) == len(h2) == 5 and not set(h1[:, 0].tolist()) & set(h2[:, 0].tolist())
    real = torch.randn(2000, 8, generator=g)
    shifted = far[:, :1].repeat(1, 8)
    assert 0 < distribution.noise_floor(real) < distribution.frechet_distance(real[:400], shifted)
    with pytest.raises(ValueError, match="N × D"):
        distribution.frechet_distance(torch.randn(5), torch.randn(5))
