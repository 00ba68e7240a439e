# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: tags,-all
#     notebook_metadata_filter: kernelspec,jupytext,-jupytext.text_representation.jupytext_version
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 00 · SynthFaces — the face data set every notebook trains on
#
# Both papers of this course learn from **faces with identities**. FaceFeat-GAN trains on
# CASIA-WebFace and scores its results with a face recognizer trained on MS-Celeb-1M; IDE
# trains on CelebA-HQ with CelebAMask-HQ label maps and an ArcFace network. None of these
# can be downloaded here, and nobody should need a GPU-week to *learn* the methods. So the
# package renders its own faces: **SynthFaces**, a procedural 3D morphable face model.
#
# Because we draw the faces ourselves, every factor the papers try to disentangle is known
# exactly: identity (a linear 3D shape model plus appearance), expression (3DMM-style
# blendshape weights), pose, illumination and nuisance (background, clothes, alignment
# jitter). That is ground truth no real data set has — later notebooks use it to measure
# what the papers could only show in figures.
#
# This notebook shows
# 1. the face model's five parameter groups and what each one does (contact sheets);
# 2. IDE's three *contour* modalities — semantic label map, sketch, low-resolution image —
#    rendered pixel-aligned with each face, plus 68 landmarks;
# 3. the data set: disjoint identity splits, hard-negative *shape twins*, the on-disk cache;
# 4. a check that identity is learnable — and that it lives in the face's **shape**, not only
#    in its colours;
# 5. how to point the same code at a real data set.
#
# Package code: `facefeat_lite.data` (`face_model`, `render`, `synthfaces`, `real`) and
# `facefeat_lite.identity_check`. At the default parameters this notebook takes about
# 6 minutes on a 2-core CPU (most of it training the two small CNNs of section 4); set
# `FACEFEAT_SMOKE=1` for a one-minute smoke run.

# %% tags=["parameters"]
seed: int = 0  # global random seed (SynthFaces, initialisation, sampling)
device: str = "auto"  # "auto": cuda when available, else cpu; or "cpu", "cuda", "cuda:1"
run_dir: str = "runs/demo"  # outputs: checkpoints, metrics.json, figures (relative to repo root)
data_dir: str = "data"  # SynthFaces cache root (relative to repo root)
dataset: str = "synthfaces"  # "synthfaces", or a real set (facefeat_lite.data.real): "folder", "celeba", "celebamask_hq"
data_root: str = ""  # a real data set's root folder ("" for SynthFaces)
image_size: int = 64  # face image side in pixels (the papers: 128 for FaceFeat-GAN)
n_train_ids: int = 200  # identities in the training split
samples_per_id: int = 40  # images per training identity
n_test_ids: int = 50  # identities in the test split (disjoint from training)
check_steps: int = 1000  # steps of the small identity classifier that checks the data
check_batch: int = 64  # its batch size
check_width: int = 16  # its channel width

# %% [markdown]
# The cell above is papermill's `parameters` cell; `DataParams` (in `facefeat_lite/notebook_params.py`)
# checks it: an unknown name or a wrong type stops the notebook here with one clear error.

# %%
# NBVAL_IGNORE_OUTPUT
from facefeat_lite.params import DataParams

P = DataParams.from_globals(globals())
P

# %%
import time

import matplotlib.pyplot as plt
import torch

from facefeat_lite import runlog
from facefeat_lite.data import labels as L
from facefeat_lite.data.face_model import GROUPS, get_model
from facefeat_lite.data.render import render
from facefeat_lite.data.showcase import expression_sheet, sweep
from facefeat_lite.data.synthfaces import SynthFaces, SynthFacesConfig, lowres
from facefeat_lite.identity_check import identity_check
from facefeat_lite.plotting import colorize_labels, show_grid

torch.manual_seed(P.seed)
STEM = "00_data"
fig_size = lambda w, h: plt.figure(figsize=(w, h), dpi=80)

# %% [markdown]
# ## 1 · The face model: five parameter groups
#
# Every face is five plain vectors. Each group is drawn from its **own random stream**
# (`facefeat_lite/data/streams.py`: a counter-based hash of seed, group, key and position),
# so any group can be re-drawn with the others fixed, and sample *j* of identity *k* is the
# same on every machine whatever else is rendered with it.
#
# * **identity** — 60 coefficients of a linear 3D shape model (named anthropometric fields:
#   face width, jaw, nose, eye spacing, …, plus smooth random bumps) and 34 appearance
#   entries (skin, hair colour and style, eye colour, brows, beard, glasses, moles);
# * **expression** — 9 blendshape weights, 3DMM style (smile, jaw open, brow raise, …);
# * **pose** — yaw, pitch, roll in degrees (yaw up to ±60°);
# * **illumination** — key-light direction, intensity, ambient, tint, specularity;
# * **nuisance** — background gradient, clothing colour, small scale/shift jitter (the
#   papers' faces are aligned, so ours are only roughly off-centre).

# %%
# NBVAL_CHECK_OUTPUT
model = get_model()
for g in GROUPS:
    names = model.group_names[g]
    print(f"{g:13s} {len(names):3d}  {', '.join(names[:5])}{', ...' if len(names) > 5 else ''}")
print("shape slice:", model.identity_slices["shape"], " appearance slice:", model.identity_slices["appearance"])

# %% [markdown]
# FaceFeat-GAN's E_1 regresses a 3DMM feature f_3d (paper Eq. 6–7): expression and pose.
# SynthFaces gives it exactly: `f3d = [expression (9), pose / 60° (3)]`, 12 numbers. The
# paper's f_1 has 30 (a 3DMM's expression coefficients plus angles); SynthFaces keeps nine
# strong blendshapes because at 64 px E_1 could not read more (notebook 01 §7).

# %%
# NBVAL_CHECK_OUTPUT
keys = torch.arange(4)
expr, pose = model.sample("expression", P.seed, keys), model.sample("pose", P.seed, keys)
f3d = model.f3d(expr, pose)
print("f_3d:", tuple(f3d.shape), "| pose of 4 samples (yaw, pitch, roll in degrees):")
print(pose.round(decimals=1))

# %% [markdown]
# ### Identities under pose
# Rows are identities, columns yaw from −60° to +60° (neutral expression, studio light).
# The renderer is a point-splatting rasterizer with a z-buffer, so the nose hides the far
# cheek and the far eye disappears at large yaw: self-occlusion is real, not painted.

# %%
show = P.image_size  # contact sheets at the data set's own resolution
ids = model.sample_identity(P.seed, torch.arange(5))
yaws = [-60, -40, -20, 0, 20, 40, 60]
fig = fig_size(9, 6.6)
show_grid(fig.gca(), sweep(model, ids, "pose", "yaw_deg", yaws, size=show), len(yaws),
          "identity × yaw", col_labels=[f"{y}°" for y in yaws])
runlog.save_figure(fig, "identities_by_yaw", P.run_dir, STEM)
plt.show()

# %% [markdown]
# ### Pitch, roll, expression and light
# One identity; each row moves one group with the rest fixed.

# %%
one = ids[1:2]
rows = [
    ("pitch", sweep(model, one, "pose", "pitch_deg", [-25, -12, 0, 12, 25], size=show)),
    ("roll", sweep(model, one, "pose", "roll_deg", [-15, -7, 0, 7, 15], size=show)),
    ("light azimuth", sweep(model, one, "illumination", "light_azimuth_deg", [-70, -35, 0, 35, 70], size=show)),
    ("light elevation", sweep(model, one, "illumination", "light_elevation_deg", [-20, 0, 20, 40, 60], size=show)),
    ("light tint", sweep(model, one, "illumination", "light_tint", [-1, -0.5, 0, 0.5, 1], size=show)),
]
fig = fig_size(6.5, 7)
show_grid(fig.gca(), torch.cat([r[1] for r in rows]), 5, "one factor at a time", row_labels=[r[0] for r in rows])
runlog.save_figure(fig, "pose_and_light", P.run_dir, STEM)
plt.show()

units = model.group_names["expression"]      # all nine
fig = fig_size(9, 2.2)
show_grid(fig.gca(), expression_sheet(model, ids[:1].expand(1, -1), units, size=show), len(units),
          "expression units at weight 1", col_labels=units)
runlog.save_figure(fig, "expressions", P.run_dir, STEM)
plt.show()

# %% [markdown]
# ## 2 · IDE's contour modalities, pixel-aligned
#
# IDE (paper §2.2) conditions on a *contour*: a semantic label map, a sketch, or a
# low-resolution image. SynthFaces renders all three from the same z-buffer as the face, so
# they line up pixel for pixel: the label map uses CelebAMask-HQ's 19 classes (those a
# SynthFace has), the sketch is drawn from part boundaries and depth jumps, and the low-res
# image is a bicubic downsampling (IDE uses 32×32 of a 256² face: a factor of 8; at 64×64
# the useful factor is 4). The 68 landmarks follow the iBUG-300W layout.

# %%
# NBVAL_CHECK_OUTPUT
print(len(L.LABEL_NAMES), "classes:", ", ".join(L.LABEL_NAMES))

# %%
batch = model.sample_all({g: P.seed for g in GROUPS}, torch.arange(6))
out = render(model, batch, size=show)
lr = lowres(out["image"], factor=4, upsample=True)
fig = fig_size(9, 6.4)
show_grid(fig.gca(), torch.cat([out["image"], colorize_labels(out["labels"], L.PALETTE), (1 - out["sketch"]).expand(-1, 3, -1, -1), lr]), 6,
          "image · label map · sketch · low-res (1/4)", row_labels=["image", "labels", "sketch", "low-res"])
runlog.save_figure(fig, "contours", P.run_dir, STEM)
plt.show()

fig = fig_size(9, 1.8)
ax = fig.gca()
show_grid(ax, out["image"], 6, "68 landmarks (hidden ones in red)")
for i in range(6):
    lm, vis = out["landmarks"][i], out["landmarks_visible"][i]
    x0 = 1 + i * (show + 1)
    ax.scatter(x0 + lm[vis, 0], 1 + lm[vis, 1], s=2, c="lime")
    ax.scatter(x0 + lm[~vis, 0], 1 + lm[~vis, 1], s=2, c="red")
runlog.save_figure(fig, "landmarks", P.run_dir, STEM)
plt.show()

# %% [markdown]
# The label map agrees with the image: pixels labelled *background* have exactly the
# background colour the nuisance vector asked for, and every pixel of the face carries a
# face class.

# %%
# NBVAL_CHECK_OUTPUT
from facefeat_lite.data.render import background

bg = out["labels"] == L.LABEL["background"]
same_colour = (out["image"] - background(batch["nuisance"], show)).abs().amax(1)[bg].max() < 1e-6
print("background pixels have the background colour:", bool(same_colour))

# %% [markdown]
# ## 3 · The data set: splits, shape twins, cache
#
# `SynthFaces(split, config)` is a PyTorch `Dataset` of sample dictionaries (the same keys
# every real-data loader yields: `image`, `identity`, `labels`, `sketch`, `landmarks`, `f3d`,
# the parameter groups). Identity *k* of a split is drawn with key `split offset + k`, so
#
# * **train / val / test / judge identities are disjoint** by construction — the `judge`
#   split is reserved for the independent recognizer that scores identity later;
# * **shape twins**: in val, test and judge every identity has a twin with exactly its
#   appearance and another face shape. Pairs of a face and its twin are the *hard
#   negatives*: a model that copies hair and skin colour cannot pass them.
#
# A split is rendered once and cached under `data/cache/synthfaces/` as memory-mapped
# `.npy` files, in a folder named by a hash of every parameter that decides the pixels (and
# of the renderer's source), so later notebooks reuse it and a changed parameter never reads
# stale images.

# %%
# NBVAL_IGNORE_OUTPUT
cfg = SynthFacesConfig(seed=P.seed, image_size=P.image_size, n_train_ids=P.n_train_ids,
                       samples_per_id=P.samples_per_id, n_test_ids=P.n_test_ids)
t0 = time.perf_counter()
train, test = SynthFaces("train", cfg, P.data_path / "cache"), SynthFaces("test", cfg, P.data_path / "cache")
print(f"train: {len(train)} images of {train.n_identities} identities")
print(f"test:  {len(test)} images of {test.n_identities} identities ({int(test.is_twin.sum())} of them shape twins)")
print(f"cache: {train.folder.parent}  ({time.perf_counter() - t0:.1f} s)")

# %%
# NBVAL_CHECK_OUTPUT
# Same seeds -> same pixels: re-render three cached samples from their stored parameters.
idx = [0, 7, len(train) - 1]
stored = train.batch(idx, ("image", "identity_params", "expression", "pose", "illumination", "nuisance"))
params = {"identity": stored["identity_params"], **{g: stored[g] for g in ("expression", "pose", "illumination", "nuisance")}}
again = render(model, params, size=P.image_size, outputs=("image",))["image"]
print("re-rendered pixels equal the cache:", bool(((again * 255).round() / 255 - stored["image"]).abs().max() < 1e-6))
tr_ids = {tuple(v) for v in train.batch(range(0, len(train), P.samples_per_id), ("identity_params",))["identity_params"].tolist()}
te_ids = {tuple(v) for v in test.batch(range(0, len(test), P.samples_per_id), ("identity_params",))["identity_params"].tolist()}
print("train and test identities disjoint:", tr_ids.isdisjoint(te_ids))

# %% [markdown]
# Hard negatives: each column is a test identity (top) and its shape twin (bottom) — the same
# skin, hair, eyes and accessories on a different face.

# %%
n_show = 8
base_first = torch.arange(n_show) * P.samples_per_id
twin_first = test.twin_of[:n_show] * P.samples_per_id
fig = fig_size(9, 2.6)
show_grid(fig.gca(), torch.cat([test.batch(base_first)["image"], test.batch(twin_first)["image"]]), n_show,
          "identity (top) and its shape twin (bottom)")
runlog.save_figure(fig, "shape_twins", P.run_dir, STEM)
plt.show()

# %% [markdown]
# Rendering speed inside this notebook (batch of 256 at the data set's size). The benchmark
# `python -m facefeat_lite.bench synthfaces` measures it properly at 64 and 128 px.

# %%
# NBVAL_IGNORE_OUTPUT
p = model.sample_all({g: P.seed + 1 for g in GROUPS}, torch.arange(256))
render(model, {k: v[:8] for k, v in p.items()}, size=P.image_size)  # warm-up (builds the point set)
t0 = time.perf_counter()
render(model, p, size=P.image_size)
images_per_s = 256 / (time.perf_counter() - t0)
print(f"{images_per_s:.0f} images/s at {P.image_size}x{P.image_size} with all outputs, {torch.get_num_threads()} threads")

# %% [markdown]
# ## 4 · Is identity learnable — and is it in the shape?
#
# A small CNN (`facefeat_lite.identity_check.SmallFaceNet`: four conv stages and a
# cosine-softmax head, the loss family of FaceFeat-GAN's E_id, Eq. 5) trains for a minute on
# the training identities. Then
#
# * **identification**: it classifies held-out images of the training identities
#   (the last 20 % of each identity's samples, unseen in training);
# * **verification**: it embeds images of the *unseen* test identities and runs the LFW
#   10-fold protocol on cosine similarities of pairs (the threshold is chosen on nine folds
#   and scored on the tenth) — on standard pairs and on the hard shape-twin pairs.
#
# Targets: identification ≥ 95 %, verification ≥ 90 %.

# %%
# NBVAL_IGNORE_OUTPUT
full = identity_check(train, test, steps=P.check_steps, batch=P.check_batch, width=P.check_width, seed=P.seed,
                      device=P.device)
print(f"identification (held-out images of training identities): {100 * full.identification_acc:.1f} %")
print(f"verification, unseen identities:                        {full.verification}")
print(f"verification, unseen identities vs their shape twins:   {full.verification_hard}")
print(f"(trained {P.check_steps} steps in {full.train_seconds:.0f} s, final loss {full.final_loss:.2f})")

# %% [markdown]
# The hard-pair figure already hints at the trap the project's prototype fell into: if
# identities differed only in colours, a recognizer — and a generator that "preserves
# identity" — could get away with copying hair and skin. So the same check runs again on a
# SynthFaces variant where **every identity shares one appearance** (same skin, hair, eyes,
# no beard, glasses or moles) and only the 60 shape coefficients differ. Target: verification
# of unseen identities ≥ 85 %.

# %%
# NBVAL_IGNORE_OUTPUT
shape_cfg = SynthFacesConfig(seed=P.seed, image_size=P.image_size, n_train_ids=P.n_train_ids,
                             samples_per_id=P.samples_per_id, n_test_ids=P.n_test_ids, share_appearance=True)
shape_train = SynthFaces("train", shape_cfg, P.data_path / "cache")
shape_test = SynthFaces("test", shape_cfg, P.data_path / "cache")
shape = identity_check(shape_train, shape_test, steps=P.check_steps, batch=P.check_batch, width=P.check_width,
                       seed=P.seed, device=P.device)
print(f"shape only — identification: {100 * shape.identification_acc:.1f} %, verification: {shape.verification}")

fig = fig_size(9, 1.6)
show_grid(fig.gca(), shape_test.batch(torch.arange(8) * P.samples_per_id)["image"], 8,
          "shape-only variant: eight unseen identities, one appearance")
runlog.save_figure(fig, "shape_only", P.run_dir, STEM)
plt.show()

# %% [markdown]
# ## 5 · Headline figures
# Recorded in `runs/demo/metrics.json` under `00_data` (the pipeline collects every notebook's).

# %%
# NBVAL_IGNORE_OUTPUT
metrics = {
    "identification_acc": full.identification_acc,
    "verification_acc": full.verification.mean,
    "verification_acc_std": full.verification.std,
    "verification_acc_hard": full.verification_hard.mean,
    "identification_acc_shape_only": shape.identification_acc,
    "verification_acc_shape_only": shape.verification.mean,
    "images_per_s": images_per_s,
}
runlog.record_metrics(STEM, metrics, P.run_dir)
for k, v in metrics.items():
    print(f"{k:32s} {v:.4f}")

# %% [markdown]
# ## 6 · Bringing a real data set
#
# Every real-data loader in `facefeat_lite.data.real` yields the same sample dictionary —
# with only the fields the data set has (no fake label maps for CASIA-WebFace):
#
# | `dataset` | layout under `data_root` | fields |
# | --- | --- | --- |
# | `folder` | `<identity>/<image>` (CASIA-WebFace, LFW) | image, identity, path |
# | `celeba` | `img_align_celeba/`, `identity_CelebA.txt`, `list_eval_partition.txt` | image, identity, path |
# | `celebamask_hq` | `CelebA-HQ-img/`, `CelebAMask-HQ-mask-anno/` | image, labels (+ identity via CelebA) |
#
# LFW's verification protocol is `facefeat_lite.data.lfw.LFWPairs` (its folds feed
# `metrics.verification_10fold` directly). Run this notebook with, for example,
# `-p dataset celeba -p data_root ~/data/celeba`; a wrong layout stops with an error that
# draws the expected folder tree.

# %%
# NBVAL_IGNORE_OUTPUT
from facefeat_lite.data.real import open_dataset

if P.dataset == "synthfaces":
    print("dataset = synthfaces: nothing to load (set dataset and data_root to try a real one)")
else:
    real = open_dataset(P.dataset, str(P.data_root_path), size=P.image_size)
    print(f"{P.dataset}: {len(real)} images, fields {sorted(real[0])}")
    fig = fig_size(9, 1.6)
    show_grid(fig.gca(), torch.stack([real[i]["image"] for i in range(min(8, len(real)))]), 8, P.dataset)
    plt.show()
