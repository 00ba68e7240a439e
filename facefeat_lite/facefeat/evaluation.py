"""FaceFeat-GAN's evaluations (§4, Tables 1–4) on SynthFaces test identities, scored by the judge.

Notebook: ``07_evaluations``. Every measure takes a *sampler* — a function from identity
features to faces — so the full model, its four ablations and the single-stage baseline go
through exactly the same code:

* **Table 1** (:func:`verification`): one generated face per test image (its own f_id, new
  z), then the LFW 10-fold protocol on the generated images, next to the same protocol on
  the real ones. SynthFaces adds a *hard* pair list (each negative pairs a face with its
  shape twin: same skin and hair, another face), so copying colours cannot pass for
  keeping identity.
* **Table 2**: :func:`facefeat_lite.templates.template_protocol` on the judge's embeddings of
  the real and generated faces.
* **Table 3** (:func:`score_generator`): the similarity score — the judge's mean cosine
  between each input and the face generated for it. The paper's user study has no
  automatic equal; the stand-in reported here is the **Fréchet judge distance**, the
  Fréchet distance between judge embeddings of generated and real test faces. It is not FID
  (no Inception network, another feature space, values not comparable with FID) and it is
  not a realism judgement by people: it says how far the generated faces' identity-feature
  distribution is from the real one.
* **Table 4**: the same row for each ablation (:data:`~.joint.ABLATIONS`), with the paper's
  diversity (generated features, :func:`~facefeat_lite.distribution.diversity_score`) and,
  because the single-stage baseline has no generated features, an image-level diversity
  read by the frozen E_1 and E_2 of notebook 01 (:func:`image_diversity`).
* :func:`paper_orderings` turns the measurements into the issue's checks, each with the
  evidence behind it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import torch

from .. import distribution
from ..metrics import VerificationResult
from .feature_gan import sample_features, sample_noise
from .image_gan import render
from .single_stage import sample_slots

__all__ = ["Sampler", "two_stage_sampler", "single_stage_sampler", "generate", "as_unit", "verification",
           "paired_gap", "RealReference", "image_diversity", "score_generator",
           "paper_orderings", "paper_comparison", "PAPER"]

Sampler = Callable[[torch.Tensor, int], torch.Tensor]      # (f_id (N, 256), seed) -> images (N, 3, S, S) in [-1, 1]

# The paper's numbers (FaceFeat-GAN, Tables 1, 3, 4; papers.md), for the summary table.
PAPER = {"verification_generated": 97.62, "similarity_full": 0.693, "similarity_no_id": 0.246,
         "similarity_no_f": 0.680, "similarity_no_I": 0.629, "similarity_no_rec": 0.615, "diversity_full": 0.63,
         "diversity_no_id": 0.62, "diversity_no_f": 0.05, "diversity_no_I": 0.71, "diversity_no_rec": 0.60}


def as_unit(x: torch.Tensor) -> torch.Tensor:
    """Model images in [−1, 1] → [0, 1] (the judge's range)."""
    return ((x + 1) / 2).clamp(0, 1)


def two_stage_sampler(models: dict, device: str = "cpu") -> Sampler:
    """FaceFeat-GAN's x^s = G^I(f_id, G^f_1(z_1), G^f_2(z_2)) with z_1, z_2 drawn from ``seed``."""
    g_f1, g_f2 = models["g_f1"], models["g_f2"]

    def sample(f_id: torch.Tensor, seed: int) -> torch.Tensor:
        gen = torch.Generator().manual_seed(seed)                   # z_1, then z_2, from one stream
        z_1, z_2 = sample_noise(len(f_id), g_f1.z_dim, gen, device), sample_noise(len(f_id), g_f2.z_dim, gen, device)
        return render(models["g_img"], f_id, g_f1(z_1), g_f2(z_2), device)
    return sample


def single_stage_sampler(g, device: str = "cpu") -> Sampler:
    """The baseline's x = G(f_id, z) with z in the feature slots (:func:`~.single_stage.sample_slots`)."""
    f1_dim, f2_dim = g.dims[1:]

    def sample(f_id: torch.Tensor, seed: int) -> torch.Tensor:
        z_1, z_2 = sample_slots(len(f_id), f1_dim, f2_dim, torch.Generator().manual_seed(seed))
        return render(g, f_id, z_1, z_2, device)
    return sample


@torch.no_grad()
def generate(sampler: Sampler, f_id: torch.Tensor, seed: int = 0, batch: int = 500) -> torch.Tensor:
    """One generated face per row of ``f_id`` → (N, 3, S, S) in [0, 1]; batch b uses ``seed + b``."""
    return torch.cat([as_unit(sampler(f_id[i:i + batch], seed + i // batch)) for i in range(0, len(f_id), batch)])


def verification(judge, real: torch.Tensor, fake: torch.Tensor, pairs: dict[str, Any]
                 ) -> dict[str, dict[str, VerificationResult]]:
    """Table 1: ``{"real" | "generated": {kind: 10-fold result}}`` for each pair list ``kind``;
    ``real``, ``fake``: aligned (N, 3, S, S) images in [0, 1] (``fake[i]`` generated for ``real[i]``)."""
    if real.shape != fake.shape:
        raise ValueError(f"real {tuple(real.shape)} and generated {tuple(fake.shape)} must align image by image")
    return {name: {kind: judge.verify(images, p) for kind, p in pairs.items()}
            for name, images in (("real", real), ("generated", fake))}


def paired_gap(a: torch.Tensor, b: torch.Tensor) -> tuple[float, float]:
    """Mean of a − b over paired samples and its standard error (std / √N)."""
    d = (torch.as_tensor(a) - torch.as_tensor(b)).double()
    return float(d.mean()), float(d.std(unbiased=True) / len(d) ** 0.5) if len(d) > 1 else float("nan")


def _read(net, x: torch.Tensor, device: str, batch: int = 500) -> torch.Tensor:
    """A frozen extractor over images in [0, 1] (fed in [−1, 1]) → (N, D) on the CPU."""
    with torch.no_grad():
        return torch.cat([net(x[i:i + batch].to(device) * 2 - 1).float().cpu() for i in range(0, len(x), batch)])


@dataclass
class RealReference:
    """What every generator is compared with, computed once from the real test images: their
    judge embeddings, notebook 01's E_1 and E_2 readouts (each N × D, in image order), and the
    two disjoint random halves ``a``, ``b`` of the images that the Fréchet distances use."""

    emb: torch.Tensor
    f_1: torch.Tensor
    f_2: torch.Tensor
    a: torch.Tensor
    b: torch.Tensor

    @classmethod
    def build(cls, judge, e_1, e_2, images: torch.Tensor, seed: int = 0, device: str = "cpu") -> "RealReference":
        """From the real images (N, 3, S, S) in [0, 1]."""
        perm = torch.randperm(len(images), generator=torch.Generator().manual_seed(seed))
        h = len(images) // 2
        return cls(judge.embed(images), _read(e_1, images, device), _read(e_2, images, device), perm[:h],
                   perm[h:2 * h])

    def subset(self, idx: torch.Tensor, seed: int = 0) -> "RealReference":
        """The reference restricted to images ``idx`` (no recomputation; new random halves)."""
        idx = torch.as_tensor(idx).long()
        perm = torch.randperm(len(idx), generator=torch.Generator().manual_seed(seed))
        h = len(idx) // 2
        return RealReference(self.emb[idx], self.f_1[idx], self.f_2[idx], perm[:h], perm[h:2 * h])

    def fjd(self, emb: torch.Tensor) -> float:
        """Fréchet judge distance of embeddings ``emb`` (aligned with the real images) to the real
        set: the generated half ``a`` against the real half ``b`` (not FID). ``self.emb`` gives
        the noise floor: two halves of the real set, at the same sample size."""
        return distribution.frechet_distance(emb[self.a], self.emb[self.b])


def image_diversity(ref: RealReference, e_1, e_2, fake: torch.Tensor, device: str = "cpu") -> float:
    """Diversity of generated *images*, as the frozen extractors of notebook 01 read them: the
    mean of the diversity scores of E_1's f_1 and E_2's f_2 of ``fake`` (in [0, 1]) against the
    real images' — weighted equally, so that pose and expression (12 entries) count as much as
    everything else E_2 sees (256 entries); ≈ 1 when the generated faces vary in pose, expression, light, background as
    much as real test faces do. Works for any generator, with or without feature GANs."""
    return 0.5 * (distribution.diversity_score(_read(e_1, fake, device), ref.f_1)
                  + distribution.diversity_score(_read(e_2, fake, device), ref.f_2))


def score_generator(sampler: Sampler, judge, f_id: torch.Tensor, ref: RealReference, e_1, e_2, seed: int = 0,
                    models: dict | None = None, f_2_real: torch.Tensor | None = None, device: str = "cpu",
                    diversity: bool = True) -> tuple[dict[str, float], torch.Tensor, torch.Tensor]:
    """One row of Tables 3/4 for a generator: ``(row, per-image similarity, generated images)``.

    ``f_id`` (N × 256) are the identity features of ``ref``'s images, in order. ``row``:
    ``similarity`` (Table 3: the judge's cosine between each input and the face generated
    for it, averaged), ``fjd`` (:meth:`RealReference.fjd`), with ``diversity`` also
    ``diversity_img`` (:func:`image_diversity`) and, given the feature generators ``models`` and the real
    general features ``f_2_real`` of the test images by the model's own E_2, the paper's
    ``diversity`` (papers.md: the per-entry variance of standardized generated features,
    averaged over the entries — here all 12 + 256 entries of f_1 and f_2) and its two parts:
    ``diversity_f1`` (G^f_1's samples against E_1's f_1 of the test images) and
    ``diversity_f2`` (G^f_2's against ``f_2_real``).
    """
    fake = generate(sampler, f_id, seed)
    emb = judge.embed(fake)
    sim = (emb * ref.emb).sum(1)
    row = {"similarity": float(sim.mean()), "fjd": ref.fjd(emb)}
    if diversity:
        row["diversity_img"] = image_diversity(ref, e_1, e_2, fake, device)
    if diversity and models is not None and f_2_real is not None:
        n = len(f_id)
        far = seed + 1_000_001                                              # streams apart from the images' seeds
        row["diversity_f1"] = distribution.diversity_score(sample_features(models["g_f1"], n, far, device), ref.f_1)
        row["diversity_f2"] = distribution.diversity_score(sample_features(models["g_f2"], n, far + 1, device),
                                                          f_2_real)
        d1, d2 = ref.f_1.shape[1], f_2_real.shape[1]                       # 12 and 256 entries
        row["diversity"] = (d1 * row["diversity_f1"] + d2 * row["diversity_f2"]) / (d1 + d2)   # over all entries
    return row, sim, fake


def paper_comparison(m: dict[str, float], variants: tuple[str, ...] = ("full", "no_id", "no_f", "no_I", "no_rec")
                     ) -> list[tuple[str, str, str]]:
    """``(figure, the paper's value, ours)`` rows for the summary table, from 07's metrics ``m``."""
    rows = [("Tab. 1: verification on generated faces", f"{PAPER['verification_generated']:.2f} %",
             f"{100 * m['verification_acc_generated']:.2f} % (real faces: {100 * m['verification_acc_real']:.2f} %)"),
            ("Tab. 3: similarity score", f"{PAPER['similarity_full']:.3f}",
             f"{m['similarity']:.3f} (two real images of a person: {m['similarity_real_same']:.3f})")]
    for col in ("similarity", "diversity"):
        rows += [(f"Tab. 4: {col}, {v}", f"{PAPER[f'{col}_{v}']:.3f}", f"{m[f'{col}_{v}']:.3f}") for v in variants]
    return rows


def paper_orderings(m: dict[str, float], sims: dict[str, torch.Tensor],
                    variants: tuple[str, ...] = ("full", "no_id", "no_f", "no_I", "no_rec")) -> list[dict[str, Any]]:
    """The issue's expected orderings, each ``{"claim", "ours", "holds"}``, from the metrics ``m``
    (07's keys: ``diversity_<variant>`` …) and the per-image similarities ``sims`` of each
    variant (for the paired test).

    * lowest diversity without φ_f (the paper: 0.05 against ≥ 0.60);
    * "clearly" lower similarity without φ_id: the paired mean gap full − no_id over the same
      test images is positive and more than two standard errors;
    * the full model's verification on generated images within 5 points of real;
    * identification degrades gracefully with the fake ratio: rank-1 never rises by more
      than its split-to-split std from one ratio to the next, and at 100 % fakes keeps at
      least half of its all-real value (chance is 1 / number of identities).
    """
    out = []
    lowest = min(variants, key=lambda v: m[f"diversity_{v}"])
    out.append({"claim": "no φ_f gives the lowest diversity", "holds": lowest == "no_f",
                "ours": ", ".join(f"{v} {m[f'diversity_{v}']:.2f}" for v in variants)})
    gap, se = paired_gap(sims["full"], sims["no_id"])
    out.append({"claim": "no φ_id: clearly lower similarity than full", "holds": gap > 2 * se,
                "ours": f"full {m['similarity_full']:.3f}, no_id {m['similarity_no_id']:.3f}; "
                        f"gap {gap:+.3f} ± {se:.3f} (paired s.e.)"})
    real, gen = 100 * m["verification_acc_real"], 100 * m["verification_acc_generated"]   # stored as fractions
    out.append({"claim": "full model: verification on generated within 5 points of real", "holds": real - gen <= 5.0,
                "ours": f"real {real:.1f} %, generated {gen:.1f} % ({real - gen:.1f} points below real)"})
    ratios = sorted(int(k[len("rank1_r"):]) for k in m if k.startswith("rank1_r") and "_std" not in k)
    r1 = [m[f"rank1_r{r}"] for r in ratios]
    sd = [m.get(f"rank1_r{r}_std", 0.0) for r in ratios]
    smooth = all(r1[i + 1] <= r1[i] + max(sd[i], sd[i + 1]) for i in range(len(r1) - 1))
    out.append({"claim": "identification degrades gracefully with the fake ratio",
                "holds": smooth and r1[-1] >= 0.5 * r1[0],
                "ours": "rank-1 " + " → ".join(f"{v:.2f}" for v in r1) + f" at {ratios} % fakes"})
    return out
