"""FaceSet, the extractor recipes (load-or-train, resume) and the judge (never a loss)."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from conftest import dying_fit
from facefeat_lite.data.faceset import FaceSet, augment, degrade, holdout_split, to_model
from facefeat_lite.facefeat.judge import Judge, JudgeConfig, JudgeNet, check_unit_range, train_judge
from facefeat_lite.facefeat.training import (E1Config, E2Config, EidConfig, e1_r2, e2_l1, e2_view_l1,
                                             identification_accuracy, make_scheduler, train_e1, train_e2, train_e_id)
from facefeat_lite.metrics import verification_10fold

TINY = dict(width=4, depths=[1, 1, 1, 1], batch=8, ckpt_every=2)


def toy_set(n_ids=4, per_id=5, size=32, seed=0) -> FaceSet:
    """Each identity a flat colour (+ noise); f3d = two numbers that scale the brightness."""
    g = torch.Generator().manual_seed(seed)
    ident = torch.arange(n_ids).repeat_interleave(per_id)
    colours = torch.rand(n_ids, 3, 1, 1, generator=g)
    f3d = torch.rand(len(ident), 2, generator=g)
    x = colours[ident] * (0.5 + 0.5 * f3d[:, :1, None, None]) + 0.05 * torch.rand(len(ident), 3, size, size, generator=g)
    images = (x.clamp(0, 1) * 255).round().to(torch.uint8)
    return FaceSet(identity=ident, images=images, f3d=f3d, name="toy", fingerprint=f"toy{seed}")


def test_faceset_checks_and_take():
    fs = toy_set()
    assert len(fs) == 20 and fs.n_ids == 4 and fs.image_size == 32
    assert torch.equal(fs.take(torch.tensor([3, 0])), fs.images[[3, 0]])
    assert to_model(torch.tensor([0, 255], dtype=torch.uint8)).tolist() == [-1.0, 1.0]
    with pytest.raises(ValueError, match="uint8"):
        FaceSet(identity=torch.zeros(2), images=torch.zeros(2, 3, 8, 8))
    with pytest.raises(ValueError, match="exactly one"):
        FaceSet(identity=torch.zeros(2))
    with pytest.raises(ValueError, match="labels"):
        FaceSet(identity=torch.zeros(3), images=torch.zeros(2, 3, 8, 8, dtype=torch.uint8))


def test_holdout_split_per_identity():
    ident = torch.tensor([0] * 5 + [1] * 2 + [2] * 1)
    tr, ho = holdout_split(ident, 0.4)
    assert ho.tolist() == [3, 4, 6]          # last 2 of id 0, last 1 of id 1, none of id 2 (one image)
    assert sorted(tr.tolist() + ho.tolist()) == list(range(8))


def test_augment_deterministic_and_flip():
    x = torch.rand(6, 3, 16, 16) * 2 - 1
    a = augment(x, torch.Generator().manual_seed(1), shift=2, flip=True)
    b = augment(x, torch.Generator().manual_seed(1), shift=2, flip=True)
    assert torch.equal(a, b) and a.shape == x.shape
    m = augment(x, torch.Generator().manual_seed(0), shift=0, brightness=0.0, flip=True)
    flipped = [torch.equal(m[i], x[i].flip(-1)) for i in range(6)]
    kept = [torch.equal(m[i], x[i]) for i in range(6)]
    assert all(f or k for f, k in zip(flipped, kept)) and any(flipped)


def test_degrade_blurs_and_noises_a_share_of_the_images():
    """The judge's degradations: p = 0 leaves the batch as it is; p = 1 changes every image,
    stays in [-1, 1] and is deterministic in the generator; a blurred image is smoother."""
    x = torch.rand(64, 3, 16, 16) * 2 - 1
    assert torch.equal(degrade(x, torch.Generator().manual_seed(0), p=0.0), x)
    a = degrade(x, torch.Generator().manual_seed(3), p=1.0)
    assert torch.equal(a, degrade(x, torch.Generator().manual_seed(3), p=1.0))
    assert a.shape == x.shape and a.min() >= -1 and a.max() <= 1
    changed = (a - x).flatten(1).abs().amax(1) > 0
    assert changed.float().mean() > 0.9                 # noise σ ~ U[0, 0.15]: almost surely > 0
    blur_only = degrade(x, torch.Generator().manual_seed(3), p=1.0, max_noise=0.0)
    roughness = lambda t: (t[..., 1:] - t[..., :-1]).abs().mean()      # noqa: E731
    assert roughness(blur_only) < 0.8 * roughness(x)   # three in four images pooled ×2..×4
    half = degrade(x, torch.Generator().manual_seed(5), p=0.5)
    kept = ((half - x).flatten(1).abs().amax(1) == 0).float().mean()
    assert 0.3 < kept < 0.7
    with pytest.raises(ValueError, match="probability"):
        degrade(x, torch.Generator(), p=1.5)


def test_faceset_from_identity_folder(tmp_path):
    """The real-data path: a tiny CASIA-style tree read on demand by the thread pool."""
    from facefeat_lite.data.real import IdentityFolder

    for person, colour in (("alice", (200, 30, 30)), ("bob", (30, 30, 200))):
        (tmp_path / person).mkdir()
        for k in range(3):
            Image.new("RGB", (40, 48), colour).save(tmp_path / person / f"{k}.jpg")
    ds = IdentityFolder(tmp_path, size=32)
    lazy, mem = FaceSet.from_dataset(ds, workers=2), FaceSet.from_dataset(ds, in_memory=True)
    assert lazy.image_size == 32 and lazy.identity.tolist() == [0, 0, 0, 1, 1, 1] and lazy.f3d is None
    assert torch.equal(lazy.take(torch.tensor([4, 0])), mem.images[[4, 0]])
    assert lazy.fingerprint == mem.fingerprint and lazy.describe()["n_ids"] == 2
    with pytest.raises(ValueError, match="f_3d targets"):
        train_e1(lazy, torch.arange(6), E1Config(steps=1, **TINY), progress=False)


def test_schedules():
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.Adam([p], lr=8e-5)
    sched = make_scheduler(opt, EidConfig(schedule="step", lr=8e-5, lr_late=5e-5, decay_step=3))
    lrs = []
    for _ in range(5):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step(); sched.step()
    assert lrs[:3] == [8e-5] * 3 and lrs[3] == pytest.approx(5e-5)
    with pytest.raises(ValueError, match="schedule"):
        make_scheduler(opt, EidConfig(schedule="cosine"))


def test_recipes_cache_and_frozen(tmp_path, capsys):
    fs = toy_set()
    tr, ho = holdout_split(fs.identity)
    cfg = EidConfig(steps=4, **TINY)
    e_id = train_e_id(fs, tr, cfg, root=tmp_path, progress=False)
    assert "training e_id" in capsys.readouterr().out
    assert len(e_id.history["loss"]) == 4 and not e_id.model.training
    assert not any(p.requires_grad for p in e_id.model.parameters())
    again = train_e_id(fs, tr, cfg, root=tmp_path, progress=False)          # cache hit: no training
    assert "cache hit" in capsys.readouterr().out
    x = to_model(fs.images[:3])
    assert torch.equal(again.model(x), e_id.model(x))
    assert 0.0 <= identification_accuracy(e_id.model, fs, ho) <= 1.0
    train_e_id(toy_set(seed=1), tr, cfg, root=tmp_path, progress=False)    # other data -> miss
    assert "training e_id" in capsys.readouterr().out

    e_1 = train_e1(fs, tr, E1Config(steps=3, **TINY), root=tmp_path, progress=False)
    mu = fs.f3d[tr].mean(0)
    assert torch.allclose(e_1.model.f_mean, mu, atol=1e-6)                # standardizer saved with E_1
    r2, pred = e1_r2(e_1.model, fs, ho, {"a": slice(0, 1), "b": slice(1, 2)})
    assert pred.shape == (len(ho), 2) and set(r2) == {"a", "b"}

    with pytest.raises(ValueError, match="view pairs"):
        train_e2(fs, tr, E2Config(steps=2, n=4, batch=4, lam_view=1.0), e_id, e_1, root=tmp_path, progress=False)
    with pytest.raises(ValueError, match="augment=False"):
        train_e2(fs, tr, E2Config(steps=2, n=4, batch=4, lam_view=1.0, augment=True), e_id, e_1, root=tmp_path,
                 progress=False, views=fs)
    e_2 = train_e2(fs, tr, E2Config(steps=2, n=4, batch=4, ckpt_every=1), e_id, e_1, root=tmp_path, progress=False)
    assert set(e_2.model) == {"e_2", "g_img"} and e_2.config["e_id"] != e_2.config["e_1"]
    assert "view_l1" not in e_2.history and "lam_view" not in e_2.config   # no φ_view: the key it had before it
    # φ_perc (the CPU preset's deviation): logged beside Eq. 8's L1 and added at its weight;
    # switched off, the config and the history are Eq. 8's alone.
    assert e_2.config["lam_perc"] == 0.3 and len(e_2.history["perc"]) == 2
    assert e_2.history["loss"][0] == pytest.approx(e_2.history["rec_l1"][0] + 0.3 * e_2.history["perc"][0], rel=1e-5)
    paper = train_e2(fs, tr, E2Config(steps=2, n=4, batch=4, lam_perc=0.0), e_id, e_1, root=tmp_path, progress=False)
    assert "lam_perc" not in paper.config and set(paper.history) == {"loss"} and paper.config != e_2.config
    # With view pairs (here the toy images mirrored): both terms logged, the views asked for only to train.
    asked = []
    mirrored = FaceSet(identity=fs.identity, images=fs.images.flip(-1), name="toy-views", fingerprint="m")
    viewed = train_e2(fs, tr, E2Config(steps=2, n=4, batch=4, lam_view=1.0), e_id, e_1, root=tmp_path,
                      progress=False, views=lambda: asked.append(1) or mirrored)
    assert asked == [1] and len(viewed.history["view_l1"]) == 2 and len(viewed.history["rec_l1"]) == 2
    assert viewed.config["lam_view"] == 1.0
    h = viewed.history
    assert h["loss"][0] == pytest.approx(h["rec_l1"][0] + h["view_l1"][0] + 0.3 * h["perc"][0], rel=1e-5)
    train_e2(fs, tr, E2Config(steps=2, n=4, batch=4, lam_view=1.0), e_id, e_1, root=tmp_path, progress=False,
             views=lambda: pytest.fail("a cached E_2 needs no view pairs"))
    # E_1's read-back of the view renderings: logged and added at its weight, a new cache key;
    # without view pairs it is refused.
    back = train_e2(fs, tr, E2Config(steps=2, n=4, batch=4, lam_view=1.0, lam_view_3d=0.2), e_id, e_1,
                    root=tmp_path, progress=False, views=mirrored)
    hb = back.history
    assert len(hb["view_3d"]) == 2 and back.config["lam_view_3d"] == 0.2 and "lam_view_3d" not in viewed.config
    assert hb["loss"][0] == pytest.approx(hb["rec_l1"][0] + hb["view_l1"][0] + 0.3 * hb["perc"][0]
                                          + 0.2 * hb["view_3d"][0], rel=1e-5)
    with pytest.raises(ValueError, match="needs lam_view > 0"):
        train_e2(fs, tr, E2Config(steps=2, n=4, batch=4, lam_view_3d=0.2), e_id, e_1, root=tmp_path,
                 progress=False, views=mirrored)
    l1 = e2_l1(e_id.model, e_1.model, e_2.model["e_2"], e_2.model["g_img"], fs, ho)
    assert 0.0 < l1 < 4.0
    same = e2_view_l1(e_id.model, e_1.model, e_2.model["e_2"], e_2.model["g_img"], fs, fs, ho)  # x′ = x
    assert same["from_f1"] == pytest.approx(l1, rel=1e-5) and same["unturned"] == pytest.approx(l1, rel=1e-5)

    # The feature cache: a second call reads the file back; other weights or indices miss it.
    from facefeat_lite.facefeat.suite import FeatureModels, extract_features

    models = FeatureModels(e_id, e_1, e_2, None)
    plain = extract_features(models, fs, tr)
    first = extract_features(models, fs, tr, cache_dir=tmp_path / "feats")
    files = list((tmp_path / "feats").glob("features-*.pt"))
    assert len(files) == 1 and all(torch.equal(first[k], plain[k]) for k in ("f_id", "f_1", "f_2", "idx"))
    torch.save({"format": "facefeat-lite-checkpoint/1", "config": torch.load(files[0], weights_only=True)["config"],
                "features": {k: v + 1 for k, v in plain.items() if k != "idx"}}, files[0])   # mark the file
    assert torch.equal(extract_features(models, fs, tr, cache_dir=tmp_path / "feats")["f_1"], plain["f_1"] + 1)
    assert torch.equal(extract_features(models, fs, ho, cache_dir=tmp_path / "feats")["f_1"],
                       extract_features(models, fs, ho)["f_1"])                          # other indices: computed
    with torch.no_grad():
        next(e_1.model.parameters()).add_(0.01)                                          # other weights, same config
    changed = extract_features(models, fs, tr, cache_dir=tmp_path / "feats")
    assert not torch.equal(changed["f_1"], plain["f_1"] + 1)
    assert len(list((tmp_path / "feats").glob("features-*.pt"))) == 3


def test_recipe_resume_matches_uninterrupted(tmp_path, monkeypatch):
    """Kill E_id's training after its step-2 checkpoint; the rerun resumes and ends identical."""
    import facefeat_lite.train.core as core

    fs = toy_set()
    tr, _ = holdout_split(fs.identity)
    cfg = EidConfig(steps=5, **TINY)
    ref = train_e_id(fs, tr, cfg, root=tmp_path / "a", progress=False)

    real_fit = core.fit


    import facefeat_lite.facefeat.training as training
    monkeypatch.setattr(training, "fit", dying_fit(real_fit, 3))
    with pytest.raises(KeyboardInterrupt):
        train_e_id(fs, tr, cfg, root=tmp_path / "b", progress=False)
    assert len(list((tmp_path / "b").glob("*-partial.pt"))) == 1
    monkeypatch.setattr(training, "fit", real_fit)
    resumed = train_e_id(fs, tr, cfg, root=tmp_path / "b", progress=False)
    assert resumed.history["loss"] == ref.history["loss"]
    assert not list((tmp_path / "b").glob("*-partial.pt"))


def test_judge_is_never_differentiable():
    net = JudgeNet(n_ids=3, width=4, emb_dim=8)
    judge = Judge(net)
    x = torch.rand(2, 3, 32, 32, requires_grad=True)
    e = judge.embed(x)
    assert e.shape == (2, 8) and not e.requires_grad
    assert torch.allclose(e.norm(dim=1), torch.ones(2), atol=1e-5)
    assert not isinstance(judge, torch.nn.Module) and not any(p.requires_grad for p in judge.net.parameters())
    assert torch.allclose(judge.similarity(x, x), torch.ones(2), atol=1e-5)
    u8 = (x.detach() * 255).round().to(torch.uint8)
    assert torch.allclose(judge.embed(u8), e, atol=0.05)
    with pytest.raises(ValueError, match=r"\(x \+ 1\) / 2"):
        judge.embed(x.detach() * 2 - 1)
    assert check_unit_range(torch.zeros(0, 3, 4, 4)).shape == (0, 3, 4, 4)


def test_judge_pair_means_and_verification():
    torch.manual_seed(0)
    judge = Judge(JudgeNet(n_ids=3, width=4, emb_dim=8))
    x = torch.rand(20, 3, 32, 32)
    a = torch.cat([torch.arange(10), torch.arange(10)])
    b = torch.cat([torch.arange(10), torch.arange(10, 20)])              # an image with itself, or another
    same = torch.arange(20) < 10
    emb = judge.embed(x)
    diff = float((emb[:10] * emb[10:]).sum(1).mean())
    assert judge.pair_means(x, (a, b, same)) == pytest.approx((1.0, diff), abs=1e-5)
    res = judge.verify(x, (a, b, same))
    want = verification_10fold((emb[a] * emb[b]).sum(1), same)
    assert (res.mean, res.std) == pytest.approx((want.mean, want.std)) and len(res.fold_accuracies) == 10
    assert res.mean >= 0.8                              # an image with itself (cos 1) is easy to accept


def test_judge_stem_keeps_full_resolution_before_the_stages():
    """stem > 0: one stride-1 conv at the input's size, then the same four stride-2 stages."""
    plain, stemmed = JudgeNet(n_ids=3, width=4, emb_dim=8), JudgeNet(n_ids=3, width=4, emb_dim=8, stem=5)
    x = torch.rand(2, 3, 32, 32)
    first = stemmed.features[0]
    assert isinstance(first, torch.nn.Conv2d) and first.stride == (1, 1) and first.out_channels == 5
    assert first(x).shape[-2:] == (32, 32)                        # full resolution
    assert stemmed.features[3][0].in_channels == 5                # the first stage reads the stem
    assert plain.features[0][0].in_channels == 3 and plain.features[0][0].stride == (2, 2)
    assert stemmed.eval()(x).shape == plain.eval()(x).shape == (2, 8)


def test_train_judge_tiny(tmp_path):
    fs = toy_set()
    t = train_judge(fs, torch.arange(len(fs)), JudgeConfig(steps=3, width=4, emb_dim=8, batch=8, ckpt_every=2),
                    root=tmp_path, progress=False)
    assert isinstance(t.model, Judge) and len(t.history["loss"]) == 3
    assert t.config["seed"] != EidConfig().seed        # another seed than the extractors
    assert t.model.embed(fs.images[:4]).shape == (4, 8)


def test_template_views_give_the_judge_shape_only_images_of_its_own_people(tmp_path):
    """judge_template_ids: the judge split again in the shared template appearance, same labels,
    plus further template-only people (with twins) as new classes."""
    from facefeat_lite.data.synthfaces import SynthFaces, SynthFacesConfig, identities
    from facefeat_lite.facefeat.extractor_data import load_extractor_data

    kw = dict(image_size=32, n_train_ids=2, samples_per_id=2, n_test_ids=2, n_judge_ids=2, judge_samples_per_id=2,
              cache_dir=tmp_path, n_pairs=20, progress=False)
    plain = load_extractor_data(**kw).judge
    data = load_extractor_data(**kw, judge_template_ids=3, judge_template_samples=2)
    j = data.judge
    assert (plain.n_ids, j.n_ids, len(j)) == (4, 6, 8 + 12)
    assert torch.equal(j.images[:8], plain.images) and torch.equal(j.identity[:8], plain.identity)
    # The template split (labels 0..2 bases, 3..5 twins) maps to: its bases 0, 1 -> 0, 1; base 2 -> 4;
    # twins of 0, 1 -> the judge's twin labels 2, 3; twin of base 2 -> 5.
    assert j.identity[8:].tolist() == [0, 0, 1, 1, 4, 4, 2, 2, 3, 3, 5, 5]
    assert j.twin_of.tolist() == [2, 3, 0, 1, 5, 4]
    # The same people: template faces have the judge's shapes and the template's appearance.
    t_cfg = SynthFacesConfig(image_size=32, n_train_ids=2, n_test_ids=2, n_judge_ids=3, samples_per_id=2,
                             share_appearance=True)
    ours = identities(SynthFacesConfig(image_size=32, n_train_ids=2, n_test_ids=2, n_judge_ids=2,
                                       samples_per_id=2), "judge")["params"]
    theirs = identities(t_cfg, "judge")["params"]
    shape = SynthFaces("judge", t_cfg, tmp_path, progress=False).model.identity_slices["shape"]
    assert torch.equal(theirs[[0, 1, 3, 4], shape], ours[:, shape])        # bases, then twins
    assert not torch.equal(theirs[:, shape.stop:], ours[:1, shape.stop:].expand(6, -1))
    assert (theirs[:, shape.stop:] == theirs[:1, shape.stop:]).all()      # one appearance for all
    # Training and test data are untouched (same fingerprints: no extractor retrains).
    assert data.train.fingerprint == load_extractor_data(**kw).train.fingerprint
    assert j.fingerprint != plain.fingerprint
    with pytest.raises(ValueError, match="at least n_judge_ids=2"):
        load_extractor_data(**kw, judge_template_ids=1)


def test_eid_template_views_are_its_own_people_in_the_template_appearance(tmp_path):
    """eid_template_views: E_id's set is the train split plus the same samples in the shared
    template appearance, under the same labels, with held-out samples held out in both halves;
    every other part (and the train set's fingerprint) is untouched."""
    from facefeat_lite.data.synthfaces import SynthFaces, SynthFacesConfig
    from facefeat_lite.facefeat.extractor_data import load_extractor_data, with_own_template_views

    kw = dict(image_size=32, n_train_ids=3, samples_per_id=5, n_test_ids=2, n_judge_ids=2, judge_samples_per_id=2,
              cache_dir=tmp_path, n_pairs=20, progress=False)
    plain = load_extractor_data(**kw)
    assert plain.eid_train is plain.train and plain.eid_train_idx is plain.train_idx    # off: E_id's set is train
    data = load_extractor_data(**kw, eid_template_views=True)
    e, n = data.eid_train, len(data.train)
    assert len(e) == 2 * n and e.n_ids == data.train.n_ids
    assert torch.equal(e.identity, torch.cat([data.train.identity, data.train.identity]))
    assert torch.equal(e.images[:n], data.train.images) and not torch.equal(e.images[n:], data.train.images)
    assert torch.equal(data.eid_train_idx, torch.cat([data.train_idx, data.train_idx + n]))
    assert not set((data.holdout_idx + n).tolist()) & set(data.eid_train_idx.tolist())   # held out in both halves
    # The second half is the template split: one appearance for everyone, each person's own shape.
    t_cfg = SynthFacesConfig(image_size=32, n_train_ids=3, n_test_ids=2, n_judge_ids=2, samples_per_id=5,
                             share_appearance=True)
    assert torch.equal(e.images[n:], FaceSet.from_synthfaces(SynthFaces("train", t_cfg, tmp_path,
                                                                        progress=False)).images)
    for part in ("train", "judge", "test", "e1_train"):
        assert getattr(data, part).fingerprint == getattr(plain, part).fingerprint, part
    assert e.fingerprint != data.train.fingerprint                  # so E_id's checkpoint key changes
    assert "E_id (train + views)" in data.summary()
    with pytest.raises(ValueError, match="in its order"):
        with_own_template_views(data.train, data.judge, data.train_idx)


def test_real_folder_path_end_to_end(tmp_path):
    """dataset="folder": train/judge/test from disjoint identity splits, E_1 on SynthFaces."""
    from facefeat_lite.facefeat.extractor_data import load_extractor_data

    root = tmp_path / "casia"
    rng = np.random.default_rng(0)
    for k in range(20):
        (root / f"{k:07d}").mkdir(parents=True)
        colour = tuple(int(c) for c in rng.integers(0, 255, 3))
        for j in range(3):
            Image.new("RGB", (36, 40), colour).save(root / f"{k:07d}" / f"{j:03d}.jpg")
    data = load_extractor_data("folder", str(root), image_size=32, n_train_ids=3, samples_per_id=2,
                               n_test_ids=2, n_judge_ids=2, cache_dir=tmp_path / "cache", n_pairs=20,
                               progress=False, eid_template_views=True)
    assert data.train.images is None and data.train.f3d is None            # read on demand, no 3DMM
    assert data.eid_train is data.train                                    # no template appearance: ignored
    assert (data.train.n_ids, data.judge.n_ids, data.test.n_ids) == (16, 2, 2)
    assert data.e1_train.f3d is not None and data.e1_train.image_size == 32  # E_1 falls back to SynthFaces
    assert set(data.pairs) == {"standard"} and len(data.pairs["standard"][0]) == 20
    assert len(data.train_idx) + len(data.holdout_idx) == len(data.train)
    e_id = train_e_id(data.train, data.train_idx, EidConfig(steps=2, **TINY), root=tmp_path, progress=False)
    assert e_id.config["data"]["name"] == "identityfolder"
    judge = train_judge(data.judge, torch.arange(len(data.judge)),
                        JudgeConfig(steps=2, width=4, emb_dim=8, batch=4), root=tmp_path, progress=False)
    assert judge.model.embed(data.test.take(torch.arange(3))).shape == (3, 8)
    with pytest.raises(ValueError, match="synthfaces"):
        load_extractor_data("celebamask_hq", str(root))


def test_view_pairs_apply_on_synthfaces_only():
    """The CPU preset's e2_lam_view (φ_view) needs SynthFaces' view pairs: on a real set the
    E_2 config falls back to Eq. 8 (+ φ_perc), so the preset runs there without an error."""
    from facefeat_lite.facefeat.suite import extractor_configs
    from facefeat_lite.notebook_params import FeatureParams

    P = FeatureParams()
    assert P.e2_lam_view == 1.0 and extractor_configs(P)["e_2"].lam_view == 1.0
    real = FeatureParams(dataset="folder", data_root="/somewhere")
    assert extractor_configs(real)["e_2"].lam_view == 0.0
    assert extractor_configs(real)["e_2"].lam_perc == P.e2_lam_perc
    back = FeatureParams(e2_lam_view_3d=0.2)                       # the read-back rides on the view pairs
    assert extractor_configs(back)["e_2"].lam_view_3d == 0.2
    assert extractor_configs(FeatureParams(e2_lam_view_3d=0.2, dataset="folder", data_root="/x"))["e_2"].lam_view_3d == 0
    assert extractor_configs(FeatureParams(e2_lam_view_3d=0.2, e2_lam_view=0.0))["e_2"].lam_view_3d == 0
