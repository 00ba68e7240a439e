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
# # 02 · Stage 1 — GANs that generate features
#
# FaceFeat-GAN's central move is to generate **features first** and images second. Notebook
# 01 gave us extractors that describe a face x^r by f_id (who), f^r_1 = E_1(x^r) (pose and
# expression, 30 numbers) and f^r_2 = E_2(x^r) (everything else, 256 numbers). Stage 1
# (§3.2) learns, for each feature besides identity, a small GAN in feature space:
#
# * a generator **G^f_i** turns noise z_i ∈ U[−1, 1]^64 into a synthesized feature f^s_i;
# * a discriminator **D^f_i** tells f^s_i from real features f^r_i.
#
# Identity is never generated: f_id always comes from a real image of the person we want.
# New faces of that person are then G^I(f_id, G^f_1(z_1), G^f_2(z_2)) — stage 2 (notebook
# 03) learns to render them. Here we train the two feature GANs alone and check how well
# their samples match the real features, and decode a few through notebook 01's G^I to see
# what a feature sample *means*.
#
# Package code: `facefeat_lite.facefeat.feature_gan` (models, Eqs. 1, 2, 9, training),
# `facefeat_lite.distribution` (diversity, Fréchet distance, MMD) and
# `facefeat_lite.facefeat.suite` (notebook 01's models, asked for by their config: a cache
# hit when notebook 01 has run). About 30 s on a 2-core CPU with the shipped checkpoints
# (`weights_dir`, see notebook 01); training both GANs here adds about five minutes.

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
n_judge_ids: int = 200  # identities the judge trains on (+ as many shape twins)
judge_samples_per_id: int = 20  # images per judge identity
judge_template_ids: int = 200  # judge identities also rendered in the template appearance (0: none; SynthFaces)
judge_template_samples: int = 20  # images per template-view identity
eid_template_views: bool = True  # E_id also trains on its people in the template appearance (SynthFaces)
cache_dir: str = "runs/cache"  # load-or-train checkpoints (same config -> no retraining)
weights_dir: str = "data/weights/cpu"  # shipped checkpoints of the CPU preset, used when no cache hit ("": train)
lr_schedule: str = "onecycle"  # "onecycle" (CPU) or "step" (paper: lr -> lr_late at decay_step)
lr_late: float = 5e-05  # the paper's learning rate after decay_step ("step" schedule)
decay_step: int = 100000  # step of the paper's decay ("step" schedule)
eid_arch: str = "resnet18"  # E_id backbone: resnet18 | resnet50 (paper: resnet50)
eid_width: int = 16  # its base width (paper: 64)
eid_depths: list[int] = [1, 1, 1, 1]  # blocks per stage
eid_stem_stride: int = 2  # stride of the stem conv (1 or 2)
eid_train_norm: float = 64.0  # ||f_id|| in Eq. 5 (paper: 64)
eid_steps: int = 9600  # E_id training steps
eid_batch: int = 64  # E_id batch size
eid_lr: float = 0.004  # E_id (peak) learning rate
e1_arch: str = "resnet18"  # E_1 backbone (paper: resnet18)
e1_width: int = 16  # its base width (paper: 64)
e1_depths: list[int] = [1, 1, 1, 1]  # blocks per stage
e1_stem_stride: int = 2  # stride of the stem conv (1 or 2)
e1_steps: int = 7500  # E_1 training steps
e1_batch: int = 64  # E_1 batch size
e1_lr: float = 0.003  # E_1 (peak) learning rate
e2_n: int = 16  # BEGAN filters of E_2 and G^I (paper: 64)
e2_steps: int = 12000  # E_2 + G^I training steps (Eq. 8)
e2_batch: int = 16  # E_2 batch size
e2_lr: float = 0.002  # E_2 (peak) learning rate
e2_lam_view: float = 1.0  # weight of φ_view on view pairs (a deviation; SynthFaces only, ignored on a real set; 0: off)
e2_lam_perc: float = 0.3  # weight of φ_perc(x^rec) on E_id's early maps (a deviation; 0: Eq. 8 alone)
e2_lam_view_3d: float = 0.0  # weight of E_1's read-back of the view renderings (a deviation, with view pairs; 0: off)
judge_width: int = 32  # the judge's base width
judge_steps: int = 4800  # judge training steps
judge_batch: int = 64  # judge batch size
judge_lr: float = 0.003  # judge (peak) learning rate
judge_scale: float = 16.0  # its ArcFace scale s
judge_margin: float = 0.3  # its ArcFace margin m (radians)
judge_degrade: float = 0.5  # share of its training images blurred and noised (0: none; notebook 01 §7)
amp: bool = False  # train in bf16 autocast on CUDA (full_gpu.yaml: true; ignored on the CPU)
fgan_steps: int = 12000  # training steps of each feature GAN
fgan_batch: int = 256  # their batch size (paper: 96)
fgan_lr: float = 0.001  # their (peak) Adam learning rate (paper: 8e-5)
fgan_r1: float = 10.0  # R1 penalty weight on D^f (not in the paper; 0 turns it off)
fgan_pca_dims: int = 150  # whitened principal directions G^f and D^f work in (not in the paper; 0 turns it off)
fgan_d_lr_mult: float = 4.0  # D^f's learning rate as a multiple of G^f's (not in the paper: 1)
fgan_ema: float = 0.999  # decay of the moving average of G^f's weights (not in the paper; 0 turns it off)
fgan_linear_skip: bool = True  # a linear path A z + b added to G^f's MLP (not in the paper; false turns it off)
n_eval: int = 3200  # generated features scored against as many real ones

# %% [markdown]
# The cell above is papermill's `parameters` cell, checked by `Stage1Params`
# (`facefeat_lite/notebook_params.py`). It repeats notebook 01's parameters on purpose: this
# notebook asks for E_1 and E_2 *by their config*, so the same values must reach both
# (`notebooks/params/*.yaml` feed every notebook from one flat list).

# %%
# NBVAL_IGNORE_OUTPUT
from facefeat_lite.notebook_params import Stage1Params

P = Stage1Params.from_globals(globals())
P

# %%
import inspect

import matplotlib.pyplot as plt
import torch

from facefeat_lite import distribution, runlog
from facefeat_lite.data.face_model import get_model
from facefeat_lite.data.faceset import to_model
from facefeat_lite.facefeat import feature_gan
from facefeat_lite.facefeat.feature_gan import sample_features
from facefeat_lite.facefeat.image_gan import render
from facefeat_lite.facefeat.suite import extract_features, load_data, load_feature_gans, load_feature_models
from facefeat_lite.plotting import show_grid
from facefeat_lite.train import runtime

torch.manual_seed(P.seed)
runtime.configure(P.run_path / "logs", P.amp, P.weights_dir)   # per-step logs of every training here; bf16 on CUDA
STEM = "02_stage1_feature_gans"
fig_size = lambda w, h: plt.figure(figsize=(w, h), dpi=80)

# %% [markdown]
# ## 1 · The real features
#
# E_1 and E_2 from notebook 01 (loaded by config), run once over the training images. f^r_1
# is standardized per entry (zero mean, unit variance over the training set); f^r_2 has
# norm 16, as it enters G^I.

# %%
# NBVAL_IGNORE_OUTPUT
data = load_data(P)  # train / judge / test parts (facefeat_lite.facefeat.extractor_data)
models = load_feature_models(P, data, judge=False)
real = extract_features(models, data.train, data.train_idx, P.device, P.cache_dir)
print(f"real features of {len(real['idx'])} training images: f_1 {tuple(real['f_1'].shape)}, "
      f"f_2 {tuple(real['f_2'].shape)}")

# %% [markdown]
# ## 2 · The two players
#
# The paper sizes both as 4-layer MLPs: G^f_i is 64 → 128 → 256 → 256 → dim(f_i) and D^f_i
# is dim(f_i) → 256 → 256 → 128 → 1 (a probability). The activations are not given; we use
# LeakyReLU(0.2). G^f_2's output is re-normalized to 16 like the real f_2.

# %%
print(feature_gan.FeatureGenerator(real["f_1"].shape[1]))      # G^f_1 and D^f_1: f_1 has 12 entries
print(feature_gan.FeatureDiscriminator(real["f_1"].shape[1]))

# %% [markdown]
# The energy of a feature is how unconvincing D^f finds it, Eq. 9:
# $\varphi^f_i(f) = -\mathbb{E}_{f}[\log D^f_i(f)]$. G^f_i lowers the energy of its samples
# (Eq. 1; the second term $\lambda^f \varphi^I(x^s)$, the image discriminator's verdict on
# rendered samples, joins in the two-level training of notebook 04). Eq. 2 as printed,
# $\varphi^f(f^r) - \varphi^f(f^s)$, has no lower bound: D^f could push $\log D(f^s)$ to
# −∞. We read it as the usual discriminator cross-entropy, whose first term is the same
# $\varphi^f(f^r)$:

# %%
print(inspect.getsource(feature_gan.phi_f))
print(inspect.getsource(feature_gan.eq2_feature_discriminator_loss))
print(inspect.getsource(feature_gan.eq1_feature_generator_loss))

# %%
# NBVAL_CHECK_OUTPUT
logits = torch.tensor([0.0, 0.0])
print("D = 0.5 everywhere: phi_f =", round(float(feature_gan.phi_f(logits)), 4), "(log 2),",
      "D loss =", round(float(feature_gan.eq2_feature_discriminator_loss(logits, logits)), 4), "(2 log 2)")
g2 = feature_gan.FeatureGenerator(256, norm=16.0)
print("||G^f_2(z)|| =", g2(feature_gan.sample_noise(3)).norm(dim=1).round().tolist())

# %% [markdown]
# ## 3 · Training
#
# Each step: one D^f update on a batch of real and generated features, then one G^f update
# with D^f fixed. Adam with β₁ = 0.5 and the one-cycle schedule of the CPU preset (the paper:
# lr 8·10⁻⁵ → 5·10⁻⁵, in `full_gpu.yaml`). Both GANs are cached by config, including the
# extractors that produced their training features.
#
# Five training aids that the paper does not use (each a parameter; §7 has the figures
# behind them):
#
# * an **R1 penalty** on D^f (`fgan_r1`), without which D^f wins within a few hundred steps;
# * **whitened principal coordinates** (`fgan_pca_dims`): both players work in the top 150
#   principal directions of the real features (all 30 for f_1), each scaled to unit
#   variance. G^f's last layer emits those coordinates and a fixed colouring, fitted on the
#   real features before training, maps them back; D^f starts with the inverse whitening.
#   f_2's directions past the 150th hold 0.15 % of its variance;
# * **two learning rates** (`fgan_d_lr_mult`): D^f steps four times faster than G^f;
# * **weight averaging** (`fgan_ema`): the G^f that is sampled here and in later notebooks
#   is a moving average (decay 0.999) of the weights the optimiser moves.
# * **a linear path** (`fgan_linear_skip`): G^f(z) = MLP(z) + A z + b. A linear map of the
#   uniform noise is already close to Gaussian, like the real features, so the MLP only
#   adds what is left; this also keeps each entry of f^s nearer a linear function of z,
#   which notebook 04's attribute directions in z_1 rely on.

# %%
# NBVAL_IGNORE_OUTPUT
gans = load_feature_gans(P, models, data.train, data.train_idx, real)
for name, t in gans.items():
    print(f"G^{name}: {sum(p.numel() for p in t.model['g'].parameters()) / 1e3:.0f} k parameters, "
          f"trained {t.train_seconds:.0f} s")

# %%
fig = fig_size(9, 2.6)
for ax, (name, t) in zip(fig.subplots(1, 2), gans.items()):
    for key, label in (("loss_d", "D^f (Eq. 2)"), ("loss_g", "G^f (Eq. 1)")):
        h = torch.tensor(t.history[key])
        ax.plot(h.unfold(0, min(50, len(h)), 1).mean(1), label=label)
    ax.axhline(2 * torch.log(torch.tensor(2.0)), color="k", lw=0.6, ls="--")
    ax.set_title(f"feature GAN for {name} (running mean)")
    ax.set_xlabel("step")
    ax.legend(fontsize=8)
fig.tight_layout()
runlog.save_figure(fig, "losses", P.run_dir, STEM)
plt.show()

# %% [markdown]
# The dashed line is 2 log 2, D^f's loss when it cannot tell real from generated at all.
#
# ## 4 · Do generated features look like real ones?
#
# Three measures, each on `n_eval` vectors:
#
# * **diversity score** (the paper's, §4): the mean per-entry variance of generated
#   features after standardizing each entry by the real ones — real features score 1, a
#   collapsed generator 0. The paper's model scores 0.63 on f_1.
# * **Fréchet distance** between Gaussians fitted to generated and real features. Finite
#   samples bias it upward, so it is printed next to its *noise floor*: the same distance
#   between two disjoint halves of the real features, at the same sample size.
# * **MMD²** with a Gaussian kernel (bandwidth: the median distance): ≈ 0 for one distribution.

# %%
# NBVAL_IGNORE_OUTPUT
n = min(P.n_eval, len(real["idx"]))
sel = torch.randperm(len(real["idx"]), generator=torch.Generator().manual_seed(P.seed))[:n]
scores = {}
for name, t in gans.items():
    r = real[name][sel]
    half_a, half_b = distribution.split_halves(r, P.seed)
    fake = sample_features(t.model["g"], len(half_a), seed=P.seed + 1, device=P.device)
    scores[name] = {
        "diversity": distribution.diversity_score(fake, r),
        "diversity_real": distribution.diversity_score(half_a, r),
        "frechet": distribution.frechet_distance(fake, half_b),
        "frechet_floor": distribution.frechet_distance(half_a, half_b),
        "mmd": distribution.mmd_rbf(fake, half_b),
        "mmd_floor": distribution.mmd_rbf(half_a, half_b),
    }
    s = scores[name]
    print(f"{name}: diversity {s['diversity']:.2f} (real {s['diversity_real']:.2f}) | "
          f"Fréchet {s['frechet']:.2f} (floor {s['frechet_floor']:.2f}) | "
          f"MMD² {s['mmd']:.4f} (floor {s['mmd_floor']:.4f})")

# %% [markdown]
# **Where the mass lies.** Real and generated features projected on the real features' two
# principal directions, and the distributions of a few named f_1 entries (de-standardized
# back to degrees and blendshape weights).

# %%
fig = fig_size(10, 3.2)
axes = fig.subplots(1, 2)
for ax, (name, t) in zip(axes, gans.items()):
    r = real[name][sel]
    fake = sample_features(t.model["g"], len(r), seed=P.seed + 2, device=P.device)
    mu = r.mean(0)
    _, _, v = torch.pca_lowrank(r - mu, q=2, center=False)
    for x, label in ((r, "real"), (fake, "generated")):
        xy = (x - mu) @ v
        ax.scatter(xy[:600, 0], xy[:600, 1], s=4, alpha=0.5, label=label)
    ax.set_title(f"{name}: PCA of real features")
    ax.legend(fontsize=8, markerscale=3)
fig.tight_layout()
runlog.save_figure(fig, "pca", P.run_dir, STEM)
plt.show()

e_1 = models.e_1.model
names = get_model().group_names["expression"] + ["yaw", "pitch", "roll"]
fake_1 = e_1.destandardize(sample_features(gans["f_1"].model["g"], len(sel), seed=P.seed + 3, device=P.device))
real_1 = e_1.destandardize(real["f_1"][sel])
fig = fig_size(10, 2.4)
for ax, name in zip(fig.subplots(1, 4), ["yaw", "pitch", "smile", "jaw_open"]):
    j, scale = names.index(name), (60.0 if name in ("yaw", "pitch", "roll") else 1.0)
    ax.hist(real_1[:, j].numpy() * scale, bins=40, alpha=0.6, density=True, label="real")
    ax.hist(fake_1[:, j].numpy() * scale, bins=40, alpha=0.6, density=True, label="generated")
    ax.set_title(name + (" (degrees)" if scale == 60.0 else ""))
fig.axes[0].legend(fontsize=8)
fig.tight_layout()
runlog.save_figure(fig, "f1_histograms", P.run_dir, STEM)
plt.show()

# %% [markdown]
# ## 5 · What a feature sample means
#
# Notebook 01's G^I (trained by reconstruction only, Eq. 8) can render any (f_id, f_1, f_2).
# Below, each row is one held-out test person: the real image x^r, its reconstruction from
# its own features x^rec, then renders with f_id kept and **generated** features: three with
# a generated f_1 (f_2 the person's own: pose and expression change), three with a generated
# f_2 (f_1 kept: background, light, clothing change). Stage 2 will sharpen these; stage 1's
# job is only that the features are plausible.

# %%
test_ids = torch.arange(min(5, data.test.n_ids))
first = torch.stack([torch.nonzero(data.test.identity == i)[0, 0] for i in test_ids])
own = extract_features(models, data.test, first, P.device)
k = len(first)
g_img = models.e_2.model["g_img"]
f1_s = torch.stack([sample_features(gans["f_1"].model["g"], k, seed=P.seed + 10 + j, device=P.device) for j in range(3)], 1)
f2_s = torch.stack([sample_features(gans["f_2"].model["g"], k, seed=P.seed + 20 + j, device=P.device) for j in range(3)], 1)
cols = [to_model(data.test.take(first)), render(g_img, own["f_id"], own["f_1"], own["f_2"], P.device)]
cols += [render(g_img, own["f_id"], f1_s[:, j], own["f_2"], P.device) for j in range(3)]
cols += [render(g_img, own["f_id"], own["f_1"], f2_s[:, j], P.device) for j in range(3)]
grid = torch.stack(cols, 1).flatten(0, 1)
fig = fig_size(9, 6)
show_grid(fig.gca(), (grid + 1) / 2, len(cols), "x^r | x^rec | generated f_1 ×3 | generated f_2 ×3",
          col_labels=["x^r", "x^rec", "f^s_1", "f^s_1", "f^s_1", "f^s_2", "f^s_2", "f^s_2"])
runlog.save_figure(fig, "decoded_samples", P.run_dir, STEM)
plt.show()

# %% [markdown]
# ## 6 · Headline figures
#
# Recorded in `runs/demo/metrics.json` under `02_stage1_feature_gans`. Targets of the CPU
# preset: diversity within 0.6–1.2 of the real features' 1, Fréchet distance within three
# times its real-vs-real floor.

# %%
# NBVAL_IGNORE_OUTPUT
results = {}
for name, key in (("f_1", "f1"), ("f_2", "f2")):
    s = scores[name]
    results.update({f"diversity_{key}": s["diversity"], f"frechet_{key}": s["frechet"],
                    f"frechet_{key}_floor": s["frechet_floor"], f"mmd_{key}": s["mmd"]})
runlog.record_metrics(STEM, results, P.run_dir)
for key in ("f1", "f2"):
    d, f, fl = results[f"diversity_{key}"], results[f"frechet_{key}"], results[f"frechet_{key}_floor"]
    print(f"diversity_{key:3s} {d:7.3f}   target 0.6-1.2: {'met' if 0.6 <= d <= 1.2 else 'NOT met'}")
    print(f"frechet_{key:5s} {f:7.3f}   floor {fl:.3f}; target <= 3x floor: {'met' if f <= 3 * fl else 'NOT met'}")

# %% [markdown]
# ## 7 · Where the CPU preset falls short, and what was measured
#
# * **A linear path keeps f_1 linear in z_1.** Added last (`fgan_linear_skip`): in the
#   scratch script of the next bullet, G^f_1 with it scored 1.10 times its floor (1.35
#   without) and a linear fit of its yaw entry on z_1 reached R² 0.91 (0.85 without);
#   G^f_2 scored 2.24 (2.06–2.17 without, three seeds). The package's own G^f_1 reaches
#   0.91 (0.82 before), which notebook 04's yaw direction needs. The shipped G^f of §6
#   score f_1 0.83 and f_2 2.33 times their floors, retrained on the nine-expression
#   SynthFaces, whose f_1 has 12 entries (notebook 01 §7). On the 27-expression features
#   (f_1 of 30 entries, which every bullet below measured) they scored 1.15 and 2.39 with
#   notebook 01's shape-aware E_id, 1.14 and 2.50 before it, and 1.22 and 2.27 before the
#   linear path.
# * **Three aids bring both distances under 3× the floor.** The measurements below, down
#   to the weight-average bullet, were made before the preset whitened its features,
#   gave D^f its own learning rate and averaged G^f: then G^f_1 scored 7.7 times the
#   floor and G^f_2 17 times. The real f_2 spans many directions unevenly — its
#   covariance has its 50th eigenvalue at 1.3 and its 100th at 0.06; a Gaussian of its
#   rank-64 part, sampled and re-normalized, already scores 6.3 times the floor — and
#   the plain G^f_2 matched the large directions while putting variance along ~150 where
#   real features have almost none. On the present features, each GAN trained as the
#   preset trains it (12000 steps, batch 256, one-cycle lr 10⁻³, R1 γ = 10) in a scratch
#   script that works in the whitened coordinates, G^f_2's Fréchet distance as a
#   multiple of its floor: 17.4 with the paper's recipe; 12.0 in the whitened top 100
#   directions; 8.7 with D^f at 4× the learning rate alone; 3.4 with both plus the
#   weight average (2.9 at 9000 steps); 2.1 with the top 150 directions (seeds 0, 1, 2:
#   2.09, 2.06, 2.17; the un-averaged weights 2.6–2.7); 3.1 with the top 200. G^f_1
#   whitened (all 30 directions), 4× and averaged: 1.35 (2.45 unwhitened). The package's
#   own training, the shipped G^f of §6, scores f_1 1.22 and f_2 2.27 (its un-averaged
#   `g_live` weights: 1.76 and 2.78). D^f sees G^f_2's coordinates before the
#   re-normalization to ‖f‖ = 16: taken after it, which moves a sample off the
#   150-dimensional subspace the whitening keeps, G^f_2 scored 3.85.
# * **D^f wins without help.** The measurements below were made with that earlier E_2
#   (f_2 floor 1.6). With Eq. 2 alone, D^f separated real from generated within a few
#   hundred steps (its loss fell to 0.005) and G^f_2's Fréchet distance stayed near 500. An
#   R1 penalty on D^f (`fgan_r1`, γ = 10; Mescheder et al. 2018, not in the paper) brought
#   it to about 60 at 3000 steps; batch 256 and lr 10⁻³ to about 35–55 at the then preset's 2000
#   steps; longer runs improved it slowly (batch 64: 47 after 10k steps).
# * **A better E_2 moves the floor, not the ratio.** With notebook 01's E_2 at 6000 steps
#   instead of 600, its f_2 carried more of each image: the real-vs-real floor rose from
#   1.6 to 5.2 and G^f_2's distance from 55 to 174 — 33 times the floor, where it was 34.
# * **Steps are the lever left; the preset takes 12000.** On those 6000-step features
#   (one thread, cache-warm, each GAN trained from scratch): G^f_2's distance was 171 after
#   2000 steps, 98 after 8000 and 72 after 20000 (14× the floor); G^f_1's 0.80 after 2000
#   and 0.29 after 8000 (floor 0.026). At equal cost, batch 1024 for 8000 steps gave 81.
#   A weaker R1 did worse (γ = 0.1: 115 after 8000 steps; γ = 1: 180 after 2000), a stronger
#   one no better (γ = 40: 100), and lr 3·10⁻⁴ worse (126). The eigenvalues say where the
#   rest is: the real f_2's covariance has its 50th eigenvalue at 1.3 and its 100th at 0.06;
#   G^f_2's (8000 steps) has its 50th at 0.07 — it spans about 40 directions from its 64
#   noise entries — and puts 0.15–0.4 of variance along each of the directions where the
#   real features have almost none. The 12000 steps of the preset train both GANs in about
#   3 minutes here. On the present features (notebook 01's E_1 at 5000 steps, E_2 at 12000)
#   they score f_1 1.04 against a floor of 0.135 (7.7×) and f_2 122 against 7.1 (17×):
#   closer than before, still short of the 3× the project asks for.
# * **Neither the noise's width nor weight averaging alone closes the gap.** Two checks on the
#   present features, each GAN trained as the preset trains it (12000 steps, batch 256,
#   one-cycle lr 10⁻³, R1 γ = 10), distances as multiples of the floor. G^f_2 with 256 noise
#   entries instead of the paper's 64 scored 17.6× (64 entries in the same script: 17.8×),
#   so its 64 noise entries are not what holds G^f_2 back. An exponential moving average of
#   G^f's weights (decay 0.999; Karras et al. 2018, not in the paper), sampled instead of
#   G^f itself, helped f_1 most: 8.5× → 5.4× (6.2× at 9000 steps; the notebook's own G^f_1,
#   seeded differently, scores 7.7×), and f_2 less: 17.8× → 15.3× (12.1× at 9000 steps).
#   Neither reaches 3× on its own; with the whitening and the two learning rates (first
#   bullet) the preset samples the average.
# * **f_1 barely shows.** In the decoded samples, a generated f_1 changes little: notebook
#   01's G^I learned by reconstruction alone, and E_2 — which sees the whole image — carries
#   pose too, so G^I leans on f_2. Separating the two is what the two-level competition and
#   the identity terms (notebook 04) are for.
