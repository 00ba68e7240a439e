"""A light estimator: where the light comes from, read off a face image (SynthFaces' labels).

Notebook: ``07_evaluations`` (disentanglement: is light driven by z_2, as FaceFeat-GAN
means it to be?). E_1 reads pose and expression; nothing in the paper reads light, so this
module trains a small regressor for it, an instrument like the judge: it only measures.
SynthFaces renders every face under a known light (``illumination``: azimuth and elevation
in degrees, intensity, …), so the targets are exact. The estimator is E_1's network
(:class:`~.extractors.PoseExpressionExtractor`, a narrow ResNet) with three outputs —
light azimuth, elevation and intensity — trained with Eq. 7's weighted squared error
(W = 1/σ² per entry) on the **judge** split: identities no generator trains on, so it cannot
have learnt a shortcut through who the person is. Horizontal flips are off (a mirrored face
has its light on the other side). The trainer, :func:`train_reader`, is shared with the
pose reader of notebook 04 (:mod:`.pose_reader`), the same kind of instrument.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from ..data.faceset import FaceSet
from ..data.synthfaces import SynthFaces, SynthFacesConfig
from ..metrics import r2_score
from .extractors import PoseExpressionExtractor
from .training import BackboneConfig, Trained, _batch, _config, predict, train_models

__all__ = ["LIGHT_ENTRIES", "LightConfig", "light_data", "train_reader", "train_light_estimator", "reader_r2",
           "light_r2"]

LIGHT_ENTRIES = ("light_azimuth_deg", "light_elevation_deg", "light_intensity")   # SynthFaces' first three


@dataclass
class LightConfig(BackboneConfig):
    """The light estimator's training (CPU preset: the width and depth of notebook 01's E_1)."""

    steps: int = 500
    batch: int = 64
    lr: float = 3e-3
    augment: bool = False      # the default augmentation scales brightness, i.e. the light intensity


def light_data(config: SynthFacesConfig, split: str = "judge", cache_dir: str = "data/cache"
               ) -> tuple[FaceSet, torch.Tensor]:
    """A SynthFaces split (rendered once, then cached) as a :class:`FaceSet` and its (N, 3)
    light targets — azimuth (°), elevation (°), intensity — in the same image order. SynthFaces
    even when the notebooks run on a real data set: only a rendered face has a known light."""
    ds = SynthFaces(split, config, cache_dir, progress=False)
    targets = ds.batch(slice(None), ("illumination",))["illumination"][:, :len(LIGHT_ENTRIES)].float()
    return FaceSet.from_synthfaces(ds), targets


def train_reader(name: str, entries: tuple[str, ...], data: FaceSet, targets: torch.Tensor,
                 train_idx: torch.Tensor, cfg: LightConfig, device: str = "cpu", root: str = "runs/cache",
                 progress: bool = True) -> Trained:
    """Load-or-train an instrument ``name``: E_1's network regressing ``targets`` (N × len(entries),
    one row per image of ``data``) from the images at ``train_idx`` with Eq. 7's loss. The
    model's ``f3d(x)`` gives the entries in raw units. Used for light here and for pose by
    :mod:`.pose_reader`."""
    if targets.shape != (len(data), len(entries)):
        raise ValueError(f"targets must be ({len(data)}, {len(entries)}) — one row per image of "
                         f"{data.name}, columns {entries}; got {tuple(targets.shape)}")
    if cfg.flip:
        raise ValueError(f"flip must be False for the {name}: a mirror moves the light and the yaw to the other side")

    def setup(m):
        m[name].fit_standardizer(targets[train_idx])

    def step(state, m):
        idx, x = _batch(data, train_idx, cfg, state.generators["data"], device)
        return {"loss": m[name].loss(x, targets[idx].to(device))}

    def build():
        return {name: PoseExpressionExtractor(len(entries), cfg.arch, cfg.width, cfg.depths, cfg.stem_stride)}

    config = _config(name, cfg, data, train_idx, entries=list(entries))
    t = train_models(name, config, build, cfg, step, device, root, progress, setup=setup)
    t.model = t.model[name]
    return t


def train_light_estimator(data: FaceSet, targets: torch.Tensor, train_idx: torch.Tensor,
                          cfg: LightConfig | None = None, device: str = "cpu", root: str = "runs/cache",
                          progress: bool = True) -> Trained:
    """Load-or-train the estimator on ``data`` images at ``train_idx`` against ``targets``
    (N × 3, :func:`light_data`). The model's ``f3d(x)`` gives the light in raw units."""
    return train_reader("light", LIGHT_ENTRIES, data, targets, train_idx, cfg or LightConfig(), device, root, progress)


def reader_r2(model: PoseExpressionExtractor, entries: tuple[str, ...], data: FaceSet, targets: torch.Tensor,
              idx: torch.Tensor, device: str = "cpu") -> dict[str, float]:
    """Held-out R² of each entry an instrument reads (1 = exact, 0 = no better than the mean)."""
    pred = model.destandardize(predict(model, data, idx, device))
    return dict(zip(entries, r2_score(pred, targets[idx]).tolist()))


def light_r2(model: PoseExpressionExtractor, data: FaceSet, targets: torch.Tensor, idx: torch.Tensor,
             device: str = "cpu") -> dict[str, float]:
    """Held-out R² of each light entry (1 = exact, 0 = no better than the mean)."""
    return reader_r2(model, LIGHT_ENTRIES, data, targets, idx, device)
