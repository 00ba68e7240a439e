"""Training recipes for E_id (Eq. 5), E_1 (Eq. 7) and E_2 + G^I (Eq. 8), with load-or-train.

Notebook: ``01_feature_extraction``; later notebooks call the same functions and get the
cached models back (same config → same checkpoint file, nothing retrains). FaceFeat-GAN
§3.1 trains the extractors one after the other: E_id and E_1 on their labels, then, with both
frozen, E_2 together with a first image generator G^I through reconstruction alone. This
module is that order, one function per model::

    e_id = train_e_id(train_set, train_idx, EidConfig())          # Eq. 5
    e_1  = train_e1(train_set, train_idx, E1Config())             # Eq. 7
    e_2  = train_e2(train_set, train_idx, E2Config(), e_id, e_1)  # Eq. 8 (returns E_2 and G^I)

Each returns a :class:`Trained` (the frozen model, its loss history, seconds trained). The
checkpoint name is the model's, its config the dataclass + a description of the data (+ the
configs of the frozen models it builds on), so changing any of them retrains only what
depends on it. Optimiser: Adam. ``schedule="onecycle"`` (CPU presets: a short warm-up then
cosine decay, which makes a few hundred steps count) or ``"step"`` (the paper, §4: constant
``lr`` = 8e-5, then ``lr_late`` = 5e-5 from ``decay_step`` = 100k).
"""
from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from typing import Any, Callable

import torch
import torch.nn as nn

from .. import metrics
from ..data.faceset import FaceSet, augment, to_model
from ..train import runtime
from ..train.checkpoint import config_hash, load_or_train
from ..train.core import ProgressBar, TrainState, fit, seed_everything
from .extractors import (GeneralExtractor, IdentityExtractor, ImageGenerator, PoseExpressionExtractor,
                         freeze, reconstruct, view_readback, view_render)
from .perceptual import phi_perc

__all__ = ["TrainConfig", "BackboneConfig", "EidConfig", "E1Config", "E2Config", "Trained", "make_scheduler",
           "train_models", "train_e_id", "train_e1", "train_e2", "build_e_id", "build_e1", "build_e2",
           "predict", "identification_accuracy", "e1_r2", "e2_l1", "e2_view_l1", "index_hash"]


@dataclass
class TrainConfig:
    """Optimisation settings every recipe shares; each recipe's defaults are its CPU preset
    (notebook 01's ``cpu.yaml`` values)."""

    steps: int = 400
    batch: int = 64
    lr: float = 2e-3
    schedule: str = "onecycle"      # "onecycle" (CPU) | "step" (paper: lr → lr_late at decay_step)
    lr_late: float = 5e-5
    decay_step: int = 100_000
    weight_decay: float = 0.0
    augment: bool = True            # random shift ±S/16 px + brightness ±20 %
    flip: bool = False              # + random horizontal mirror (identity only: it flips yaw)
    seed: int = 0
    ckpt_every: int = 0             # partial checkpoint (resume) period; 0 = every 5 % of steps (≥ 100)


@dataclass
class BackboneConfig(TrainConfig):
    """A ResNet backbone (:mod:`facefeat_lite.nn.resnet`); the paper's is width 64, full depth."""

    arch: str = "resnet18"
    width: int = 16
    depths: list[int] = field(default_factory=lambda: [1, 1, 1, 1])
    stem_stride: int = 2


@dataclass
class EidConfig(BackboneConfig):
    """E_id: ResNet (paper: ResNet-50, width 64) + normalized softmax at norm 64 (Eq. 5)."""

    feat_dim: int = 256
    head: str = "softmax"           # or "arcface" (margin below)
    margin: float = 0.5
    train_norm: float = 64.0        # ||f_id|| in Eq. 5's logits (the paper's 64)
    normalize_weight: bool = True   # NormFace's unit-norm class weights; False = Eq. 5's raw W, b
    steps: int = 9600               # with the template views (notebook 01 §7): hard pairs 0.72 at 1600,
                                    # 0.76 at 4800, 0.78 here (identification 0.93, 0.98, 0.99)
    lr: float = 4e-3
    flip: bool = True
    weight_decay: float = 5e-4


@dataclass
class E1Config(BackboneConfig):
    """E_1: ResNet-18 regressing the standardized f_1 under Eq. 7 with W_3d = 1/σ²."""

    steps: int = 7500               # nine-expression SynthFaces, held-out R² pose / expression:
                                    # 0.979 / 0.78 at 5000, 0.979 / 0.815 at 7500 (notebook 01 §7)
    lr: float = 3e-3


@dataclass
class E2Config(TrainConfig):
    """E_2 (BEGAN encoder, 256-d) and G^I (BEGAN decoder) trained by Eq. 8 (L1 reconstruction),
    plus the φ_perc deviation in the CPU preset (``lam_perc``)."""

    n: int = 16                     # BEGAN filters (paper: 64)
    f2_dim: int = 256
    steps: int = 12000              # judge (1200 steps) cosine x–x^rec, unseen people: 0.38 at 600, 0.56 at 3000,
                                    # 0.61 at 6000 steps; held-out L1 0.18, 0.11, 0.10 and 0.09 here
    batch: int = 16
    lr: float = 2e-3
    augment: bool = False           # G^I must reproduce x exactly, shifts included
    lam_view: float = 0.0           # weight of φ_view on SynthFaces view pairs (a deviation, extractors.e2_view_loss;
                                    # 0 = the paper's Eq. 8 alone, and a real set must use 0). The CPU preset
                                    # (e2_lam_view) sets 1: with lam_perc beside it the joint G^I draws the yaw
                                    # from f_1 (0.54° per degree, was 0.37; from f_2 0.06, was 0.15) and every
                                    # identity target holds. Without lam_perc it blurred and lost them (notebook
                                    # 03's x^rec 0.70 → 0.47 judge cosine); notebook 04 §10
    lam_perc: float = 0.3           # weight of φ_perc(x^rec) on the frozen E_id's early maps (a deviation,
                                    # perceptual.phi_perc; 0 = the paper's Eq. 8). At 3000 steps: judge x–x^rec
                                    # 0.53 → 0.70, yaw drawn 0.42 → 0.77° per degree (notebook 01 §4)
    lam_view_3d: float = 0.0        # weight of E_1's read-back of the view rendering (a deviation,
                                    # extractors.view_readback; needs lam_view > 0; 0 = off, the CPU preset):
                                    # at 0.2 E_1 read the smile G^I drew from f_1, the eye saw only textures
                                    # and identity fell (notebook 04 §10)


@dataclass
class Trained:
    """A trained (frozen) model and how it got there."""

    model: Any
    history: dict[str, list[float]]
    train_seconds: float
    config: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)   # numbers the run carried (BEGAN's k_t)


def make_scheduler(opt: torch.optim.Optimizer, cfg: TrainConfig, lr: float | None = None):
    """The learning-rate schedule: one-cycle (CPU presets) or the paper's step decay (§4).
    ``lr``: this optimiser's peak rate where it differs from ``cfg.lr`` (the late rate scales with it)."""
    lr = cfg.lr if lr is None else lr
    if cfg.schedule == "onecycle":
        return torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=max(cfg.steps, 1),
                                                   pct_start=0.15)
    if cfg.schedule == "step":
        late = cfg.lr_late / cfg.lr
        return torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[cfg.decay_step], gamma=late)
    raise ValueError(f"schedule must be 'onecycle' or 'step', got {cfg.schedule!r}")


def index_hash(idx: torch.Tensor) -> str:
    """12 hex digits naming a set of training indices (part of a checkpoint config)."""
    return hashlib.sha1(torch.as_tensor(idx).long().numpy().tobytes()).hexdigest()[:12]


def train_models(name: str, config: dict, build: Callable[[], dict[str, nn.Module]], cfg: TrainConfig,
                 step: Callable[[TrainState, dict[str, nn.Module]], dict], device: str = "cpu",
                 root: str = "runs/cache", progress: bool = True, setup: Callable | None = None) -> Trained:
    """Load-or-train the models ``build()`` makes, with one Adam over all their parameters.

    ``step(state, models)`` does the forward pass and returns ``{"loss": tensor, ...}``; this
    function does backward, the optimiser and the scheduler. ``setup(models)`` runs once
    before training (e.g. E_1's standardizer) — its effect must live in the models' buffers.
    Returns the frozen models (a dict) in a :class:`Trained`.
    """
    def train(run):
        seed_everything(cfg.seed)
        models = {k: m.to(device) for k, m in build().items()}
        if setup is not None:
            setup(models)
        params = [p for m in models.values() for p in m.parameters()]
        opt = runtime.attach_gradient_sync(torch.optim.Adam(params, lr=cfg.lr, weight_decay=cfg.weight_decay))
        state = TrainState(models=models, optimizers={"adam": opt}, schedulers={"lr": make_scheduler(opt, cfg)},
                           generators={"data": torch.Generator().manual_seed(cfg.seed)})
        run.resume(state)

        def one_step(state):
            logs = step(state, models)
            opt.zero_grad(set_to_none=True)
            logs["loss"].backward()
            opt.step()
            state.schedulers["lr"].step()
            return logs

        return run_steps(name, one_step, state, models, cfg, run, progress)

    return load_trained(load_or_train(name, config, train, root, map_location=device), build, device)


def run_steps(name: str, one_step: Callable, state: TrainState, models: dict[str, nn.Module], cfg: TrainConfig,
              run, progress: bool, callbacks: list | None = None) -> TrainState:
    """Put ``models`` in train mode and :func:`fit` ``cfg.steps`` steps with a progress bar and
    a partial checkpoint every ``cfg.ckpt_every`` steps (0: every 5 %, at least 100); with the
    :mod:`~facefeat_lite.train.runtime` settings, each step runs under bf16 autocast (CUDA) and
    its logs go to ``<log_dir>/<name>.jsonl``; ``callbacks`` are added after those."""
    for m in models.values():
        m.train()
    every = cfg.ckpt_every or max(100, cfg.steps // 20)
    device = next((p.device for m in models.values() for p in m.parameters()), torch.device("cpu"))

    def step(state):
        with runtime.autocast(device):          # bf16 on CUDA when the run asks for it
            return one_step(state)

    return fit(step, state, cfg.steps, [ProgressBar(desc=name, disable=not progress or not runtime.is_main()),
                                        run.checkpoint(every), *runtime.step_logs(name), *(callbacks or [])])


def load_trained(ckpt: dict, build: Callable[[], dict[str, nn.Module]], device: str = "cpu") -> Trained:
    """Fresh models from ``build()`` with the checkpoint's weights, frozen, in a :class:`Trained`
    (without the players a shipped checkpoint left out: :data:`~facefeat_lite.train.shipped.DROP`)."""
    dropped = set(ckpt.get("shipped", {}).get("dropped", ()))
    models = {k: m.to(device) for k, m in build().items() if k not in dropped}
    for k, m in models.items():
        m.load_state_dict(ckpt["models"][k])
        freeze(m)
    return Trained(models, ckpt["history"], float(ckpt["extra"].get("train_seconds", 0.0)), ckpt["config"],
                   dict(ckpt["extra"]))


def _batch(data: FaceSet, train_idx: torch.Tensor, cfg: TrainConfig, g: torch.Generator, device: str):
    """Draw ``cfg.batch`` training indices from ``g``; return (idx, images in [-1, 1] on device)."""
    idx = runtime.shard(train_idx[torch.randint(len(train_idx), (cfg.batch,), generator=g)])  # torchrun: a slice
    x = to_model(data.take(idx))
    if cfg.augment:
        x = augment(x, g, shift=max(1, x.shape[-1] // 16), flip=cfg.flip)
    return idx, x.to(device)


def _config(model: str, cfg: TrainConfig, data: FaceSet, train_idx: torch.Tensor, **more) -> dict:
    return {"model": model, **dataclasses.asdict(cfg), "data": data.describe(),
            "train_idx": index_hash(train_idx), **more}


# --------------------------------------------------------------------------- E_id (Eq. 5)


def build_e_id(cfg: EidConfig, n_ids: int) -> IdentityExtractor:
    return IdentityExtractor(n_ids, cfg.feat_dim, cfg.arch, cfg.width, cfg.depths, cfg.stem_stride,
                             train_norm=cfg.train_norm, head=cfg.head, margin=cfg.margin,
                             normalize_weight=cfg.normalize_weight)


def train_e_id(data: FaceSet, train_idx: torch.Tensor, cfg: EidConfig | None = None, device: str = "cpu",
               root: str = "runs/cache", progress: bool = True) -> Trained:
    """E_id by identity classification (Eq. 5) on ``data``'s samples at ``train_idx``."""
    cfg = cfg or EidConfig()
    n_ids = data.n_ids

    def step(state, m):
        idx, x = _batch(data, train_idx, cfg, state.generators["data"], device)
        return {"loss": m["e_id"].loss(x, data.identity[idx].to(device))}

    t = train_models("e_id", _config("e_id", cfg, data, train_idx), lambda: {"e_id": build_e_id(cfg, n_ids)},
                     cfg, step, device, root, progress)
    t.model = t.model["e_id"]
    return t


# --------------------------------------------------------------------------- E_1 (Eq. 7)


def build_e1(cfg: E1Config, dim: int) -> PoseExpressionExtractor:
    return PoseExpressionExtractor(dim, cfg.arch, cfg.width, cfg.depths, cfg.stem_stride)


def train_e1(data: FaceSet, train_idx: torch.Tensor, cfg: E1Config | None = None, device: str = "cpu",
             root: str = "runs/cache", progress: bool = True) -> Trained:
    """E_1 by Eq. 7 against ``data.f3d`` (raw f_3d targets); μ, σ from the training samples."""
    cfg = cfg or E1Config()
    if data.f3d is None:
        raise ValueError(f"E_1 needs f_3d targets (3DMM expression + pose per image); {data.name} has none. "
                         "Train E_1 on SynthFaces (FaceSet.from_synthfaces) or give FaceSet(f3d=...) "
                         "from your own 3DMM fits.")
    targets = data.f3d.float()
    dim = targets.shape[1]

    def setup(m):
        m["e_1"].fit_standardizer(targets[train_idx])

    def step(state, m):
        idx, x = _batch(data, train_idx, cfg, state.generators["data"], device)
        return {"loss": m["e_1"].loss(x, targets[idx].to(device))}

    t = train_models("e_1", _config("e_1", cfg, data, train_idx), lambda: {"e_1": build_e1(cfg, dim)},
                     cfg, step, device, root, progress, setup=setup)
    t.model = t.model["e_1"]
    return t


# --------------------------------------------------------------------------- E_2 + G^I (Eq. 8)


def build_e2(cfg: E2Config, image_size: int, id_dim: int, f1_dim: int) -> dict[str, nn.Module]:
    return {"e_2": GeneralExtractor(image_size, cfg.f2_dim, cfg.n),
            "g_img": ImageGenerator(image_size, id_dim, f1_dim, cfg.f2_dim, cfg.n)}


def train_e2(data: FaceSet, train_idx: torch.Tensor, cfg: E2Config | None, e_id: Trained, e_1: Trained,
             device: str = "cpu", root: str = "runs/cache", progress: bool = True,
             views: FaceSet | Callable[[], FaceSet] | None = None) -> Trained:
    """E_2 and G^I by Eq. 8 with E_id, E_1 frozen; ``model`` is ``{"e_2": ..., "g_img": ...}``.

    With ``cfg.lam_view`` > 0 each step adds λ_view φ_view on the same images' view pairs
    (:func:`~.extractors.e2_view_loss`): ``views`` holds x' for every sample of ``data``
    (:func:`facefeat_lite.data.view_pairs.view_pairs`), or is a function that makes them,
    called only when the model really trains (a cached or shipped checkpoint needs none).
    With ``cfg.lam_perc`` > 0 each step adds λ_perc φ_perc(x^rec) on the frozen E_id's early
    maps (:func:`~.perceptual.phi_perc`). Either way the history logs ``rec_l1`` (Eq. 8) beside
    the total ``loss``.
    """
    cfg = cfg or E2Config()
    eid, e1 = e_id.model, e_1.model
    size = data.image_size
    id_dim, f1_dim = eid.weight.shape[1], e1.dim
    if cfg.lam_view and views is None:
        raise ValueError(f"E2Config.lam_view = {cfg.lam_view} needs view pairs (views=...): SynthFaces makes them "
                         "(facefeat_lite.data.view_pairs); a real data set has none, so set lam_view = 0 "
                         "(e2_lam_view: 0.0, Eq. 8 alone)")
    if cfg.lam_view_3d and not cfg.lam_view:
        raise ValueError(f"E2Config.lam_view_3d = {cfg.lam_view_3d} reads back the view renderings and needs "
                         "lam_view > 0 (view pairs); set lam_view_3d = 0 without them")
    if cfg.lam_view and cfg.augment:
        raise ValueError("E2Config.lam_view needs augment=False: x and its view x' must stay aligned")
    pairs: dict[str, FaceSet] = {}

    def setup(m):
        if cfg.lam_view:
            v = views() if callable(views) else views
            if len(v) != len(data):
                raise ValueError(f"views must hold one x' per sample of the data: {len(v)} views, {len(data)} samples")
            pairs["views"] = v

    def step(state, m):
        idx, x = _batch(data, train_idx, cfg, state.generators["data"], device)
        x_rec = reconstruct(x, eid, e1, m["e_2"], m["g_img"])                     # B × 3 × S × S
        rec = (x - x_rec).abs().mean()                                             # Eq. 8
        if not (cfg.lam_view or cfg.lam_perc):
            return {"loss": rec}
        out = {"loss": rec, "rec_l1": rec.detach()}
        if cfg.lam_perc:                                                           # the φ_perc deviation
            perc = phi_perc(eid.backbone, x_rec, x)
            out.update(loss=out["loss"] + cfg.lam_perc * perc, perc=perc.detach())
        if cfg.lam_view:
            x_view = to_model(pairs["views"].take(idx)).to(device)
            x_hat, f1_view = view_render(x_view, x, eid, e1, m["e_2"], m["g_img"])
            view = (x_view - x_hat).abs().mean()                                   # φ_view (e2_view_loss)
            out.update(loss=out["loss"] + cfg.lam_view * view, view_l1=view.detach())
            if cfg.lam_view_3d:                                                    # its E_1 read-back
                back = view_readback(x_hat, f1_view, e1)
                out.update(loss=out["loss"] + cfg.lam_view_3d * back, view_3d=back.detach())
        return out

    config = _config("e_2", cfg, data, train_idx, e_id=config_hash(e_id.config), e_1=config_hash(e_1.config))
    for name in ("lam_view", "lam_perc", "lam_view_3d"):
        if not getattr(cfg, name):
            del config[name]        # a deviation switched off keeps the cache key (and shipped checkpoint) it had before it
    return train_models("e_2", config, lambda: build_e2(cfg, size, id_dim, f1_dim), cfg, step, device, root,
                        progress, setup=setup)


# --------------------------------------------------------------------------- evaluation


@torch.no_grad()
def predict(fn: Callable[[torch.Tensor], torch.Tensor], data: FaceSet, idx: torch.Tensor | None = None,
            device: str = "cpu", batch: int = 256) -> torch.Tensor:
    """``fn`` over images (in [-1, 1], on ``device``) of ``data`` at ``idx``, concatenated on the CPU."""
    return torch.cat([fn(to_model(x).to(device)).float().cpu() for x in data.all_images(idx, batch)])


def identification_accuracy(e_id: IdentityExtractor, data: FaceSet, idx: torch.Tensor, device: str = "cpu") -> float:
    """Top-1 accuracy of E_id's classifier on held-out images of its training identities."""
    logits = predict(lambda x: e_id.logits(e_id(x)), data, idx, device)
    return metrics.identification_accuracy(logits, data.identity[idx])


def e1_r2(e_1: PoseExpressionExtractor, data: FaceSet, idx: torch.Tensor, groups: dict[str, slice],
          device: str = "cpu") -> tuple[dict[str, float], torch.Tensor]:
    """Pooled R² per group of raw f_3d entries on ``idx`` (and the predictions, raw units)."""
    pred = predict(e_1.f3d, data, idx, device)
    return metrics.r2_by_group(pred, data.f3d[idx], groups), pred


@torch.no_grad()
def e2_view_l1(e_id, e_1, e_2, g_img, data: FaceSet, views: FaceSet, idx: torch.Tensor,
               device: str = "cpu") -> dict[str, float]:
    """Mean absolute error to the view pairs x′ (images in [−1, 1]) on ``idx`` (§3.1's G^I, the
    φ_view deviation from Eq. 8 in :func:`~.extractors.e2_view_loss`): ``from_f1`` is
    φ_view, G^I(f_id(x), E_1(x′), E_2(x)); ``unturned`` is x's own reconstruction
    G^I(f_id(x), E_1(x), E_2(x)). A G^I that draws the pose from f_1 has ``from_f1`` well below
    ``unturned``; one that ignores f_1 has them equal."""
    total = {"from_f1": 0.0, "unturned": 0.0}
    for lo in range(0, len(idx), 256):
        i = idx[lo:lo + 256]
        x, xv = to_model(data.take(i)).to(device), to_model(views.take(i)).to(device)
        f_id, f_2 = e_id.for_generator(x), e_2(x)
        total["from_f1"] += float((xv - g_img(f_id, e_1(xv), f_2)).abs().mean()) * len(i)
        total["unturned"] += float((xv - g_img(f_id, e_1(x), f_2)).abs().mean()) * len(i)
    return {k: v / len(idx) for k, v in total.items()}


def e2_l1(e_id, e_1, e_2, g_img, data: FaceSet, idx: torch.Tensor, device: str = "cpu") -> float:
    """Eq. 8's mean absolute reconstruction error on ``idx`` (images in [-1, 1])."""
    total, n = 0.0, 0
    for x in data.all_images(idx, 256):
        x = to_model(x).to(device)
        with torch.no_grad():
            total += float((x - reconstruct(x, e_id, e_1, e_2, g_img)).abs().mean()) * len(x)
        n += len(x)
    return total / n
