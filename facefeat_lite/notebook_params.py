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

__all__ = ["DataParams", "FeatureParams", "Stage1Params", "Stage2Params", "JointParams", "StyleGANParams"]


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
    check_width: int = 16  # its channel width


@register("01_feature_extraction")
@dataclasses.dataclass(repr=False)
class FeatureParams(CommonParams):
    """01_feature_extraction: E_id, E_1, E_2 (+ G^I) and the judge (facefeat_lite.facefeat)."""

    SMOKE: ClassVar[dict[str, Any]] = {
        "n_train_ids": 24, "samples_per_id": 6, "n_test_ids": 12, "n_judge_ids": 24, "judge_samples_per_id": 6,
        "judge_template_ids": 24, "judge_template_samples": 3,
        "eid_steps": 20, "e1_steps": 20, "e2_steps": 10, "judge_steps": 20}

    n_train_ids: int = 200  # identities in the training split
    samples_per_id: int = 40  # images per training identity
    n_test_ids: int = 50  # identities in the test split (disjoint from training)
    n_judge_ids: int = 200  # identities the judge trains on (+ as many shape twins)
    judge_samples_per_id: int = 20  # images per judge identity
    judge_template_ids: int = 200  # judge identities also rendered in the template appearance (0: none; SynthFaces)
    judge_template_samples: int = 20  # images per template-view identity
    eid_template_views: bool = True  # E_id also trains on its people in the template appearance (SynthFaces)
    cache_dir: str = "runs/cache"  # load-or-train checkpoints (same config -> no retraining)
    weights_dir: str = "data/weights/cpu"  # shipped checkpoints of the CPU preset, used when no cache hit ("": train)
    lr_schedule: str = "onecycle"  # "onecycle" (CPU) or "step" (paper: lr -> lr_late at decay_step)
    lr_late: float = 5.0e-5  # the paper's learning rate after decay_step ("step" schedule)
    decay_step: int = 100000  # step of the paper's decay ("step" schedule)
    eid_arch: str = "resnet18"  # E_id backbone: resnet18 | resnet50 (paper: resnet50)
    eid_width: int = 16  # its base width (paper: 64)
    eid_depths: list[int] = dataclasses.field(default_factory=lambda: [1, 1, 1, 1])  # blocks per stage
    eid_stem_stride: int = 2  # stride of the stem conv (1 or 2)
    eid_train_norm: float = 64.0  # ||f_id|| in Eq. 5 (paper: 64)
    eid_steps: int = 9600  # E_id training steps
    eid_batch: int = 64  # E_id batch size
    eid_lr: float = 4.0e-3  # E_id (peak) learning rate
    e1_arch: str = "resnet18"  # E_1 backbone (paper: resnet18)
    e1_width: int = 16  # its base width (paper: 64)
    e1_depths: list[int] = dataclasses.field(default_factory=lambda: [1, 1, 1, 1])  # blocks per stage
    e1_stem_stride: int = 2  # stride of the stem conv (1 or 2)
    e1_steps: int = 7500  # E_1 training steps
    e1_batch: int = 64  # E_1 batch size
    e1_lr: float = 3.0e-3  # E_1 (peak) learning rate
    e2_n: int = 16  # BEGAN filters of E_2 and G^I (paper: 64)
    e2_steps: int = 12000  # E_2 + G^I training steps (Eq. 8)
    e2_batch: int = 16  # E_2 batch size
    e2_lr: float = 2.0e-3  # E_2 (peak) learning rate
    e2_lam_view: float = 1.0  # weight of φ_view on view pairs (a deviation; SynthFaces only, ignored on a real set; 0: off)
    e2_lam_perc: float = 0.3  # weight of φ_perc(x^rec) on E_id's early maps (a deviation; 0: Eq. 8 alone)
    e2_lam_view_3d: float = 0.0  # weight of E_1's read-back of the view renderings (a deviation, with view pairs; 0: off)
    judge_width: int = 32  # the judge's base width
    judge_steps: int = 4800  # judge training steps
    judge_batch: int = 64  # judge batch size
    judge_lr: float = 3.0e-3  # judge (peak) learning rate
    judge_scale: float = 16.0  # its ArcFace scale s
    judge_margin: float = 0.3  # its ArcFace margin m (radians)
    judge_degrade: float = 0.5  # share of its training images blurred and noised (0: none; notebook 01 §7)
    amp: bool = False  # train in bf16 autocast on CUDA (full_gpu.yaml: true; ignored on the CPU)


@register("02_stage1_feature_gans")
@dataclasses.dataclass(repr=False)
class Stage1Params(FeatureParams):
    """02_stage1_feature_gans: G^f_1, G^f_2 against D^f_1, D^f_2 (facefeat_lite.facefeat.feature_gan).

    Declares notebook 01's fields too: it asks for the same E_1 and E_2 by their configs."""

    SMOKE: ClassVar[dict[str, Any]] = {**FeatureParams.SMOKE, "fgan_steps": 30, "n_eval": 200}

    fgan_steps: int = 12000  # training steps of each feature GAN
    fgan_batch: int = 256  # their batch size (paper: 96)
    fgan_lr: float = 1.0e-3  # their (peak) Adam learning rate (paper: 8e-5)
    fgan_r1: float = 10.0  # R1 penalty weight on D^f (not in the paper; 0 turns it off)
    fgan_pca_dims: int = 150  # whitened principal directions G^f and D^f work in (not in the paper; 0 turns it off)
    fgan_d_lr_mult: float = 4.0  # D^f's learning rate as a multiple of G^f's (not in the paper: 1)
    fgan_ema: float = 0.999  # decay of the moving average of G^f's weights (not in the paper; 0 turns it off)
    fgan_linear_skip: bool = True  # a linear path A z + b added to G^f's MLP (not in the paper; false turns it off)
    n_eval: int = 3200  # generated features scored against as many real ones


@register("03_stage2_began_rendering")
@dataclasses.dataclass(repr=False)
class Stage2Params(Stage1Params):
    """03_stage2_began_rendering: G^I against the BEGAN D^I (facefeat_lite.facefeat.image_gan).

    Declares notebooks 01 and 02's fields: it reuses E_id, E_1, E_2, G^I and G^f_1, G^f_2."""

    SMOKE: ClassVar[dict[str, Any]] = {**Stage1Params.SMOKE, "s2_steps": 10}

    s2_d_n: int = 8  # D^I's BEGAN filters (paper: 64)
    s2_steps: int = 300  # stage-2 training steps
    s2_batch: int = 16  # stage-2 batch size (paper: 96)
    s2_lr: float = 2.0e-4  # G^I and D^I (peak) Adam learning rate (paper: 8e-5)
    s2_gamma: float = 0.5  # BEGAN's γ: the ratio E[L(fake)] / E[L(real)] it holds
    s2_lambda_k: float = 1.0e-3  # BEGAN's learning rate of k_t
    s2_lam_adv: float = 0.1  # weight of G^I's adversarial term phi^I(x^rec) in Eq. 3 (paper: 1)


@register("05_stylegan_prior")
@dataclasses.dataclass(repr=False)
class StyleGANParams(FeatureParams):
    """05_stylegan_prior: the StyleGAN2 prior (facefeat_lite.stylegan2).

    Declares notebook 01's fields: it measures with E_1, the judge, the pose reader and the light
    estimator, asked for by config."""

    SMOKE: ClassVar[dict[str, Any]] = {**FeatureParams.SMOKE, "sg_demo_steps": 4, "proj_steps": 5, "proj_n": 2,
                                       "sg_n_eval": 64, "light_steps": 10}

    sg_prior: str = "data/weights/stylegan2_synthfaces32.pt"  # rosinality-format generator ("": train sg_steps)
    sg_steps: int = 6000  # training steps when sg_prior is "" (the shipped prior's own)
    sg_demo_steps: int = 200  # the short training run the notebook shows
    sg_size: int = 32  # prior resolution (the shipped prior: 32)
    sg_style_dim: int = 128  # z and w dimension (paper: 512)
    sg_n_mlp: int = 4  # mapping layers (paper: 8)
    sg_channel_base: int = 1024  # channels min(base // res, max) (config-f: 32768)
    sg_channel_max: int = 64  # (config-f: 512)
    sg_n_eval: int = 1000  # generated images for the Fréchet judge distance
    proj_steps: int = 200  # projector steps per image batch
    proj_n: int = 8  # held-out test images to project
    light_steps: int = 500  # training steps of the light estimator (an instrument, not a loss)


@register("04_two_level_losses")
@dataclasses.dataclass(repr=False)
class JointParams(Stage2Params):
    """04_two_level_losses: the joint training and attribute manipulation (facefeat_lite.facefeat.joint).

    Declares notebooks 01–03's fields: it starts from their models, asked for by config."""

    SMOKE: ClassVar[dict[str, Any]] = {**Stage2Params.SMOKE, "j_steps": 6, "n_directions": 260, "light_steps": 10}

    j_variant: str = "full"  # "full" or a Table-4 ablation: "no_id", "no_f", "no_img", "no_rec"
    j_steps: int = 3000  # joint training steps (paper: 200000)
    j_batch: int = 16  # joint batch size (paper: 96)
    j_lr: float = 1.0e-3  # (peak) Adam learning rate of every player (paper: 8e-5)
    j_g_img_lr_mult: float = 1.0  # G^I's learning rate is j_lr times this (1: the paper's single rate)
    j_lam_f: float = 0.5  # lambda^f: weight of phi^I(x^s) in Eq. 1
    j_lam_adv: float = 0.1  # weight of phi^I(x^rec) in Eq. 3 (paper: 1)
    j_lam1: float = 4.0e-3  # lambda_1: weight of phi_id(x^rec) in Eq. 3
    j_lam2: float = 4.0e-3  # lambda_2: weight of phi_id(x^s) in Eq. 3
    j_id_lowpass: int = 2  # phi_id compares x^r and the rendering both pooled by this factor (not in the paper; 1: off)
    j_lam_3d: float = 0.2  # weight of the pose/expression consistency ||f^s_1 - E_1(x^s)||^2 (not in the paper; 0: off)
    j_3d_entries: str = "pose+jaw_open"  # the f_1 entries it checks: "pose" (yaw, pitch, roll), "pose+" expression names, "all"
    j_lam_perc: float = 0.3  # weight of the perceptual reconstruction of x^rec on a frozen extractor's early features (not in the paper; 0: off)
    j_perc_net: str = "e_id"  # whose features that term compares: "e_id" or "e_1"
    n_directions: int = 2000  # generated samples E_1 reads to fit the yaw / pitch / smile / jaw directions
    sample_every: int = 100  # save a sample grid PNG every this many joint steps (0: never)
    light_steps: int = 500  # training steps of the light estimator (an instrument, not a loss)


@register("07_evaluations")
@dataclasses.dataclass(repr=False)
class EvalParams(JointParams):
    """07_evaluations: FaceFeat-GAN's Tables 1–4, the single-stage baseline, disentanglement
    (facefeat_lite.facefeat.evaluation). Declares notebooks 01–04's fields: it evaluates their
    models and trains the ablations with notebook 04's code, one flag changed."""

    SMOKE: ClassVar[dict[str, Any]] = {**JointParams.SMOKE, "ab_steps": 4, "ab_eval": 100,
                                       "template_size": 3, "template_splits": 3, "dis_ids": 2, "dis_n": 3}

    ab_steps: int = 150  # joint steps of each Table-4 variant and of the single-stage baseline (all the same)
    ab_batch: int = 8  # their batch size
    ab_eval: int = 1000  # test images each Table-4 row is scored on (Tables 1–3: all of them)
    template_size: int = 5  # images per IJB-A-style template (Table 2)
    template_splits: int = 10  # random gallery/probe splits (IJB-A: 10)
    dis_ids: int = 6  # identities in the disentanglement grids
    dis_n: int = 8  # z_1 values × z_2 values per grid (dis_n × dis_n images per identity)
