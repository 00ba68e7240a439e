"""Measurements on a StyleGAN2 prior with SynthFaces' tools (notebook 05).

* :func:`swap_rows` / :func:`row_swap_effect` — which W+ rows control what: take two samples,
  give the first the second's rows in one group (coarse: 4²–8², fine: 16² and up), and read
  what changed with a frozen estimator (E_1's or the independent pose reader's yaw for pose,
  the light estimator's light direction, the image's mean colour) — as the mean change and
  as the share of the other sample's value carried over (:func:`transfer_share`).
* :func:`frechet_judge_distance` — the Fréchet distance between the judge's embeddings of two
  image sets ("Fréchet judge distance"; not FID, which is the same formula on Inception
  features, and not comparable with FID values).
* :func:`people_halves` — the real-vs-real noise floor for a generator of *new* people: two
  halves of a set split by person, so that the floor, like the generated-vs-real figure,
  compares two different groups of people (two halves of the same people's images share
  every identity and sit far lower; notebook 05 §7 prints both).
* :func:`to_judge` — the judge and E_1 work at the SynthFaces size (64²): smaller images are
  up-sampled bilinearly, and real images are first brought down to the prior's size, so both
  sides of every comparison went through the same resampling.
"""
from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F

from ..distribution import frechet_distance
from .generator import Generator

__all__ = ["resize", "to_judge", "coarse_fine_rows", "swap_rows", "transfer_share", "row_swap_effect",
           "frechet_judge_distance", "people_halves"]


def resize(x: torch.Tensor, size: int) -> torch.Tensor:
    """Images (N, 3, H, W) float → size × size: area when shrinking, bilinear when growing."""
    if x.shape[-1] == size:
        return x
    mode = "area" if x.shape[-1] > size else "bilinear"
    kw = {} if mode == "area" else {"align_corners": False}
    return F.interpolate(x.float(), size=(size, size), mode=mode, **kw)


def to_judge(x: torch.Tensor, size: int = 64) -> torch.Tensor:
    """Model images in [−1, 1] → [0, 1] at the judge's size."""
    return ((resize(x, size) + 1) / 2).clamp(0, 1)


def coarse_fine_rows(g: Generator) -> dict[str, list[int]]:
    """W+ rows acting at 4²–8² ("coarse": rows 0–3) and at 16² and up ("fine": the rest)."""
    return {"coarse": list(range(min(4, g.n_latent))), "fine": list(range(4, g.n_latent))}


@torch.no_grad()
def swap_rows(g: Generator, n: int, seed: int, rows: list[int], truncation: float = 1.0):
    """(x_a, x_swapped, x_b): samples a and b, and a with b's W+ ``rows``; fixed noise."""
    gen = torch.Generator().manual_seed(seed)
    z = torch.randn(2 * n, g.style_dim, generator=gen).to(g.w_avg.device)
    w = g.to_wplus([g.truncate(g.mapping(z), truncation)])
    wa, wb = w[:n], w[n:]
    ws = wa.clone()
    ws[:, rows] = wb[:, rows]
    out = [g.synthesis(x, randomize_noise=False) for x in (wa, ws, wb)]
    return tuple(out)


def transfer_share(ra: torch.Tensor, rs: torch.Tensor, rb: torch.Tensor) -> float:
    """The share of the a → b change in a readout that a swap carries over: the least-squares
    slope of (rs − ra) on (rb − ra), pooled over samples and entries,
    Σ (rs − ra)(rb − ra) / Σ (rb − ra)².

    1 when the swapped image reads as b, 0 when it reads as a. Unlike mean |rs − ra| it does
    not count a readout's noise: a change that is unrelated to b's value averages out of the
    numerator instead of adding to it. ``ra``, ``rs``, ``rb``: (N,) or (N, K)."""
    d, t = (rs - ra).double(), (rb - ra).double()
    return float((d * t).sum() / (t * t).sum().clamp_min(1e-12))


@torch.no_grad()
def row_swap_effect(g: Generator, readout: Callable[[torch.Tensor], torch.Tensor], n: int = 64, seed: int = 0,
                    truncation: float = 1.0, groups: dict[str, list[int]] | None = None
                    ) -> dict[str, dict[str, float]]:
    """For each row group (default :func:`coarse_fine_rows`): mean |readout(swapped) −
    readout(a)| and the same for b − a (the effect of swapping every row), the share of b's
    readout the swap carries over (:func:`transfer_share`), and the same two figures for the
    image's mean colour. ``readout`` maps images in [−1, 1] to (N,) or (N, K) numbers (e.g.
    E_1's yaw in degrees, or a light direction)."""
    colour = lambda x: x.mean((2, 3))  # noqa: E731
    out = {}
    for name, rows in (coarse_fine_rows(g) if groups is None else groups).items():
        if not rows:
            continue
        a, s, b = swap_rows(g, n, seed, rows, truncation)
        ra, rs, rb = (readout(x).float().cpu() for x in (a, s, b))
        ca, cs, cb = colour(a), colour(s), colour(b)
        out[name] = {"readout_change": float((rs - ra).abs().mean()),
                     "readout_change_all_rows": float((rb - ra).abs().mean()),
                     "readout_share": transfer_share(ra, rs, rb),
                     "colour_change": float((cs - ca).abs().mean()),
                     "colour_change_all_rows": float((cb - ca).abs().mean()),
                     "colour_share": transfer_share(ca, cs, cb)}
    return out


def frechet_judge_distance(embed: Callable[[torch.Tensor], torch.Tensor], a: torch.Tensor, b: torch.Tensor) -> float:
    """Fréchet distance between ``embed(a)`` and ``embed(b)`` (judge embeddings; not FID)."""
    return frechet_distance(embed(a), embed(b))


def people_halves(identity: torch.Tensor, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Indices of two disjoint halves of the people in ``identity`` (N labels): every image of
    a person falls in the same half; people are shuffled by ``seed``, half of them (rounded
    down) go to the first set. Returns (idx_a, idx_b), each sorted."""
    identity = torch.as_tensor(identity).long()
    people = torch.unique(identity)
    if len(people) < 2:
        raise ValueError(f"people_halves needs at least 2 people, got {len(people)}")
    order = people[torch.randperm(len(people), generator=torch.Generator().manual_seed(seed))]
    in_a = torch.isin(identity, order[:len(people) // 2])
    return torch.nonzero(in_a)[:, 0], torch.nonzero(~in_a)[:, 0]
