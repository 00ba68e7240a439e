"""SynthFaces data-set layer: splits, twins, determinism, cache, pairs."""
import numpy as np
import pytest
import torch

from facefeat_lite.data import render as render_mod
from facefeat_lite.data import synthfaces as sf
from facefeat_lite.data.face_model import get_model

TINY = sf.SynthFacesConfig(image_size=32, n_train_ids=3, n_val_ids=2, n_test_ids=2, n_judge_ids=2, samples_per_id=2)


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("cache")


def test_splits_are_disjoint_and_stable():
    params = {s: sf.identities(TINY, s)["params"] for s in sf.SPLITS}
    rows = {s: {tuple(r) for r in p.tolist()} for s, p in params.items()}
    for i, a in enumerate(sf.SPLITS):
        for b in sf.SPLITS[i + 1:]:
            assert rows[a].isdisjoint(rows[b]), (a, b)
    # Growing one split changes neither its first identities nor any other split.
    bigger = sf.SynthFacesConfig(image_size=32, n_train_ids=5, n_test_ids=2, samples_per_id=2)
    assert torch.equal(sf.identities(bigger, "train")["params"][:3], params["train"])
    assert torch.equal(sf.identities(bigger, "test")["params"], params["test"])


def test_twins_share_appearance_not_shape():
    ids = sf.identities(TINY, "test")
    m = get_model()
    n = TINY.n_test_ids
    assert len(ids["params"]) == 2 * n
    assert ids["twin_of"].tolist() == [2, 3, 0, 1]
    app, shape = m.identity_slices["appearance"], m.identity_slices["shape"]
    base, twin = ids["params"][:n], ids["params"][n:]
    assert torch.equal(base[:, app], twin[:, app])
    assert (base[:, shape] - twin[:, shape]).abs().mean() > 0.3
    assert (sf.identities(TINY, "train")["twin_of"] == -1).all()      # train has no twins by default


def test_share_appearance_gives_one_appearance():
    cfg = sf.SynthFacesConfig(image_size=32, n_train_ids=4, samples_per_id=1, share_appearance=True)
    p = sf.identities(cfg, "train")["params"]
    app = get_model().identity_slices["appearance"]
    assert (p[:, app] == p[:1, app]).all()
    assert not (p[:, get_model().identity_slices["shape"]] == p[:1, get_model().identity_slices["shape"]]).all()


def test_sample_parameters_deterministic_and_per_group():
    a = sf.sample_parameters(TINY, "train")
    b = sf.sample_parameters(TINY, "train")
    for k in a:
        assert torch.equal(a[k], b[k]), k
    assert a["label"].tolist() == [0, 0, 1, 1, 2, 2]
    assert a["sample_index"].tolist() == [0, 1, 0, 1, 0, 1]
    # Different samples of one identity differ in pose; a different data seed changes them.
    assert not torch.equal(a["pose"][0], a["pose"][1])
    c = sf.sample_parameters(sf.SynthFacesConfig(**{**TINY.__dict__, "seed": 1}), "train")
    assert not torch.equal(a["pose"], c["pose"])


def test_config_validation():
    with pytest.raises(ValueError, match="image_size"):
        sf.SynthFacesConfig(image_size=16)
    with pytest.raises(ValueError, match="unknown splits"):
        sf.SynthFacesConfig(twins=("nope",))
    with pytest.raises(ValueError, match="unknown split"):
        sf.identities(TINY, "training")


def test_dataset_samples_and_cache_reuse(cache, monkeypatch):
    ds = sf.SynthFaces("test", TINY, cache, progress=False)
    assert len(ds) == 2 * TINY.n_test_ids * TINY.samples_per_id and ds.n_identities == 4
    s = ds[1]
    assert s["image"].shape == (3, 32, 32) and s["image"].dtype == torch.float32
    assert 0 <= s["image"].min() and s["image"].max() <= 1
    assert s["labels"].shape == (32, 32) and s["labels"].dtype == torch.int64
    assert s["sketch"].shape == (1, 32, 32) and s["f3d"].shape == (sf.F3D_DIM,) == (12,)
    assert s["landmarks"].shape == (68, 2) and isinstance(s["identity"], int)
    # Image pixels match a fresh render of the stored parameters (to uint8 precision).
    b = ds.batch([1], ("image", "identity_params", "expression", "pose", "illumination", "nuisance"))
    fresh = render_mod.render(get_model(), {"identity": b["identity_params"], **{g: b[g] for g in
                              ("expression", "pose", "illumination", "nuisance")}}, size=32)["image"]
    assert (fresh - b["image"]).abs().max() <= 0.5 / 255 + 1e-6
    # A second construction reads the cache: rendering is never called.
    monkeypatch.setattr(render_mod, "render", lambda *a, **k: pytest.fail("re-rendered a cached split"))
    again = sf.SynthFaces("test", TINY, cache, progress=False)
    assert again.folder == ds.folder and torch.equal(again[1]["image"], s["image"])


def test_cache_key_changes_with_config(cache):
    other = sf.SynthFacesConfig(**{**TINY.__dict__, "seed": 5})
    assert other.cache_key("test") != TINY.cache_key("test")
    assert TINY.cache_key("train") != TINY.cache_key("test")


def test_interrupted_render_leaves_no_cache(tmp_path, monkeypatch):
    calls = {"n": 0}
    real = render_mod.render

    def flaky(*a, **k):
        calls["n"] += 1
        if calls["n"] > 1:
            raise KeyboardInterrupt("simulated kill")
        return real(*a, **k)

    monkeypatch.setattr(render_mod, "render", flaky)
    with pytest.raises(KeyboardInterrupt):
        sf.cached_split(TINY, "train", tmp_path, batch=2, progress=False)
    assert list((tmp_path / "synthfaces").iterdir()) == []          # neither final nor temporary folder
    monkeypatch.setattr(render_mod, "render", real)
    folder = sf.cached_split(TINY, "train", tmp_path, batch=2, progress=False)
    assert (folder / "meta.json").exists()


def test_verification_pairs(cache):
    ds = sf.SynthFaces("test", TINY, cache, progress=False)
    labels = ds.labels.numpy()
    a, b, same = sf.verification_pairs(ds, 40, "standard", seed=0)
    assert same.sum() == 20 and ((labels[a] == labels[b]) == same).all()
    assert not ds.is_twin.numpy()[labels[np.r_[a, b]]].any()       # standard pairs use base identities
    a, b, same = sf.verification_pairs(ds, 40, "hard", seed=0)
    assert ((labels[a] == labels[b]) == same).all()
    assert (ds.twin_of.numpy()[labels[a[~same]]] == labels[b[~same]]).all()  # every negative is a twin pair
    with pytest.raises(ValueError, match="no shape twins"):
        sf.verification_pairs(sf.SynthFaces("train", TINY, cache, progress=False), 10, "hard")


def test_lowres():
    x = torch.rand(2, 3, 32, 32)
    assert sf.lowres(x, factor=4).shape == (2, 3, 8, 8)
    assert sf.lowres(x, size=16, upsample=True).shape == (2, 3, 32, 32)
    flat = torch.full((1, 3, 32, 32), 0.25)
    assert torch.allclose(sf.lowres(flat, factor=8), torch.full((1, 3, 4, 4), 0.25), atol=1e-5)
    with pytest.raises(ValueError, match="exactly one"):
        sf.lowres(x)


def test_view_pairs_swap_pose_and_expression_only(cache, monkeypatch):
    from facefeat_lite.data.faceset import same_person_partners
    from facefeat_lite.data.view_pairs import view_pairs

    ds = sf.SynthFaces("train", TINY, cache, progress=False)
    views = view_pairs(TINY, "train", cache, seed=0, progress=False)
    assert len(views) == len(ds) and torch.equal(views.identity, ds.labels)
    b = ds.batch(slice(None), ("image", "identity_params", "expression", "pose", "illumination", "nuisance", "f3d"))
    partner = same_person_partners(ds.labels, 0)
    assert torch.equal(ds.labels[partner], ds.labels) and not torch.equal(partner, torch.arange(len(ds)))
    assert torch.allclose(views.f3d, b["f3d"][partner])                   # the partner's pose and expression
    # Each view is a render of the image's own identity, light and nuisance with the partner's pose and
    # expression (to uint8 precision), and differs from the image itself.
    fresh = render_mod.render(get_model(), {"identity": b["identity_params"], "illumination": b["illumination"],
                                            "nuisance": b["nuisance"], "expression": b["expression"][partner],
                                            "pose": b["pose"][partner]}, size=32)["image"]
    assert (fresh - views.images.float() / 255).abs().max() <= 0.5 / 255 + 1e-6
    assert (views.images.float() / 255 - b["image"]).abs().mean() > 0.01
    # Cached: a second call renders nothing; another seed pairs differently.
    monkeypatch.setattr(render_mod, "render", lambda *a, **k: pytest.fail("re-rendered cached view pairs"))
    assert torch.equal(view_pairs(TINY, "train", cache, seed=0, progress=False).images, views.images)
    monkeypatch.undo()
    assert view_pairs(TINY, "train", cache, seed=1, progress=False).fingerprint != views.fingerprint


def test_render_with_expression_changes_only_that_weight(cache):
    ds = sf.SynthFaces("test", TINY, cache, progress=False)
    idx = torch.tensor([0, 3])
    j = sf.EXPRESSION_NAMES.index("jaw_open")
    own = ds.batch(idx, ("image", "f3d"))
    closed = sf.render_with_expression(TINY, "test", idx, "jaw_open", 0.0)
    opened = sf.render_with_expression(TINY, "test", idx, "jaw_open", 1.0)
    assert closed.shape == (2, 3, 32, 32) and 0 <= closed.min() and opened.max() <= 1
    assert ((opened - closed).abs().amax(1) > 0.1).sum((1, 2)).min() > 0           # the mouth opens
    same = torch.stack([sf.render_with_expression(TINY, "test", idx[k:k + 1], "jaw_open", float(own["f3d"][k, j]))[0]
                        for k in range(2)])                                          # its own weight: the stored image
    assert (same - own["image"]).abs().max() <= 0.5 / 255 + 1e-6
    with pytest.raises(ValueError, match="unknown expression"):
        sf.render_with_expression(TINY, "test", idx, "grin", 1.0)
    with pytest.raises(ValueError, match="index must lie"):
        sf.render_with_expression(TINY, "test", torch.tensor([99]), "smile", 1.0)
