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
# # 04 · The two-level competition — training FaceFeat-GAN as one model
#
# Notebooks 02 and 03 trained the two stages apart: feature generators that imitate E_1 and
# E_2's features, and a renderer G^I that turns features into faces. FaceFeat-GAN's claim
# (§3.2) is that they must be trained **together**, through a competition at two levels —
# features and images — so that faces keep their identity *and* still vary. Here all of
# it learns at once; E_id and E_1 stay frozen.
#
# | player | learns by | what it is told |
# | --- | --- | --- |
# | E_2 | Eq. 8: ‖x^r − x^rec‖₁ | only to reconstruct |
# | G^f_1, G^f_2 | Eq. 1: φ^f_i(f^s_i) + λ^f φ^I(x^s) | fool D^f_i **and**, through the rendered x^s, D^I |
# | D^f_1, D^f_2 | Eq. 2: −log D(f^r) − log(1 − D(f^s)) (+ R1) | tell real features from generated |
# | G^I | Eq. 3: φ^I(x^rec) + φ_rec + λ₁ φ_id(x^rec) + λ₂ φ_id(x^s) (+ λ_3d φ_3d(x^s), our deviation) | render real features faithfully, keep identity in both (and draw f^s_1's pose and open jaw) |
# | D^I | Eq. 4: φ^I(x^r) − λ₃ φ^I(x^s) − λ₄ φ^I(x^rec), with BEGAN's k_t | auto-encode real faces, not fakes |
#
# with x^rec = G^I(f_id, f^r_1, E_2(x^r)), x^s = G^I(f_id, G^f_1(z_1), G^f_2(z_2)) and the
# identity loss of Eq. 11, φ_id(x) = ‖f_id − E_id(x)‖². Two deviations, each switched off at
# its paper value (section 10 shows why they are on):
#
# * `j_lam_3d` (0 = the paper): φ_3d(x^s) = ‖f^s_1 − E_1(x^s)‖² over the pose entries of f_1
#   and its open jaw (`j_3d_entries`), Eq. 11's idea applied to E_1, so that G^I must *draw*
#   the pose and the mouth f^s_1 asks for;
# * `j_id_lowpass` (1 = the paper): φ_id compares E_id's readings of x^r and of the rendering
#   both average-pooled by 2 and resized back, ‖E_id(L(x^r)) − E_id(L(x))‖², so that G^I
#   cannot please E_id with fine stripes that no other recognizer takes for identity.
# Package code:
# `facefeat_lite.facefeat.joint` (one function per equation, the step, the training) and
# `facefeat_lite.facefeat.manipulate` (§3.3's attribute control). About 2.5 minutes on a
# 2-core CPU with the shipped checkpoints (`weights_dir`, see notebook 01); training the
# joint model here (3000 steps at batch 16) adds 20 to 32, with the host's load (section 10
# gives shorter runs and what they reach).

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
s2_d_n: int = 8  # D^I's BEGAN filters (paper: 64)
s2_steps: int = 300  # stage-2 training steps
s2_batch: int = 16  # stage-2 batch size (paper: 96)
s2_lr: float = 0.0002  # G^I and D^I (peak) Adam learning rate (paper: 8e-5)
s2_gamma: float = 0.5  # BEGAN's γ: the ratio E[L(fake)] / E[L(real)] it holds
s2_lambda_k: float = 0.001  # BEGAN's learning rate of k_t
s2_lam_adv: float = 0.1  # weight of G^I's adversarial term phi^I(x^rec) in Eq. 3 (paper: 1)
j_variant: str = "full"  # "full" or a Table-4 ablation: "no_id", "no_f", "no_img", "no_rec"
j_steps: int = 3000  # joint training steps (paper: 200000)
j_batch: int = 16  # joint batch size (paper: 96)
j_lr: float = 0.001  # (peak) Adam learning rate of every player (paper: 8e-5)
j_g_img_lr_mult: float = 1.0  # G^I's learning rate is j_lr times this (1: the paper's single rate)
j_lam_f: float = 0.5  # lambda^f: weight of phi^I(x^s) in Eq. 1
j_lam_adv: float = 0.1  # weight of phi^I(x^rec) in Eq. 3 (paper: 1)
j_lam1: float = 0.004  # lambda_1: weight of phi_id(x^rec) in Eq. 3
j_lam2: float = 0.004  # lambda_2: weight of phi_id(x^s) in Eq. 3
j_id_lowpass: int = 2  # phi_id compares x^r and the rendering both pooled by this factor (not in the paper; 1: off)
j_lam_3d: float = 0.2  # weight of the pose/expression consistency ||f^s_1 - E_1(x^s)||^2 (not in the paper; 0: off)
j_3d_entries: str = "pose+jaw_open"  # the f_1 entries it checks: "pose" (yaw, pitch, roll), "pose+" expression names, "all"
j_lam_perc: float = 0.3  # weight of the perceptual reconstruction of x^rec on a frozen extractor's early features (not in the paper; 0: off)
j_perc_net: str = "e_id"  # whose features that term compares: "e_id" or "e_1"
n_directions: int = 2000  # generated samples E_1 reads to fit the yaw / pitch / smile / jaw directions
sample_every: int = 100  # save a sample grid PNG every this many joint steps (0: never)
light_steps: int = 500  # training steps of the light estimator (an instrument, not a loss)

# %% [markdown]
# `JointParams` checks the cell above. `j_variant` picks one of the paper's Table-4 ablations
# (the evaluations notebook trains them all with this same code).

# %%
# NBVAL_IGNORE_OUTPUT
from facefeat_lite.notebook_params import JointParams

P = JointParams.from_globals(globals())
P

# %%
import inspect

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch

from facefeat_lite import distribution, runlog
from facefeat_lite.data.faceset import to_model
from facefeat_lite.data.synthfaces import render_with_expression
from facefeat_lite.facefeat import disentangle, joint, manipulate, pose_reader
from facefeat_lite.facefeat.light import LIGHT_ENTRIES, reader_r2
from facefeat_lite.facefeat.feature_gan import sample_features, sample_noise
from facefeat_lite.facefeat.image_gan import render
from facefeat_lite.facefeat.suite import (extract_features, joint_config, joint_init, load_data, load_feature_gans,
                                          load_feature_models, load_joint, load_light_estimator, load_pose_reader,
                                          load_stage2)
from facefeat_lite.facefeat.training import predict
from facefeat_lite.plotting import show_grid
from facefeat_lite.train import runtime

torch.manual_seed(P.seed)
runtime.configure(P.run_path / "logs", P.amp, P.weights_dir)   # step logs (+ TensorBoard), sample grids, bf16 on CUDA
STEM = "04_two_level_losses"
fig_size = lambda w, h: plt.figure(figsize=(w, h), dpi=80)
as_unit = lambda x: (x + 1) / 2          # [-1, 1] model images -> [0, 1] for plots and the judge

# %% [markdown]
# ## 1 · The starting point
#
# Notebook 01's E_id, E_1, E_2 and judge, notebook 02's feature GANs, notebook 03's G^I and
# D^I — all loaded by config (trained here only if those notebooks have not run). The joint
# training starts from them; the paper trains from scratch for 200k steps, which is the
# `full_gpu.yaml` scale, not a laptop's.

# %%
# NBVAL_IGNORE_OUTPUT
data = load_data(P)
models = load_feature_models(P, data)
real = extract_features(models, data.train, data.train_idx, P.device, P.cache_dir)
gans = load_feature_gans(P, models, data.train, data.train_idx, real)
stage2 = load_stage2(P, models, gans, data.train, data.train_idx, real)
start = joint_init(models, gans, stage2)
e_id, e_1, judge = models.e_id.model, models.e_1.model, models.judge.model

# %% [markdown]
# ## 2 · One step, four equations
#
# Per step: (1) render x^rec and x^s once, with gradients; (2) update D^f_1, D^f_2 (Eq. 2)
# and D^I (Eq. 4) on detached fakes; (3) with the discriminators fixed, back-propagate each
# generator's own loss into its own parameters only — G^I (Eq. 3), E_2 (Eq. 8), G^f_1 and
# G^f_2 (Eq. 1); (4) update BEGAN's k_t.

# %%
print(inspect.getsource(joint.generator_losses))
print(inspect.getsource(joint.backward_each))

# %% [markdown]
# **Why each loss goes only to its own player.** One forward pass feeds every loss, so a
# plain `loss.backward()` would send every term everywhere. The paper's split needs more
# care: **G^I fights D^I only through x^rec.** If the image discriminator's verdict on x^s
# reached G^I, G^I would learn to render *any* feature as a convincing face, and the
# feature generators would have nothing to learn from D^I. Instead that verdict goes to
# G^f_1 and G^f_2 (Eq. 1's λ^f φ^I(x^s)): stage 1 answers for *which* features are plausible,
# stage 2 for rendering features faithfully. Likewise φ_id(x^s) trains G^I (keep the identity
# whatever the features) but not G^f, and E_2 learns from reconstruction only. The two
# deviations (φ_3d on x^s, φ_perc on x^rec; section 10) train G^I alone; E_2 keeps Eq. 8's L1.
#
# The routes, measured: each term alone, back-propagated as the training does, and the
# players whose gradient is non-zero.

# %%
# NBVAL_CHECK_OUTPUT
g0 = torch.Generator().manual_seed(P.seed)
pick = torch.randint(len(real["idx"]), (4,), generator=g0)
batch = (to_model(data.train.take(real["idx"][pick])).to(P.device), real["f_id"][pick].to(P.device),
         real["f_1"][pick].to(P.device), sample_noise(4, 64, g0, P.device), sample_noise(4, 64, g0, P.device))
for term, players in joint.gradient_routes(start, e_id, *batch, e_1=e_1).items():
    print(f"{term:12s} -> {', '.join(players)}")

# %% [markdown]
# ## 3 · The λs: every term comparable at the start
#
# The paper sets λ^f, λ₁…λ₄ "so that no term dominates" and gives no values. We measure
# each term on one batch of the starting models and pick weights that bring them to the
# same order as φ_rec ≈ 0.2. φ_id is large by construction: at G^I's norm 16,
# ‖f_id − E_id(x)‖² = 512 (1 − cos), a hundred or two for the renderings the λs were chosen
# with (notebook 01's earlier 600-step G^I, φ_rec ≈ 0.15; the shipped start, printed below,
# has about 31 and 81 against φ_rec ≈ 0.07 with the low-passed φ_id, 55 and 115 with the
# paper's), so λ₁ = λ₂ = 2·10⁻³ would bring both identity
# terms to one or two φ_rec. The default is twice that,
# 4·10⁻³ (two to three φ_rec): in a 600-step sweep it kept more identity on unseen people at
# the same yaw control; by 3000 steps the gain is small (section 10). λ^f = 0.5 puts D^I's
# verdict on x^s at about a tenth of the feature discriminators' (≈ 0.7): enough to steer
# the feature generators, not enough to override D^f and collapse their diversity (the
# paper's ablation (b) shows what D^I alone does to them). λ_adv = 0.1 is notebook 03's CPU deviation from
# the paper's 1, for the same reason; λ₃ = λ₄ = 0.5 make BEGAN's L_fake the mean energy of
# the two kinds of fake. The deviation's λ_3d (on f_1's pose entries and the jaw) is the
# exception: at "comparable" size it moved the pose too little in a CPU budget (section 10).
# The second deviation's λ_perc φ_perc(x^rec), the perceptual reconstruction, starts at
# about three φ_rec: enough to hold x^rec against the identity terms (section 10).

# %%
# NBVAL_IGNORE_OUTPUT
cfg = joint_config(P)
scales = joint.term_scales(start, e_id, *batch, cfg, e_1)
print(f"{'term':28s} {'value':>10s} {'λ':>8s} {'λ·value':>9s}")
for name, row in scales.items():
    print(f"{name:28s} {row['raw']:10.4f} {row['weight']:8.4g} {row['weighted']:9.4f}")

# %% [markdown]
# ## 4 · Training
#
# `j_steps` steps at batch `j_batch` (one Adam per player, all at `j_lr`). Every step's
# losses also go to `runs/demo/logs/joint.jsonl` (and TensorBoard when installed), with a
# sample grid every `sample_every` steps.

# %%
# NBVAL_IGNORE_OUTPUT
trained = load_joint(P, models, gans, stage2, data.train, data.train_idx, real)
M = trained.model
print(f"trained {trained.train_seconds:.0f} s; k_t at the end {trained.extra['k']:.4f}")

# %%
h = {k: torch.tensor(v) for k, v in trained.history.items()}
smooth = lambda v: v.unfold(0, min(25, len(v)), 1).mean(1)
fig = fig_size(12, 2.8)
axes = fig.subplots(1, 4)
for ax, keys, title in zip(axes, [("phi_id_rec", "phi_id_s"), ("phi_rec",), ("phi_f1", "phi_f2", "d_f"),
                                  ("M", "energy_real", "energy_fake")],
                           ["identity φ_id (Eq. 11)", "reconstruction φ_rec", "feature level (Eqs. 1, 2)",
                            "image level (BEGAN)"]):
    for k in keys:
        ax.plot(smooth(h[k]), label=k)
    ax.set_title(title, fontsize=9)
    ax.set_xlabel("step")
    ax.legend(fontsize=7)
fig.tight_layout()
runlog.save_figure(fig, "training_curves", P.run_dir, STEM)
plt.show()

# %% [markdown]
# ## 5 · x^r, x^rec and x^s for people nobody trained on
#
# Each row is a held-out test identity: the real image, its reconstruction by notebook 03's
# G^I and by the jointly trained one, then four x^s — the same f_id with new z_1, z_2.

# %%
test_ids = torch.arange(min(6, data.test.n_ids))
first = torch.stack([torch.nonzero(data.test.identity == i)[0, 0] for i in test_ids])
own = extract_features(models, data.test, first, P.device)
own_f2 = predict(M["e_2"], data.test, first, P.device)              # E_2 moved with the joint training
n = len(first)
cols = [to_model(data.test.take(first)), render(stage2.model["g_img"], own["f_id"], own["f_1"], own["f_2"], P.device),
        render(M["g_img"], own["f_id"], own["f_1"], own_f2, P.device)]
for j in range(4):
    cols.append(render(M["g_img"], own["f_id"], sample_features(M["g_f1"], n, seed=P.seed + 100 + j, device=P.device),
                       sample_features(M["g_f2"], n, seed=P.seed + 200 + j, device=P.device), P.device))
fig = fig_size(9, 7)
show_grid(fig.gca(), as_unit(torch.stack(cols, 1).flatten(0, 1)), len(cols),
          col_labels=["x^r", "x^rec (03)", "x^rec", "x^s", "x^s", "x^s", "x^s"])
runlog.save_figure(fig, "samples", P.run_dir, STEM)
plt.show()

# %% [markdown]
# ## 6 · Identity and diversity, measured
#
# On `n_eval` test images: the judge's cosine between x^r and x^s (the same person, new
# features) and between x^r and x^rec; the yardsticks are the judge's cosine between two
# real images of one test person and of two different people. Diversity (papers.md) is the
# mean per-entry variance of generated features standardized by the real ones: ≈ 1 when
# they spread like the real features, ≈ 0 when collapsed (the paper's model: 0.63).

# %%
# NBVAL_IGNORE_OUTPUT
idx = torch.arange(min(P.n_eval, len(data.test)))
feats = extract_features(models, data.test, idx, P.device, P.cache_dir)
feats["f_2"] = predict(M["e_2"], data.test, idx, P.device)
f1_s = sample_features(M["g_f1"], len(idx), seed=P.seed + 500, device=P.device)
f2_s = sample_features(M["g_f2"], len(idx), seed=P.seed + 600, device=P.device)
x_real = to_model(data.test.take(idx))
x_rec = render(M["g_img"], feats["f_id"], feats["f_1"], feats["f_2"], P.device)
x_s = render(M["g_img"], feats["f_id"], f1_s, f2_s, P.device)
real_same, real_diff = judge.pair_means(as_unit(to_model(data.test.take(torch.arange(len(data.test))))),
                                        data.pairs["standard"])
sim_s = judge.similarity(as_unit(x_real), as_unit(x_s))                  # one cosine per test image
results = {
    "judge_similarity_s": float(sim_s.mean()),
    "judge_similarity_s_se": float(sim_s.std() / len(sim_s) ** 0.5),       # its standard error over the images
    "judge_similarity_rec": float(judge.similarity(as_unit(x_real), as_unit(x_rec)).mean()),
    "judge_similarity_real_same": real_same,
    "judge_similarity_real_diff": real_diff,
    "diversity_f1": distribution.diversity_score(f1_s, feats["f_1"]),
    "diversity_f2": distribution.diversity_score(f2_s, feats["f_2"]),
    "rec_l1": float((x_real - x_rec).abs().mean()),
    "k_final": float(trained.extra["k"]),
}
for k, v in results.items():
    print(f"{k:28s} {v:8.4f}")

# %% [markdown]
# ## 7 · Attribute manipulation (§3.3)
#
# The paper annotates generated samples by hand to find which noise means "left view" or
# "smile". E_1 annotates them here: draw `n_directions` z_1, render x^s (random test
# identities, random z_2), read yaw, pitch, smile and the open jaw off the images with the
# frozen E_1, and fit each readout by least squares on z_1. The normalized weight vector is
# the attribute's direction in z_1; the R² on the held-out half says how much of the
# attribute one direction controls. z_2 gets the same treatment for what the paper leaves
# to it: the light. Nothing in the paper reads light, so notebook 07's **light estimator**
# does (E_1's small network trained on the judge's identities, which no generator sees, to
# read SynthFaces' known light; only an instrument, never a loss): fitting its azimuth on
# z_2, with z_1 random, gives a light slider. The smile is fitted on z_2 as well, to see
# which noise carries it.

# %%
# NBVAL_IGNORE_OUTPUT
pool = extract_features(models, data.test, torch.arange(len(data.test)), P.device, P.cache_dir)["f_id"]   # every test f_id
firsts = torch.stack([torch.nonzero(data.test.identity == i)[0, 0] for i in range(data.test.n_ids)])
plain = manipulate.Manipulator(M["g_f1"], M["g_f2"], M["g_img"], e_1, {}, P.device)


def render_generated(z, space="z_1"):
    """x^s for random test people with z as the given noise and the other noise random."""
    g = torch.Generator().manual_seed(P.seed + 9)
    who = pool[torch.randint(len(pool), (len(z),), generator=g)]
    other = sample_noise(len(z), 64, g)
    z_1, z_2 = (z, other) if space == "z_1" else (other, z)
    return torch.cat([plain.render(who[i:i + 256], z_1[i:i + 256], z_2[i:i + 256]) for i in range(0, len(z), 256)])


def read_generated(z):
    return manipulate.readout(e_1, render_generated(z))


estimator, light_set, light_y, light_held = load_light_estimator(P, data)
r2 = reader_r2(estimator.model, LIGHT_ENTRIES, light_set, light_y, light_held, P.device)["light_azimuth_deg"]
print(f"light estimator, held-out R² on real images of the light's azimuth {r2:.3f}")


def read_generated_z2(z):
    x = render_generated(z, "z_2")
    return {"light": estimator.model.f3d(x.to(P.device))[:, 0].float().cpu(),     # azimuth, degrees
            "smile": manipulate.readout(e_1, x, ("smile",))["smile"]}


directions = manipulate.fit_directions(read_generated, 64, P.n_directions, P.seed)
in_z2 = manipulate.fit_directions(read_generated_z2, 64, P.n_directions, P.seed, names=("light", "smile"),
                                  space="z_2")
for name, d in [*directions.items(), *in_z2.items()]:
    print(f"{name:8s} in {d.space}: held-out R² {d.r2:5.2f}   {d.slope:6.2f} "
          f"{'°' if name in ('yaw', 'pitch', 'light') else ''} per unit step")
results.update(yaw_control_r2=directions["yaw"].r2, smile_r2_z1=directions["smile"].r2,
               jaw_open_r2_z1=directions["jaw_open"].r2, smile_r2_z2=in_z2["smile"].r2,
               light_control_r2=in_z2["light"].r2)
manip = manipulate.Manipulator(M["g_f1"], M["g_f2"], M["g_img"], e_1, {**directions, "light": in_z2["light"]},
                               P.device)

# %% [markdown]
# **Fig. 4a, one identity under varied pose, expression and light.** Rows: z_1 moved along
# the fitted yaw direction, then along the smile and the jaw directions; z_2 moved along the
# fitted light direction (held-out R² 0.59); new z_2 with z_1 fixed; and the pose written
# straight into f_1 (−40° … +40°). The cell after the grid prints what the instruments read
# along the first four rows. The yaw row turns the head (E_1 reads −66° … +54°; the
# independent pose reader sees less, section 7's end) and the light row moves the light
# across the face (the light estimator reads −53° … +63°; E_1's yaw drifts from −10° to
# −19°). The jaw row opens the mouth in its last three faces (E_1 reads 0.01, then
# 0.68–0.78: G^f_1 draws the jaw as SynthFaces does, closed or open): the expression this
# G^I draws. The check at the end of section 7 finds it drawing 0.85 of a jaw written into
# f_1 per unit, with 137 pixels changing where SynthFaces' renderer changes 208. That is
# φ_3d's doing. It asks G^I for f^s_1's jaw as well as its pose (`j_3d_entries:
# pose+jaw_open`), because the identity term λ_2 φ_id(x^s) otherwise takes the open mouth
# away (section 10's first bullet). The smile row shows no smile, though E_1 reads one rise
# from −0.01 to 0.70: G^I draws 0.01 of a smile written into f_1 per unit and changes no
# pixel by a tenth of the range (notebook 01's G^I: 0.02; E_1 reads real photos at 0.87).
# So what moves along the smile direction (R² 0.10; none in z_2) is something E_1 takes
# for a smile, not a mouth one can see. Asking φ_3d for all of f_1 (`j_3d_entries: all`)
# raised the smile direction's R² to 0.65 but drew no smile either, and cost identity
# (section 10). The smile, a few pixels around the mouth, no G^I here draws from f_1; a
# term that asks for it is section 10's second bullet. New z_2 changes the light and
# background, hardly the pose (section 10, "View pairs in notebook 01").

# %%
person = pool[firsts[:1]]
gz = torch.Generator().manual_seed(P.seed + 11)
z1, z2 = sample_noise(1, 64, gz), sample_noise(1, 64, gz)
steps = torch.linspace(-2, 2, 7).tolist()
rows = [[manip.compose(person, person, z1, z2, yaw=t) for t in steps],
        [manip.compose(person, person, z1, z2, smile=t) for t in steps],
        [manip.compose(person, person, z1, z2, jaw_open=t) for t in steps],
        [manip.compose(person, person, z1, z2, light=t) for t in steps],
        [manip.render(person, z1, sample_noise(1, 64, torch.Generator().manual_seed(50 + j))) for j in range(7)],
        [manip.render(person, z1, z2, yaw=float(a)) for a in torch.linspace(-40, 40, 7)]]
fig = fig_size(9, 8.3)
show_grid(fig.gca(), as_unit(torch.cat([torch.cat(r) for r in rows]).cpu()), 7,
          row_labels=["yaw dir. (z_1)", "smile dir. (z_1)", "jaw dir. (z_1)", "light dir. (z_2)", "new z_2",
                      "f_1 yaw"])
runlog.save_figure(fig, "attributes", P.run_dir, STEM)
plt.show()

# %%
# NBVAL_IGNORE_OUTPUT
reads = {"yaw dir., E_1's yaw (°)": manipulate.readout(e_1, torch.cat(rows[0]), ("yaw",))["yaw"],
         "smile dir., E_1's smile": manipulate.readout(e_1, torch.cat(rows[1]), ("smile",))["smile"],
         "jaw dir., E_1's jaw_open": manipulate.readout(e_1, torch.cat(rows[2]), ("jaw_open",))["jaw_open"],
         "light dir., the light estimator's azimuth (°)": estimator.model.f3d(torch.cat(rows[3]))[:, 0],
         "light dir., E_1's yaw (°)": manipulate.readout(e_1, torch.cat(rows[3]), ("yaw",))["yaw"]}
for label, values in reads.items():
    print(f"{label:46s}", " ".join(f"{float(v):+6.1f}" if "°" in label else f"{float(v):+6.2f}" for v in values))

# %% [markdown]
# **Fig. 4b, identity interpolation, and frontalization (§4.2).** Top: f_id moves from one
# test person to another (renormalized to 16 at every step) with z_1, z_2 fixed. Bottom: four
# x^s and the same four with f_1's pose set to the canonical frontal one.

# %%
a, b = pool[firsts[:1]], pool[firsts[1:2]]          # test persons 0 and 1
strip = [manip.compose(a, b, z1, z2, identity_t=t) for t in torch.linspace(0, 1, 7).tolist()]
zs = sample_noise(4, 64, torch.Generator().manual_seed(P.seed + 12))
z2s = sample_noise(4, 64, torch.Generator().manual_seed(P.seed + 13))
who = pool[firsts[torch.arange(4) % len(firsts)]]
turned, frontal = manip.render(who, zs, z2s), manip.render(who, zs, z2s, frontal=True)
fig = fig_size(9, 4)
ax1, ax2 = fig.subplots(2, 1)
show_grid(ax1, as_unit(torch.cat(strip).cpu()), 7, "identity interpolation, person A → person B")
show_grid(ax2, as_unit(torch.cat([turned, frontal]).cpu()), 4, "x^s (top) and frontalized (bottom)")
runlog.save_figure(fig, "identity_and_frontal", P.run_dir, STEM)
plt.show()

# %% [markdown]
# **Identity under a pose change.** For each test person: one z_1, one z_2, f_1's yaw set to
# −40° and to +40°; the judge's cosine between the two images says how much identity G^I
# keeps across an 80° turn (two *real* images of one person score `judge_similarity_real_same`).
# That figure means something only if the face did turn, so two more: the yaw E_1 reads off
# each side, and how much the two images differ per pixel, beside the same difference
# between the first two real images of each test person.

# %%
# NBVAL_IGNORE_OUTPUT
results["identity_kept_under_pose"] = float(manipulate.identity_kept_under_pose(manip, judge, pool[firsts], 40.0,
                                                                                P.seed).mean())
print(f"identity_kept_under_pose {results['identity_kept_under_pose']:.4f}  "
      f"(real same-person pairs {real_same:.4f}, different people {real_diff:.4f})")
turn = manipulate.pose_turn(manip, pool[firsts], 40.0, P.seed)
seconds = torch.stack([torch.nonzero(data.test.identity == i)[1, 0] for i in range(data.test.n_ids)])
results.update(pose_turn_yaw_read_left=turn["yaw_read_left"], pose_turn_yaw_read_right=turn["yaw_read_right"],
               pose_turn_pixel_change=turn["pixel_change"],
               real_same_person_pixel_change=float((to_model(data.test.take(firsts))
                                                    - to_model(data.test.take(seconds))).abs().mean()))
print(f"E_1 reads yaw {turn['yaw_read_left']:.1f}° and {turn['yaw_read_right']:.1f}° (asked: -40°, +40°); "
      f"pixel change {turn['pixel_change']:.3f} (two real images of one person: "
      f"{results['real_same_person_pixel_change']:.3f})")

# %% [markdown]
# **A second opinion on pose.** φ_3d trains G^I against E_1, so E_1's readings of generated
# faces may be cues G^I learnt to show it. The pose reader (`facefeat_lite.facefeat.pose_reader`)
# is E_1's network and schedule trained on the judge's identities, which no generator sees,
# and never used as a loss: to pose what the judge is to identity. Its held-out R² on real
# images says it reads pose well; then the same two checks, read by it.

# %%
# NBVAL_IGNORE_OUTPUT
reader, r_faces, r_targets, r_held = load_pose_reader(P, data)
read_yaw = pose_reader.reader_yaw(reader.model)
for name, r2 in reader_r2(reader.model, pose_reader.POSE_ENTRIES, r_faces, r_targets, r_held, P.device).items():
    print(f"pose reader, held-out R² on real images of {name:10s} {r2:.3f}")
by_reader = manipulate.fit_directions(lambda z: {"yaw": read_yaw(render_generated(z))}, 64, P.n_directions, P.seed,
                                      names=("yaw",))
turn_r = manipulate.pose_turn(manip, pool[firsts], 40.0, P.seed, read_yaw)
results.update(yaw_control_r2_reader=by_reader["yaw"].r2, pose_turn_reader_left=turn_r["yaw_read_left"],
               pose_turn_reader_right=turn_r["yaw_read_right"])
print(f"yaw direction in z_1, held-out R²: E_1 {results['yaw_control_r2']:.2f}, pose reader "
      f"{results['yaw_control_r2_reader']:.2f}")
print(f"f_1 yaw -40° / +40°: E_1 reads {turn['yaw_read_left']:.1f}° / {turn['yaw_read_right']:.1f}°, "
      f"the pose reader {turn_r['yaw_read_left']:.1f}° / {turn_r['yaw_read_right']:.1f}°")

# %% [markdown]
# **Where G^I takes the pose from.** FaceFeat-GAN means f_1 to carry the pose and f_2 the
# rest, but f_2 = E_2(x) sees the whole image and Eq. 8 only asks it to help reconstruct x,
# so nothing keeps the pose out of it. Two checks on the real test images. First, how much
# of SynthFaces' true yaw and pitch a linear read recovers from each code
# (`disentangle.linear_readout_r2`: fitted on three quarters of the test people, held-out R²
# on the rest). Second, which code G^I *draws* the yaw from (`disentangle.code_sources`):
# render f_1 of one image with f_2 of another image of the same person, read the yaw with
# the pose reader, and regress it on both images' true yaw — degrees of drawn yaw per degree
# of true yaw, beside x^rec's own and the reader's on the real photos (a faithful renderer
# would match the latter).

# %%
# NBVAL_IGNORE_OUTPUT
everyone = torch.arange(len(data.test))
codes = extract_features(models, data.test, everyone, P.device, P.cache_dir)
codes["f_2, joint E_2"] = predict(M["e_2"], data.test, everyone, P.device)
if data.test.f3d is None:
    print("this check needs the true pose of each image (SynthFaces' labels); a real set has none")
else:
    truth = data.test.f3d[:, -3:-1]                           # yaw, pitch / 60° (f_1's last entries but roll)
    by_person = data.test.identity < (3 * data.test.n_ids) // 4
    for name, label in (("f_1", "f_1 = E_1(x)"), ("f_2", "f_2, notebook 01's E_2"), ("f_2, joint E_2", "f_2, joint E_2")):
        r2 = disentangle.linear_readout_r2(codes[name], truth, by_person)
        print(f"{label:24s} yaw R² {r2[0]:.2f}   pitch R² {r2[1]:.2f}")
        if name == "f_2, joint E_2":
            results["f2_yaw_readout_r2"] = float(r2[0])
    some = everyone[data.test.identity < max(2, data.test.n_ids // 4)]   # a quarter of the people: rendering costs
    partner = disentangle.same_person_partners(data.test.identity[some], P.seed)
    real_faces = to_model(data.test.take(some))
    for label, g_img, f_2 in (("notebook 01's G^I, E_2", models.e_2.model["g_img"], codes["f_2"]),
                              ("joint G^I, E_2", M["g_img"], codes["f_2, joint E_2"])):
        src = disentangle.code_sources(lambda a, b, c: render(g_img, a, b, c, P.device), read_yaw,
                                       codes["f_id"][some], codes["f_1"][some], f_2[some], partner,
                                       manipulate.DEG * data.test.f3d[some, -3], real_faces)
        print(f"{label:24s} yaw drawn per degree of true yaw: x^rec {src['rec']:.2f}; f_1 of one image with "
              f"f_2 of another: from f_1 {src['f_1']:.2f}, from f_2 {src['f_2']:.2f} (real photos {src['real']:.2f})")
        if g_img is M["g_img"]:
            results.update(yaw_drawn_rec=src["rec"], yaw_drawn_from_f1=src["f_1"], yaw_drawn_from_f2=src["f_2"],
                           yaw_real_slope=src["real"])

# %% [markdown]
# **And the expression?** The same question for the expression, asked directly: write one of
# f_1's expression entries as 0 and as 1 (`manipulate.drawn_from_f1`) into the test images'
# own features, render and read it back with E_1. Per unit asked, 1 means drawn as asked
# and 0 means G^I ignores the entry; E_1's own slope on the real photos against SynthFaces'
# true value is the yardstick. E_1 is what φ_3d trains G^I against, so a second measure that
# no loss sees: how many pixels change by more than a tenth of the range between the two
# renderings (`manipulate.pixels_changed`), beside the same count for SynthFaces' own
# renderer with the entry set to 0 and 1 (`render_with_expression`). Two entries: the smile,
# and the open jaw, which of the nine changes the most of a 64-px face; three G^Is:
# notebook 01's, notebook 03's (stage 2, which the joint training starts from) and the
# joint one.

# %%
# NBVAL_IGNORE_OUTPUT
part = everyone[data.test.identity < max(2, data.test.n_ids // 4)]      # a quarter of the people
drawers = {"notebook 01's G^I": (models.e_2.model["g_img"], codes["f_2"]),
           "notebook 03's G^I": (stage2.model["g_img"], codes["f_2"]),     # stage 2 kept notebook 01's E_2
           "joint G^I": (M["g_img"], codes["f_2, joint E_2"])}
for name in ("smile", "jaw_open"):
    for label, (g_img, f_2) in drawers.items():
        drawn = manipulate.drawn_from_f1(g_img, e_1, codes["f_id"][part], codes["f_1"][part], f_2[part], name)
        print(f"{name:8s} written into f_1 as 0 / 1, {label:17s}: E_1 reads {drawn['read_low']:.2f} / "
              f"{drawn['read_high']:.2f}, {drawn['per_unit']:.2f} per unit; {drawn['pixels_changed']:3.0f} "
              "pixels change")
    results[f"{name}_drawn_from_f1"] = drawn["per_unit"]                  # the joint G^I's
    results[f"{name}_pixels_from_f1"] = drawn["pixels_changed"]
    if data.test.f3d is not None:
        col = manipulate.f3d_column(name)
        truth, read = data.test.f3d[part, col], predict(e_1.f3d, data.test, part, P.device)[:, col]
        slope = float(torch.cov(torch.stack([truth, read]))[0, 1] / truth.var())
        print(f"{name:8s} E_1 on the real photos: {slope:.2f} per unit of SynthFaces' true {name}")
        tenth = part[::10]                                                 # the renderer costs more than G^I
        x0, x1 = (2 * render_with_expression(data.synthfaces, "test", tenth, name, v) - 1 for v in (0.0, 1.0))
        results[f"{name}_pixels_renderer"] = float(manipulate.pixels_changed(x0, x1).mean())
        print(f"{name:8s} SynthFaces' renderer, written as 0 / 1 (every tenth image): "
              f"{results[name + '_pixels_renderer']:3.0f} pixels change")

# %% [markdown]
# What that looks like: the most frontal image of test persons 0 and 1 with f_1's jaw entry
# written as 0 … 2 (SynthFaces draws it between 0.6 and 1 when on), everything else their
# own, under each G^I.

# %%
values = [0.0, 0.5, 1.0, 1.5, 2.0]
turn = (data.test.f3d[:, -3].abs() if data.test.f3d is not None           # |yaw| / 60°: show the mouth
        else torch.zeros(len(data.test)))
shown = [int(i[turn[i].argmin()]) for i in (torch.nonzero(data.test.identity == p)[:, 0] for p in (0, 1))]

jaw_rows = [manipulate.entry_sweep(g_img, e_1, codes["f_id"][i:i + 1], codes["f_1"][i:i + 1], f_2[i:i + 1],
                                   "jaw_open", values) for i in shown for g_img, f_2 in drawers.values()]
fig = fig_size(5.5, 6.6)
show_grid(fig.gca(), as_unit(torch.cat(jaw_rows).cpu()), len(values), row_labels=[
    f"{who}, {label.split(' G')[0]}" for who in ("A", "B") for label in drawers],
    col_labels=[f"jaw {v:g}" for v in values])
runlog.save_figure(fig, "jaw_written_into_f1", P.run_dir, STEM)
plt.show()

# %% [markdown]
# ## 8 · Steer it yourself
#
# Sliders over the fitted directions (yaw, pitch, smile and jaw in z_1, the light in z_2), the
# identity interpolation and frontalization.
# The widget only passes its values to `Manipulator.compose` (tested headless in
# `tests/test_manipulate.py`); the cell after it calls the same function with fixed values.

# %%
# NBVAL_IGNORE_OUTPUT
def show(yaw=0.0, pitch=0.0, smile=0.0, jaw=0.0, light=0.0, identity_t=0.0, frontal=False, z_seed=0):
    gw = torch.Generator().manual_seed(z_seed)
    x = manip.compose(a, b, sample_noise(1, 64, gw), sample_noise(1, 64, gw), identity_t, frontal,
                      yaw=yaw, pitch=pitch, smile=smile, jaw_open=jaw, light=light)
    fig = fig_size(2.5, 2.5)
    fig.gca().imshow(as_unit(x[0].cpu()).permute(1, 2, 0).numpy())
    fig.gca().axis("off")
    plt.show()


widgets.interact(show, yaw=(-3.0, 3.0, 0.25), pitch=(-3.0, 3.0, 0.25), smile=(-3.0, 3.0, 0.25),
                 jaw=(-3.0, 3.0, 0.25), light=(-3.0, 3.0, 0.25), identity_t=(0.0, 1.0, 0.05), frontal=False,
                 z_seed=widgets.IntText(0))

# %%
# NBVAL_CHECK_OUTPUT
gw = torch.Generator().manual_seed(0)
zz1, zz2 = sample_noise(1, 64, gw), sample_noise(1, 64, gw)
x0 = manip.compose(a, b, zz1, zz2)
print("image:", tuple(x0.shape), "in [-1, 1]:", bool(x0.abs().max() <= 1))
print("same sliders, same image:", torch.equal(x0, manip.compose(a, b, zz1, zz2)))
print("yaw slider changes the image:", not torch.allclose(x0, manip.compose(a, b, zz1, zz2, yaw=2.0)))
print("light slider (z_2) changes the image:", not torch.allclose(x0, manip.compose(a, b, zz1, zz2, light=2.0)))
print("identity slider at 1 renders person B:",
      torch.allclose(manip.compose(a, b, zz1, zz2, identity_t=1.0), manip.compose(b, a, zz1, zz2), atol=1e-5))

# %% [markdown]
# ## 9 · Headline figures

# %%
# NBVAL_IGNORE_OUTPUT
runlog.record_metrics(STEM, results, P.run_dir)
for k, v in results.items():
    print(f"{k:28s} {v:8.4f}")
ratio = results["judge_similarity_s"] / real_same
checks = {
    f"judge_similarity_s / real_same = {ratio:.3f} (± {results['judge_similarity_s_se'] / real_same:.3f}, "
    f"one standard error) >= 0.7": ratio >= 0.7,
    "judge_similarity_s clearly above real_diff (by 0.1)": results["judge_similarity_s"] > real_diff + 0.1,
    "diversity of generated f_1 and f_2 >= 0.5": min(results["diversity_f1"], results["diversity_f2"]) >= 0.5,
    f"yaw_control_r2 = {results['yaw_control_r2']:.2f} >= 0.8": results["yaw_control_r2"] >= 0.8,
}
for what, ok in checks.items():
    print(f"{'met    ' if ok else 'NOT met'}  {what}")

# %% [markdown]
# ## 10 · What the CPU preset shows, and where it falls short
#
# The sweeps below were measured on the development machine with notebook 01's earlier
# E_2 + G^I (600 steps) and scored by the judge of that time (1200 steps, no blurred
# images); the shipped model starts from the 12000-step E_2 + G^I (with φ_view since the
# third bullet's change, φ_perc since the fifth's), E_1 at 7500 steps and
# stage-1 GANs at 12000, all on the nine-expression SynthFaces, and is scored by the
# present judge (4800 steps, ArcFace margin 0.3, blurred and noisy copies and template
# views in its training; notebook 01 §7). Figures quoted from earlier runs are by the
# judge of their time, as each bullet says. The last bullets say what each change did.
#
# * **Where the open mouth goes, and how the preset keeps it (the latest change: φ_3d on
#   the jaw).** Section 7 finds notebook 01's G^I drawing 0.22 of an open jaw written into
#   f_1 per unit (a mouth one can see at 1.5–2, the figure at its end), notebook 03's 0.10,
#   and the joint G^I, before this change, none (0.003).
#   Probes of the joint training at 450 steps (batch 16, from the same notebook 01–03
#   models; a throw-away script around `suite.load_joint`, one thread each), scored on a
#   quarter of the test people: the jaw and the smile E_1 reads per unit written into f_1
#   (section 7's measure), the judge's cosine between each test image and its x^rec, and
#   between each test image and an x^s of its f_id with new z (not `judge_similarity_s`,
#   which pairs other images of the person):
#
#   | joint training, 450 steps | jaw | smile | x–x^rec | x–x^s | x^rec L1 |
#   | --- | --- | --- | --- | --- | --- |
#   | the preset (λ_2 = 4·10⁻³) | 0.008 | 0.04 | 0.685 | **0.447** | 0.130 |
#   | λ_2 = 2·10⁻³ | 0.033 | 0.04 | 0.704 | 0.413 | 0.124 |
#   | λ_2 = 1·10⁻³ | 0.076 | 0.04 | 0.718 | 0.385 | 0.121 |
#   | λ_2 = 0 | **0.126** | 0.04 | 0.728 | 0.315 | 0.117 |
#   | the preset + φ_view at 1 | 0.010 | 0.05 | 0.657 | 0.448 | 0.128 |
#   | the preset + φ_view at 3 | 0.010 | 0.05 | 0.642 | 0.446 | 0.126 |
#   | λ_2 = 0, + φ_view at 1 | 0.140 | 0.05 | 0.693 | 0.326 | 0.118 |
#   | G^I's rate × 0.25 (`j_g_img_lr_mult`) | 0.038 | 0.05 | 0.719 | 0.382 | 0.117 |
#   | φ_id low-passed by 4 (`j_id_lowpass`) | 0.009 | 0.04 | 0.677 | 0.369 | 0.122 |
#
#   (φ_view: notebook 01's term on SynthFaces' view pairs, added to G^I's and E_2's losses
#   by throw-away code, as was the change in the 3000-step run below; neither is in the
#   package.) The identity term on x^s takes the jaw away, the more the larger its weight;
#   φ_view, which taught notebook 01's G^I the jaw, does not hold it against that term,
#   even at three times its weight. A slower G^I keeps a little jaw at a larger cost in
#   likeness than a smaller λ_2, and a coarser φ_id keeps none. Nor is it that x^s and x^r
#   show different expressions: a 3000-step run with φ_view at 1 and φ_id(x^s) read off
#   G^I(f_id, f_1 with x^r's own expression and the sampled pose, f^s_2) had lost the jaw
#   by step 900 (0.005), as fast as the same run without that change (0.005); both were
#   stopped there. Nor does E_id take an open mouth for another person: on 200 SynthFaces
#   test faces rendered frontal and neutral, then with the jaw open, E_id's embedding moves
#   about as much as under a 15° turn (cosine 0.969 and 0.963; another person 0.80), and
#   notebook 01's G^I renders keep the same cosine to the real image with the jaw written 0
#   or 1 (0.844, 0.843; low-passed as φ_id reads them). How the term takes the jaw away,
#   then, I have not found. A jaw one could see needs most of notebook 01's 0.22, which
#   only λ_2 near 0 approaches, and there x^s keep 0.70 of the preset's likeness (0.315 /
#   0.447). So λ_2 stays, and something must ask for the jaw: φ_3d, which already makes G^I
#   draw f^s_1's pose, now weighs the jaw entry too (`j_3d_entries: pose+jaw_open`). Not
#   the smile: φ_3d on all of f_1 bought textures E_1 reads as a smile (the rows "φ_3d on
#   all of f_1" further down). The jaw is different, for notebook 01's G^I already draws it
#   as a mouth. Probes at 450 steps from the same start (the same script), with section 7's
#   two measures of the jaw drawn per unit written into f_1 on a quarter of the test people,
#   E_1's reading and the pixels changing by a tenth of the range (SynthFaces' renderer:
#   208), and the judge's cosines on the 3200 test images of section 6 (x^r–x^s is
#   `judge_similarity_s`):
#
#   | joint training, 450 steps | jaw (E_1) | pixels | smile | x^r–x^s | x–x^rec | x^rec L1 |
#   | --- | --- | --- | --- | --- | --- | --- |
#   | φ_3d on the pose (the preset before) | 0.008 | 33 | 0.04 | 0.465 | 0.707 | 0.129 |
#   | φ_3d on the pose and the jaw | **0.83** | 184 | 0.04 | 0.454 | 0.691 | 0.131 |
#   | the same at λ_3d 0.4 | 0.84 | 217 | 0.04 | 0.418 | 0.672 | 0.136 |
#
#   The jaw came back for 0.011 of likeness; at twice the weight it cost four times that.
#   The joint model, retrained for 3000 steps with `pose+jaw_open` by `train_all` (1784 s,
#   with the five Table-4 models; notebook 07 re-run), before → after: the jaw drawn per
#   unit 0.003 → **0.85** (137 pixels; notebook 01's G^I 59, the renderer 208), the smile
#   0.010 → 0.009 (no pixel changes by a tenth); `judge_similarity_s` 0.5525 → 0.5485,
#   **0.750** of a real pair (was 0.756; target 0.7), x^rec 0.699 → 0.691; diversity f_1
#   1.08 → 1.05, f_2 1.01 → 1.02; the yaw direction's R² 0.89 → 0.91 (by the pose reader
#   0.78 → 0.83), the smile direction's 0.17 → 0.10, the new jaw direction's 0.58;
#   `identity_kept_under_pose` 0.709 → 0.708. Fig. 4a gained its jaw row: a mouth that
#   opens. How λ_2 φ_id(x^s) takes the jaw away is still not known; φ_3d only outweighs it.
# * **A lead for the smile, followed and not adopted: E_1 reads back the view renderings
#   (`e2_lam_view_3d`).** Section 7's check finds notebook 01's G^I drawing 0.02 of a smile
#   written into f_1 per unit asked: the view pairs taught it the pose from f_1 (and the
#   open jaw, the bullet above), not the smile. `extractors.view_readback` adds λ · mean
#   (E_1(x̂') − f'_1)² over all twelve entries of f_1 to notebook 01's φ_view, where x̂' is
#   G^I's drawing of the view x' from f'_1 = E_1(x'); unlike φ_3d on all entries in the
#   joint training (a bullet below), x' stands beside it as a pixel target. Probed by
#   fine-tuning the shipped E_2 + G^I with a throw-away script (Adam at 3·10⁻⁴, batch 16,
#   on 2 cores; the smile E_1 reads per unit written into f_1 on 300 test images, the same
#   measure as section 7's): after 600 steps the plain preset's terms gave 0.023, L1
#   weighted by where x and x' differ 0.028, φ_view at 3 0.028, φ_perc on E_1's maps 0.039,
#   and the read-back at 0.2 **0.110**, then 0.17 after 1000 steps and 0.26 after 1400,
#   with x^rec's L1 at 0.109 (the plain run's 0.105) after 600 steps and 0.111 after 1400;
#   at 1 it was slower (0.16 after 1000 steps, L1 0.127). In some faces the smile-1
#   renderings grew wider, redder mouths, still blurred and nothing like a real smile. Then
#   notebook 01's E_2 + G^I were trained from the start with it
#   (`train_all --set e2_lam_view_3d=0.2`, 12000 steps, 5980 s on two threads beside other
#   work) and scored on a quarter of the test people with the shipped one beside them: E_1
#   now reads **0.66** of a smile written into f_1 per unit (shipped 0.02), but the
#   renderings show no smile one can see, only blurrier faces with a finer grid texture,
#   and the person went with it (judge cosine x–x^rec 0.74 → 0.62, held-out L1 0.100 →
#   0.113). G^I answered E_1 with textures again, as φ_3d on all entries did in the joint
#   training, pixel target or not. So the term stays in the package, tested and off, and
#   the stages after E_2 were not retrained with it; a smile one can see needs a G^I that
#   draws the mouth, which neither term gave at this scale.
# * **View pairs in notebook 01, beside φ_perc (the change before the jaw's; every model
#   from E_2 + G^I on retrained).** The lead at the end of the next bullet, followed
#   through. Notebook 01's E_2 + G^I now also learn φ_view on SynthFaces' view pairs
#   (`e2_lam_view: 1.0`; notebook 01 §4; 12000 steps, 3320 s on two threads), so that G^I
#   takes the pose from f_1 from the start; `train_all` then retrained stage 1, stage 2,
#   this model (1840 s) and the Table-4 variants with the preset. This notebook, before →
#   after (columns as in the fifth bullet's table):
#
#   | E_2 + G^I by | x^r–x^s | x^rec | L1 | yaw R², E_1 / reader | reader at ∓40° | drawn | smile |
#   | --- | --- | --- | --- | --- | --- | --- | --- |
#   | Eq. 8 + φ_perc (before) | 0.747 | 0.706 | 0.132 | 0.86 / 0.53 | −11°, 16° | 0.57 / 0.37 / 0.15 | 0.09 |
#   | **… + φ_view (shipped before the jaw)** | **0.756** | 0.699 | 0.132 | 0.89 / 0.78 | −23°, 23° | 0.67 / 0.54 / 0.06 | 0.17 |
#
#   The pose moved where the sliders are: the joint G^I draws 0.54° of yaw per degree from
#   f_1 (was 0.37°) and 0.06° from f_2 (was 0.15°; notebook 01's G^I 0.48° and 0.23°, was
#   0.19° and 0.59°). The independent pose reader now follows the fitted yaw direction (R²
#   0.78, was 0.53) and sees the ∓40° written into f_1 as −23°, +23° (was −11°, +16°; pixel
#   change 0.160, was 0.111). Identity held: x^r–x^s 0.756 ± 0.004 of a real pair, notebook
#   03's x^rec 0.76 judge cosine (1.04 of a real pair; was 0.83, target 0.8).
#   `identity_kept_under_pose` fell from 0.83 to 0.71 because the two images now differ by
#   a turn (two real photos of one person score 0.73). Before φ_perc the same change lost
#   identity (the sixth bullet's row "view pairs in notebook 01"): the perceptual term
#   keeps the person's details in x^rec when f_2 no longer holds the pose. In Fig. 4a the
#   yaw rows now move the face and the new-z_2 row changes the light and background but
#   hardly the pose. The heads are still blurred and banded, and turn less than the
#   reader's ±23° suggests to the eye: the renderer's sharpness is what is left.
#
# * **A slower G^I (measured, not adopted).** The next bullet ends with the joint training
#   losing the turn that notebook 01's G^I draws. If G^I simply moves too far from its
#   start, a smaller learning rate for G^I alone should keep the turn. `j_g_img_lr_mult`
#   scales G^I's rate and leaves every other player at `j_lr` (1 is the paper's single rate
#   and the preset). Two 3000-step runs tested it: this notebook by papermill with
#   `-p j_g_img_lr_mult 0.3` or `0.1`, one thread each, two at a time, about 2050 s of
#   training each. The columns are those of the next bullet's table:
#
#   | G^I's rate | x^r–x^s | x^rec | L1 | yaw R², E_1 / reader | reader at ∓40° | drawn | smile |
#   | --- | --- | --- | --- | --- | --- | --- | --- |
#   | **× 1 (shipped)** | **0.747** | 0.706 | 0.132 | 0.86 / 0.53 | −11°, 16° | 0.57 / 0.37 / 0.15 | 0.09 |
#   | × 0.3 | 0.682 | 0.731 | 0.127 | 0.81 / 0.55 | −14°, 18° | 0.66 / 0.39 / 0.22 | −0.10 |
#   | × 0.1 | 0.588 | 0.761 | 0.120 | 0.68 / 0.52 | −15°, 18° | 0.72 / 0.38 / 0.29 | −0.06 |
#
#   The slower G^I kept more of its start: x^rec stayed closer to x^r, and the yaw it draws
#   rose to 0.66° and 0.72° per degree (notebook 01's G^I draws 0.82°). It paid for this
#   in identity, the thing the joint training exists for. x^s fell below the 0.7 target
#   (0.682 ± 0.004 and 0.588 of a real pair), and at × 0.1 the yaw direction lost its 0.8
#   target too. The extra yaw came mostly from f_2 (0.15 → 0.22 and 0.29), not from the
#   f_1 that the sliders move. So the Fig. 4a grid turned no more (reader at ∓40°: −14°,
#   +18°; the x^s still carry the bands). The logs show why. After its first 100 steps φ_rec
#   still rose in both runs, only more slowly: from 0.103 to 0.120 by step 650 at × 0.1,
#   against 0.109 to 0.142 at × 1. φ_id(x^s) still pulls G^I the same way: weighted, it is
#   about 1 at the start (249 × λ₂ 0.004), eight times φ_rec. The knob stays, tested, at its
#   paper value 1.
#
#   A lead for the renderer itself (followed through in the bullet above). The extra yaw
#   above came from f_2, and notebook 01's φ_view (`e2_lam_view`, below) moves the pose
#   from f_2 to f_1. Before φ_perc it cost too much identity. Notebook 01's E_2 + G^I was
#   trained again for 3000 steps, with and without `e2_lam_view: 1.0`, φ_perc at 0.3 in
#   both (scratch script: `suite.load_feature_models` with those parameters, then section
#   7's checks on the test images; one thread each, about 560 s and 1030 s). Without
#   φ_view: judge x–x^rec 0.683, L1 0.119, yaw drawn from f_1 0.21 and from f_2 0.51. With
#   φ_view: 0.615, 0.120, 0.41 and 0.26. So with φ_perc, φ_view costs 0.07 of judge cosine
#   here. Before φ_perc it cost notebook 03's x^rec 0.23 (0.70 → 0.47, at 12000 steps).
#   That is a different measurement, so the comparison is only a hint. Two questions
#   remain: whether the cost stays this small after 12000 steps, and what the joint
#   training makes of the result. Both need the full retraining, about 75 minutes on two
#   threads. The bullet above answers both: at 12000 steps notebook 03's x^rec lost 0.07
#   (0.83 → 0.76), and the joint model turns the head twice as far for the pose reader.
#
# * **A perceptual term in notebook 01 too (the change before; every model from E_2 + G^I
#   on retrained).** The joint model starts from notebook 01's G^I, and that G^I drew half
#   the pose it was given, blurred: 0.57° of yaw per degree of the true yaw in its
#   reconstructions, where the pose reader sees 0.90° on the real photos (section 7's
#   printout before this change). The next bullet's φ_perc, added to Eq. 8 at 0.3
#   (`e2_lam_perc`; notebook 01 §4 has the 3000-step comparison), made it draw 0.82°
#   with a judge cosine of 0.83 between x and x^rec (was 0.67), and notebook 03's
#   reconstructions turn with x^r for the first time. Stage 1, stage 2, this model and the Table-4 variants were then retrained by
#   `train_all` with the preset (two threads; this model 1383 s). This notebook, before →
#   after (columns as in the next bullet's table; drawn: yaw in x^rec / from f_1 / from
#   f_2 per degree):
#
#   | E_2 + G^I by | x^r–x^s | x^rec | L1 | yaw R², E_1 / reader | reader at ∓40° | drawn | smile |
#   | --- | --- | --- | --- | --- | --- | --- | --- |
#   | Eq. 8 alone | 0.741 | 0.655 | 0.143 | 0.82 / 0.62 | −17°, 13° | 0.48 / 0.37 / 0.08 | 0.24 |
#   | **Eq. 8 + 0.3 φ_perc (shipped)** | **0.747** | 0.706 | 0.132 | 0.86 / 0.53 | −11°, 16° | 0.57 / 0.37 / 0.15 | 0.09 |
#
#   Identity, the reconstruction and E_1's yaw control gained (x^r–x^s 0.747 ± 0.004 of a
#   real pair, x^rec 0.655 → 0.706, L1 0.143 → 0.132, the yaw direction's R² 0.82 → 0.86;
#   at the start φ_id(x^rec) is 25 instead of 101, section 3's table). The turn did not: the
#   joint training again gives up much of what its start could draw — φ_rec rises from 0.10
#   to 0.15 and φ_perc from 0.44 to 0.72 over the first 500 steps, as before this change —
#   and ends drawing 0.57° per degree in x^rec where notebook 01's G^I drew 0.82°, the
#   pose reader's share of the yaw direction fell (0.62 → 0.53), the ∓40° turn it sees is no
#   larger (−11°, +16°; pixel change 0.111), and the smile direction's R² by E_1 fell to
#   0.09. The Fig. 4a grid is still not a head one would call turned, and x^s is still
#   crossed by the horizontal bands of E_id's gradient. So the open problem has moved: the
#   renderer the joint training starts from now draws turned heads (notebook 03's figure),
#   and the two-level training with the identity terms and φ_3d loses them.
#
# * **A perceptual reconstruction (the change before; the joint model and its ablations
#   retrained).** The joint training's logs show where x^rec goes: over the first 500 steps
#   G^I lets φ_rec rise from 0.10 to 0.17 while φ_id(x^r), φ_id(x^s) and φ_3d fall to a
#   third — at the start the weighted identity terms and φ_3d outweigh φ_rec about twenty
#   times, so G^I gives the reconstruction up (and with it the pose it drew from x^r) to
#   please the frozen E_id and E_1. The new term λ_perc φ_perc(x^rec) (`j_lam_perc`, not in
#   the paper; `joint.phi_perc`) asks for x^r itself in the frozen E_id's first feature maps
#   (stem and two stages, unit length over channels as LPIPS normalizes, no learned
#   weights): a blur, or a frontal head drawn for a turned one, costs more there than in
#   pixels, and the target is one real image, not a code G^I could game. λ_perc = 0.3 puts
#   it at about three times φ_rec at the start (raw ≈ 0.7; section 3's table). Two 3000-step
#   runs (this notebook by papermill with `-p j_lam_perc 0.3` and `-p j_perc_net e_1` or
#   `e_id`, one thread each, two at a time, about 2240 s of training each; the columns of
#   the table in the next bullet, and the smile direction's R² by E_1):
#
#   | variant | x^r–x^s | x^rec | L1 | yaw R², E_1 / reader | reader at ∓40° | drawn | smile |
#   | --- | --- | --- | --- | --- | --- | --- | --- |
#   | before (no φ_perc) | 0.711 | 0.588 | 0.160 | 0.88 / 0.46 | −8°, 10° | 0.26 | 0.12 |
#   | φ_perc on E_1's maps | 0.692 | 0.611 | 0.147 | 0.86 / 0.65 | −14°, 12° | 0.41 | 0.13 |
#   | **φ_perc on E_id's maps (shipped then)** | **0.741** | 0.655 | 0.143 | 0.82 / 0.62 | −17°, 13° | 0.48 | 0.24 |
#   | … at λ_perc 1 | 0.700 | 0.687 | 0.134 | 0.83 / 0.67 | −15°, 19° | 0.61 | 0.25 |
#   | … at λ_perc 0.3 with λ_3d 0.5 | 0.691 | 0.608 | 0.156 | 0.88 / 0.57 | −17°, 10° | 0.42 | 0.09 |
#
#   On E_id's maps every figure a reader can check moved the right way at once: identity
#   (x^r–x^s 0.711 → 0.741 of a real pair, about seven standard errors; x^rec 0.588 →
#   0.655), the reconstruction (L1 0.160 → 0.143), the pose the independent reader sees
#   (the yaw direction's R² 0.46 → 0.62, the ∓40° turn −8°, +10° → −17°, +13°, yaw drawn
#   in x^rec 0.26 → 0.48° per degree, nearly stage 2's 0.56, and now from f_1: 0.37 against
#   0.08 from f_2). What it cost: E_1's own R² of the yaw direction fell 0.88 → 0.82
#   (target 0.8, still met) — G^I draws fewer of the patterns only E_1 reads — and
#   `identity_kept_under_pose` 0.88 → 0.84, because the face now changes more under the
#   turn (pixel change 0.098 → 0.105). On E_1's maps the pose gained nearly as much but
#   identity fell below its target (0.692). Two more runs from the shipped setting (the
#   same papermill run with `-p j_lam_perc 1.0` or `-p j_lam_3d 0.5`, about 2170 s each):
#   a stronger φ_perc kept x^rec closer still (0.687, L1 0.134, yaw drawn 0.61) but x^s
#   lost identity to the edge of the target (0.700); a stronger φ_3d lost it (0.691) and
#   turned the face no further. λ_perc 0.3 stays. The term stays on in every Table-4 variant
#   (their checkpoints were retrained with it), and `full_gpu.yaml` keeps the paper's 0: it
#   was measured only at 64 px. The Fig. 4a grid is still not a head one would call turned
#   — the face and hair shift, blurred — so the open problem of the next bullets is
#   smaller, not gone.
#
# * **Why the face barely turns: E_1 reads fine patterns (measured, nothing changed).**
#   Slopes of the read yaw on SynthFaces' true yaw over the 1000 test images (degrees per
#   degree; pose reader / E_1): real photos 0.91 / 0.99, pooled by 2 0.79 / 0.90, by 3
#   0.64 / 0.67, with noise of σ 0.1 0.65 / 0.61; notebook 01's x^rec 0.58 / 0.29; this
#   model's x^rec 0.30 / **0.82**, pooled by 2 0.28 / 0.45, with noise 0.25 / 0.19. On
#   real faces both readers lose the pose together under blur and noise; on the joint
#   renderings E_1 alone sees a turn, and a blur or noise that real faces survive erases
#   it. φ_3d taught G^I fine patterns that E_1 reads as pose; the head itself turns little
#   (x^rec's held-out L1 0.159, where notebook 01's G^I has 0.091). Six 3000-step probes
#   (scratch: a degraded φ_3d, E_1 reading pool-by-2(x^s) + 0.1 ε, and a weight λ_rec on
#   φ_rec; one thread each, two at a time, about 2050 s each; x^r–x^s as a share of a real
#   pair / x^rec / its L1 / z_1 yaw direction's R² by E_1 and by the reader / the reader
#   at f_1 ∓40° / yaw the reader sees drawn in x^rec per degree, section 7's quarter of
#   the test people):
#
#   | variant | x^r–x^s | x^rec | L1 | yaw R², E_1 / reader | reader at ∓40° | drawn |
#   | --- | --- | --- | --- | --- | --- | --- |
#   | before φ_perc (sharp φ_3d, λ_rec 1) | 0.711 | 0.588 | 0.160 | 0.88 / 0.46 | −8°, 10° | 0.26 |
#   | degraded φ_3d | 0.711 | 0.596 | 0.162 | 0.82 / 0.45 | −4°, 13° | 0.24 |
#   | degraded, λ_rec 5 | 0.706 | 0.671 | 0.123 | 0.74 / 0.47 | −8°, 13° | 0.39 |
#   | λ_rec 5, lr 3·10⁻⁴ | 0.621 | 0.673 | 0.118 | 0.76 / 0.31 | −9°, 13° | 0.48 |
#   | degraded, λ_rec 5, λ_3d 0.5 | 0.664 | 0.646 | 0.130 | 0.79 / 0.58 | −16°, 14° | 0.49 |
#   | … and `id_lowpass` 3 | 0.623 | 0.635 | 0.125 | 0.77 / 0.51 | −10°, 17° | 0.51 |
#   | … and λ₂ 8·10⁻³ instead | 0.699 | 0.626 | 0.136 | 0.80 / 0.42 | −9°, 13° | 0.36 |
#   | before φ_perc + φ_view, λ_view 1 | 0.715 | 0.594 | 0.149 | 0.88 / 0.55 | −9°, 11° | 0.28 |
#   | before φ_perc + φ_view, λ_view 3 | 0.734 | 0.609 | 0.142 | 0.88 / 0.52 | −10°, 11° | 0.27 |
#   | φ_3d on all of f_1 | 0.537 | 0.467 | 0.230 | 0.80 / 0.44 | −23°, −10° | 0.18 |
#   | … at λ_3d 0.1 | 0.607 | 0.505 | 0.199 | 0.73 / 0.33 | −19°, −6° | 0.19 |
#   | φ_3d on shifted x^s | 0.706 | 0.587 | 0.158 | 0.86 / 0.54 | −13°, 9° | 0.30 |
#   | … and φ_id shifted too | 0.706 | 0.584 | 0.162 | 0.84 / 0.55 | −10°, 14° | 0.31 |
#   | view pairs in notebook 01 | 0.692 | 0.559 | 0.167 | 0.90 / 0.77 | −23°, 16° | 0.44 |
#   | BEGAN's γ 1 (stages 2 and 4) | 0.696 | 0.583 | 0.160 | 0.81 / 0.57 | −12°, 10° | 0.31 |
#   | γ 1, λ_k 10⁻² | 0.719 | 0.597 | 0.157 | 0.88 / 0.42 | −9°, 11° | 0.29 |
#
#   The degraded φ_3d alone changed nothing the reader sees; a stronger reconstruction
#   term kept x^rec closer to x^r (judge cosine 0.67, L1 0.12) without turning x^s; the
#   fifth row turned the face furthest for the reader but lost the identity target (0.664)
#   and E_1's yaw R² (0.79). The next two rows started from it: a coarser φ_id (pooled by
#   3) lost more identity (0.623) and turned the face no further; twice λ₂ won the
#   identity back (0.699) and gave up the turn (−9°, 13°). None met the targets and turned
#   the head, so none was adopted: the tug of war between φ_id and the pose is still the
#   open problem.
#
#   The two φ_view rows show G^I the turn itself, a SynthFaces-only aid: each training image
#   x^r is rendered again with another image's expression and pose (same face, light and
#   background), and G^I and E_2 also learn φ_view = ‖x' − G^I(f_id, E_1(x'), E_2(x^r))‖₁,
#   so that the pose can only come from f_1 (one thread each, two at a time, about 2280 s
#   each). It helped everything but the turn: x^r–x^s 0.711 → 0.734 of a real pair (about five
#   standard errors), x^rec 0.588 → 0.609, the smile direction's R² by E_1 0.12 → 0.43, the
#   yaw direction's by the reader 0.46 → 0.52, the ∓40° turn's pixel change 0.098 → 0.121
#   (`identity_kept_under_pose` 0.88 → 0.84) — yet the reader still sees −10°, +11°, and
#   φ_view itself barely fell (0.176 → 0.163 over the 3000 steps at λ_view 3): G^I is too
#   blurry to draw a turned head, from f_1 or from anywhere. It is the best candidate so
#   far and not yet shipped (shipping it means retraining the joint model and the
#   ablations); the Fig. 4a grid's weak turn stays open.
#
#   The two "all of f_1" rows weigh φ_3d over all 12 entries of f_1, expression too
#   (`j_3d_entries: all`; this notebook run by papermill with that parameter, one thread
#   each, two at a time, about 1950 s of training each). The smile direction's R² by E_1
#   rose 0.12 → 0.65 (0.61 at λ_3d 0.1), but identity fell far below the target (0.537
#   and 0.607 of a real pair), the yaw direction lost the 0.8 target (0.799 and 0.73),
#   x^rec's L1 grew to 0.20–0.23, and the grid shows no smile: G^I answered the
#   expression entries with blotchy patterns that E_1 reads as a smile and that do not
#   look like one, and the ∓40° pose written into f_1 turned the face even less (pixel
#   change 0.076 and 0.074, was 0.098; the pose reader sees both sides turned the same
#   way). Asking a frozen E_1 for more entries bought more of what it reads, not a better
#   face: `"pose"` stayed (the jaw alone, which G^I already drew, came later: the first
#   bullet).
#
#   The two "shifted" rows test whether the stripes are patterns tuned to where E_1's and
#   E_id's strided filters fall: the frozen reader sees each generated image moved by its
#   own random offset of up to 4 px each way (edge padding) every step, so a pattern must
#   survive every shift to count (a scratch change, not shipped; the same papermill run,
#   one thread each, about 2000 s of training each). The horizontal stripes went
#   (blotches about 8 px across took their place) and the pose reader's share of the yaw
#   direction rose (0.46 → 0.54 and 0.55), but the ∓40° turn it sees stayed near ±10°,
#   identity held only just (0.706 of a real pair, target 0.7) and the grid shows no
#   turn. So the stripes look like a symptom, not the cause: as the φ_view rows found,
#   what limits the turn looks like the narrow G^I's ability to draw a turned head at
#   all. Neither was shipped.
#
#   The last row moves the aid of the φ_view rows to where the pose first goes astray:
#   notebook 01's G^I, trained by Eq. 8 alone, draws the yaw from f_2 (0.47° per degree)
#   and hardly from f_1 (0.09°; section 7's printout), so the joint training starts from a
#   renderer that ignores the pose it is asked for. With `e2_lam_view: 1.0` E_2 and G^I
#   learn the view pairs from the start (notebook 01 §4; 12000 steps, 1993 s), and every
#   model after them was retrained by `train_all` with this notebook's preset (3888 s in
#   all; the joint model 1219 s). It worked where it was aimed: notebook 01's G^I draws
#   the yaw from f_1 (0.45°; from f_2 0.03°), the joint G^I too (0.42°, was 0.23°), the
#   pose reader's share of the yaw direction rose from 0.46 to 0.77 and the ∓40° turn it
#   sees from −8°, +10° to −23°, +16° (pixel change 0.098 → 0.139; the smile direction's
#   R² 0.12 → 0.39). But G^I paid in identity: without the pose in f_2, the narrow
#   renderer draws blurred heads without their person's details. Notebook 03's x^rec fell
#   from 0.70 to 0.47 judge cosine (its target, 0.8 of a real pair, lost), x^r–x^s here to
#   0.692 of a real pair (target 0.7, by 2.7 standard errors), `identity_kept_under_pose`
#   0.88 → 0.79, and the Fig. 4a grid shows a blurred face shifting a little, still no
#   head one would call turned. So it is not the preset; the option stays, tested, for
#   wider generators and longer runs (`e2_lam_view`, `full_gpu.yaml` keeps the paper's
#   0). Read with the φ_view rows, this pointed at G^I's capacity: the narrow
#   CPU-preset renderer seemed able to keep the person or turn the head, not both.
#
#   That reading was then put to the test with twice the width: `e2_n: 32` with
#   `e2_lam_view: 1.0`, 6000 steps instead of 12000 to fit the time (2850 s here; a
#   joint step costs 1.5 times the preset's, `bench facefeat_step`: 0.79 s against 0.51 s
#   at batch 16). Width did not buy the person back. Notebook 01's G^I reached the same
#   losses as the narrow one (held-out L1 0.110, was 0.109; φ_view 0.124, was 0.125) and
#   drew the same blurred, mostly frontal heads in the view-pair figure; notebook 03's
#   x^rec kept 0.50 judge cosine (0.68 of a real pair against the 0.8 target; the narrow
#   view-pair G^I 0.47, the shipped one 0.70). With notebook 03's target lost the joint
#   training was stopped, unmeasured. So at this scale it is not the renderer's width:
#   an L1-trained decoder asked to draw x′ from codes that do not pin its details down
#   draws their average, a blur, and nothing in the preset pushes it off the average
#   (the bullet "k_t never leaves 0" below: D^I never pushes the fakes away).
#
# * **A sharper judge (the change before; the model was unchanged).** The judge's ArcFace
#   margin went from 0.1 to 0.3, so that it tells shape twins apart (hard test pairs
#   0.815 → 0.866, notebook 01 §7); only the judge was retrained. It rates two real photos
#   of one person higher (0.696 → 0.731) and this model's faces the same: x^r–x^s 0.520 →
#   0.520, so the ratio to a real pair fell **0.747 → 0.711** (± 0.004; target 0.7, still
#   met); x^rec 0.608 → 0.588; `identity_kept_under_pose` 0.868 → 0.882. Nothing else in
#   the printouts is read by the judge.
#
# * **Nine expressions (the change before that).** SynthFaces now renders nine strong
#   expression blendshapes instead of 27 and f_1 has 12 entries instead of 30, so that E_1
#   reads expression (held-out R² 0.256 → 0.815, notebook 01 §7). Every image changed, so
#   every model was retrained from scratch with the preset unchanged apart from E_1's 7500
#   steps, the judge included (hard pairs 0.838 → 0.815, same-person cosine 0.691 →
#   0.696). This notebook's printouts then → now: x^r–x^s **0.490 → 0.520** (0.709 →
#   **0.747** of a real pair ± 0.004), x^rec 0.581 → 0.608, `identity_kept_under_pose`
#   0.87 → 0.87; the z_1 yaw direction's held-out R² by E_1 0.86 → 0.88, by the pose
#   reader 0.59 → 0.46; the ∓40° turn read by E_1 −36° / +36° → −34° / +34°, by the reader
#   −9° / +16° → −8° / +10°; G^I draws 0.38° → 0.26° of yaw per degree in x^rec; pitch
#   0.84 → 0.86; the smile direction 0.05 → 0.12; diversity f_1 1.08 → 1.02, f_2 1.01 →
#   1.01. Identity gained and the targets hold; the turn that an independent reader sees
#   shrank again, the tug of war of the next bullet. With E_1 reading expression, φ_3d
#   could now weigh the expression entries too (`entries_3d`); the first bullet measures it.
#
# * **Twice E_id's steps.** Two probes with the model of the next
#   bullet asked where x^s loses the identity that x^rec keeps (scratch
#   `/tmp/diag/mix.py`, judge cosine to x^r over this notebook's 1000 test images):
#   x^rec 0.560; f_1 generated with the real f_2 0.537; the real f_1 with a generated
#   f_2 0.474; the real f_1 with the f_2 of *another image of the same person* 0.509,
#   of another test person 0.465. Most of the loss is f_2's: E_2 encodes part of the
#   face that f_id should carry, and a generated f_2 paints some other face's part. A
#   longer joint run did not fix that: 6000 steps instead of 3000 (3148 s, beside
#   another job) gave x^r–x^s 0.472 (x^rec 0.561, yaw R² 0.91). A sharper f_id did:
#   E_id trained 9600 steps instead of 4800 (hard test pairs 0.755 → 0.780, notebook 01
#   §7), with E_2, the stage-1 GANs, stage 2 and this model retrained on it (this
#   notebook's printouts then → now): x^r–x^s **0.468 → 0.490** (0.677 → **0.709** of a
#   real pair ± 0.004: the 0.7 target is met, by two standard errors), x^rec 0.560 → 0.581,
#   `identity_kept_under_pose` 0.86 → 0.87. The pose paid for it: the z_1 yaw
#   direction's held-out R² by E_1 0.87 → 0.86 (target 0.8, still met) but by the pose
#   reader 0.70 → 0.59; the ∓40° turn read by E_1 −38° / +37° → −36° / +36°, by the
#   reader −16° / +14° → −9° / +16°; G^I draws 0.38° of yaw per degree in x^rec (was
#   0.46°); pitch 0.86 → 0.84; the smile direction 0.42 → 0.05; diversity f_1 1.14 →
#   1.08, f_2 1.02 → 1.01. A stronger φ_id (Eq. 11 read by a sharper E_id) pulls G^I
#   toward the person and away from the pose f_1 asks for — the same tug of war as in
#   the λ sweeps below. Notebook 07 §9 has what it did to the evaluations.
#
# * **An E_id that sees shape (4800 steps).** Notebook 07 found generated hard
#   pairs — a person and their shape twin, same colours — verified at chance: the
#   generator kept a person's colours, not their face. E_id was the cause. Trained on
#   SynthFaces' renders alone it told people apart by colour (61 % on hard test pairs),
#   so f_id gave G^I little shape to draw and φ_id (Eq. 11, read by E_id) never asked
#   for it. Notebook 01 now trains E_id on its people's template views too
#   (`eid_template_views`; hard pairs 76 %), and E_2, the stage-1 GANs, stage 2 and this
#   model were retrained on it, nothing else changed. Against the model shipped before
#   it (this notebook's printouts then → now): x^r–x^s **0.307 → 0.468** (0.44 → 0.68 of
#   a real pair; target 0.7, not met by 0.02), x^rec 0.496 → 0.560,
#   `identity_kept_under_pose` 0.70 → 0.86; the z_1 yaw direction's held-out R² by E_1
#   0.89 → 0.87 (target 0.8, met), by the pose reader 0.72 → 0.70, pitch 0.84 → 0.86;
#   the ∓40° turn read by E_1 −39° / +37° → −38° / +37°, by the reader −27° / +20° →
#   −16° / +14°; the smile direction 0.24 → 0.42; diversity f_1 1.11 → 1.14, f_2 1.01 →
#   1.02. With the shape-aware E_id, twice the identity weights (λ₁ = λ₂ = 8·10⁻³, one
#   run of this notebook) did not move x^r–x^s (0.469) and cost x^rec (0.536); the
#   preset keeps 4·10⁻³. The bullets below describe the models before this change.
#
# * **A linear path in G^f.** G^f(z) = MLP(z) + A z + b
#   (`fgan_linear_skip`, notebook 02 §3). The yaw direction had fallen short because
#   G^f_1 made yaw a *non-linear* function of z_1: a linear fit of G^f_1's own yaw entry on
#   z_1 reached R² 0.82 after stage 1 and 0.78 after the joint training, while G^I drew
#   f_1's yaw faithfully (E_1's reading of x^s on f_1's yaw entry: R² 0.94). With the
#   linear path those two fits are 0.91 and 0.94, and against the model shipped before it:
#   the z_1 yaw direction's held-out R² by E_1 0.74 → **0.89** (target 0.8, met), by the
#   pose reader 0.59 → 0.72, pitch 0.75 → 0.84; the ∓40° turn read by E_1 −37° / +32° →
#   −39° / +37°; x^r–x^s 0.317 → 0.307 (0.44 of a real pair), x^rec 0.486 → 0.496,
#   `identity_kept_under_pose` 0.71 → 0.70; the smile direction 0.31 → 0.24.
#
# * **Stage 1 with its training aids.** The shipped model now starts
#   from notebook 02's whitened, two-rate, weight-averaged G^f (Fréchet distances 1.2
#   and 2.3 times their floors, where they were 7.7 and 17) and a stage 2 trained on
#   them; everything else is as before. Against the model shipped before it (this
#   notebook's printouts then → now): x^r–x^s 0.319 → 0.317 (0.46 of a real pair either
#   way), x^rec 0.506 → 0.486, `identity_kept_under_pose` 0.71 → 0.71, generated
#   diversity f_1 1.10 → 1.02; the z_1 yaw direction's held-out R² by E_1 0.80 → 0.74
#   (below the 0.8 target, which it had just met) and by the pose reader 0.62 → 0.59,
#   while the ∓40° turn became even for the reader (−27° / +11° → −23° / +23°; E_1: −37°
#   / +37° → −37° / +32°) and G^I draws more of f_1's yaw (0.43° → 0.50° per degree;
#   from f_2 0.11° → 0.10°; x^rec 0.56° → 0.61°); the smile direction explains 0.31 of
#   E_1's reading (was 0.19). Closer feature samples did not bring x^s closer to the
#   person. The bullets below describe the model before this change unless they say
#   otherwise.
#
# * **G^I ignores f_1 unless told to draw it.** With the paper's losses alone (`j_lam_3d: 0`)
#   a first run of this notebook gave a yaw direction with held-out R² −0.10, and writing yaw
#   −40° or +40° into f_1 left the face unchanged (the judge's cosine between the two
#   renderings 0.99): E_2 sees the whole image, so f_2 already carries the pose, and G^I
#   reconstructs x^r without looking at f_1. The φ_3d deviation makes G^I draw f^s_1's pose.
#   Measured over 300 steps at batch 16 and lr 10⁻³ on the development machine (judge cosine
#   x^r–x^s / yaw R² of the z_1 direction from 1000 samples / mean yaw E_1 reads off
#   renderings with f_1 set to −40° and +40°):
#
#   | λ₁ = λ₂ | λ_3d, entries | x^r–x^s | yaw R² | yaw read at ∓40° |
#   | --- | --- | --- | --- | --- |
#   | 10⁻³ | off | 0.51 | −0.10 | (no change) |
#   | 10⁻³ | 0.005, all 30 | 0.50 | 0.08 | 4°, 11° |
#   | 10⁻³ | 0.05, all 30 | 0.46 | 0.43 | −4°, 13° |
#   | 10⁻³ | 0.2, all 30 | 0.32 | 0.39 | −6°, 10° |
#   | 10⁻³ | 0.5, pose | 0.34 | 0.71 | −22°, 22° |
#   | 2·10⁻³ | 0.2, pose (the default φ_3d) | 0.45 | 0.57 | −11°, 14° |
#   | 3·10⁻³ | 0.5, pose | 0.44 | 0.59 | −15°, 15° |
#
#   (Measured when SynthFaces had 27 expression blendshapes and f_1 30 entries.) Checking
#   all 30 entries spent the term on the 27 expression weights, which E_1 read poorly
#   (held-out R² 0.13, later 0.26; notebook 01 §7); the pose entries alone moved the
#   pose much further. In 300 steps identity and pose pulled against each other: no setting
#   tried reached both `yaw_control_r2` ≥ 0.8 and the identity target.
# * **Yaw control is a matter of steps; identity levels off.** With λ₁ = λ₂ = 2·10⁻³ (judge
#   cosine x^r–x^s / yaw R²): 300 steps at batch 16 (173 s): 0.45 / 0.57, as above; 600 at
#   batch 8 (212 s): 0.47 / 0.74; 900 at batch 16 (517 s, an earlier measurement with
#   earlier upstream models): 0.54 / 0.86; 1500 at batch 16 (910 s): 0.53 / 0.89; 3000 at
#   batch 16 (1904 s on a busy host): 0.54 / 0.91; 5000 at batch 16 (3344 s, busy host):
#   0.52 / 0.90. Yaw control meets its target from about 900 steps on; the identity cosine
#   stopped near 0.54 (0.70 of a real pair) after about 1500 steps, and 2000 more did not
#   raise it: the renderer, not the step count, was the limit — the same 3000 steps from
#   the 6000-step E_2 + G^I reach 0.62 (the last bullets). For
#   a quick run of your own, `j_steps: 600, j_batch: 8` trains in about 2.5 to 3.5 minutes.
# * **Stronger identity terms: a clear gain early, little at the end.** At 600 steps of
#   batch 8 (about 140 s each, with the shipped upstream models; the standard error of each
#   x^r–x^s mean over the 1000 test images is 0.003):
#
#   | λ₁ | λ₂ | x^r–x^s | yaw R² | diversity of f_1 |
#   | --- | --- | --- | --- | --- |
#   | 2·10⁻³ | 2·10⁻³ | 0.477 | 0.80 | 1.44 |
#   | 2·10⁻³ | 4·10⁻³ | 0.488 | 0.66 | 1.17 |
#   | 2·10⁻³ | 8·10⁻³ | 0.506 | 0.69 | 1.23 |
#   | **4·10⁻³** | **4·10⁻³** | 0.506 | 0.78 | 1.30 |
#   | 8·10⁻³ | 8·10⁻³ | 0.513 | 0.76 | 1.38 |
#
#   Doubling both λs bought 0.03 of cosine (ten standard errors) at no cost in yaw control,
#   so 4·10⁻³ became the default; raising λ₂ alone cost yaw control. At the default 3000
#   steps of batch 16 the gain nearly vanishes (x^r–x^s / yaw R² / diversity of f_1):
#   2·10⁻³: 0.541 / 0.91 / 1.31 (the upstream models' fp32 originals); **4·10⁻³: 0.544 /
#   0.89 / 1.07 (1231 s, the default, shipped then)**; 8·10⁻³: 0.542 / 0.88 / 1.26. One more idea
#   did not help: showing E_id each image shifted by up to 2 pixels in φ_id, to deny G^I
#   the fixed textures E_id reads as identity (next bullet but one), gave 0.463 / 0.63 at
#   600 steps, below the unshifted 0.477 / 0.80.
# * **The identity terms do the work.** Notebook 03's G^I (no φ_id) scored about 0.18 between
#   x^r and x^s and 0.35 between x^r and x^rec. On the development machine, 300 joint steps
#   at batch 16 from the same start, without φ_3d, gave (judge cosine x^r–x^s / x^r–x^rec):
#   λ₁ = λ₂ = 0: 0.18 / 0.35 — the joint training alone changes nothing; 5·10⁻⁴ at lr 2·10⁻⁴:
#   0.40 / 0.50; 2·10⁻³ at lr 2·10⁻⁴: 0.42 / 0.51; 10⁻³ at lr 5·10⁻⁴: 0.47 / 0.54; 10⁻³ at lr
#   10⁻³ (the default lr): 0.51 / 0.57; at lr 2·10⁻³: 0.53 / 0.58, but the generated f_1 then
#   spreads twice as wide as the real ones (diversity 1.9), so the default stays at 10⁻³
#   (where the generated f_1 still spreads wider than the real ones, section 6).
# * **E_id is easier to please than the judge.** Over training φ_id(x^s) falls from about
#   90 to about 16 (section 4's curves): by E_id's own measure, 512 (1 − cos), its cosine
#   between the low-passed x^r and x^s (next bullet) climbs from about 0.83 to about 0.97 —
#   while the independent judge's cosine between x^r and x^s ends at 0.32. G^I learns what
#   *this* E_id looks for, part of which is not identity (the stripes in the grids above are
#   part of it). That is exactly why the paper scores identity with a recognizer that never
#   takes part in training, and why this project's judge is one. A sharper judge sees more
#   of it: stage 2's G^I, which never met φ_id, scores 0.67 between x^r and x^rec (notebook
#   03), this model's x^rec 0.51. (By the judge before its template views: 0.76 and 0.65,
#   and 0.60 with the paper's φ_id.)
# * **Identity on low-passed images (`j_id_lowpass`, a deviation).** The stripes are E_id's
#   doing: its gradient on a rendering favours fine patterns that move E_id's reading and no
#   other recognizer's. With `j_id_lowpass: f`, φ_id compares E_id's readings of x^r and of
#   the rendering both average-pooled by f and resized back (`faceset.lowpass`), so only the
#   coarser structure of the face can satisfy it. The identity survives that blur: E_id reads
#   a test photo pooled by 2 at cosine 0.95 to its sharp reading (pooled by 3: 0.91; the
#   judge: 0.99 and 0.97). 3000 steps at batch 16 from the shipped start (the judge's cosine
#   x^r–x^s and its share of a real pair's 0.760 / x^r–x^rec / R² of the z_1 yaw direction by
#   E_1 and by the pose reader / the reader's yaw at f_1 ∓40° / held-out L1 of x^rec):
#
#   | φ_id | λ_3d | x^r–x^s | x^rec | yaw R², E_1 / reader | reader at ∓40° | L1 |
#   | --- | --- | --- | --- | --- | --- | --- |
#   | the paper's (shipped before) | 0.2 | 0.443 (0.58) | 0.603 | 0.78 / 0.58 | −16°, 17° | 0.136 |
#   | the paper's | 0.5 | 0.408 (0.54) | 0.559 | 0.78 / 0.56 | −21°, 23° | 0.150 |
#   | **low-pass by 2 (the default)** | 0.2 | 0.461 (0.61) | 0.648 | 0.80 / 0.62 | −27°, 11° | 0.130 |
#   | low-pass by 3 | 0.2 | 0.429 (0.56) | 0.645 | 0.80 / 0.68 | −28°, 23° | 0.128 |
#
#   Pooling by 2 raised every identity figure (x^s by six standard errors, x^rec by 0.045)
#   and brought the yaw control to the target's edge; pooling by 3 leaves E_id too little to
#   hold x^s's identity, though the face turns further. A stronger pose term (λ_3d 0.5) also
#   turned the face further, at a cost in identity. None reaches the 0.7 target: x^rec, the
#   ceiling for x^s, is itself 0.85 of a real pair. (Each row took 28–32 minutes here; all
#   rows are scored by the judge before its template views. The present judge scores the
#   default 0.319, 0.46 of its real pair's 0.691, and x^rec 0.506.)
# * **The face turns less than E_1 says.** With yaw ∓40° written into f_1, E_1 reads −37°
#   and +37° off the renderings, but the pose reader, which no loss ever used, reads −27° and
#   +11°, and the two images differ by 0.105 per pixel where two real photos of one person
#   differ by 0.38 (section 7): in Fig. 4a the face and hair shift sideways more than the
#   head visibly turns, more so to one side. Likewise the z_1 yaw direction explains 0.80 of
#   E_1's yaw but 0.62 of the reader's, though both read real faces about equally
#   well (held-out R² 0.95 for the reader's yaw, 0.95 for E_1's pose in notebook 01). The φ_3d
#   deviation teaches G^I what *this* E_1 reads as pose, as φ_id teaches it what E_id reads
#   as identity (previous bullet), and `yaw_control_r2` is measured with the same E_1, so it
#   shares the blind spot. The high `identity_kept_under_pose` (0.71, about two real photos'
#   0.69) is largely the same fact: an image that changes little keeps its identity. (With
#   the 600-step E_2: reader −14° / +19°, R² 0.62, pixel change 0.075; with the 6000-step
#   one: −19° / +20°, E_1's R² 0.87, the reader's 0.67; from the 12000-step one with the
#   paper's φ_id: −16° / +17°, 0.78 and 0.58.)
# * **G^I draws the pose from f_1 — half of it.** Section 7's last cell asks where the pose
#   comes from. f_2 does carry it (a linear read of the joint E_2's f_2 recovers the true
#   yaw with held-out R² 0.75), yet the joint G^I uses it little: given f_1 of one image and
#   f_2 of another of the same person, it draws 0.43° of yaw per degree of the f_1 image's
#   true yaw and 0.11° per degree of the f_2 image's. Notebook 01's G^I does the opposite
#   (0.12° from f_1, 0.44° from f_2) — the joint training with φ_3d moved the pose into f_1,
#   as intended. The shortfall is in the drawing: x^rec itself shows 0.56° per degree where
#   the reader sees 0.90° on the real photos, so G^I renders about half of any pose it is
#   given, real or asked for (the ∓40° turn: the reader sees 48 % of it). From the 6000-step
#   E_2 + G^I these were 0.47° / 0.09° and 0.58° for x^rec, 49 % of the turn; from the
#   600-step one, 0.45° for x^rec and 41 % of the turn. Notebook 01's 12000-step G^I draws
#   more of the pose from f_2 (0.44° per degree, the 6000-step one 0.37°), and the joint
#   G^I that starts from it takes less from f_1: with the paper's φ_id the yaw direction in
#   z_1 explained 0.78 of E_1's yaw (0.39° per degree from f_1), with the low-passed φ_id 0.80
#   (0.43°), where the 6000-step start reached 0.87. More steps and the paper's widths, not a
#   cleaner f_2, are what would fix it — the next bullet tried the latter.
# * **Keeping the pose out of f_2: tried, not adopted.** A penalty in E_2's loss on the
#   squared cross-covariance between f^r_2 and E_1's pose entries, as a share of f_2's
#   variance (estimated without its small-batch bias: the unbiased HSIC of Song et al. 2012
#   with linear kernels), at weight λ (x^r–x^s over a real pair / z_1 yaw direction's R² by
#   E_1 and by the pose reader / the reader's yaw at f_1 ∓40° / pixel change of that turn):
#
#   | steps × batch | λ | x^r–x^s | yaw R², E_1 / reader | reader at ∓40° | pixels |
#   | --- | --- | --- | --- | --- | --- |
#   | 600 × 8 | 0 | 0.650 | 0.77 / 0.45 | −9°, 14° | 0.064 |
#   | 600 × 8 | 1 | 0.686 | 0.81 / 0.58 | −13°, 20° | 0.090 |
#   | 600 × 8 | 10 | 0.651 | 0.80 / 0.45 | −12°, 16° | 0.085 |
#   | 3000 × 16 | 0 (shipped then) | 0.701 | 0.89 / 0.62 | −14°, 19° | 0.075 |
#   | 3000 × 16 | 1 | 0.707 | 0.91 / 0.59 | −11°, 18° | 0.078 |
#
#   The gain at 600 steps was gone by 3000. The penalty did what it asked for — the share of
#   f_2's variance the pose explains fell from 0.031 to 0.003 on the test images — and yet the
#   yaw stayed readable from f_2 (R² 0.52, against 0.69 without it): the pose moved into
#   directions of f_2 too faint to count in a share of variance, which G^I's first layer can
#   amplify at will. The previous bullet says why it could not have helped much anyway: G^I
#   already takes the pose from f_1. So the paper's losses stay, and section 7 measures both
#   the leak and where the pose is drawn from.
# * **The start matters more than the length.** The project's target is `judge_similarity_s`
#   ≥ 0.7 of the real same-person cosine. From the 600-step E_2 + G^I, every setting above
#   landed within noise of 0.70 (0.701 for the model shipped then). From the 6000-step one,
#   the same 3000 joint steps reached 0.79 (± 0.003), and x^rec, x^s's ceiling, 0.93 of a
#   real pair (was 0.78) — all scored by the judge of that time (1200 steps, no blurred
#   images). The present judge (4800 steps, trained on blurred and noisy copies too,
#   notebook 01) is stricter: from the 12000-step start, x^s kept 0.58 of a real pair and
#   x^rec 0.79 with the paper's φ_id (the 1200-step judge gave that model 0.78 and 0.92), and
#   keep 0.61 and 0.85 with the low-passed one. The present judge, which also trained on
#   template views and tells shape twins apart better (hard pairs 0.84 against 0.80), is
#   stricter again: 0.46 and 0.73 (section 9). It says the renderings lose the shape of the
#   face more than its colours, as notebook 07's hard pairs do. x^s can only keep as much
#   identity as the renderer can draw. The renderings are still blurry and, at lr 10⁻³,
#   striped: the identity terms' gradient through the frozen E_id favours high-frequency
#   patterns (the low-passed φ_id, above, only partly denies them), and with k_t at 0 D^I
#   does not push back. The full-scale run
#   (`full_gpu.yaml`: 200k steps, the paper's widths) is where the paper's 0.693 similarity
#   is to be checked.
# * **k_t never leaves 0.** As in notebook 03, the fakes are easier to auto-encode than real
#   faces, but not by as much as γ = 0.5 asks: L_fake falls from 0.87 to 0.78 of L(x^r) over
#   the 3000 steps (the shipped model's history, means over 100 steps; 0.91 to 0.76 before
#   notebook 01's φ_perc, 0.88 to 0.75 before the joint one), always above γ L(x^r), so
#   every update
#   lowers k_t and the clip holds it at exactly 0. D^I then only learns to auto-encode real
#   faces and never pushes the fakes away; its verdicts (φ^I(x^rec), φ^I(x^s)) only reward
#   images it auto-encodes well, which blur is. The feature discriminators and the identity
#   terms carry training. Switching D^I's push on was measured (the two γ rows of the table in
#   the bullet "Why the face barely turns"; `s2_gamma`, which stage 2 and this model share, at 1 instead of 0.5,
#   stage 2 and this model retrained by this notebook under papermill, one thread each, two
#   at a time, about 2100 s of joint training each): k_t then rises, to 0.054 at the end with BEGAN's
#   λ_k = 10⁻³ (at most 0.071) and to 0.016 (after 0.18 at step 552) with `s2_lambda_k` 10⁻², and L_fake
#   climbs to about L(x^r). Nothing a reader sees changed: x^rec's L1 0.157–0.160, the pose
#   reader's ∓40° turn −9° to −12° and +10° to +11°, identity within ±0.015 of a real
#   pair's share (the 0.696 row loses the target), and the Fig. 4a grid as flat as before.
#   A likely reason, not measured: at λ_adv = 0.1 D^I's verdict on x^rec is a small part of
#   G^I's loss (a larger λ_adv with γ 1 is untried). The preset keeps γ = 0.5.
# * **Directions are linear fits of a non-linear generator.** A single z_1 direction
#   explains the yaw E_1 reads off x^s well only if G^f_1 maps z_1 to pose roughly linearly;
#   the held-out R² above measures how far that holds. Writing the pose into f_1 directly
#   (the last grid row, frontalization) does not depend on it.
