"""Shipped reference checkpoints: the CPU preset's trained models, so the demo fits its budget.

Notebooks: every notebook that trains FaceFeat-GAN models (``01``–``04``, ``07``), through
:func:`~facefeat_lite.train.checkpoint.load_or_train`. The model card is
``data/weights/cpu/README.md``.

**Why.** Training every model the notebooks use at the CPU preset (``cpu.yaml``) takes about
40 minutes on 2 cores — notebook 01's four extractors alone take 11 — and the project's demo
has 15. IDE's StyleGAN prior already ships the same way (a checkpoint trained by the
repository's own command, with a model card and a test); this folder does it for
FaceFeat-GAN. Every file is what

    python -m facefeat_lite.facefeat.train_all --params notebooks/params/cpu.yaml --ablations \\
        --export data/weights/cpu

trained and saved; with ``weights_dir: ""`` every notebook trains its models itself, and a
model you trained (in ``cache_dir``) always wins over a shipped one.

**The lookup.** ``load_or_train(name, config)`` looks in ``cache_dir`` first; on a miss, in
the shipped folder (:attr:`~facefeat_lite.train.runtime.Runtime.shipped`) for the same
``<name>-<hash of config>.pt``. The config covers every hyper-parameter, the data's
fingerprint (the renderer's version included) and the configs of the models it was built
on, so a shipped file stands in only for exactly the model the notebook would train. A
config the folder does not hold (smoke scale, another preset, edited parameters) trains.
The hash does not cover the code: after changing a model's code, re-export (the command
above); ``tests/test_shipped.py`` checks that notebook 01's shipped models still reproduce
their recorded outputs (``tests/data/shipped_probes.json``).

**A shipped file** is a slim checkpoint (:func:`slim`), still one ``weights_only`` dict:

* models only — no optimiser, scheduler, RNG or data-generator state: a finished run, which
  nothing resumes from;
* matrices (floating tensors with ≥ 2 dims: conv and linear weights, nearly all the bytes)
  in float16, cast back to float32 on load; 1-d tensors (biases, normalisation statistics,
  E_1's standardizer) stay float32. The rounding moves outputs by about 1e-3 relative; the
  committed notebooks are executed from the shipped weights, as a fresh clone sees them;
* players no notebook reads after training are left out (:data:`DROP`: the joint models'
  discriminators, the single-stage baseline's D^I), named under ``"shipped"["dropped"]``;
* ``config``, ``step``, ``history`` (the loss curves notebooks plot) and ``extra`` (training
  wall time, BEGAN's k_t) as trained.

``index.json`` lists each file's sha256, size, step and training seconds;
``python -m facefeat_lite.train.shipped --verify data/weights/cpu`` checks them.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any

import torch

from ..params import project_path
from ..runlog import atomic_write_bytes

__all__ = ["DROP", "slim", "load_shipped", "export", "verify", "sha256"]

#: Models left out of a shipped file, by checkpoint name (``joint`` also covers ``joint_*``).
DROP: dict[str, tuple[str, ...]] = {"joint": ("d_f1", "d_f2", "d_img"), "single_stage": ("d",)}


def _dropped(name: str) -> tuple[str, ...]:
    return DROP["joint"] if name == "joint" or name.startswith("joint_") else DROP.get(name, ())


def _half(t: Any) -> Any:
    return t.half() if torch.is_tensor(t) and t.is_floating_point() and t.dim() >= 2 else t


def slim(ckpt: dict[str, Any], name: str) -> dict[str, Any]:
    """The shipped form of a finished checkpoint ``ckpt`` of model ``name`` (see the module)."""
    drop = [k for k in _dropped(name) if k in ckpt["models"]]
    models = {k: {p: _half(t) for p, t in sd.items()} for k, sd in ckpt["models"].items() if k not in drop}
    return {"format": ckpt["format"], "models": models, "optimizers": {}, "schedulers": {}, "generators": {},
            "config": ckpt["config"], "step": ckpt["step"], "history": ckpt["history"], "extra": ckpt["extra"],
            "shipped": {"dropped": drop}}


def load_shipped(name: str, config: dict[str, Any], folder: str | os.PathLike, file_name: str,
                 map_location: str = "cpu") -> dict[str, Any] | None:
    """The shipped checkpoint ``<folder>/<file_name>`` with float32 weights, or None if absent."""
    from .checkpoint import CheckpointError, load_checkpoint

    path = project_path(folder) / file_name
    if not path.exists():
        return None
    ckpt = load_checkpoint(path, map_location)
    if "shipped" not in ckpt:
        raise CheckpointError(f"{path} is in the shipped folder but is not a shipped checkpoint "
                              f"(re-export it with facefeat_lite.facefeat.train_all --export)")
    if ckpt["config"] != config:                  # both plain JSON, as load_or_train normalises them
        raise CheckpointError(f"{path} was shipped for another config. Re-export the folder or delete the file.")
    ckpt["models"] = {k: {p: t.float() if torch.is_tensor(t) and t.is_floating_point() else t for p, t in sd.items()}
                      for k, sd in ckpt["models"].items()}
    secs = float(ckpt["extra"].get("train_seconds", 0.0))
    print(f"load_or_train: loaded the shipped checkpoint {path} ({name}, {ckpt['step']} steps, trained in "
          f"{secs:.0f} s; weights_dir='' trains it here instead)")
    return ckpt


def sha256(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def export(used: list[tuple[str, Path]], folder: str | os.PathLike, command: str) -> dict[str, Any]:
    """Write the slim form of every checkpoint in ``used`` (``(name, path)`` pairs, as
    :data:`~facefeat_lite.train.checkpoint.USED` records them) to ``folder``, remove ``.pt``
    files of earlier exports that are not among them, and write ``index.json``."""
    from .checkpoint import load_checkpoint, save_checkpoint

    out = project_path(folder)
    out.mkdir(parents=True, exist_ok=True)
    files = {}
    for name, path in used:
        path = Path(path)
        if path.name in files:
            continue
        target = out / path.name
        if path.resolve() != target.resolve():       # a cache file; a shipped one is already slim
            ckpt = save_checkpoint(target, slim(load_checkpoint(path), name))
        else:
            ckpt = load_checkpoint(target)
        files[path.name] = {"name": name, "sha256": sha256(target), "bytes": target.stat().st_size,
                            "step": int(ckpt["step"]), "train_seconds": round(float(ckpt["extra"].get("train_seconds", 0.0)), 1),
                            "dropped": list(ckpt["shipped"]["dropped"])}
    for stale in out.glob("*.pt"):
        if stale.name not in files:
            stale.unlink()
    index = {"command": command, "torch": torch.__version__, "files": dict(sorted(files.items()))}
    atomic_write_bytes(out / "index.json", (json.dumps(index, indent=1) + "\n").encode())
    return index


def verify(folder: str | os.PathLike) -> list[str]:
    """Problems with a shipped folder: files ``index.json`` lists that are missing or whose
    sha256 differs, and ``.pt`` files it does not list. Empty when all is well."""
    out = project_path(folder)
    if not (out / "index.json").exists():
        return [f"{out / 'index.json'} is missing"]
    files = json.loads((out / "index.json").read_text())["files"]
    problems = []
    for fname, entry in files.items():
        p = out / fname
        if not p.exists():
            problems.append(f"{p}: listed in index.json but missing")
        elif sha256(p) != entry["sha256"]:
            problems.append(f"{p}: sha256 differs from index.json (damaged or replaced)")
    problems += [f"{p}: not listed in index.json" for p in sorted(out.glob("*.pt")) if p.name not in files]
    return problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m facefeat_lite.train.shipped", description=__doc__.split("\n")[0])
    ap.add_argument("--verify", metavar="DIR", required=True, help="a shipped folder (data/weights/cpu)")
    args = ap.parse_args(argv)
    problems = verify(args.verify)
    for p in problems:
        print(p, file=sys.stderr)
    if not problems:
        n = len(json.loads((project_path(args.verify) / "index.json").read_text())["files"])
        print(f"{args.verify}: {n} checkpoints, every sha256 matches index.json")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
