"""SynthFaces view pairs: every image rendered again with another image's pose and expression.

Notebook: ``01_feature_extraction`` §4 (E_2 and the first G^I, Eq. 8). A SynthFaces-only
option (``e2_lam_view``, 1 in the CPU preset) and a deviation from FaceFeat-GAN, which trains E_2
by reconstruction alone (Eq. 8). Trained so, E_2 sees the whole image and carries the head's
pose in f_2, and G^I learns to draw the pose from f_2 rather than from f_1: notebook 04 §10
measured notebook 01's G^I drawing 0.47° of yaw per degree from f_2 and 0.09° from f_1. The
joint training then has to move the pose into f_1, and the narrow CPU G^I answered E_1's
pose term with fine patterns, not a turned head.

A view pair is ``(x, x')``: the same person, light, background and clothing, the pose and
expression of another image of the same person (``partner``). E_2 reads x and G^I must draw
x' from f_1 = E_1(x') (``extractors.e2_view_loss``), so the pose and expression can only come
from f_1. SynthFaces can make such pairs because it renders from parameters; a real data set
cannot, and ``E2Config.lam_view`` must be 0 there (the paper's Eq. 8; ``suite.extractor_configs``
sets it so on a real set). Alone, at 1, it moved the pose into f_1 but the narrow G^I blurred
and lost identity; with notebook 01's perceptual term beside it, identity held and the CPU
preset turned it on (measured in notebook 04 §10).

The pairs are rendered once (about 30 s for 8000 images of 64² on 2 cores) and cached beside
the split as ``<split folder>-views<seed>/image.npy``; the file is written to a temporary
name and renamed, so an interrupted render leaves nothing half-written.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch

from . import render as _render
from .face_model import get_model
from .faceset import FaceSet, same_person_partners
from .synthfaces import SynthFacesConfig, cached_split

__all__ = ["view_pairs"]

_KEEP = ("identity", "illumination", "nuisance")    # from the image itself
_SWAP = ("expression", "pose")                       # from its partner


def _render_views(config: SynthFacesConfig, folder: Path, partner: torch.Tensor, path: Path, batch: int = 256,
                  progress: bool = True) -> None:
    """Render the view pairs from the parameters the split's cache ``folder`` stores."""
    from tqdm.auto import tqdm

    model = get_model(config.face_model)
    p = {k: torch.from_numpy(np.load(folder / f"{k}.npy")) for k in _KEEP + _SWAP}   # (N, D) each
    q = {**{k: p[k] for k in _KEEP}, **{k: p[k][partner] for k in _SWAP}}
    n, s = len(partner), config.image_size
    out = np.empty((n, 3, s, s), np.uint8)                                   # N × 3 × S × S, uint8
    for lo in tqdm(range(0, n, batch), desc=f"rendering SynthFaces {folder.name} view pairs", disable=not progress):
        img = _render.render(model, {k: v[lo:lo + batch] for k, v in q.items()}, size=s, outputs=("image",))["image"]
        out[lo:lo + batch] = (img.clamp(0, 1) * 255).round().to(torch.uint8).numpy()
    tmp = path.with_name(f"{path.stem}.tmp-{os.getpid()}.npy")
    np.save(tmp, out)
    os.replace(tmp, path)                                                    # atomic: whole or absent


def view_pairs(config: SynthFacesConfig, split: str, cache_dir: str | os.PathLike = "data/cache",
               seed: int = 0, progress: bool = True) -> FaceSet:
    """The split's view pairs x' as a :class:`FaceSet` in the split's sample order.

    Sample i is sample i of the split (same identity label) rendered with the expression and
    pose of sample ``partner[i]`` (:func:`~.faceset.same_person_partners` with ``seed``); its
    ``f3d`` is the partner's. ``FaceSet.from_synthfaces(SynthFaces(split, config))`` holds the
    x of each pair.
    """
    folder = cached_split(config, split, cache_dir, progress=progress)
    label = torch.from_numpy(np.load(folder / "label.npy"))
    partner = same_person_partners(label, seed)
    views = folder.with_name(f"{folder.name}-views{seed}")
    views.mkdir(exist_ok=True)
    path = views / "image.npy"
    if not path.exists():
        _render_views(config, folder, partner, path, progress=progress)
    images = torch.from_numpy(np.load(path))
    if images.shape[0] != len(label):
        raise ValueError(f"{path} holds {images.shape[0]} images, the split {len(label)}: delete the folder {views}")
    model = get_model(config.face_model)
    f3d = model.f3d(torch.from_numpy(np.load(folder / "expression.npy")),
                    torch.from_numpy(np.load(folder / "pose.npy")))[partner]
    return FaceSet(identity=label, images=images, f3d=f3d, name=f"synthfaces-{split}-views{seed}",
                   fingerprint=f"{config.cache_key(split)}-views{seed}")
