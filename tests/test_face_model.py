"""SynthFaces parameter groups and sampling (facefeat_lite.data.face_model)."""
import torch

from facefeat_lite.data.face_model import GROUPS, FaceModel, FaceModelConfig, get_model
from facefeat_lite.data.fields import EXPRESSION_NAMES
from facefeat_lite.data.synthfaces import F3D_DIM


def test_group_sizes_names_and_f3d():
    m = get_model()
    assert m.group_sizes["expression"] == 9 and m.group_sizes["pose"] == 3
    assert m.group_sizes["identity"] == m.cfg.n_shape + len(m.template)
    for g in GROUPS:
        assert len(m.group_names[g]) == m.group_sizes[g]
        assert m.sample(g, 0, range(5)).shape == (5, m.group_sizes[g])
        assert m.sample(g, 0, range(5)).dtype == torch.float32
    assert all("deg" in n for n in m.group_names["pose"])
    f3d = m.f3d(m.sample("expression", 0, range(4)), m.sample("pose", 0, range(4)))
    assert f3d.shape == (4, 12) and F3D_DIM == 12


def test_identity_slices_partition_the_identity_vector():
    m = get_model()
    sh, ap = m.identity_slices["shape"], m.identity_slices["appearance"]
    assert sh.start == 0 and sh.stop == ap.start and ap.stop == m.group_sizes["identity"]
    assert m.identity_slices["glasses"].start >= ap.start


def test_sampling_is_a_function_of_seed_and_key_only():
    m = get_model()
    for g in GROUPS:
        a, b = m.sample(g, 7, [3, 4, 5]), m.sample(g, 7, [5])
        assert torch.equal(a[2], b[0])                       # batch composition does not matter
        assert not torch.equal(m.sample(g, 7, [5]), m.sample(g, 8, [5]))   # the seed does


def test_resampling_one_group_leaves_the_others():
    m = get_model()
    seeds = {g: i for i, g in enumerate(GROUPS)}
    a = m.sample_all(seeds, range(6))
    b = m.sample_all({**seeds, "pose": 99}, range(6))
    for g in GROUPS:
        assert torch.equal(a[g], b[g]) == (g != "pose")


def test_share_appearance_keeps_only_shape_varying():
    m = get_model()
    x = m.sample_identity(3, range(8), share_appearance=True)
    ap, sh = x[:, m.identity_slices["appearance"]], x[:, m.identity_slices["shape"]]
    assert torch.equal(ap, ap[:1].expand_as(ap))
    assert (sh.std(0) > 0.3).all()                           # shapes are still drawn
    y = m.sample_identity(3, range(8))
    assert torch.equal(y[:, m.identity_slices["shape"]], sh)  # same shapes as unshared
    assert not torch.equal(y[:, m.identity_slices["appearance"]], ap)
    assert (x[:, m.identity_slices["glasses"]] == 0).all() and (x[:, m.identity_slices["beard"]] == 0).all()


def test_expression_sampling_has_neutral_and_active_entries():
    x = get_model().sample("expression", 1, range(400))
    assert x.shape == (400, len(EXPRESSION_NAMES))
    smile = x[:, EXPRESSION_NAMES.index("smile")]
    assert 0.3 < (smile > 0).float().mean() < 0.7 and smile.max() <= 1.0


def test_pose_ranges():
    p = get_model().sample("pose", 2, range(2000))
    assert p[:, 0].abs().max() <= 60 and p[:, 1].abs().max() <= 25 and p[:, 2].abs().max() <= 15
    assert p[:, 0].abs().max() > 45                          # large yaws do occur


def test_model_config_shape_components():
    m = FaceModel(FaceModelConfig(n_shape=45))
    assert m.group_sizes["identity"] == 45 + len(m.template)
    assert m.group_names["identity"][0] == "shape_head_width" and m.group_names["identity"][44].startswith("shape_bump")
