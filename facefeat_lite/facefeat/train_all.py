"""Train every model notebooks 01–04 ask for, without the notebooks: the multi-GPU entry point.

    torchrun --nproc_per_node 8 -m facefeat_lite.facefeat.train_all --params notebooks/params/full_gpu.yaml
    torchrun --nproc_per_node 8 -m facefeat_lite.facefeat.train_all --params ... --ablations   # + Table 4's
    python -m facefeat_lite.pipeline --params notebooks/params/full_gpu.yaml     # cache hits: evaluates

A papermill kernel is one process on one device; several GPUs need one process per GPU,
which ``torchrun`` starts. This module runs in each of them the load-or-train chain the
notebooks run (E_id, E_1, E_2 + G^I, the judge → G^f_1, G^f_2 → stage 2 → the joint model, and
notebook 04's pose reader), with the same parameter set and therefore the same cache keys:
when it finishes, the pipeline's notebooks find every checkpoint and only evaluate and plot. Every rank takes its
slice of each global batch (``*_batch`` stays the global batch size) and gradients are
averaged before each optimiser step (:mod:`facefeat_lite.train.runtime`); rank 0 writes the
checkpoints, step logs and sample grids under ``<run_dir>/logs``. Interrupted, the same
command resumes from the partial checkpoints. ``--ablations`` goes on to the models notebook 07
trains: the four Table-4 variants and the full model at ``ab_steps`` (each notebook 04's
training with one flag changed, :func:`~.suite.load_ablation`, each logging to
``ablation_<variant>.jsonl``), the single-stage
baseline at the same budget and the light estimator. On one device it is simply the notebooks'
training without the notebooks (``python -m facefeat_lite.facefeat.train_all --params ...``).

``--export DIR`` then writes the slim form of every checkpoint the run used to ``DIR`` with an
``index.json`` (:mod:`facefeat_lite.train.shipped`): how ``data/weights/cpu``, the checkpoints
the CPU demo ships with, was made::

    python -m facefeat_lite.facefeat.train_all --params notebooks/params/cpu.yaml --ablations \
        --export data/weights/cpu

Stage 1's feature GANs draw their batches inside their own step function and are not
sharded: every rank trains them identically (they cost little next to the rest).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time

from ..notebook_params import EvalParams, JointParams
from ..params import ParameterError, load_parameter_set, validate_parameter_set
from ..train import checkpoint, runtime, shipped
from .joint import ABLATIONS
from .suite import (extract_features, load_ablation, load_data, load_feature_gans, load_feature_models, load_joint,
                    load_light_estimator, load_pose_reader, load_single_stage, load_stage2)

STEM = "04_two_level_losses"
EVAL_STEM = "07_evaluations"


def train_all(P: JointParams, progress: bool = True, ablations: bool = False) -> dict:
    """The chain of notebooks 01–04's models for parameters ``P``; returns a summary. With
    ``ablations`` (``P`` then an :class:`EvalParams`), also notebook 07's variants and baseline."""
    rank, world = runtime.init_distributed()
    if world > 1 and P.device.startswith("cuda"):
        P = dataclasses.replace(P, device=f"cuda:{os.environ.get('LOCAL_RANK', '0')}")
    runtime.configure(P.run_path / "logs", P.amp, P.weights_dir)
    t0 = time.perf_counter()

    if rank == 0:                     # rank 0 renders (or reads) the data cache first
        d = load_data(P, progress)
    runtime.barrier()
    if rank != 0:
        d = load_data(P, False)
    show = progress and rank == 0
    models = load_feature_models(P, d, progress=show)
    real = extract_features(models, d.train, d.train_idx, P.device, P.cache_dir)
    gans = load_feature_gans(P, models, d.train, d.train_idx, real, progress=show)
    stage2 = load_stage2(P, models, gans, d.train, d.train_idx, real, progress=show)
    joint = load_joint(P, models, gans, stage2, d.train, d.train_idx, real, progress=show)
    extra = {"pose_reader_train_seconds": round(load_pose_reader(P, d, progress=show)[0].train_seconds, 1)}
    if ablations:
        for v in ABLATIONS:
            t = load_ablation(P, v, models, gans, stage2, d.train, d.train_idx, real, progress=show)
            extra[f"{v}_train_seconds"] = round(t.train_seconds, 1)
        t = load_single_stage(P, models, stage2, d.train, d.train_idx, real, progress=show)
        extra["single_stage_train_seconds"] = round(t.train_seconds, 1)
        extra["light_train_seconds"] = round(load_light_estimator(P, d, progress=show)[0].train_seconds, 1)
    return {**extra, "world_size": world, "seconds": round(time.perf_counter() - t0, 1), "image_size": P.image_size,
            "j_steps": P.j_steps, "j_batch": P.j_batch, "k_final": joint.extra.get("k"),
            "joint_train_seconds": round(joint.train_seconds, 1)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m facefeat_lite.facefeat.train_all", description=__doc__.split("\n")[0])
    ap.add_argument("--params", required=True, help="a parameter set (notebooks/params/*.yaml)")
    ap.add_argument("--set", nargs="*", default=[], metavar="NAME=VALUE",
                    help="override parameters, YAML values (e.g. j_steps=2 j_batch=2)")
    ap.add_argument("--ablations", action="store_true",
                    help="also train notebook 07's Table-4 variants and single-stage baseline (at ab_steps)")
    ap.add_argument("--export", metavar="DIR", default="",
                    help="then write every checkpoint used, in shipped form, to DIR (facefeat_lite.train.shipped)")
    ap.add_argument("--no-progress", action="store_true")
    args = ap.parse_args(argv)
    import yaml

    try:
        stem, cls = (EVAL_STEM, EvalParams) if args.ablations else (STEM, JointParams)
        values = load_parameter_set(args.params)[stem]
        overrides = {}
        for item in args.set:
            name, sep, raw = item.partition("=")
            if not sep:
                raise ParameterError([f"--set {item!r}: expected NAME=VALUE"], "--set")
            overrides[name] = yaml.safe_load(raw)
        values.update(validate_parameter_set(overrides, "--set")[stem])
        P = cls.from_mapping({**cls.defaults(), **values}, context=args.params)
    except ParameterError as e:
        print(e, file=sys.stderr)
        return 2
    summary = train_all(P, progress=not args.no_progress, ablations=args.ablations)
    if args.export and runtime.is_main():
        command = "python -m facefeat_lite.facefeat.train_all " + " ".join(argv if argv is not None else sys.argv[1:])
        index = shipped.export(checkpoint.USED, args.export, command)
        summary["exported"] = {"folder": args.export, "files": len(index["files"]),
                               "bytes": sum(f["bytes"] for f in index["files"].values())}
    if runtime.is_main():
        print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    runtime.exit_worker(main())
