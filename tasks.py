#!/usr/bin/env python3
"""Set up the project's virtual environment and run its jobs. Standard library only.

    python3 tasks.py demo  [pipeline args...]   set up .venv/, run the CPU demo pipeline
    python3 tasks.py test  [pytest args...]     set up .venv/, unit tests + nbval on notebooks
    python3 tasks.py setup                      set up .venv/ only
    python3 tasks.py execute notebooks/NN_name.py ...   re-execute committed notebook pairs

Setup creates ``.venv/`` when missing, installs torch first (``FACEFEAT_TORCH``, default
``torch==2.13.0``; split shell-style and passed to pip, so it may carry pip options; ``skip``
keeps the torch already in .venv), then ``pip install -e ".[dev]"``. A stamp file
(``.venv/.facefeat-installed``: a hash of pyproject.toml and the torch spec) skips all of this
when nothing changed.
"""

from __future__ import annotations

import glob
import hashlib
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".facefeat-installed"
TORCH_DEFAULT = "torch==2.13.0"
SANITIZE = "tests/nbval_sanitize.cfg"
NOTEBOOK_GLOB = "notebooks/[0-9][0-9]_*.ipynb"


def venv_python() -> Path:
    sub = ("Scripts", "python.exe") if os.name == "nt" else ("bin", "python")
    return VENV.joinpath(*sub)


def log(msg: str) -> None:
    print(f"[tasks] {msg}", flush=True)


def run(cmd: list[str], env: dict[str, str] | None = None) -> int:
    log("$ " + " ".join(shlex.quote(str(c)) for c in cmd))
    return subprocess.call([str(c) for c in cmd], cwd=ROOT, env=env)


def check(cmd: list[str]) -> None:
    rc = run(cmd)
    if rc != 0:
        sys.exit(f"[tasks] failed (exit {rc}): {' '.join(map(str, cmd))}")


def venv_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    bindir = str(venv_python().parent)
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
    env["VIRTUAL_ENV"] = str(VENV)
    env.pop("PYTHONHOME", None)
    env.update(extra)
    return env


def setup() -> Path:
    """Create .venv/ and install the project into it unless the stamp is current."""
    t0 = time.perf_counter()
    py = venv_python()
    if not py.exists():
        if sys.version_info < (3, 10):
            sys.exit(f"[tasks] Python >= 3.10 needed, this is {sys.version.split()[0]}")
        log(f"creating {VENV.relative_to(ROOT)}/ with {sys.executable}")
        if subprocess.call([sys.executable, "-m", "venv", str(VENV)]) != 0:
            sys.exit("[tasks] could not create .venv/ (on Debian/Ubuntu: apt install python3-venv)")
    torch_spec = os.environ.get("FACEFEAT_TORCH", TORCH_DEFAULT).strip() or TORCH_DEFAULT
    digest = hashlib.sha256()
    digest.update((ROOT / "pyproject.toml").read_bytes())
    digest.update(torch_spec.encode())
    digest.update(str(py).encode())
    want = digest.hexdigest()
    if STAMP.exists() and STAMP.read_text().strip() == want:
        log(".venv/ is up to date")
        return py
    pip = [py, "-m", "pip", "install", "--disable-pip-version-check"]
    if torch_spec.lower() != "skip":
        check(pip + shlex.split(torch_spec))
    check(pip + ["-e", ".[dev]"])
    STAMP.write_text(want + "\n")
    log(f"set up .venv/ in {time.perf_counter() - t0:.0f} s")
    return py


def demo(args: list[str]) -> int:
    py = setup()
    if not any(a == "--params" or a.startswith("--params=") for a in args):
        args = ["--params", "notebooks/params/cpu.yaml", *args]
    return run([py, "-m", "facefeat_lite.pipeline", *args], env=venv_env())


def test(args: list[str]) -> int:
    py = setup()
    t0 = time.perf_counter()
    rc_unit = run([py, "-m", "pytest", *args], env=venv_env())
    notebooks = sorted(glob.glob(str(ROOT / NOTEBOOK_GLOB)))
    rc_nb = 0
    if notebooks:
        rel = [os.path.relpath(n, ROOT) for n in notebooks]
        rc_nb = run([py, "-m", "pytest", "--nbval-lax", "--nbval-current-env",
                     "--nbval-sanitize-with", SANITIZE, "-p", "no:cacheprovider", *rel],
                    env=venv_env(FACEFEAT_SMOKE="1"))
    else:
        log("no committed notebooks (notebooks/NN_*.ipynb): nbval step skipped")
    log(f"tests took {time.perf_counter() - t0:.0f} s: unit tests "
        f"{'passed' if rc_unit == 0 else f'FAILED (exit {rc_unit})'}, notebooks "
        f"{'passed' if rc_nb == 0 else f'FAILED (exit {rc_nb})'}")
    return rc_unit or rc_nb


def execute(args: list[str]) -> int:
    py = setup()
    if not args:
        sys.exit("[tasks] usage: python3 tasks.py execute notebooks/NN_name.py [...]")
    return run([py, "-m", "facefeat_lite.pipeline", "--execute-pair", *args], env=venv_env())


def main(argv: list[str]) -> int:
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(__doc__)
        return 0
    cmd, rest = argv[0], argv[1:]
    if cmd == "setup":
        setup()
        return 0
    if cmd == "demo":
        return demo(rest)
    if cmd == "test":
        return test(rest)
    if cmd == "execute":
        return execute(rest)
    print(f"unknown task {cmd!r}\n{__doc__}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
