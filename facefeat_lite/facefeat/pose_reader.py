"""An independent pose reader: yaw and pitch read off a face image (SynthFaces' labels).

Notebook: ``04_two_level_losses`` (does G^I draw a pose that a model outside training sees?).
E_1 reads pose too, but notebook 04's φ_3d deviation trains G^I *against* E_1, so what E_1
reads off generated faces can be cues G^I learnt to show it — as φ_id teaches G^I what E_id
reads as identity. This reader is E_1's network and schedule trained, like the light
estimator (:mod:`.light`), on the **judge** split: identities no generator trains on, and a
model that no loss ever uses. It is to pose what the judge is to identity: an instrument.
SynthFaces renders every face at a known pose, so the targets are exact; flips are off (a
mirror negates the yaw).
"""
from __future__ import annotations

import torch

from ..data.faceset import FaceSet
from ..data.synthfaces import SynthFaces, SynthFacesConfig
from .extractors import PoseExpressionExtractor
from .light import LightConfig, train_reader
from .training import Trained

__all__ = ["POSE_ENTRIES", "pose_data", "train_pose_reader", "reader_yaw"]

POSE_ENTRIES = ("yaw_deg", "pitch_deg")          # SynthFaces' pose = [yaw, pitch, roll] in degrees


def pose_data(config: SynthFacesConfig, split: str = "judge", cache_dir: str = "data/cache"
              ) -> tuple[FaceSet, torch.Tensor]:
    """A SynthFaces split (rendered once, then cached) as a :class:`FaceSet` and its (N, 2)
    targets — yaw and pitch in degrees — in the same image order."""
    ds = SynthFaces(split, config, cache_dir, progress=False)
    targets = ds.batch(slice(None), ("pose",))["pose"][:, :len(POSE_ENTRIES)].float()
    return FaceSet.from_synthfaces(ds), targets


def train_pose_reader(data: FaceSet, targets: torch.Tensor, train_idx: torch.Tensor, cfg: LightConfig,
                      device: str = "cpu", root: str = "runs/cache", progress: bool = True) -> Trained:
    """Load-or-train the reader on ``data`` images at ``train_idx`` against ``targets`` (N × 2,
    :func:`pose_data`); its ``f3d(x)`` gives yaw and pitch in degrees."""
    return train_reader("pose_reader", POSE_ENTRIES, data, targets, train_idx, cfg, device, root, progress)


def reader_yaw(reader: PoseExpressionExtractor):
    """images (B × 3 × S × S in [−1, 1]) -> (B,) the yaw the reader sees, in degrees, on the CPU
    (read 512 images at a time)."""
    dev = next(reader.parameters()).device

    @torch.no_grad()
    def read(x: torch.Tensor) -> torch.Tensor:
        return torch.cat([reader.f3d(x[i:i + 512].to(dev))[:, 0].float().cpu() for i in range(0, len(x), 512)])
    return read
