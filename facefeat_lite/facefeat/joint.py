"""The two-level competition: FaceFeat-GAN trained as one model (§3.2, Eqs. 1–4, 8–11).

Notebook: ``04_two_level_losses``. E_id and E_1 are frozen; seven networks learn together::

    E_2              Eq. 8   ‖x^r − x^rec‖₁                     (it only learns to reconstruct)
    G^f_1, G^f_2     Eq. 1   φ^f_i(f^s_i) + λ^f φ^I(x^s)        (fool D^f_i and, through x^s, D^I)
    D^f_1, D^f_2     Eq. 2   −log D(f^r_i) − log(1 − D(f^s_i))  (+ R1, notebook 02's deviation)
    G^I              Eq. 3   λ_adv φ^I(x^rec) + ‖x^r − x^rec‖₁ + λ_1 φ_id(x^rec) + λ_2 φ_id(x^s)
    D^I              Eq. 4   L(x^r) − k_t (λ_3 L(x^s) + λ_4 L(x^rec))   (BEGAN's k_t)

with x^rec = G^I(f_id, f^r_1, E_2(x^r)), x^s = G^I(f_id, G^f_1(z_1), G^f_2(z_2)) and φ_id
from Eq. 11. Three deviations, each off at its paper value:

* λ_3d > 0 (paper: 0): a pose/expression consistency term λ_3d ‖f^s_1 − E_1(x^s)‖² in G^I's
  loss (:func:`phi_3d` says why);
* ``id_lowpass`` > 1 (paper: 1): φ_id compares identity on low-passed images,
  ‖E_id(L(x^r)) − E_id(L(x))‖² with L = average-pool by ``id_lowpass`` and resize back
  (``faceset.lowpass``). E_id's gradient on x favours fine, high-frequency patterns (the
  stripes notebook 04 shows) that please E_id without being identity to any other
  recognizer; through L, G^I can only satisfy E_id with the coarser structure of the face.
  Notebook 04 §10 measures it (the independent judge's x^r–x^s cosine 0.443 → 0.461 at
  factor 2, and x^rec 0.603 → 0.648, by the judge before its template views).
* λ_perc > 0 (paper: 0): a perceptual reconstruction λ_perc φ_perc(x^rec) in G^I's loss,
  x^rec against x^r in the frozen E_id's early feature maps
  (:func:`~.perceptual.phi_perc`, which notebook 01's E_2 + G^I also learn with). Like φ_3d it
  stays on in every Table-4 variant, so that each ablation flag removes exactly its own term.

**Each player's gradient comes from its own equation only**: one forward pass renders x^rec
and x^s, then every loss is back-propagated into its own player's parameters
(``backward(inputs=...)``). So G^I gets nothing from φ^I(x^s) — G^I fights D^I only through
x^rec; the verdict of D^I on x^s trains the *feature* generators (the paper's split: stage 1
answers for which features are plausible, stage 2 for rendering any features well) — and
G^f gets nothing from φ_id(x^s), E_2 nothing from φ^I or φ_id.

Update order per step: (1) render; (2) D^f_1, D^f_2, D^I step on detached fakes;
(3) with the discriminators fixed, G^I, E_2 and G^f_1, G^f_2 step on the updated
discriminators' verdicts; (4) k_t. One Adam per player, all at the same learning rate.

λ defaults make the terms comparable at the start of training (``term_scales`` measures them;
notebook 04 prints the table): at G^I's norm 16, φ_id = ‖f_id − E_id(x)‖² = 512 (1 − cos),
a hundred or two for the stage-2 renderings, against φ_rec ≈ 0.19 and energies ≈ 0.1–0.2
(λ^f = 0.5: D^I's verdict on x^s at about a tenth of the feature discriminators' ≈ 0.7–0.9).
λ_1 = λ_2 = 2·10⁻³ would bring the identity terms to ≈ 0.2–0.3; the default is twice that,
4·10⁻³, measured on held-out people in notebook 04 §10 (more identity at the same yaw control in
600-step runs; little difference by 3000 steps). It has a cost: λ_2 φ_id(x^s) takes away the
open jaw notebook 01's G^I draws from f_1 (per unit written, E_1 reads 0.008 after 450 steps,
0.126 with λ_2 = 0, whose x^s then lose the person; notebook 04 §10). The CPU preset's φ_3d
asks for the jaw back (``entries_3d``, :func:`phi_3d`).

Ablations (the paper's Table 4) are flags, not copies: ``use_id`` (λ_1 = λ_2 = 0), ``use_f``
(feature discriminators off: no D^f update, no φ^f in Eq. 1), ``use_img`` (image
discriminator off: no D^I update, no φ^I in Eqs. 1 and 3), ``use_rec`` (no φ_rec in Eq. 3;
Eq. 8 then has nothing to teach E_2, which stays as notebook 01 left it).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass

import torch
import torch.nn as nn

from ..data.faceset import FaceSet, to_model
from ..data.fields import EXPRESSION_NAMES
from ..data.synthfaces import F3D_DIM
from ..train.runtime import shard
from .adversarial import set_requires_grad, train_adversarial
from .extractors import IdentityExtractor, PoseExpressionExtractor
from .feature_gan import eq2_feature_discriminator_loss, real_logits_r1, sample_noise
from .feature_gan import phi_f as phi_f_of
from .image_gan import (convergence_measure, energy, eq3_image_generator_loss,
                        eq4_image_discriminator_loss, eq11_identity_loss, identity_target,
                        update_k)
from .perceptual import phi_perc
from .training import Trained, TrainConfig

__all__ = ["JointConfig", "ABLATIONS", "PLAYERS", "eq8_e2_loss", "phi_3d", "phi_perc", "render_pair", "backward_each",
           "discriminator_losses", "generator_losses", "joint_step", "gradient_routes", "term_scales", "train_joint"]

# Table 4's variants: name -> the flag switched off
ABLATIONS = {"full": None, "no_id": "use_id", "no_f": "use_f", "no_img": "use_img", "no_rec": "use_rec"}
# the optimiser groups: player -> the models it updates
PLAYERS = {"e_2": ["e_2"], "g_f": ["g_f1", "g_f2"], "d_f": ["d_f1", "d_f2"], "g_img": ["g_img"],
           "d_img": ["d_img"]}


@dataclass
class JointConfig(TrainConfig):
    """The joint training (CPU preset). The paper: Adam 8e-5 → 5e-5 at 100k of 200k, batch 96."""

    lam_f: float = 0.5              # λ^f (both feature generators): weight of φ^I(x^s) in Eq. 1
    lam_adv: float = 0.1            # weight of φ^I(x^rec) in Eq. 3 (paper: 1; CPU: stage 2's 0.1)
    lam_rec: float = 1.0            # weight of φ_rec in Eq. 3 (the paper's 1)
    lam1: float = 4e-3              # λ_1 · φ_id(x^rec) (Eq. 3): ≈ 3 φ_rec at the start (see term_scales)
    lam2: float = 4e-3              # λ_2 · φ_id(x^s) (Eq. 3)
    id_lowpass: int = 2             # φ_id on images pooled by this factor and resized back, x^r's too
                                    # (1 = the paper; a deviation, see the module docstring)
    lam_3d: float = 0.2             # λ_3d · φ_3d(x^s), a deviation (see phi_3d); 0 = the paper
    entries_3d: str = "pose"        # the f_1 entries φ_3d checks: "pose" (the last 3: yaw, pitch, roll),
                                    # "pose+" expression names (e.g. "pose+jaw_open") or "all"
    lam_perc: float = 0.3           # λ_perc · φ_perc(x^rec), a deviation (see phi_perc); 0 = the paper
    perc_net: str = "e_id"          # whose frozen early features φ_perc compares: "e_id" or "e_1"
    lam3: float = 0.5               # λ_3 · L(x^s) (Eq. 4)
    lam4: float = 0.5               # λ_4 · L(x^rec) (Eq. 4)
    gamma: float = 0.5              # BEGAN's γ
    lambda_k: float = 1e-3          # BEGAN's k_t learning rate
    r1_gamma: float = 10.0          # R1 on D^f (notebook 02's deviation; 0 = the paper)
    use_id: bool = True             # ablation switches (Table 4)
    use_f: bool = True
    use_img: bool = True
    use_rec: bool = True
    steps: int = 600                # CPU preset: 600 steps at batch 8 beat 300 at 16 for about the same
    batch: int = 8                  # time (notebook 04, section 10)
    lr: float = 1e-3                # CPU preset, measured (notebook 04, section 10)
    g_img_lr_mult: float = 1.0      # G^I's learning rate is lr × this (1 = the paper: one lr for every player)
    beta1: float = 0.5
    augment: bool = False           # features belong to the exact images

    def __post_init__(self) -> None:
        _entries_3d(self.entries_3d, F3D_DIM)   # a misspelt name fails here, not at step 1

    def weights(self) -> dict[str, float]:
        """The effective λs after the ablation switches."""
        img = 1.0 if self.use_img else 0.0
        return {"lam_f": self.lam_f * img, "lam_adv": self.lam_adv * img,
                "lam_rec": self.lam_rec if self.use_rec else 0.0,
                "lam1": self.lam1 if self.use_id else 0.0, "lam2": self.lam2 if self.use_id else 0.0,
                "lam_3d": self.lam_3d, "lam_perc": self.lam_perc, "phi_f": 1.0 if self.use_f else 0.0}


def eq8_e2_loss(x_r: torch.Tensor, x_rec: torch.Tensor) -> torch.Tensor:
    """Eq. 8: L_E2 = ‖x^r − G^I(f_id, f^r_1, E_2(x^r))‖₁ (pixel mean) — φ_rec seen from E_2."""
    return (x_r - x_rec).abs().mean()


def phi_3d(f_1: torch.Tensor, e_1: PoseExpressionExtractor, x: torch.Tensor,
           weights: torch.Tensor | None = None) -> torch.Tensor:
    """Pose/expression consistency, φ_3d(x) = Σ_j w_j (f_1 − E_1(x))_j² (standardized f_1, batch
    mean; w = 1 unless ``weights`` are given).

    **Not in the paper** (a deviation, off when λ_3d = 0): Eq. 11's idea applied to E_1. Without
    it nothing makes G^I *use* f_1 — E_2 sees the whole image, so f^r_2 already carries the
    pose and G^I can reconstruct x^r while ignoring f_1; then neither z_1 nor a pose written
    into f_1 moves the face (measured in notebook 04, section 10). With it, G^I must draw
    f^s_1's pose (and expression) in x^s. ``JointConfig.entries_3d = "pose"`` (the default)
    weights only the yaw, pitch and roll entries. It was chosen when SynthFaces had 27
    expression blendshapes that E_1 read poorly (held-out R² 0.13): asking G^I to match what
    E_1 could not read spent the term on noise, and with all 30 entries pose followed f_1 far
    less (notebook 04, section 10). On today's nine E_1 reads expression at about 0.8
    (notebook 01), and ``"all"`` was measured again (notebook 04, section 10): the smile
    direction's R² rose 0.12 → 0.65, but identity fell to 0.54 of a real pair (target
    0.7) and no smile became visible — G^I drew textures E_1 reads, not a face.
    ``"pose+jaw_open"`` is the CPU preset (``j_3d_entries``; this default stays ``"pose"``,
    which needs no f_1 layout): the pose and the one expression entry that notebook 01's G^I
    already draws as a mouth one can see (0.22 of a jaw written into f_1 per unit, notebook 04
    §7), which λ_2 φ_id(x^s) otherwise takes away. Asked for it, G^I keeps drawing the open
    mouth: in 450-step probes E_1 read 0.83 of the jaw written per unit (0.008 without) and
    184 pixels changed by more than 0.1 between jaw 0 and 1 (33 without; SynthFaces' renderer
    208), for 0.011 of judge cosine between x^r and x^s; the shipped 3000-step model draws
    0.85 per unit and keeps 0.750 of a real pair's likeness (notebook 04 §7, §10).
    E_1 must be frozen; the gradient flows into ``x``.
    """
    if e_1.training:
        raise ValueError("E_1 is frozen in φ_3d: call freeze(e_1) first")
    sq = (f_1 - e_1(x)).pow(2)
    return (sq if weights is None else sq * weights.to(sq)).sum(1).mean()


def _entries_3d(which: str, dim: int) -> torch.Tensor | None:
    """φ_3d's weights over f_1 = standardized [expression weights, yaw, pitch, roll]: ``"all"``,
    ``"pose"`` (the last three) or ``"pose+"`` and expression names, e.g. ``"pose+jaw_open"``."""
    if which == "all":
        return None
    head, plus, extra = which.partition("+")
    names = extra.split(",") if plus else []
    layout_ok = not names or dim == F3D_DIM                               # names need SynthFaces' f_1
    if head != "pose" or any(n not in EXPRESSION_NAMES for n in names) or not layout_ok:
        raise ValueError(f"entries_3d must be 'all', 'pose' or 'pose+' expression names from "
                         f"{list(EXPRESSION_NAMES)} (f_1 of {F3D_DIM} entries), "
                         f"got {which!r} for f_1 of {dim}")
    w = (torch.arange(dim) >= dim - 3).float()
    for n in names:
        w[EXPRESSION_NAMES.index(n)] = 1.0
    return w


def render_pair(m: dict[str, nn.Module], x_r: torch.Tensor, f_id: torch.Tensor, f_1: torch.Tensor,
                z_1: torch.Tensor, z_2: torch.Tensor) -> dict[str, torch.Tensor]:
    """One forward pass of the whole model, everything with gradients.

    f^r_2 = E_2(x^r) (B × 256), f^s_i = G^f_i(z_i), x^rec = G^I(f_id, f^r_1, f^r_2) and
    x^s = G^I(f_id, f^s_1, f^s_2) (B × 3 × S × S). ``f_id``, ``f_1`` come from the frozen
    E_id, E_1 (precomputed).
    """
    f_2 = m["e_2"](x_r)
    f1_s, f2_s = m["g_f1"](z_1), m["g_f2"](z_2)
    return {"f_2": f_2, "f1_s": f1_s, "f2_s": f2_s, "x_rec": m["g_img"](f_id, f_1, f_2),
            "x_s": m["g_img"](f_id, f1_s, f2_s)}


def discriminator_losses(m: dict[str, nn.Module], r: dict[str, torch.Tensor], x_r: torch.Tensor,
                         f_1: torch.Tensor, k: float, cfg: JointConfig) -> dict[str, torch.Tensor]:
    """Eq. 2 (+ R1) for D^f_1 + D^f_2 and Eq. 4 for D^I, on detached fakes; energies for k_t."""
    out: dict[str, torch.Tensor] = {}
    if cfg.use_f:
        loss = x_r.new_zeros(())
        for i, real in (("1", f_1), ("2", r["f_2"])):
            d = m[f"d_f{i}"]
            logits_r, r1 = real_logits_r1(d, real, cfg.r1_gamma)      # R1 as notebook 02 takes it
            loss = loss + eq2_feature_discriminator_loss(logits_r, d(r[f"f{i}_s"].detach()))
            if r1 is not None:
                loss = loss + r1
        out["d_f"] = loss
    e_real, e_s, e_rec = (energy(m["d_img"], x) for x in (x_r, r["x_s"].detach(), r["x_rec"].detach()))
    if cfg.use_img:
        out["d_img"] = eq4_image_discriminator_loss(e_real, e_s, e_rec, k, cfg.lam3, cfg.lam4)
    out.update(energy_real=e_real.detach().mean(), energy_s=e_s.detach().mean(), energy_rec=e_rec.detach().mean())
    return out


def generator_losses(m: dict[str, nn.Module], e_id: IdentityExtractor, r: dict[str, torch.Tensor],
                     x_r: torch.Tensor, f_id: torch.Tensor, cfg: JointConfig,
                     e_1: PoseExpressionExtractor | None = None) -> dict[str, torch.Tensor]:
    """The generators' losses (players ``g_img``, ``e_2``, ``g_f``; a switched-off one is absent)
    and every term on its own (``phi_*``, detached, for the logs). The discriminators must be
    fixed by the caller.

    ``g_f`` is φ^f_1(f^s_1) + φ^f_2(f^s_2) + λ^f φ^I(x^s): G^f_1's parameters reach only the
    first and last terms, so this sum's gradient with respect to them *is* G^f_1's Eq. 1
    (likewise G^f_2's) — one backward pass for both, with the shared image term counted once.
    """
    w = cfg.weights()
    x_rec, x_s = r["x_rec"], r["x_s"]
    f_id = identity_target(f_id, e_id, x_r, cfg.id_lowpass)                 # the deviation: low-passed x^r's
    id_rec = eq11_identity_loss(f_id, e_id, x_rec, cfg.id_lowpass)          # Eq. 11 on x^rec
    id_s = eq11_identity_loss(f_id, e_id, x_s, cfg.id_lowpass)              # … and on x^s
    e_rec = energy(m["d_img"], x_rec)                                       # φ^I(x^rec), per image
    e_s = energy(m["d_img"], x_s).mean()                                    # φ^I(x^s)
    phi_f = [phi_f_of(m[f"d_f{i}"](r[f"f{i}_s"])) for i in ("1", "2")]      # Eq. 9 on f^s_1, f^s_2
    out = {"g_img": eq3_image_generator_loss(e_rec, x_r, x_rec, id_rec, id_s, w["lam1"], w["lam2"],
                                             w["lam_adv"], w["lam_rec"])}
    if e_1 is not None:                                                     # the φ_3d deviation: G^I only
        p3d = phi_3d(r["f1_s"].detach(), e_1, x_s, _entries_3d(cfg.entries_3d, r["f1_s"].shape[1]))
        out["g_img"] = out["g_img"] + w["lam_3d"] * p3d
        out["phi_3d_s"] = p3d.detach()
    elif w["lam_3d"]:
        raise ValueError("lam_3d > 0 needs the frozen E_1 (pass e_1=...)")
    if cfg.perc_net not in ("e_id", "e_1"):
        raise ValueError(f"perc_net must be 'e_id' or 'e_1', got {cfg.perc_net!r}")
    if w["lam_perc"]:                                                       # the φ_perc deviation: G^I only
        net = {"e_1": e_1, "e_id": e_id}[cfg.perc_net]
        if net is None or net.training:
            raise ValueError(f"lam_perc > 0 with perc_net={cfg.perc_net!r} needs the frozen {cfg.perc_net}"
                             + (" (pass e_1=...)" if cfg.perc_net == "e_1" else ""))
        pp = phi_perc(net.backbone, x_rec, x_r)
        out["g_img"] = out["g_img"] + w["lam_perc"] * pp
        out["phi_perc_rec"] = pp.detach()
    if cfg.use_rec:
        out["e_2"] = eq8_e2_loss(x_r, x_rec)
    if cfg.use_f or w["lam_f"]:
        out["g_f"] = w["phi_f"] * (phi_f[0] + phi_f[1]) + w["lam_f"] * e_s
    out.update(phi_id_rec=id_rec.detach(), phi_id_s=id_s.detach(), phi_rec=(x_r - x_rec).detach().abs().mean(),
               phi_img_rec=e_rec.detach().mean(), phi_img_s=e_s.detach(), phi_f1=phi_f[0].detach(),
               phi_f2=phi_f[1].detach())
    return out


def _params(m: dict[str, nn.Module], player: str) -> list[torch.Tensor]:
    return [p for name in PLAYERS[player] for p in m[name].parameters()]


def backward_each(losses: dict[str, torch.Tensor], m: dict[str, nn.Module], players: list[str]) -> None:
    """Back-propagate each player's loss into that player's parameters only."""
    for i, p in enumerate(players):
        losses[p].backward(inputs=_params(m, p), retain_graph=i < len(players) - 1)


def joint_step(m: dict[str, nn.Module], e_id: IdentityExtractor, opts: dict[str, torch.optim.Optimizer],
               x_r: torch.Tensor, f_id: torch.Tensor, f_1: torch.Tensor, z_1: torch.Tensor, z_2: torch.Tensor,
               k: float, cfg: JointConfig, e_1: PoseExpressionExtractor | None = None
               ) -> tuple[dict[str, float], float]:
    """One step of the two-level competition; returns (logs, k_{t+1}). See the module docstring."""
    for o in opts.values():
        o.zero_grad(set_to_none=True)
    r = render_pair(m, x_r, f_id, f_1, z_1, z_2)
    # (2) the discriminators
    d = discriminator_losses(m, r, x_r, f_1, k, cfg)
    backward_each(d, m, [p for p in ("d_f", "d_img") if p in d])
    for p in ("d_f", "d_img"):
        if p in d:
            opts[p].step()
    # (3) the generators, against the updated and now fixed discriminators
    for name in ("d_f1", "d_f2", "d_img"):
        set_requires_grad(m[name], False)
    g = generator_losses(m, e_id, r, x_r, f_id, cfg, e_1)
    players = [p for p in ("g_img", "e_2", "g_f") if p in g]
    backward_each(g, m, players)
    for p in players:
        opts[p].step()
    for name in ("d_f1", "d_f2", "d_img"):
        set_requires_grad(m[name], True)
    # (4) BEGAN's equilibrium; L_fake = λ_3 L(x^s) + λ_4 L(x^rec)
    l_real = float(d["energy_real"])
    l_fake = cfg.lam3 * float(d["energy_s"]) + cfg.lam4 * float(d["energy_rec"])
    k_next = update_k(k, l_real, l_fake, cfg.gamma, cfg.lambda_k) if cfg.use_img else k
    logs = {name: float(v.detach()) for name, v in {**d, **g}.items()}
    logs.update(k=k_next, M=convergence_measure(l_real, l_fake, cfg.gamma), energy_fake=l_fake)
    return logs, k_next


# each generator-side term and the config that keeps it alone (all other weights 0, E_2's Eq. 8 off)
_ALONE = {"φ^f(f^s)": {"use_f": True}, "φ^I(x^s)": {"lam_f": 1.0}, "φ^I(x^rec)": {"lam_adv": 1.0},
          "φ_rec": {"use_rec": True, "lam_rec": 1.0}, "φ_id(x^rec)": {"lam1": 1.0}, "φ_id(x^s)": {"lam2": 1.0},
          "φ_3d(x^s)": {"lam_3d": 1.0}, "φ_perc(x^rec)": {"lam_perc": 1.0}}


def gradient_routes(m: dict[str, nn.Module], e_id: IdentityExtractor, x_r: torch.Tensor, f_id: torch.Tensor,
                    f_1: torch.Tensor, z_1: torch.Tensor, z_2: torch.Tensor,
                    e_1: PoseExpressionExtractor | None = None) -> dict[str, list[str]]:
    """Which generator-side players each term actually moves: every term alone (the others'
    weights 0), back-propagated as :func:`joint_step` does; a player is listed when its
    gradient is non-zero. Works on copies (frozen models welcome); the models are untouched."""
    m = {k: copy.deepcopy(v).requires_grad_(True) for k, v in m.items()}
    off = dict(lam_f=0.0, lam_adv=0.0, lam_rec=0.0, lam1=0.0, lam2=0.0, lam_3d=0.0, lam_perc=0.0, use_f=False,
               use_rec=False)
    routes = {}
    for term, on in _ALONE.items():
        if term == "φ_3d(x^s)" and e_1 is None:
            continue
        cfg = JointConfig(**{**off, **on})
        r = render_pair(m, x_r, f_id, f_1, z_1, z_2)
        losses = generator_losses(m, e_id, r, x_r, f_id, cfg, e_1)
        players = [p for p in ("g_img", "e_2", "g_f") if p in losses]
        backward_each(losses, m, players)
        routes[term] = [p for p in players if any(q.grad is not None and bool(q.grad.abs().sum() > 0)
                                                  for q in _params(m, p))]
        for mod in m.values():
            mod.zero_grad(set_to_none=True)
    return routes


@torch.no_grad()
def term_scales(m: dict[str, nn.Module], e_id: IdentityExtractor, x_r: torch.Tensor, f_id: torch.Tensor,
                f_1: torch.Tensor, z_1: torch.Tensor, z_2: torch.Tensor, cfg: JointConfig,
                e_1: PoseExpressionExtractor | None = None) -> dict[str, dict]:
    """Every loss term's value on one batch, raw and times its λ (how the λs were chosen)."""
    r = render_pair(m, x_r, f_id, f_1, z_1, z_2)
    g = generator_losses(m, e_id, r, x_r, f_id, JointConfig(**{**cfg.__dict__, "lam_f": 1.0, "lam_adv": 1.0,
                                                              "lam1": 1.0, "lam2": 1.0, "lam_rec": 1.0}), e_1)
    w = cfg.weights()
    rows = {"Eq. 1 φ^f(f^s_1)": ("phi_f1", 1.0), "Eq. 1 φ^f(f^s_2)": ("phi_f2", 1.0),
            "Eq. 1 λ^f φ^I(x^s)": ("phi_img_s", w["lam_f"]), "Eq. 3 φ^I(x^rec)": ("phi_img_rec", w["lam_adv"]),
            "Eq. 3 φ_rec": ("phi_rec", w["lam_rec"]), "Eq. 3 λ_1 φ_id(x^rec)": ("phi_id_rec", w["lam1"]),
            "Eq. 3 λ_2 φ_id(x^s)": ("phi_id_s", w["lam2"]), "(dev.) λ_3d φ_3d(x^s)": ("phi_3d_s", w["lam_3d"]),
            "(dev.) λ_perc φ_perc(x^rec)": ("phi_perc_rec", w["lam_perc"])}
    return {label: {"raw": float(g[key]), "weight": lam, "weighted": float(g[key]) * lam}
            for label, (key, lam) in rows.items() if key in g}


def train_joint(data: FaceSet, feats: dict[str, torch.Tensor], e_id: IdentityExtractor,
                init: dict[str, nn.Module], cfg: JointConfig | None = None, source: dict | None = None,
                device: str = "cpu", root: str = "runs/cache", progress: bool = True,
                name: str = "joint", callbacks: list | None = None,
                e_1: PoseExpressionExtractor | None = None, log_name: str | None = None) -> Trained:
    """Load-or-train the joint model. ``feats``: f_id, f_1, idx of the training images (from the
    frozen E_id, E_1); ``init``: starting weights for ``e_2, g_f1, d_f1, g_f2, d_f2, g_img,
    d_img`` (notebooks 01–03's models); ``e_1``: the frozen E_1 (needed when ``lam_3d`` > 0).
    ``log_name``: the step log's name when it must differ from the checkpoint's ``name``.
    Returns the seven models, frozen; ``extra["k"]``.
    """
    cfg = cfg or JointConfig()
    missing = sorted(set(n for ns in PLAYERS.values() for n in ns) - set(init))
    if missing:
        raise ValueError(f"init needs starting models for {missing} (notebooks 01–03's e_2, g_f*, d_f*, g_img, "
                         f"d_img)")
    if e_id.training:
        raise ValueError("E_id is frozen in the joint training: pass a frozen model (freeze(e_id))")
    if cfg.g_img_lr_mult < 0:
        raise ValueError(f"g_img_lr_mult scales G^I's learning rate and must be >= 0, got {cfg.g_img_lr_mult}")
    if cfg.lam_3d and (e_1 is None or e_1.training):
        raise ValueError(f"lam_3d = {cfg.lam_3d} needs the frozen E_1: pass e_1=freeze(e_1) (or lam_3d=0, the paper)")
    f_id, f_1, idx_all = feats["f_id"], feats["f_1"], feats["idx"]
    config = {"model": name, "source": source or {}, **cfg.__dict__}
    if cfg.g_img_lr_mult == 1.0:
        del config["g_img_lr_mult"]     # the paper's single lr keeps the cache key (and shipped checkpoint) it had

    def build():      # copies of the starting models (the cache then loads its own weights)
        return {k: copy.deepcopy(model).requires_grad_(True) for k, model in init.items()}

    def setup(m, state):
        state.extra["k"] = 0.0                                                 # BEGAN: k_0 = 0

    def step(state, m, opts):
        gen = state.generators["data"]
        # one global batch from the shared generator; under torchrun each rank takes its slice
        pick = shard(torch.randint(len(idx_all), (cfg.batch,), generator=gen))
        x_r = to_model(data.take(idx_all[pick])).to(device)                      # B × 3 × S × S
        z_1 = shard(sample_noise(cfg.batch, m["g_f1"].z_dim, gen, device))
        z_2 = shard(sample_noise(cfg.batch, m["g_f2"].z_dim, gen, device))
        logs, state.extra["k"] = joint_step(m, e_id, opts, x_r, f_id[pick].to(device), f_1[pick].to(device),
                                            z_1, z_2, float(state.extra["k"]), cfg, e_1)
        return logs

    return train_adversarial(name, config, build, PLAYERS, cfg, step, device, root, progress, setup=setup,
                             callbacks=callbacks, lr_mult={"g_img": cfg.g_img_lr_mult}, log_name=log_name)

