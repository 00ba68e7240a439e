"""Every FaceFeat-GAN model, asked for by a notebook's parameters: the bridge between notebooks.

Notebooks: ``01_feature_extraction`` builds its configs here; ``02_stage1_feature_gans``,
``03_stage2_began_rendering`` and later ones call :func:`load_feature_models` with the same
parameters and get the same checkpoints back through load-or-train (a cache hit when
notebook 01 has run; otherwise they train them, identically). :func:`extract_features` runs
the frozen extractors once over a set of images — the real features f_id, f^r_1, f^r_2 that
stage 1 learns to imitate and stage 2 renders. Likewise :func:`load_feature_gans` (notebook
02), :func:`load_stage2` (03) and :func:`load_joint` (04, and the evaluations' ablations):
each config carries the hashes of the models it was trained from. The evaluations (notebook
07) add :func:`ablation_params` (one Table-4 variant at the ablation budget),
:func:`load_single_stage` (the baseline, at the same budget) and :func:`load_light_estimator`
(an instrument, like the judge); notebook 04 its own instrument, :func:`load_pose_reader`.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from typing import Any, Callable

import torch

from ..data.faceset import FaceSet, holdout_split
from ..data.synthfaces import SynthFacesConfig
from ..data.view_pairs import view_pairs
from ..train import runtime
from ..train.checkpoint import FORMAT, checkpoint_path, config_hash, load_checkpoint, save_checkpoint
from .extractor_data import ExtractorData, load_extractor_data
from .extractors import GEN_NORM
from .feature_gan import FeatureGanConfig, sample_noise, train_feature_gan
from .image_gan import Stage2Config, train_stage2
from .joint import ABLATIONS, JointConfig, train_joint
from .judge import JudgeConfig, train_judge
from .light import LightConfig, light_data, train_light_estimator
from .pose_reader import pose_data, train_pose_reader
from .single_stage import SingleStageConfig, train_single_stage
from .training import (E1Config, E2Config, EidConfig, Trained, index_hash, predict, train_e1, train_e2,
                       train_e_id)

__all__ = ["load_data", "extractor_configs", "e2_views", "FeatureModels", "load_feature_models", "extract_features",
           "features_source", "feature_gan_config", "load_feature_gans", "stage2_config", "load_stage2", "joint_init",
           "joint_config", "load_joint", "ablation_params", "load_single_stage",
           "load_light_estimator", "load_pose_reader"]


def load_data(P: Any, progress: bool = True) -> ExtractorData:
    """The data notebooks 01–04 share, from their parameters (train / judge / test parts)."""
    return load_extractor_data(P.dataset, str(P.data_root_path), P.image_size, P.seed, P.n_train_ids,
                               P.samples_per_id, P.n_test_ids, P.n_judge_ids, P.judge_samples_per_id,
                               P.data_path / "cache", progress=progress, judge_template_ids=P.judge_template_ids,
                               judge_template_samples=P.judge_template_samples,
                               eid_template_views=P.eid_template_views)


def extractor_configs(P: Any) -> dict[str, Any]:
    """E_id, E_1, E_2 and judge configs from a notebook's parameters (``FeatureParams`` fields)."""
    common = dict(schedule=P.lr_schedule, lr_late=P.lr_late, decay_step=P.decay_step)
    return {
        "e_id": EidConfig(arch=P.eid_arch, width=P.eid_width, depths=list(P.eid_depths),
                          stem_stride=P.eid_stem_stride, train_norm=P.eid_train_norm, steps=P.eid_steps,
                          batch=P.eid_batch, lr=P.eid_lr, flip=True, seed=P.seed, **common),
        "e_1": E1Config(arch=P.e1_arch, width=P.e1_width, depths=list(P.e1_depths), stem_stride=P.e1_stem_stride,
                        steps=P.e1_steps, batch=P.e1_batch, lr=P.e1_lr, seed=P.seed, **common),
        # φ_view and its read-back need SynthFaces' view pairs: a real set has none (Eq. 8 + φ_perc)
        "e_2": E2Config(n=P.e2_n, steps=P.e2_steps, batch=P.e2_batch, lr=P.e2_lr,
                        lam_view=P.e2_lam_view if P.dataset == "synthfaces" else 0.0, lam_perc=P.e2_lam_perc,
                        lam_view_3d=P.e2_lam_view_3d if P.dataset == "synthfaces" and P.e2_lam_view else 0.0,
                        seed=P.seed, **common),
        "judge": JudgeConfig(width=P.judge_width, steps=P.judge_steps, batch=P.judge_batch, lr=P.judge_lr,
                             scale=P.judge_scale, margin=P.judge_margin, degrade=P.judge_degrade, seed=P.seed + 1234,
                             **common),
    }


@dataclass
class FeatureModels:
    """The frozen models of notebook 01 (each a :class:`~.training.Trained`)."""

    e_id: Trained
    e_1: Trained
    e_2: Trained          # model: {"e_2": GeneralExtractor, "g_img": ImageGenerator}
    judge: Trained        # model: a Judge (metrics only)

    def source(self, name: str) -> str:
        """The config hash of one of them (goes into configs of models trained on their output)."""
        return config_hash(getattr(self, name).config)


def e2_views(P: Any, data: ExtractorData) -> Callable[[], FaceSet] | None:
    """What :func:`~.training.train_e2` needs for φ_view: a function rendering (or reading from
    the data cache) the SynthFaces training split's view pairs; ``None`` on a real set."""
    if P.dataset != "synthfaces":
        return None
    return lambda: view_pairs(data.synthfaces, "train", P.data_path / "cache", seed=P.seed)


def load_feature_models(P: Any, data: ExtractorData, judge: bool = True, progress: bool = True) -> FeatureModels:
    """Load (or train, as notebook 01 does) E_id, E_1, E_2 + G^I and, with ``judge``, the judge."""
    cfgs = extractor_configs(P)
    kw = dict(device=P.device, root=P.cache_dir, progress=progress)
    e_id = train_e_id(data.eid_train, data.eid_train_idx, cfgs["e_id"], **kw)
    e_1 = train_e1(data.e1_train, data.e1_train_idx, cfgs["e_1"], **kw)
    e_2 = train_e2(data.train, data.train_idx, cfgs["e_2"], e_id, e_1, views=e2_views(P, data), **kw)
    j = train_judge(data.judge, torch.arange(len(data.judge)), cfgs["judge"], **kw) if judge else None
    return FeatureModels(e_id, e_1, e_2, j)


def extract_features(models: FeatureModels, data: FaceSet, idx: torch.Tensor | None = None,
                     device: str = "cpu", cache_dir: str | None = None) -> dict[str, torch.Tensor]:
    """Real features of ``data`` at ``idx`` (CPU tensors): ``f_id`` (N × 256, norm 16, G^I's
    input), ``f_1`` (N × 12, standardized), ``f_2`` (N × 256, norm 16), and ``idx``.

    With ``cache_dir`` they are also kept there as ``features-<hash>.pt`` and read back by the
    next call for the same extractors (their configs *and* a digest of their weights — a
    shipped float16 copy and a float32 original differ), data and ``idx``: notebooks 02, 03,
    04 and 07 all need the training and test sets' features, and only the first pays for
    them (~15 s for the training set at the CPU preset)."""
    idx = torch.arange(len(data)) if idx is None else torch.as_tensor(idx).long()
    e_id, e_1, e_2 = models.e_id.model, models.e_1.model, models.e_2.model["e_2"]
    path = key = None
    if cache_dir:
        key = json.loads(json.dumps({"model": "features", **features_source(models, data, idx),
                                     "weights": _weights_digest(e_id, e_1, e_2)}))
        path = checkpoint_path("features", key, cache_dir)
        if path.exists():
            saved = load_checkpoint(path)
            if saved["config"] == key:
                return {**saved["features"], "idx": idx}
    feats = {"f_id": predict(e_id.for_generator, data, idx, device), "f_1": predict(e_1, data, idx, device),
             "f_2": predict(e_2, data, idx, device)}
    if path is not None:
        save_checkpoint(path, {"format": FORMAT, "config": key, "features": feats})
    return {**feats, "idx": idx}


def _weights_digest(*nets: torch.nn.Module) -> str:
    """12 hex digits of the SHA-1 of every parameter and buffer of ``nets``, in order."""
    h = hashlib.sha1()
    for net in nets:
        for name, t in net.state_dict().items():
            h.update(name.encode())
            h.update(t.detach().cpu().reshape(-1).contiguous().view(torch.uint8).numpy().tobytes())
    return h.hexdigest()[:12]


def features_source(models: FeatureModels, data: FaceSet, idx: torch.Tensor) -> dict[str, Any]:
    """What a model trained on :func:`extract_features` output depends on (for its config)."""
    return {"e_id": models.source("e_id"), "e_1": models.source("e_1"), "e_2": models.source("e_2"),
            "data": data.describe(), "idx": index_hash(idx)}


def feature_gan_config(P: Any) -> FeatureGanConfig:
    """Stage 1's config from a notebook's parameters (``Stage1Params`` fields)."""
    return FeatureGanConfig(steps=P.fgan_steps, batch=P.fgan_batch, lr=P.fgan_lr, r1_gamma=P.fgan_r1,
                            pca_dims=P.fgan_pca_dims, d_lr_mult=P.fgan_d_lr_mult, ema=P.fgan_ema,
                            linear_skip=P.fgan_linear_skip,
                            schedule=P.lr_schedule, lr_late=P.lr_late, decay_step=P.decay_step, seed=P.seed)


def load_feature_gans(P: Any, models: FeatureModels, data: FaceSet, train_idx: torch.Tensor,
                      feats: dict[str, torch.Tensor] | None = None, progress: bool = True) -> dict[str, Trained]:
    """Load (or train, as notebook 02 does) G^f_1 / D^f_1 and G^f_2 / D^f_2 on the real f_1, f_2
    of ``data`` at ``train_idx``; returns ``{"f_1": Trained, "f_2": Trained}``."""
    feats = feats if feats is not None else extract_features(models, data, train_idx, P.device, P.cache_dir)
    source = features_source(models, data, train_idx)
    cfg = feature_gan_config(P)
    kw = dict(device=P.device, root=P.cache_dir, progress=progress)
    return {"f_1": train_feature_gan("gan_f1", feats["f_1"], cfg, None, source, **kw),
            "f_2": train_feature_gan("gan_f2", feats["f_2"], cfg, GEN_NORM, source, **kw)}


def stage2_config(P: Any) -> Stage2Config:
    """Stage 2's config from a notebook's parameters (``Stage2Params`` fields)."""
    return Stage2Config(d_n=P.s2_d_n, steps=P.s2_steps, batch=P.s2_batch, lr=P.s2_lr, gamma=P.s2_gamma,
                        lambda_k=P.s2_lambda_k, lam_adv=P.s2_lam_adv, schedule=P.lr_schedule,
                        lr_late=P.lr_late, decay_step=P.decay_step, seed=P.seed)


def load_stage2(P: Any, models: FeatureModels, gans: dict[str, Trained], data: FaceSet, train_idx: torch.Tensor,
                feats: dict[str, torch.Tensor], progress: bool = True) -> Trained:
    """Load (or train, as notebook 03 does) the stage-2 G^I and D^I on ``feats`` of ``data``."""
    source = {**features_source(models, data, train_idx),
              "gan_f1": config_hash(gans["f_1"].config), "gan_f2": config_hash(gans["f_2"].config)}
    return train_stage2(data, feats, models.e_2.model["g_img"], gans["f_1"].model["g"], gans["f_2"].model["g"],
                        stage2_config(P), source, device=P.device, root=P.cache_dir, progress=progress)


def joint_init(models: FeatureModels, gans: dict[str, Trained], stage2: Trained) -> dict[str, Any]:
    """The joint training's starting point: E_2 (notebook 01), G^f_i / D^f_i (02), G^I / D^I (03)."""
    return {"e_2": models.e_2.model["e_2"], "g_f1": gans["f_1"].model["g"], "d_f1": gans["f_1"].model["d"],
            "g_f2": gans["f_2"].model["g"], "d_f2": gans["f_2"].model["d"], "g_img": stage2.model["g_img"],
            "d_img": stage2.model["d_img"]}


def joint_config(P: Any) -> JointConfig:
    """The joint training's config from a notebook's parameters (``JointParams`` fields); the
    ablation variant ``P.j_variant`` switches off its one flag (``ABLATIONS``)."""
    if P.j_variant not in ABLATIONS:
        raise ValueError(f"j_variant must be one of {sorted(ABLATIONS)}, got {P.j_variant!r}")
    flag = ABLATIONS[P.j_variant]
    return JointConfig(steps=P.j_steps, batch=P.j_batch, lr=P.j_lr, g_img_lr_mult=P.j_g_img_lr_mult,
                       lam_f=P.j_lam_f, lam_adv=P.j_lam_adv, lam1=P.j_lam1, lam2=P.j_lam2,
                       id_lowpass=P.j_id_lowpass, lam_3d=P.j_lam_3d,
                       entries_3d=P.j_3d_entries, lam_perc=P.j_lam_perc, perc_net=P.j_perc_net,
                       gamma=P.s2_gamma, lambda_k=P.s2_lambda_k, r1_gamma=P.fgan_r1, schedule=P.lr_schedule,
                       lr_late=P.lr_late, decay_step=P.decay_step, seed=P.seed, **({flag: False} if flag else {}))


def load_joint(P: Any, models: FeatureModels, gans: dict[str, Trained], stage2: Trained, data: FaceSet,
               train_idx: torch.Tensor, feats: dict[str, torch.Tensor], progress: bool = True,
               log_name: str | None = None) -> Trained:
    """Load (or train, as notebook 04 does) the joint model of variant ``P.j_variant``, started
    from notebooks 01–03's models. With a log folder configured (:mod:`~facefeat_lite.train.runtime`)
    and ``P.sample_every`` > 0, sample grids of x^s for eight training identities are saved."""
    source = {**features_source(models, data, train_idx), "gan_f1": config_hash(gans["f_1"].config),
              "gan_f2": config_hash(gans["f_2"].config), "stage2": config_hash(stage2.config)}
    name = "joint" if P.j_variant == "full" else f"joint_{P.j_variant}"
    callbacks = []
    if runtime.RUNTIME.log_dir is not None and P.sample_every:
        n = min(8, len(train_idx))
        fixed = torch.Generator().manual_seed(P.seed + 7)
        z_1 = sample_noise(n, gans["f_1"].model["g"].z_dim, fixed)
        z_2 = sample_noise(n, gans["f_2"].model["g"].z_dim, fixed)

        def grid(state):
            m = state.models
            dev = next(m["g_img"].parameters()).device
            return m["g_img"](feats["f_id"][:n].to(dev), m["g_f1"](z_1.to(dev)), m["g_f2"](z_2.to(dev)))

        callbacks.append(runtime.SampleGrid(name, runtime.RUNTIME.log_dir, grid, P.sample_every))
    return train_joint(data, feats, models.e_id.model, joint_init(models, gans, stage2), joint_config(P), source,
                       device=P.device, root=P.cache_dir, progress=progress, name=name, callbacks=callbacks,
                       e_1=models.e_1.model, log_name=log_name)


def ablation_params(P: Any, variant: str) -> Any:
    """Notebook 04's parameters for one Table-4 ``variant`` at the evaluations' budget
    (``P.ab_steps`` at ``P.ab_batch``): every variant differs from ``"full"`` only in its flag."""
    if variant not in ABLATIONS:
        raise ValueError(f"variant must be one of {sorted(ABLATIONS)}, got {variant!r}")
    return dataclasses.replace(P, j_variant=variant, j_steps=P.ab_steps, j_batch=P.ab_batch, sample_every=0)


def load_ablation(P: Any, variant: str, models: FeatureModels, gans: dict[str, Trained], stage2: Trained,
                  data: FaceSet, train_idx: torch.Tensor, feats: dict[str, torch.Tensor],
                  progress: bool = True) -> Trained:
    """Load (or train) one Table-4 ``variant`` at the evaluations' budget (:func:`ablation_params`),
    as notebook 07 does. Its step log is ``ablation_<variant>.jsonl``: the ``"full"`` variant shares
    notebook 04's checkpoint name, ``joint``, and must not overwrite that run's log."""
    return load_joint(ablation_params(P, variant), models, gans, stage2, data, train_idx, feats, progress,
                      log_name=f"ablation_{variant}")


def load_single_stage(P: Any, models: FeatureModels, stage2: Trained, data: FaceSet, train_idx: torch.Tensor,
                      feats: dict[str, torch.Tensor], progress: bool = True) -> Trained:
    """Load (or train) the single-stage baseline from notebook 03's G^I / D^I, with the budget
    and weights of the full joint model at :func:`ablation_params`' budget."""
    source = {**features_source(models, data, train_idx), "stage2": config_hash(stage2.config)}
    cfg = SingleStageConfig.from_joint(joint_config(ablation_params(P, "full")))
    return train_single_stage(data, feats, models.e_id.model, stage2.model["g_img"], stage2.model["d_img"], cfg,
                              source, device=P.device, root=P.cache_dir, progress=progress)


def _judge_split(P: Any, data: ExtractorData) -> SynthFacesConfig:
    return dataclasses.replace(data.synthfaces, samples_per_id=P.judge_samples_per_id)


def _instrument_config(P: Any, steps: int) -> LightConfig:
    """E_1's architecture and optimiser settings, ``steps`` steps: the instruments' training."""
    return LightConfig(arch=P.e1_arch, width=P.e1_width, depths=list(P.e1_depths), stem_stride=P.e1_stem_stride,
                       steps=steps, batch=P.e1_batch, lr=P.e1_lr, schedule=P.lr_schedule, lr_late=P.lr_late,
                       decay_step=P.decay_step, seed=P.seed)


def load_light_estimator(P: Any, data: ExtractorData, progress: bool = True
                         ) -> tuple[Trained, FaceSet, torch.Tensor, torch.Tensor]:
    """Load (or train) the light estimator (:mod:`.light`) on SynthFaces' judge split with E_1's
    architecture and optimiser settings and ``P.light_steps`` steps. Returns ``(trained, the
    split as a FaceSet, its (N, 3) light targets, held-out indices)``."""
    faces, targets = light_data(_judge_split(P, data), "judge", str(P.data_path / "cache"))
    train_idx, held_out = holdout_split(faces.identity)
    trained = train_light_estimator(faces, targets, train_idx, _instrument_config(P, P.light_steps), P.device,
                                    P.cache_dir, progress)
    return trained, faces, targets, held_out


def load_pose_reader(P: Any, data: ExtractorData, progress: bool = True
                     ) -> tuple[Trained, FaceSet, torch.Tensor, torch.Tensor]:
    """Load (or train) the independent pose reader (:mod:`.pose_reader`) on SynthFaces' judge
    split with E_1's architecture, optimiser settings and ``P.e1_steps`` steps. Returns
    ``(trained, the split as a FaceSet, its (N, 2) yaw / pitch targets, held-out indices)``."""
    faces, targets = pose_data(_judge_split(P, data), "judge", str(P.data_path / "cache"))
    train_idx, held_out = holdout_split(faces.identity)
    trained = train_pose_reader(faces, targets, train_idx, _instrument_config(P, P.e1_steps), P.device,
                                P.cache_dir, progress)
    return trained, faces, targets, held_out
