"""Benchmarks (``python -m facefeat_lite.bench <name>``), one JSON object on stdout each.

Subcommands:

* ``synthfaces``: SynthFaces rendering throughput (images/s) at 64 x 64 and 128 x 128 with
  all outputs (image, labels, sketch, landmarks), after a warm-up batch that also builds
  the cached geometry. Reports the thread count, because on a 2-core machine a renderer
  fighting a training loop for cores collapses (see ``docs/synthfaces_notes.md``).

* ``stylegan2 --size S``: StyleGAN2 training-step time (one D step with its share of lazy R1,
  one G step, EMA; batch 16) and sampling throughput of the generator, at the CPU preset
  (:class:`facefeat_lite.stylegan2.training.StyleGAN2Config`) and at rosinality-like widths
  (512-d z/w, 8 mapping layers, channels capped at 64 — the setting measured with rosinality's
  code on these cores: 1.5 s per step at 32², 5.8 s at 64²).

* ``facefeat_step --size S --batch B``: one step of FaceFeat-GAN's joint training
  (:func:`facefeat_lite.facefeat.joint.joint_step`: render, D^f and D^I updates, the
  generators' four backward passes) at the architecture of a parameter set (default
  ``notebooks/params/full_gpu.yaml``: ResNet-50 E_id, BEGAN n = 64), on whichever device is
  present (CUDA when available), bf16 autocast when the set says ``amp: true`` and the device
  has it. Random weights and images: the speed does not depend on them.

A benchmark is never a timed test: tests check behaviour, this measures speed.
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


def _time(fn, seconds: float, warmup: int = 2) -> tuple[float, int]:
    for _ in range(warmup):
        fn()
    n, t0 = 0, time.perf_counter()
    while n < 3 or time.perf_counter() - t0 < seconds:
        fn()
        n += 1
    return (time.perf_counter() - t0) / n, n


def bench_stylegan2(args) -> dict:
    import dataclasses

    from facefeat_lite.stylegan2.training import StyleGAN2Config, build, make_optimizers, train_step

    presets = {"cpu_preset": StyleGAN2Config(size=args.size),
               "rosinality_like": StyleGAN2Config(size=args.size, style_dim=512, n_mlp=8, channel_base=32768,
                                                  channel_max=64)}
    res = {"threads": torch.get_num_threads(), "size": args.size, "batch": args.batch, "torch": torch.__version__}
    for name, cfg in presets.items():
        cfg = dataclasses.replace(cfg, batch=args.batch)
        torch.manual_seed(0)
        models = build(cfg)
        opts = make_optimizers(models, cfg)
        real = torch.rand(args.batch, 3, args.size, args.size) * 2 - 1
        step = [0]

        def one():
            step[0] += 1
            train_step(models, opts, real, step[0], cfg)

        sec, n = _time(one, args.seconds)

        @torch.no_grad()
        def sample():
            models["g_ema"]([torch.randn(args.batch, cfg.style_dim)])

        sec_s, _ = _time(sample, args.seconds / 2)
        res[name] = {"config": dataclasses.asdict(cfg),
                     "params_g_M": round(sum(p.numel() for p in models["g"].parameters()) / 1e6, 3),
                     "params_d_M": round(sum(p.numel() for p in models["d"].parameters()) / 1e6, 3),
                     "train_s_per_step": round(sec, 4), "train_steps_per_s": round(1 / sec, 3),
                     "timed_steps": n, "generator_images_per_s": round(args.batch / sec_s, 1)}
    return res


def bench_facefeat_step(args) -> dict:
    from facefeat_lite.data.synthfaces import F3D_DIM
    from facefeat_lite.facefeat.extractors import GeneralExtractor, ImageGenerator, freeze
    from facefeat_lite.facefeat.feature_gan import FeatureDiscriminator, FeatureGenerator, sample_noise
    from facefeat_lite.facefeat.image_gan import ImageDiscriminator
    from facefeat_lite.facefeat.joint import PLAYERS, joint_step
    from facefeat_lite.facefeat.suite import extractor_configs, joint_config
    from facefeat_lite.facefeat.training import build_e1, build_e_id
    from facefeat_lite.notebook_params import JointParams
    from facefeat_lite.params import load_parameter_set
    from facefeat_lite.train import runtime

    P = JointParams.from_mapping({**JointParams.defaults(), **load_parameter_set(args.params)["04_two_level_losses"]},
                                 smoke=False)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    runtime.configure(None, P.amp)
    cfg = joint_config(P)
    cfg.batch = args.batch
    size, n = args.size, P.e2_n
    torch.manual_seed(0)
    e_id = freeze(build_e_id(extractor_configs(P)["e_id"], 1000)).to(device)
    e_1 = freeze(build_e1(extractor_configs(P)["e_1"], F3D_DIM)).to(device)        # for the φ_3d deviation
    m = {"e_2": GeneralExtractor(size, 256, n), "g_f1": FeatureGenerator(F3D_DIM), "d_f1": FeatureDiscriminator(F3D_DIM),
         "g_f2": FeatureGenerator(256, norm=16.0), "d_f2": FeatureDiscriminator(256),
         "g_img": ImageGenerator(size, 256, F3D_DIM, 256, n=n), "d_img": ImageDiscriminator(size, P.s2_d_n, 64)}
    m = {k: v.to(device).train() for k, v in m.items()}
    opts = {p: torch.optim.Adam([q for k in names for q in m[k].parameters()], lr=cfg.lr, betas=(cfg.beta1, 0.999))
            for p, names in PLAYERS.items()}
    b = args.batch
    x_r = torch.rand(b, 3, size, size, device=device) * 2 - 1
    f_id = torch.nn.functional.normalize(torch.randn(b, 256, device=device), dim=1) * 16
    f_1 = torch.randn(b, F3D_DIM, device=device)
    k = [0.0]

    def one():
        with runtime.autocast(device):
            _, k[0] = joint_step(m, e_id, opts, x_r, f_id, f_1, sample_noise(b, 64, None, device),
                                 sample_noise(b, 64, None, device), k[0], cfg, e_1)
        if device.type == "cuda":
            torch.cuda.synchronize()

    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats()
    sec, steps = _time(one, args.seconds)
    res = {"device": torch.cuda.get_device_name(0) if device.type == "cuda" else "cpu",
           "threads": torch.get_num_threads(), "torch": torch.__version__, "params_file": args.params,
           "size": size, "batch": b,
           "amp_bf16": bool(P.amp and device.type == "cuda" and torch.cuda.is_bf16_supported()),
           "e_id": f"{P.eid_arch} width {P.eid_width}", "began_n": n, "lam_3d": cfg.lam_3d,
           "lam_perc": cfg.lam_perc, "d_img_n": P.s2_d_n,
           "params_M": {k: round(sum(p.numel() for p in v.parameters()) / 1e6, 3) for k, v in m.items()},
           "s_per_step": round(sec, 4), "steps_per_s": round(1 / sec, 3), "images_per_s": round(b / sec, 1),
           "timed_steps": steps}
    if device.type == "cuda":
        res["peak_memory_GiB"] = round(torch.cuda.max_memory_allocated() / 2 ** 30, 2)
    return res


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(prog="python -m facefeat_lite.bench", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    sf = sub.add_parser("synthfaces", help="SynthFaces renderer throughput")
    sf.add_argument("--threads", type=int, default=2, help="torch threads (default 2)")
    sf.add_argument("--batch", type=int, default=64)
    sf.add_argument("--seconds", type=float, default=8.0, help="timed seconds per size (short windows are noisy: ±20 %% at 3 s)")
    sf.set_defaults(fn=bench_synthfaces)
    sg = sub.add_parser("stylegan2", help="StyleGAN2 training step and sampling speed")
    sg.add_argument("--size", type=int, default=32, help="image size (power of two, default 32)")
    sg.add_argument("--threads", type=int, default=2, help="torch threads (default 2)")
    sg.add_argument("--batch", type=int, default=16)
    sg.add_argument("--seconds", type=float, default=8.0, help="timed seconds per preset")
    sg.set_defaults(fn=bench_stylegan2)
    fs = sub.add_parser("facefeat_step", help="FaceFeat-GAN joint training step speed")
    fs.add_argument("--size", type=int, default=128, help="image size (8·2^k, default 128)")
    fs.add_argument("--batch", type=int, default=96)
    fs.add_argument("--params", default="notebooks/params/full_gpu.yaml", help="parameter set giving the architecture")
    fs.add_argument("--threads", type=int, default=2, help="torch CPU threads (default 2)")
    fs.add_argument("--seconds", type=float, default=10.0, help="timed seconds")
    fs.set_defaults(fn=bench_facefeat_step)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    print(json.dumps(args.fn(args)))


if __name__ == "__main__":
    main()
