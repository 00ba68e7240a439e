"""SynthFaces renderer (facefeat_lite.data.render): outputs, determinism, agreement, pose."""
import pytest
import torch

from facefeat_lite.data.face_model import GROUPS, get_model
from facefeat_lite.data.fields import EXPRESSION_NAMES
from facefeat_lite.data.labels import LABEL, LABEL_NAMES
from facefeat_lite.data.render import background, render

SEEDS = {g: i + 10 for i, g in enumerate(GROUPS)}


def _params(n=4, **override):
    m = get_model()
    p = m.sample_all(SEEDS, range(n))
    for k, v in override.items():
        p[k] = v
    return p


def _frontal(n=4):
    p = _params(n)
    p["pose"] = torch.zeros(n, 3)
    p["expression"] = torch.zeros(n, len(EXPRESSION_NAMES))
    p["nuisance"][:, 9:] = 0.0
    return p


@pytest.mark.parametrize("size", [32, 64, 128])
def test_shapes_dtypes_ranges(size):
    out = render(get_model(), _params(3), size=size)
    assert out["image"].shape == (3, 3, size, size) and out["image"].dtype == torch.float32
    assert out["labels"].shape == (3, size, size) and out["labels"].dtype == torch.uint8
    assert out["sketch"].shape == (3, 1, size, size) and out["sketch"].dtype == torch.float32
    assert out["landmarks"].shape == (3, 68, 2) and out["landmarks_visible"].dtype == torch.bool
    assert 0 <= out["image"].min() and out["image"].max() <= 1
    assert 0 <= out["sketch"].min() and out["sketch"].max() <= 1 and out["sketch"].mean() > 0.02
    assert int(out["labels"].max()) < len(LABEL_NAMES)
    for name in ("skin", "nose", "hair", "neck", "cloth", "background"):
        assert (out["labels"] == LABEL[name]).any(), name


def test_size_256_smoke():
    out = render(get_model(), _params(1), size=256, outputs=("image", "labels"))
    assert out["image"].shape == (1, 3, 256, 256) and "sketch" not in out


def test_deterministic_bitwise():
    m, p = get_model(), _params(3)
    a, b = render(m, p), render(m, p)
    for k in a:
        assert torch.equal(a[k], b[k]), k


def test_background_pixels_have_the_background_colour():
    p = _params(4)
    out = render(get_model(), p, size=64)
    bg = out["labels"] == 0
    assert bg.float().mean() > 0.05
    ref = background(p["nuisance"], 64)
    assert torch.equal(out["image"].permute(0, 2, 3, 1)[bg], ref.permute(0, 2, 3, 1)[bg])


def test_changing_the_background_changes_only_background_pixels():
    m, p = get_model(), _params(4)
    q = {k: v.clone() for k, v in p.items()}
    q["nuisance"][:, :6] = 1.0 - q["nuisance"][:, :6]
    a, b = render(m, p, size=256), render(m, q, size=256)              # 256: no supersampling
    assert torch.equal(a["labels"], b["labels"])
    changed = (a["image"] != b["image"]).any(1)
    assert torch.equal(changed, a["labels"] == 0)


def test_eye_labels_sit_inside_the_eye_landmarks():
    out = render(get_model(), _frontal(4), size=128)
    lm, lab = out["landmarks"], out["labels"]
    for i in range(4):
        for name, idx in (("r_eye", range(36, 42)), ("l_eye", range(42, 48))):
            c = lm[i, list(idx)].mean(0)
            near = lab[i, int(c[1]) - 1:int(c[1]) + 2, int(c[0]) - 1:int(c[0]) + 2]
            assert (near == LABEL[name]).sum() >= 3, (i, name)
        assert lm[i, 36:42, 0].mean() < lm[i, 42:48, 0].mean()          # r_eye is on the image left


def test_frontal_landmarks_inside_and_visible():
    p = _frontal(4)
    p["identity"][:, get_model().identity_slices["fringe"]] = 0.0           # bangs may hide brows,
    p["identity"][:, get_model().identity_slices["glasses"]] = 0.0          # and so may glasses
    out = render(get_model(), p, size=64)
    lm = out["landmarks"]
    assert ((lm > 0) & (lm < 64)).all()
    assert out["landmarks_visible"][:, 17:].float().mean() > 0.95     # inner face points
    assert out["landmarks_visible"][:, 27:].float().mean() > 0.95
    nose_tip, chin = lm[:, 30], lm[:, 8]
    assert (chin[:, 1] > nose_tip[:, 1]).all() and ((nose_tip[:, 0] - 32).abs() < 4).all()


def test_yaw_moves_landmarks_and_hides_the_far_eye():
    m, p = get_model(), _frontal(2)
    xs, eye_pixels = [], []
    for yaw in (-60.0, -30.0, 0.0, 30.0, 60.0):
        p["pose"][:, 0] = yaw
        out = render(m, p, size=128)
        xs.append(out["landmarks"][:, 30, 0])                                # nose tip x
        eye_pixels.append(((out["labels"] == LABEL["l_eye"]).sum((1, 2)), (out["labels"] == LABEL["r_eye"]).sum((1, 2))))
        if yaw == 60.0:
            vis = out["landmarks_visible"]
    xs = torch.stack(xs, 1)
    assert (xs[:, 1:] > xs[:, :-1]).all()                               # yaw > 0 turns the nose right
    left0, _ = eye_pixels[2]
    left60, right60 = eye_pixels[-1]
    assert (left60 < 0.5 * left0).all()                                 # the subject's left eye turns away
    assert (left60 < right60).all()                                     # ... and shows less than the near one
    assert vis[:, 9:17].float().mean() < vis[:, :8].float().mean()      # the far jaw line is hidden


def test_shared_appearance_identities_differ_in_shape():
    m = get_model()
    p = _frontal(4)
    p["identity"] = m.sample_identity(5, range(4), share_appearance=True)
    p["illumination"] = p["illumination"][:1].expand(4, -1)
    p["nuisance"] = p["nuisance"][:1].expand(4, -1)
    out = render(m, p, size=64)
    lab = out["labels"]
    for i in range(1, 4):
        assert (lab[i] != lab[0]).float().mean() > 0.02                 # different silhouettes/features
        assert (out["landmarks"][i] - out["landmarks"][0]).abs().mean() > 0.3


def test_jaw_open_shows_the_mouth_interior():
    m, p = get_model(), _frontal(2)
    closed = render(m, p, size=64)["labels"]
    p["expression"][:, EXPRESSION_NAMES.index("jaw_open")] = 1.0
    opened = render(m, p, size=64)["labels"]
    assert (opened == LABEL["mouth"]).sum() > (closed == LABEL["mouth"]).sum() + 20


def test_eye_closure_hides_the_eyeball():
    m, p = get_model(), _frontal(2)
    p["identity"][:, m.identity_slices["glasses"]] = 0.0
    open_ = render(m, p, size=128)["labels"]
    for eye in ("eye_close_l", "eye_close_r"):
        p["expression"][:, EXPRESSION_NAMES.index(eye)] = 1.0
    shut = render(m, p, size=128)["labels"]
    assert (open_ == LABEL["l_eye"]).sum() > 10 and (shut == LABEL["l_eye"]).sum() < 0.2 * (open_ == LABEL["l_eye"]).sum()
