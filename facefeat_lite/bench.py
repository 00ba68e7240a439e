"""Benchmarks (``python -m facefeat_lite.bench <name>``), one JSON object on stdout each.

Subcommands:

* ``synthfaces``: SynthFaces rendering throughput (images/s) at 64 x 64 and 128 x 128 with
  all outputs (image, labels, sketch, landmarks), after a warm-up batch that also builds
  the cached geometry. Reports the thread count, because on a 2-core machine a renderer
  fighting a training loop for cores collapses (see ``docs/synthfaces_notes.md``).

Later issues add ``stylegan2`` and ``facefeat_step`` as further subcommands. A benchmark is
never a timed test: tests check behaviour, this measures speed.
"""
from __future__ import annotations

import argparse
import json
import time

import torch


def bench_synthfaces(args) -> dict:
    from facefeat_lite.data.face_model import get_model
    from facefeat_lite.data.render import render

    model = get_model()
    res = {"threads": torch.get_num_threads(), "batch": args.batch, "torch": torch.__version__}
    for size in (64, 128):
        keys = list(range(args.batch))
        params = model.sample_all({"identity": 1, "expression": 2, "pose": 3, "illumination": 4, "nuisance": 5}, keys)
        render(model, params, size=size)                                  # warm-up, builds geometry
        n, t0 = 0, time.perf_counter()
        while True:
            render(model, params, size=size)
            n += args.batch
            if time.perf_counter() - t0 > args.seconds:
                break
        res[f"images_per_s_{size}"] = round(n / (time.perf_counter() - t0), 1)
    return res


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(prog="python -m facefeat_lite.bench", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    sf = sub.add_parser("synthfaces", help="SynthFaces renderer throughput")
    sf.add_argument("--threads", type=int, default=2, help="torch threads (default 2)")
    sf.add_argument("--batch", type=int, default=64)
    sf.add_argument("--seconds", type=float, default=8.0, help="timed seconds per size (short windows are noisy: ±20 %% at 3 s)")
    sf.set_defaults(fn=bench_synthfaces)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    print(json.dumps(args.fn(args)))


if __name__ == "__main__":
    main()
