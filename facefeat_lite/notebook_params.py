"""Each notebook's parameters: one dataclass per notebook, registered under its stem.

The machinery (type checks, smoke scale, parameters cells, parameter sets) is in
:mod:`facefeat_lite.params`; this module only declares what every notebook takes. A name means
the same thing, with the same type and default, in every notebook that declares it: the
parameter-set files (``notebooks/params/*.yaml``) are one flat namespace.
"""
from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

from .params import CommonParams, register

__all__ = ["DataParams", "FeatureParams"]


@register("00_data")
@dataclasses.dataclass(repr=False)
class DataParams(CommonParams):
    """00_data: SynthFaces, the embedded face data set (facefeat_lite.data.synthfaces)."""

    SMOKE: ClassVar[dict[str, Any]] = {
        "n_train_ids": 24, "samples_per_id": 6, "n_test_ids": 12, "check_steps": 30}

    n_train_ids: int = 200  # identities in the training split
    samples_per_id: int = 40  # images per training identity
    n_test_ids: int = 50  # identities in the test split (disjoint from training)
    check_steps: int = 1000  # steps of the small identity classifier that checks the data
    check_batch: int = 64  # its batch size
    check_width: int = 32  # its channel width


@register("01_feature_extraction")
@dataclasses.dataclass(repr=False)
class FeatureParams(CommonParams):
    """01_feature_extraction: E_id, E_1, E_2 (+ G^I) and the judge (facefeat_lite.facefeat)."""

    SMOKE: ClassVar[dict[str, Any]] = {
        "n_train_ids": 24, "samples_per_id": 6, "n_test_ids": 12, "n_judge_ids": 24, "judge_samples_per_id": 6,
        "eid_steps": 20, "e1_steps": 20, "e2_steps": 10, "judge_steps": 20}

    n_train_ids: int = 200  # identities in the training split
    samples_per_id: int = 40  # images per training identity
    n_test_ids: int = 50  # identities in the test split (disjoint from training)
    n_judge_ids: int = 200  # identities the judge trains on (+ as many shape twins)
    judge_samples_per_id: int = 20  # images per judge identity
    cache_dir: str = "runs/cache"  # load-or-train checkpoints (same config -> no retraining)
    lr_schedule: str = "onecycle"  # "onecycle" (CPU) or "step" (paper: lr -> lr_late at decay_step)
    lr_late: float = 5.0e-5  # the paper's learning rate after decay_step ("step" schedule)
    decay_step: int = 100000  # step of the paper's decay ("step" schedule)
    eid_arch: str = "resnet18"  # E_id backbone: resnet18 | resnet50 (paper: resnet50)
    eid_width: int = 16  # its base width (paper: 64)
    eid_depths: list[int] = dataclasses.field(default_factory=lambda: [1, 1, 1, 1])  # blocks per stage
    eid_stem_stride: int = 2  # stride of the stem conv (1 or 2)
    eid_train_norm: float = 64.0  # ||f_id|| in Eq. 5 (paper: 64)
    eid_steps: int = 1600  # E_id training steps
    eid_batch: int = 64  # E_id batch size
    eid_lr: float = 4.0e-3  # E_id (peak) learning rate
    e1_arch: str = "resnet18"  # E_1 backbone (paper: resnet18)
    e1_width: int = 16  # its base width (paper: 64)
    e1_depths: list[int] = dataclasses.field(default_factory=lambda: [1, 1, 1, 1])  # blocks per stage
    e1_stem_stride: int = 2  # stride of the stem conv (1 or 2)
    e1_steps: int = 1500  # E_1 training steps
    e1_batch: int = 64  # E_1 batch size
    e1_lr: float = 3.0e-3  # E_1 (peak) learning rate
    e2_n: int = 16  # BEGAN filters of E_2 and G^I (paper: 64)
    e2_steps: int = 600  # E_2 + G^I training steps (Eq. 8)
    e2_batch: int = 16  # E_2 batch size
    e2_lr: float = 2.0e-3  # E_2 (peak) learning rate
    judge_width: int = 32  # the judge's base width
    judge_steps: int = 1200  # judge training steps
    judge_batch: int = 64  # judge batch size
    judge_lr: float = 3.0e-3  # judge (peak) learning rate
    judge_scale: float = 16.0  # its ArcFace scale s
    judge_margin: float = 0.1  # its ArcFace margin m (radians)
