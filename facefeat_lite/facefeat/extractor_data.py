"""The data of notebook ``01_feature_extraction``: who trains on what, and who is tested on what.

FaceFeat-GAN §3.1 trains E_id, E_1, E_2 on one face set (CASIA-WebFace in the paper) and §4
scores identity with a recognizer trained on *other* people (MS-Celeb-1M). Three disjoint
groups of identities follow from that:

======== ============================================ ======================================
 part     SynthFaces (default)                         a real set (``dataset="folder"``, ...)
======== ============================================ ======================================
 train    ``train`` split: E_id, E_1, E_2, later GANs  the set's train identities
 judge    ``judge`` split + shape twins: the judge     its val identities (``split="val"``)
 test     ``test`` split + shape twins: every metric   its test identities
======== ============================================ ======================================

The last samples of each training identity are held out (E_id's identification accuracy,
E_1's R², E_2's reconstruction error). E_1 needs 3DMM targets, which a real set does not
have; with a real set, E_1 trains on SynthFaces' train split rendered at the same size
(a stated deviation: the paper fits a 3DMM to CASIA offline — give ``FaceSet(f3d=...)``
from your own fits to follow it).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import torch

from ..data.faceset import FaceSet, holdout_split
from ..data.synthfaces import SynthFaces, SynthFacesConfig, verification_pairs
from ..metrics import sample_pairs

__all__ = ["ExtractorData", "load_extractor_data"]

_REAL_SPLITS = {"folder": ("train", "val", "test"), "celeba": ("train", "valid", "test")}


@dataclass
class ExtractorData:
    train: FaceSet                  # E_id, E_2 (and the later GANs) train here
    train_idx: torch.Tensor         # indices of ``train`` used for training
    holdout_idx: torch.Tensor       # last samples of each training identity
    e1_train: FaceSet               # has f3d targets (== train for SynthFaces)
    e1_train_idx: torch.Tensor
    e1_holdout_idx: torch.Tensor
    judge: FaceSet                  # disjoint identities (+ shape twins on SynthFaces)
    test: FaceSet                   # disjoint again: every metric
    pairs: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]  # kind -> (idx_a, idx_b, same) in test
    synthfaces: SynthFacesConfig    # the SynthFaces config in use (E_1's data on a real set)

    def summary(self) -> str:
        rows = [("train (E_id, E_1, E_2)", self.train), ("judge", self.judge), ("test", self.test)]
        out = [f"{name:24s} {len(fs):6d} images  {fs.n_ids:5d} identities  ({fs.name})" for name, fs in rows]
        out.append(f"held out for identification/R²/L1: {len(self.holdout_idx)} images of training identities")
        out += [f"test pairs '{k}': {len(v[0])} ({int(v[2].sum())} same-identity)" for k, v in self.pairs.items()]
        return "\n".join(out)


def load_extractor_data(dataset: str = "synthfaces", data_root: str = "", image_size: int = 64,
                        seed: int = 0, n_train_ids: int = 200, samples_per_id: int = 20,
                        n_test_ids: int = 50, n_judge_ids: int = 200, judge_samples_per_id: int = 20,
                        cache_dir="data/cache",
                        n_pairs: int = 2000, holdout: float = 0.2, progress: bool = True) -> ExtractorData:
    """Build the three disjoint parts (see the module docstring). SynthFaces splits are rendered
    once and cached; a real set is read on demand (``n_*`` then do not apply)."""
    cfg = SynthFacesConfig(seed=seed, image_size=image_size, n_train_ids=n_train_ids,
                           samples_per_id=samples_per_id, n_test_ids=n_test_ids, n_judge_ids=n_judge_ids)
    split = lambda name, c=cfg: SynthFaces(name, c, cache_dir, progress=progress)  # noqa: E731
    if dataset == "synthfaces":
        train = FaceSet.from_synthfaces(split("train"))
        test_ds = split("test")
        judge_cfg = dataclasses.replace(cfg, samples_per_id=judge_samples_per_id)
        test, judge = FaceSet.from_synthfaces(test_ds), FaceSet.from_synthfaces(split("judge", judge_cfg))
        pairs = {kind: verification_pairs(test_ds, n_pairs, kind=kind, seed=seed) for kind in ("standard", "hard")}
    elif dataset in _REAL_SPLITS:
        from ..data.real import open_dataset

        tr, jd, te = _REAL_SPLITS[dataset]
        opened = {s: FaceSet.from_dataset(open_dataset(dataset, data_root, split=s, size=image_size))
                  for s in (tr, jd, te)}
        train, judge, test = opened[tr], opened[jd], opened[te]
        pairs = {"standard": sample_pairs(test.identity.numpy(), n_pairs, seed=seed)}
    else:
        raise ValueError(f"dataset must be 'synthfaces' or a real set with identities ({', '.join(_REAL_SPLITS)}), "
                         f"got {dataset!r}")
    train_idx, holdout_idx = holdout_split(train.identity, holdout)
    if train.f3d is not None:
        e1, e1_tr, e1_ho = train, train_idx, holdout_idx
    else:
        e1 = FaceSet.from_synthfaces(split("train"))
        e1_tr, e1_ho = holdout_split(e1.identity, holdout)
    return ExtractorData(train, train_idx, holdout_idx, e1, e1_tr, e1_ho, judge, test, pairs, cfg)
