"""The joint training of notebook 04 (Eqs. 1–4, 8, 11): gradient isolation, ablation flags, resume.

Most tests switch off the φ_3d deviation (lam_3d=0.0): it needs an E_1, tested on its own last."""
from __future__ import annotations

import copy

import pytest
import torch

from conftest import dying_fit
from facefeat_lite.data.faceset import FaceSet
from facefeat_lite.facefeat.extractors import GeneralExtractor, IdentityExtractor, ImageGenerator, freeze
from facefeat_lite.facefeat.feature_gan import FeatureDiscriminator, FeatureGenerator, sample_noise
from facefeat_lite.facefeat.image_gan import ImageDiscriminator
from facefeat_lite.facefeat.joint import (ABLATIONS, PLAYERS, JointConfig, backward_each, discriminator_losses,
                                          eq8_e2_loss, generator_losses, gradient_routes, joint_step, render_pair,
                                          term_scales,
                                          train_joint)

SIZE, D_ID, D1, D2 = 32, 8, 4, 8


def _toy(seed: int = 0):
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    n = 24
    coarse = torch.rand(n, 3, 4, 4, generator=g)
    images = (torch.nn.functional.interpolate(coarse, size=SIZE, mode="bilinear") * 255).to(torch.uint8)
    data = FaceSet(identity=torch.arange(n) // 4, images=images, name="toy", fingerprint="toy-joint")
    e_id = freeze(IdentityExtractor(6, D_ID, "resnet18", width=4, depths=[1, 1, 1, 1], stem_stride=2))
    x = images.float() / 127.5 - 1
    feats = {"f_id": e_id.for_generator(x).detach(), "f_1": torch.randn(n, D1, generator=g), "idx": torch.arange(n)}
    init = {"e_2": GeneralExtractor(SIZE, D2, n=4), "g_f1": FeatureGenerator(D1, hidden=(8, 8, 8)),
            "d_f1": FeatureDiscriminator(D1, hidden=(8, 8, 8)),
            "g_f2": FeatureGenerator(D2, hidden=(8, 8, 8), norm=16.0),
            "d_f2": FeatureDiscriminator(D2, hidden=(8, 8, 8)), "g_img": ImageGenerator(SIZE, D_ID, D1, D2, n=4),
            "d_img": ImageDiscriminator(SIZE, n=4, h=8)}
    return data, feats, e_id, init, x


def _batch(x, feats, b=6):
    g = torch.Generator().manual_seed(1)
    return x[:b], feats["f_id"][:b], feats["f_1"][:b], sample_noise(b, 64, g), sample_noise(b, 64, g)


def _generator_grads(cfg: JointConfig) -> dict[str, list[torch.Tensor]]:
    """Each player's gradient after the generators' backward pass, from identical models and batch."""
    data, feats, e_id, init, x = _toy()
    m = {k: v.train() for k, v in init.items()}
    x_r, f_id, f_1, z_1, z_2 = _batch(x, feats)
    r = render_pair(m, x_r, f_id, f_1, z_1, z_2)
    losses = generator_losses(m, e_id, r, x_r, f_id, cfg)
    backward_each(losses, m, [p for p in ("g_img", "e_2", "g_f") if p in losses])
    assert all(p.grad is None for p in e_id.parameters())                    # frozen E_id: nothing
    return {player: [p.grad.clone() if p.grad is not None else torch.zeros_like(p)
                     for name in names for p in m[name].parameters()] for player, names in PLAYERS.items()}


def _same(a, b):
    return all(torch.allclose(u, v, atol=1e-7, rtol=1e-5) for u, v in zip(a, b))


def test_gi_gets_nothing_from_the_image_verdict_on_xs():
    """φ^I(x^s) trains the feature generators only: λ^f changes G^f's gradient, never G^I's or E_2's."""
    small = _generator_grads(JointConfig(lam_3d=0.0, lam_f=0.0))
    large = _generator_grads(JointConfig(lam_3d=0.0, lam_f=100.0))
    assert _same(small["g_img"], large["g_img"]) and _same(small["e_2"], large["e_2"])
    assert not _same(small["g_f"], large["g_f"])


def test_feature_generators_get_nothing_from_the_identity_terms():
    """φ_id(x^s) (Eq. 3's λ_2) trains G^I only: G^f's and E_2's gradients ignore λ_1, λ_2."""
    off = _generator_grads(JointConfig(lam_3d=0.0, lam1=0.0, lam2=0.0))
    on = _generator_grads(JointConfig(lam_3d=0.0, lam1=1.0, lam2=1.0))
    assert _same(off["g_f"], on["g_f"]) and _same(off["e_2"], on["e_2"])
    assert not _same(off["g_img"], on["g_img"])


def test_e2_learns_only_from_eq8():
    """E_2's gradient is Eq. 8's whatever Eq. 3's adversarial weight; discriminators get none."""
    a = _generator_grads(JointConfig(lam_3d=0.0, lam_adv=0.0))
    b = _generator_grads(JointConfig(lam_3d=0.0, lam_adv=10.0))
    assert _same(a["e_2"], b["e_2"]) and any(g.abs().sum() > 0 for g in a["e_2"])
    assert all(float(g.abs().sum()) == 0 for g in a["d_img"] + a["d_f"])


def test_losses_and_ablation_flags_remove_exactly_their_term():
    data, feats, e_id, init, x = _toy()
    m = {k: v.train() for k, v in init.items()}
    x_r, f_id, f_1, z_1, z_2 = _batch(x, feats)
    with torch.no_grad():
        r = render_pair(m, x_r, f_id, f_1, z_1, z_2)
        base = JointConfig(lam_3d=0.0, lam_perc=0.0, lam_f=0.3, lam_adv=0.7, lam1=0.01, lam2=0.02,
                           id_lowpass=1)                                                  # the paper's
        full = generator_losses(m, e_id, r, x_r, f_id, base)
        t = {k: float(v) for k, v in full.items() if k.startswith("phi_")}
        # Eq. 11 by hand: ‖f_id − E_id(x)‖² at norm 16, batch mean
        assert t["phi_id_rec"] == pytest.approx(float((f_id - e_id.for_generator(r["x_rec"])).pow(2).sum(1).mean()),
                                                rel=1e-5)
        assert float(eq8_e2_loss(x_r, r["x_rec"])) == pytest.approx(t["phi_rec"], rel=1e-6)
        eq3 = 0.7 * t["phi_img_rec"] + t["phi_rec"] + 0.01 * t["phi_id_rec"] + 0.02 * t["phi_id_s"]
        eq1 = t["phi_f1"] + t["phi_f2"] + 0.3 * t["phi_img_s"]
        assert float(full["g_img"]) == pytest.approx(eq3, rel=1e-5)
        assert float(full["g_f"]) == pytest.approx(eq1, rel=1e-5)
        assert float(full["e_2"]) == pytest.approx(t["phi_rec"], rel=1e-6)

        def losses(flag):
            return generator_losses(m, e_id, r, x_r, f_id, JointConfig(**{**base.__dict__, flag: False}))

        no_id, no_f, no_img, no_rec = (losses(f) for f in ("use_id", "use_f", "use_img", "use_rec"))
        assert float(no_id["g_img"]) == pytest.approx(eq3 - 0.01 * t["phi_id_rec"] - 0.02 * t["phi_id_s"], rel=1e-5)
        assert float(no_id["g_f"]) == pytest.approx(eq1, rel=1e-5)
        assert float(no_f["g_f"]) == pytest.approx(0.3 * t["phi_img_s"], rel=1e-5)
        assert float(no_f["g_img"]) == pytest.approx(eq3, rel=1e-5)
        assert float(no_img["g_img"]) == pytest.approx(eq3 - 0.7 * t["phi_img_rec"], rel=1e-5)
        assert float(no_img["g_f"]) == pytest.approx(t["phi_f1"] + t["phi_f2"], rel=1e-5)
        assert float(no_rec["g_img"]) == pytest.approx(eq3 - t["phi_rec"], rel=1e-5) and "e_2" not in no_rec
    # the discriminators' side (R1 needs gradients)
    assert set(discriminator_losses(m, r, x_r, f_1, 0.5, base)) >= {"d_f", "d_img"}
    assert "d_f" not in discriminator_losses(m, r, x_r, f_1, 0.5, JointConfig(lam_3d=0.0, use_f=False))
    assert "d_img" not in discriminator_losses(m, r, x_r, f_1, 0.5, JointConfig(lam_3d=0.0, use_img=False))
    scales = term_scales(m, e_id, x_r, f_id, f_1, z_1, z_2, base)
    assert scales["Eq. 3 λ_1 φ_id(x^rec)"]["weighted"] == pytest.approx(0.01 * t["phi_id_rec"], rel=1e-5)
    assert set(ABLATIONS) == {"full", "no_id", "no_f", "no_img", "no_rec"}


def test_joint_step_moves_only_the_live_players():
    data, feats, e_id, init, x = _toy()
    m = {k: copy.deepcopy(v).train() for k, v in init.items()}
    opts = {p: torch.optim.Adam([q for n in names for q in m[n].parameters()], lr=1e-3) for p, names in PLAYERS.items()}
    before = {k: copy.deepcopy(v.state_dict()) for k, v in m.items()}
    logs, k = joint_step(m, e_id, opts, *_batch(x, feats), k=0.0, cfg=JointConfig(lam_3d=0.0, use_img=False))
    assert k == 0.0 and {"phi_id_s", "M", "d_f", "g_img", "g_f", "e_2"} <= set(logs)
    changed = {name: any(not torch.equal(a, b) for a, b in zip(before[name].values(), mod.state_dict().values()))
               for name, mod in m.items()}
    assert changed == {"e_2": True, "g_f1": True, "d_f1": True, "g_f2": True, "d_f2": True, "g_img": True,
                       "d_img": False}


def test_train_joint_runs_and_resumes_identically(tmp_path, monkeypatch):
    import facefeat_lite.facefeat.training as training

    data, feats, e_id, init, _ = _toy()
    cfg = JointConfig(lam_3d=0.0, steps=8, batch=4, lr=1e-3, ckpt_every=4, schedule="step")
    ref = train_joint(data, feats, e_id, init, cfg, root=str(tmp_path / "a"), progress=False)
    assert set(ref.model) == set(init) and 0.0 <= ref.extra["k"] <= 1.0
    assert all(not p.requires_grad for mod in ref.model.values() for p in mod.parameters())
    real_fit = training.fit
    monkeypatch.setattr(training, "fit", dying_fit(real_fit, 6))
    with pytest.raises(KeyboardInterrupt):
        train_joint(data, feats, e_id, init, cfg, root=str(tmp_path / "b"), progress=False)
    monkeypatch.setattr(training, "fit", real_fit)
    resumed = train_joint(data, feats, e_id, init, cfg, root=str(tmp_path / "b"), progress=False)
    for key in ("g_img", "g_f", "d_img", "d_f", "e_2", "k"):
        assert resumed.history[key] == pytest.approx(ref.history[key], rel=1e-5), key
    with pytest.raises(ValueError, match="init needs"):
        train_joint(data, feats, e_id, {k: v for k, v in init.items() if k != "d_img"}, cfg, root=str(tmp_path))


def test_a_switched_off_player_keeps_its_schedule_and_raises_no_warning(tmp_path):
    """no_img: D^I never updates, so its learning-rate schedule must not step either (PyTorch
    warns when a scheduler steps before its optimizer ever has)."""
    import warnings

    data, feats, e_id, init, _ = _toy()
    cfg = JointConfig(lam_3d=0.0, use_img=False, steps=3, batch=4, lr=1e-3)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*lr_scheduler.step.*")
        out = train_joint(data, feats, e_id, init, cfg, root=str(tmp_path), progress=False)
    assert len(out.history["g_img"]) == 3


def test_gradient_routes_show_the_papers_split():
    data, feats, e_id, init, x = _toy()
    frozen = {k: freeze(copy.deepcopy(v)) for k, v in init.items()}
    routes = gradient_routes(frozen, e_id, *_batch(x, feats))
    assert routes == {"φ^f(f^s)": ["g_f"], "φ^I(x^s)": ["g_f"], "φ^I(x^rec)": ["g_img"], "φ_rec": ["g_img", "e_2"],
                      "φ_id(x^rec)": ["g_img"], "φ_id(x^s)": ["g_img"],
                      "φ_perc(x^rec)": ["g_img"]}                      # the deviation, on E_id: G^I only
    assert all(p.grad is None and not p.requires_grad for mod in frozen.values() for p in mod.parameters())


def test_phi_3d_deviation_trains_gi_only_and_needs_e1():
    from facefeat_lite.facefeat.extractors import PoseExpressionExtractor
    from facefeat_lite.facefeat.joint import phi_3d

    data, feats, e_id, init, x = _toy()
    e_1 = PoseExpressionExtractor(D1, "resnet18", width=4, depths=[1, 1, 1, 1], stem_stride=2)
    with pytest.raises(ValueError, match="frozen"):
        phi_3d(torch.zeros(2, D1), e_1, x[:2])
    e_1 = freeze(e_1)
    f = torch.randn(2, D1)
    sq = (f - e_1(x[:2])).pow(2)
    assert float(phi_3d(f, e_1, x[:2])) == pytest.approx(float(sq.sum(1).mean()), rel=1e-6)
    pose = torch.tensor([0.0] * (D1 - 3) + [1.0] * 3)
    assert float(phi_3d(f, e_1, x[:2], pose)) == pytest.approx(float(sq[:, -3:].sum(1).mean()), rel=1e-6)
    routes = gradient_routes(init, e_id, *_batch(x, feats), e_1=e_1)
    assert routes["φ_3d(x^s)"] == ["g_img"]
    m = {k: v.train() for k, v in init.items()}
    x_r, f_id, f_1, z_1, z_2 = _batch(x, feats)
    with torch.no_grad():
        r = render_pair(m, x_r, f_id, f_1, z_1, z_2)
        on = generator_losses(m, e_id, r, x_r, f_id, JointConfig(lam_3d=0.5), e_1)
        off = generator_losses(m, e_id, r, x_r, f_id, JointConfig(lam_3d=0.0), e_1)
        assert float(on["g_img"] - off["g_img"]) == pytest.approx(0.5 * float(on["phi_3d_s"]), rel=1e-5)
        with pytest.raises(ValueError, match="needs the frozen E_1"):
            generator_losses(m, e_id, r, x_r, f_id, JointConfig(lam_3d=0.5))


def test_phi_perc_deviation_by_hand_trains_gi_only_and_survives_every_ablation():
    """φ_perc(x) = Σ_l mean_{b,h,w} Σ_c (n(h_l(x)) − n(h_l(x^r)))² over the first two stages, n = unit
    length over channels; G^I alone learns from it; like φ_3d, no ablation flag removes it."""
    from facefeat_lite.facefeat.extractors import PoseExpressionExtractor
    from facefeat_lite.facefeat.joint import phi_perc

    data, feats, e_id, init, x = _toy()
    net = e_id.backbone
    a, b = x[:3], x[3:6]
    h_a, h_b, want = net.stem(a), net.stem(b), 0.0
    for stage in list(net.stages)[:2]:
        h_a, h_b = stage(h_a), stage(h_b)
        na, nb = (h / (h.pow(2).sum(1, keepdim=True) + 1e-10).sqrt() for h in (h_a, h_b))   # 0 where ReLU is 0
        want += float((na - nb).pow(2).sum(1).mean())
    assert float(phi_perc(net, a, b)) == pytest.approx(want, rel=1e-5)
    assert float(phi_perc(net, a, a)) == pytest.approx(0.0, abs=1e-6)
    with pytest.raises(ValueError, match="same shape"):
        phi_perc(net, a, x[:2])
    routes = gradient_routes(init, e_id, *_batch(x, feats))
    assert routes["φ_perc(x^rec)"] == ["g_img"]                 # not E_2 (Eq. 8 stays L1), not G^f
    m = {k: v.train() for k, v in init.items()}
    x_r, f_id, f_1, z_1, z_2 = _batch(x, feats)
    with torch.no_grad():
        r = render_pair(m, x_r, f_id, f_1, z_1, z_2)
        on = generator_losses(m, e_id, r, x_r, f_id, JointConfig(lam_3d=0.0, lam_perc=0.5))
        off = generator_losses(m, e_id, r, x_r, f_id, JointConfig(lam_3d=0.0, lam_perc=0.0))
        assert float(on["phi_perc_rec"]) == pytest.approx(float(phi_perc(net, r["x_rec"], x_r)), rel=1e-6)
        assert float(on["g_img"] - off["g_img"]) == pytest.approx(0.5 * float(on["phi_perc_rec"]), rel=1e-5)
        no_rec = generator_losses(m, e_id, r, x_r, f_id, JointConfig(lam_3d=0.0, lam_perc=0.5, use_rec=False))
        assert float(no_rec["g_img"]) == pytest.approx(float(on["g_img"]) - float(on["phi_rec"]), rel=1e-5)
        with pytest.raises(ValueError, match="needs the frozen e_1"):                    # E_1 not passed
            generator_losses(m, e_id, r, x_r, f_id, JointConfig(lam_3d=0.0, perc_net="e_1"))
        e_1 = freeze(PoseExpressionExtractor(D1, "resnet18", width=4, depths=[1, 1, 1, 1], stem_stride=2))
        via_e1 = generator_losses(m, e_id, r, x_r, f_id, JointConfig(lam_3d=0.0, perc_net="e_1"), e_1)
        assert float(via_e1["phi_perc_rec"]) == pytest.approx(float(phi_perc(e_1.backbone, r["x_rec"], x_r)), rel=1e-6)
        with pytest.raises(ValueError, match="perc_net must be"):
            generator_losses(m, e_id, r, x_r, f_id, JointConfig(lam_3d=0.0, perc_net="vgg"))


def test_ablation_variants_differ_only_in_their_flag():
    from facefeat_lite.facefeat.suite import joint_config
    from facefeat_lite.notebook_params import JointParams

    base = JointParams.defaults()
    full = joint_config(JointParams.from_mapping(base, smoke=False)).__dict__
    for variant, flag in ABLATIONS.items():
        cfg = joint_config(JointParams.from_mapping({**base, "j_variant": variant}, smoke=False)).__dict__
        changed = {k for k in full if cfg[k] != full[k]}
        assert changed == (set() if flag is None else {flag}) and (flag is None or cfg[flag] is False)
    with pytest.raises(ValueError, match="j_variant must be one of"):
        joint_config(JointParams.from_mapping({**base, "j_variant": "no_everything"}, smoke=False))


def test_train_joint_refuses_phi_3d_without_e1(tmp_path):
    data, feats, e_id, init, _ = _toy()
    with pytest.raises(ValueError, match="needs the frozen E_1"):
        train_joint(data, feats, e_id, init, JointConfig(lam_3d=0.1, steps=1), root=str(tmp_path), progress=False)


def test_id_lowpass_compares_identity_on_low_passed_images_on_both_sides():
    """id_lowpass = f: φ_id = ‖E_id(lowpass(x^r)) − E_id(lowpass(x))‖² (Eq. 11 on pooled images);
    1 is the paper's ‖f_id − E_id(x)‖²; the gradient still reaches G^I only."""
    import torch.nn.functional as F

    from facefeat_lite.data.faceset import lowpass

    data, feats, e_id, init, x = _toy()
    m = {k: v.train() for k, v in init.items()}
    x_r, f_id, f_1, z_1, z_2 = _batch(x, feats)
    # the low-pass keeps the coarse picture (its 2 × 2 means, roughly) and removes the detail
    pooled = lowpass(x_r, 2)
    assert pooled.shape == x_r.shape and torch.equal(lowpass(x_r, 1), x_r)
    assert torch.allclose(F.avg_pool2d(pooled, 2), F.avg_pool2d(x_r, 2), atol=0.15)
    assert float((pooled - x_r).abs().mean()) > 0.01           # it does blur
    with pytest.raises(ValueError, match="whole number"):
        lowpass(x_r, 0)
    with torch.no_grad():
        r = render_pair(m, x_r, f_id, f_1, z_1, z_2)
        t = generator_losses(m, e_id, r, x_r, f_id, JointConfig(lam_3d=0.0, id_lowpass=2))
        target = e_id.for_generator(lowpass(x_r, 2))
        for key, img in (("phi_id_rec", r["x_rec"]), ("phi_id_s", r["x_s"])):
            by_hand = (target - e_id.for_generator(lowpass(img, 2))).pow(2).sum(1).mean()
            assert float(t[key]) == pytest.approx(float(by_hand), rel=1e-5)
        paper = generator_losses(m, e_id, r, x_r, f_id, JointConfig(lam_3d=0.0, id_lowpass=1))
        assert float(paper["phi_id_s"]) != pytest.approx(float(t["phi_id_s"]), rel=1e-3)
    off = _generator_grads(JointConfig(lam_3d=0.0, lam1=0.0, lam2=0.0, id_lowpass=2))
    on = _generator_grads(JointConfig(lam_3d=0.0, lam1=1.0, lam2=1.0, id_lowpass=2))
    assert _same(off["g_f"], on["g_f"]) and _same(off["e_2"], on["e_2"])
    assert not _same(off["g_img"], on["g_img"])


def test_g_img_lr_mult_scales_only_gi_and_keeps_the_cache_key_at_one(tmp_path):
    """``g_img_lr_mult`` 0 leaves G^I exactly where it started while the others move; at 1 (the
    paper's single rate) the config has no such key, so the checkpoints trained before it still load."""
    data, feats, e_id, init, _ = _toy()
    base = dict(lam_3d=0.0, lam_perc=0.0, steps=2, batch=4, lr=1e-3)
    still = train_joint(data, feats, e_id, init, JointConfig(**base, g_img_lr_mult=0.0), root=str(tmp_path / "a"),
                        progress=False)
    moved = train_joint(data, feats, e_id, init, JointConfig(**base), root=str(tmp_path / "b"), progress=False)
    for name, model in init.items():
        same = _same(list(model.parameters()), list(still.model[name].parameters()))
        assert same == (name == "g_img"), name
    assert not _same(list(init["g_img"].parameters()), list(moved.model["g_img"].parameters()))
    assert "g_img_lr_mult" not in moved.config and still.config["g_img_lr_mult"] == 0.0
    with pytest.raises(ValueError, match="g_img_lr_mult"):
        train_joint(data, feats, e_id, init, JointConfig(**base, g_img_lr_mult=-1.0), root=str(tmp_path / "c"),
                    progress=False)


def test_entries_3d_weighs_the_pose_and_the_named_expressions():
    from facefeat_lite.data.fields import EXPRESSION_NAMES
    from facefeat_lite.facefeat.joint import _entries_3d

    dim = len(EXPRESSION_NAMES) + 3
    assert _entries_3d("all", dim) is None
    assert _entries_3d("pose", dim).tolist() == [0.0] * (dim - 3) + [1.0] * 3
    w = _entries_3d("pose+jaw_open,smile", dim)
    assert w.sum() == 5 and w[-3:].tolist() == [1.0] * 3
    assert w[EXPRESSION_NAMES.index("jaw_open")] == 1 and w[EXPRESSION_NAMES.index("smile")] == 1
    for bad in ("jaw_open", "pose+", "pose+grin", "everything"):
        with pytest.raises(ValueError, match="entries_3d must be"):
            _entries_3d(bad, dim)
    with pytest.raises(ValueError, match="f_1 of 4"):
        _entries_3d("pose+smile", 4)                   # named entries need SynthFaces' f_1 layout
    with pytest.raises(ValueError, match="entries_3d must be"):
        JointConfig(entries_3d="pose+jaw")             # a misspelt name fails when the config is made
