"""Train the SynthFaces StyleGAN2 prior and export it with a model card (notebook 05's shipped prior).

    python -m facefeat_lite.stylegan2 --steps 6000 --out data/weights/stylegan2_synthfaces32

trains with :func:`~.training.train_stylegan2` (load-or-train: an interrupted run resumes from
its partial checkpoint under ``--cache``), then writes ``<out>.pt`` (rosinality format:
``{"g_ema", "latent_avg"}``, readable by :func:`~.importer.load_rosinality`), ``<out>.json``
(the model card: command, data, config, steps, wall time, sha256 of the .pt) and
``<out>-reference.pt`` (samples for fixed seeds, which a test regenerates and compares).
"""
from __future__ import annotations

import argparse
import dataclasses
import hashlib
import io
import json
import platform
import sys
import time

import torch

from ..data.faceset import FaceSet
from ..data.synthfaces import SynthFaces, SynthFacesConfig
from ..runlog import atomic_write_bytes, atomic_write_json
from .importer import generator_from_state_dict, to_rosinality
from .training import StyleGAN2Config, train_stylegan2

REFERENCE_SEEDS = [0, 1, 2, 3]


def reference_samples(g, seeds=REFERENCE_SEEDS) -> torch.Tensor:
    """Images (len(seeds), 3, S, S) for z from each seed, ψ = 1, the fixed noise buffers."""
    z = torch.cat([torch.randn(1, g.style_dim, generator=torch.Generator().manual_seed(s)) for s in seeds])
    with torch.no_grad():
        return g([z], randomize_noise=False)[0]


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(prog="python -m facefeat_lite.stylegan2", description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="output path without extension")
    ap.add_argument("--steps", type=int, default=StyleGAN2Config.steps)
    ap.add_argument("--size", type=int, default=StyleGAN2Config.size)
    ap.add_argument("--data-seed", type=int, default=0, help="SynthFaces seed")
    ap.add_argument("--n-ids", type=int, default=200, help="SynthFaces training identities")
    ap.add_argument("--samples-per-id", type=int, default=40)
    ap.add_argument("--render-size", type=int, default=64, help="rendered size (area-resized to --size)")
    ap.add_argument("--data-dir", default="data/cache")
    ap.add_argument("--cache", default="runs/cache", help="load-or-train checkpoints (resume)")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)

    sf = SynthFacesConfig(seed=args.data_seed, image_size=args.render_size, n_train_ids=args.n_ids,
                          samples_per_id=args.samples_per_id)
    data = FaceSet.from_synthfaces(SynthFaces("train", sf, args.data_dir))
    cfg = StyleGAN2Config(size=args.size, steps=args.steps)
    t0 = time.time()
    ckpt = train_stylegan2(data, cfg=cfg, root=args.cache)
    g = generator_from_state_dict(ckpt["models"]["g_ema"])
    buf = io.BytesIO()
    torch.save(to_rosinality(g), buf)
    blob = buf.getvalue()
    atomic_write_bytes(args.out + ".pt", blob)
    ref = io.BytesIO()
    torch.save({"seeds": REFERENCE_SEEDS, "images": reference_samples(g)}, ref)
    atomic_write_bytes(args.out + "-reference.pt", ref.getvalue())
    card = {
        "model": "StyleGAN2 generator (g_ema), facefeat_lite.stylegan2, rosinality checkpoint format",
        "command": "python -m facefeat_lite.stylegan2 " + " ".join(sys.argv[1:] if argv is None else argv),
        "data": {"name": "SynthFaces train split", "seed": args.data_seed, "n_ids": args.n_ids,
                 "samples_per_id": args.samples_per_id, "rendered_at": args.render_size, "trained_at": args.size,
                 "fingerprint": data.fingerprint},
        "config": dataclasses.asdict(cfg),
        "steps": int(ckpt["step"]),
        "train_seconds": round(float(ckpt["extra"].get("train_seconds", 0.0)), 1),
        "wall_seconds_this_call": round(time.time() - t0, 1),
        "machine": f"{platform.machine()}, {torch.get_num_threads()} torch threads, torch {torch.__version__}",
        "sha256": hashlib.sha256(blob).hexdigest(),
        "reference_samples": {"file": args.out.split("/")[-1] + "-reference.pt", "seeds": REFERENCE_SEEDS,
                              "truncation": 1.0, "noise": "fixed buffers"},
        "final_losses": {k: round(sum(v[-100:]) / max(1, len(v[-100:])), 4) for k, v in ckpt["history"].items()},
    }
    atomic_write_json(args.out + ".json", card)
    print(json.dumps({k: card[k] for k in ("steps", "train_seconds", "sha256")}))


if __name__ == "__main__":
    main()
