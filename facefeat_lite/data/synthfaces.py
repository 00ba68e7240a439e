"""SynthFaces, the embedded face data set: identities, splits, hard negatives and the cache.

Notebook: ``00_data``. The face model and its renderer live in
:mod:`facefeat_lite.data.face_model` and :mod:`facefeat_lite.data.render`; this module turns
them into a data set that every later notebook trains on:

* **Identities.** Identity ``k`` of a split is a vector of the face model's identity group
  (shape coefficients + appearance) drawn from the ``identity`` stream with key
  ``split offset + k``. Splits use disjoint key ranges, so train / val / test / judge
  identities are disjoint by construction, and growing one split never changes another.
  The ``judge`` split is reserved for the independent recognizer that scores identity in the
  evaluations (FaceFeat-GAN §4): no other model may train on it.
* **Shape twins (hard negatives).** In the splits named by ``config.twins`` every identity
  has a *twin*: a second identity with exactly its appearance (skin, hair, eyes, beard,
  glasses) and a different face shape. Twins are ordinary identities with their own labels;
  :func:`verification_pairs` with ``kind="hard"`` pairs each face with its twin, so that
  copying hair and skin colour cannot pass for keeping identity.
* **Samples.** Sample ``j`` of an identity draws expression, pose, illumination and
  nuisance (background, clothing, alignment jitter) from their own streams keyed by the
  sample, so any group can be re-drawn with the others fixed.
* **Cache.** A split is rendered once and stored under ``<cache_dir>/synthfaces/`` as
  ``.npy`` files read back memory-mapped. The folder name is a hash of everything that
  determines the pixels (this config, the face model's config, the renderer's version):
  change a parameter and a new cache is made; the old one is never overwritten. A split is
  written to a temporary folder and renamed into place, so an interrupted render leaves no
  half-written cache behind.
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import Dataset

from . import render as _render
from .face_model import POSE_NAMES, FaceModelConfig, get_model
from .fields import EXPRESSION_NAMES

SPLITS = ("train", "val", "test", "judge")
_SPLIT_OFFSET = {"train": 0, "val": 1_000_000, "test": 2_000_000, "judge": 3_000_000}
_TWIN_OFFSET = 5_000_000          # twin of identity key k has key k + _TWIN_OFFSET
_SHAPE_DONOR_OFFSET = 20_000_000  # ... and takes its shape from identity key k + this
_MAX_SAMPLES = 1024               # sample key = identity key * _MAX_SAMPLES + j
_PER_SAMPLE_GROUPS = ("expression", "pose", "illumination", "nuisance")
F3D_DIM = len(EXPRESSION_NAMES) + len(POSE_NAMES)  # 12: f3d = [9 expression weights, yaw, pitch, roll]
# The modules whose code decides the pixels; their source is part of every cache key, so a
# change to the renderer can never be served stale images from an old cache.
_RENDERER_MODULES = ("face_model", "fields", "geometry", "labels", "layout", "parts", "raster",
                     "render", "shading", "streams")


@functools.lru_cache(maxsize=1)
def renderer_version() -> str:
    """A hash of the renderer's source code (12 hex digits)."""
    h = hashlib.sha1()
    for name in _RENDERER_MODULES:
        h.update((Path(__file__).parent / f"{name}.py").read_bytes())
    return h.hexdigest()[:12]


@dataclass(frozen=True)
class SynthFacesConfig:
    """Everything that decides which faces a SynthFaces split contains (CPU defaults)."""

    seed: int = 0                    # data-set seed: every random stream hangs off it
    image_size: int = 64             # rendered size, 32..256
    n_train_ids: int = 200           # identities each split holds (twins come on top)
    n_val_ids: int = 20
    n_test_ids: int = 100
    n_judge_ids: int = 200
    samples_per_id: int = 20         # images per identity
    share_appearance: bool = False   # True: every identity has the same appearance (shape-only check)
    twins: tuple[str, ...] = ("val", "test", "judge")  # splits whose identities get a shape twin
    face_model: FaceModelConfig = field(default_factory=FaceModelConfig)

    def __post_init__(self):
        if not 32 <= self.image_size <= 256:
            raise ValueError(f"image_size must be within 32..256, got {self.image_size}")
        if not 1 <= self.samples_per_id <= _MAX_SAMPLES:
            raise ValueError(f"samples_per_id must be within 1..{_MAX_SAMPLES}, got {self.samples_per_id}")
        unknown = set(self.twins) - set(SPLITS)
        if unknown:
            raise ValueError(f"twins names unknown splits {sorted(unknown)}; splits are {SPLITS}")

    def n_ids(self, split: str) -> int:
        """Identities in a split before twins are added."""
        _check_split(split)
        return getattr(self, f"n_{split}_ids")

    def cache_key(self, split: str) -> str:
        """Hash of everything that determines the split's pixels."""
        blob = json.dumps({"config": dataclasses.asdict(self), "split": split,
                           "renderer": renderer_version()}, sort_keys=True, default=str)
        return hashlib.sha1(blob.encode()).hexdigest()[:12]


def _check_split(split: str) -> None:
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; SynthFaces splits are {SPLITS}")


def identities(config: SynthFacesConfig, split: str) -> dict[str, torch.Tensor]:
    """The identities of a split: ``params`` (n, D_id), ``key`` (n,), ``twin_of`` (n,).

    Labels are row indices: base identities first (0..n-1), then their twins (n..2n-1) when
    the split has twins; ``twin_of[i]`` is the label of i's twin (-1 without one).
    """
    _check_split(split)
    model = get_model(config.face_model)
    n = config.n_ids(split)
    keys = torch.arange(n, dtype=torch.int64) + _SPLIT_OFFSET[split]
    params = model.sample_identity(config.seed, keys.numpy(), share_appearance=config.share_appearance)
    twin_of = torch.full((n,), -1, dtype=torch.int64)
    if split in config.twins:
        donors = model.sample_identity(config.seed, (keys + _SHAPE_DONOR_OFFSET).numpy(),
                                       share_appearance=config.share_appearance)
        twins = params.clone()
        shape = model.identity_slices["shape"]
        twins[:, shape] = donors[:, shape]          # same appearance, another face shape
        params = torch.cat([params, twins])
        keys = torch.cat([keys, keys + _TWIN_OFFSET])
        twin_of = torch.cat([torch.arange(n) + n, torch.arange(n)])
    return {"params": params, "key": keys, "twin_of": twin_of}


def sample_parameters(config: SynthFacesConfig, split: str) -> dict[str, torch.Tensor]:
    """Every sample's parameters: one row per image, identities in label order.

    Returns the face model's groups (``identity``, ``expression``, ``pose``,
    ``illumination``, ``nuisance``; each (N, D)) plus ``label`` and ``sample_index`` (the
    sample's position j within its identity), N = n_identities * samples_per_id.
    """
    model = get_model(config.face_model)
    ids = identities(config, split)
    m = config.samples_per_id
    label = torch.arange(len(ids["key"])).repeat_interleave(m)
    j = torch.arange(m).repeat(len(ids["key"]))
    sample_key = (ids["key"][label] * _MAX_SAMPLES + j).numpy()
    out = {"identity": ids["params"][label], "label": label, "sample_index": j}
    for group in _PER_SAMPLE_GROUPS:
        out[group] = model.sample(group, config.seed, sample_key)
    return out


def _render_split(config: SynthFacesConfig, split: str, folder: Path, batch: int, progress: bool) -> None:
    """Render a split into ``folder`` (.npy files + meta.json)."""
    from tqdm.auto import tqdm

    model = get_model(config.face_model)
    p = sample_parameters(config, split)
    ids = identities(config, split)
    n, s = len(p["label"]), config.image_size
    folder.mkdir(parents=True)
    mm = lambda name, shape, dtype: np.lib.format.open_memmap(folder / f"{name}.npy", "w+", dtype, shape)
    image = mm("image", (n, s, s, 3), np.uint8)      # HWC uint8: compact, and what image viewers expect
    labels = mm("labels", (n, s, s), np.uint8)
    sketch = mm("sketch", (n, s, s), np.uint8)
    landmarks = visible = None
    bar = tqdm(total=n, desc=f"rendering SynthFaces {split}", disable=not progress, unit="img")
    for lo in range(0, n, batch):
        hi = min(lo + batch, n)
        bar.update(hi - lo)
        out = _render.render(model, {g: p[g][lo:hi] for g in ("identity",) + _PER_SAMPLE_GROUPS}, size=s)
        image[lo:hi] = (out["image"].clamp(0, 1) * 255).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()
        labels[lo:hi] = out["labels"].numpy()
        sketch[lo:hi] = (out["sketch"][:, 0].clamp(0, 1) * 255).round().to(torch.uint8).numpy()
        if landmarks is None:
            k = out["landmarks"].shape[1]
            landmarks = mm("landmarks", (n, k, 2), np.float32)
            visible = mm("landmarks_visible", (n, k), np.bool_)
        landmarks[lo:hi] = out["landmarks"].numpy()
        visible[lo:hi] = out["landmarks_visible"].numpy()
    bar.close()
    for arr in (image, labels, sketch, landmarks, visible):
        arr.flush()
    for name in ("label", "sample_index", "identity") + _PER_SAMPLE_GROUPS:
        np.save(folder / f"{name}.npy", p[name].numpy())
    np.save(folder / "twin_of.npy", ids["twin_of"].numpy())
    meta = {"split": split, "n_samples": n, "n_identities": len(ids["key"]),
            "config": dataclasses.asdict(config), "renderer": renderer_version()}
    (folder / "meta.json").write_text(json.dumps(meta, indent=1, default=str))


def cached_split(config: SynthFacesConfig, split: str, cache_dir: str | os.PathLike = "data/cache",
                 batch: int = 256, progress: bool = True) -> Path:
    """The cache folder of a split, rendering it first when it is missing."""
    _check_split(split)
    final = Path(cache_dir) / "synthfaces" / f"{split}-{config.cache_key(split)}"
    if (final / "meta.json").exists():
        return final
    tmp = final.with_name(f"{final.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        _render_split(config, split, tmp, batch, progress)
        try:
            os.replace(tmp, final)                 # atomic: the cache appears whole or not at all
        except OSError:                            # another process finished first: keep theirs
            if not (final / "meta.json").exists():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return final


class SynthFaces(Dataset):
    """One split of SynthFaces as a map-style data set of sample dictionaries.

    >>> ds = SynthFaces("train", SynthFacesConfig(n_train_ids=8, samples_per_id=4))  # doctest: +SKIP
    >>> ds[0]["image"].shape                                                          # doctest: +SKIP
    torch.Size([3, 64, 64])

    Fields of a sample: see :mod:`facefeat_lite.data`. For training loops, :meth:`batch`
    gathers many samples at once without per-sample Python overhead.
    """

    def __init__(self, split: str = "train", config: SynthFacesConfig | None = None,
                 cache_dir: str | os.PathLike = "data/cache", progress: bool = True):
        self.config = config or SynthFacesConfig()
        self.split = split
        self.folder = cached_split(self.config, split, cache_dir, progress=progress)
        load = lambda name: np.load(self.folder / f"{name}.npy", mmap_mode="r")
        self._arrays = {name: load(name) for name in
                        ("image", "labels", "sketch", "landmarks", "landmarks_visible", "label",
                         "sample_index", "identity") + _PER_SAMPLE_GROUPS}
        self.labels = torch.from_numpy(np.array(self._arrays["label"]))          # (N,) identity labels
        self.sample_index = torch.from_numpy(np.array(self._arrays["sample_index"]))
        self.twin_of = torch.from_numpy(np.load(self.folder / "twin_of.npy"))  # (n_ids,)
        self.n_identities = len(self.twin_of)
        self.model = get_model(self.config.face_model)

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def is_twin(self) -> torch.Tensor:
        """(n_ids,) bool: identity label is the shape twin added to a base identity."""
        base = self.config.n_ids(self.split)
        return torch.arange(self.n_identities) >= base

    def batch(self, index, fields=("image", "identity")) -> dict[str, torch.Tensor]:
        """Stack the given fields of the samples at ``index`` (list / array / tensor / slice)."""
        if isinstance(index, slice):
            index = range(*index.indices(len(self)))
        idx = np.asarray(index, dtype=np.int64)
        a, out = self._arrays, {}
        for f in fields:
            if f == "image":
                out[f] = torch.from_numpy(a["image"][idx]).permute(0, 3, 1, 2).float().div_(255)
            elif f == "identity":
                out[f] = self.labels[idx]
            elif f == "labels":
                out[f] = torch.from_numpy(a["labels"][idx].astype(np.int64))
            elif f == "sketch":
                out[f] = torch.from_numpy(a["sketch"][idx]).float().div_(255)[:, None]
            elif f == "f3d":
                out[f] = self.model.f3d(torch.from_numpy(a["expression"][idx]), torch.from_numpy(a["pose"][idx]))
            elif f == "identity_params":
                out[f] = torch.from_numpy(a["identity"][idx])
            elif f in ("landmarks", "landmarks_visible") + _PER_SAMPLE_GROUPS:
                out[f] = torch.from_numpy(np.array(a[f][idx]))
            else:
                raise KeyError(f"unknown field {f!r}; SynthFaces fields: {self.FIELDS}")
        return out

    FIELDS = ("image", "identity", "labels", "sketch", "landmarks", "landmarks_visible", "f3d",
              "identity_params") + _PER_SAMPLE_GROUPS

    def __getitem__(self, i: int) -> dict:
        if not -len(self) <= i < len(self):
            raise IndexError(f"index {i} out of range for {len(self)} samples")
        b = self.batch([i % len(self)], self.FIELDS)
        s = {k: v[0] for k, v in b.items()}
        s["identity"] = int(s["identity"])
        return s


def render_with_expression(config: SynthFacesConfig, split: str, index: torch.Tensor, name: str,
                           value: float) -> torch.Tensor:
    """Samples ``index`` of a split rendered again with one expression weight (``name``, e.g.
    ``"jaw_open"``) set to ``value`` and every other parameter their own: (N, 3, S, S) in
    [0, 1]. What the renderer itself draws for an expression, the yardstick for what a
    generator draws when that entry is written into its f_1 (notebook 04 §7)."""
    _check_split(split)
    if name not in EXPRESSION_NAMES:
        raise ValueError(f"unknown expression {name!r}; expected one of {list(EXPRESSION_NAMES)}")
    p = sample_parameters(config, split)
    index = torch.as_tensor(index).long()
    if len(index) and not 0 <= int(index.min()) <= int(index.max()) < len(p["label"]):
        raise ValueError(f"index must lie in 0..{len(p['label']) - 1} for the {split} split")
    q = {g: p[g][index].clone() for g in ("identity",) + _PER_SAMPLE_GROUPS}
    q["expression"][:, EXPRESSION_NAMES.index(name)] = value
    out = _render.render(get_model(config.face_model), q, size=config.image_size, outputs=("image",))
    return out["image"].clamp(0, 1)


def lowres(image: torch.Tensor, size: int | None = None, factor: int | None = None,
           upsample: bool = False) -> torch.Tensor:
    """IDE's low-resolution contour: bicubic (antialiased) downsampling of a (B, 3, H, W) batch.

    Give the target ``size`` or an integer ``factor``; with ``upsample=True`` the result is
    brought back to H×W by bicubic interpolation (the form an encoder takes as input).
    """
    if (size is None) == (factor is None):
        raise ValueError("give exactly one of size= or factor=")
    h = image.shape[-1]
    size = size if size is not None else h // factor
    if not 1 <= size <= h:
        raise ValueError(f"low-res size must be within 1..{h}, got {size}")
    small = F.interpolate(image, size=(size, size), mode="bicubic", antialias=True, align_corners=False)
    if upsample:
        small = F.interpolate(small, size=image.shape[-2:], mode="bicubic", align_corners=False)
    return small.clamp(0, 1)


def verification_pairs(ds: SynthFaces, n_pairs: int, kind: str = "standard", seed: int = 0):
    """Verification pairs over a split: (idx_a, idx_b, same) numpy arrays, half positive.

    ``standard``: positives are two images of one identity, negatives two images of two
    random base identities. ``hard``: the same kind of positives, but every negative pairs a
    face with its shape twin (same appearance, other shape), so only shape tells them apart.
    """
    from ..metrics import sample_pairs

    if kind not in ("standard", "hard"):
        raise ValueError(f"kind must be 'standard' or 'hard', got {kind!r}")
    labels = ds.labels.numpy()
    base = ~ds.is_twin.numpy()[labels]                          # (N,) sample of a base identity
    if kind == "standard":
        sub = np.nonzero(base)[0]
        a, b, same = sample_pairs(labels[sub], n_pairs, seed=seed)
        return sub[a], sub[b], same
    if (ds.twin_of < 0).all():
        raise ValueError(f"split {ds.split!r} has no shape twins; SynthFacesConfig.twins={ds.config.twins}")
    rng = np.random.default_rng(seed)
    n_pos = n_pairs // 2
    a, b, _ = sample_pairs(labels[base], n_pos, seed=seed, positive_fraction=1.0)
    sub = np.nonzero(base)[0]
    a, b = list(sub[a]), list(sub[b])
    by_id = [np.nonzero(labels == l)[0] for l in range(ds.n_identities)]
    twin_of = ds.twin_of.numpy()
    for _ in range(n_pairs - n_pos):
        i = int(rng.choice(sub))
        a.append(i)
        b.append(int(rng.choice(by_id[twin_of[labels[i]]])))
    same = np.array([True] * n_pos + [False] * (n_pairs - n_pos))
    perm = rng.permutation(n_pairs)
    return np.asarray(a)[perm], np.asarray(b)[perm], same[perm]
