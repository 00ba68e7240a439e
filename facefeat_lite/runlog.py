"""Run log: what a notebook run leaves behind in its ``run_dir``.

- ``<run_dir>/metrics.json``: ``{"<notebook stem>": {"<metric>": number, ...}, ...}``, merged
  by :func:`record_metrics` from every notebook of a run (the pipeline prints its path).
- ``<run_dir>/figures/<stem>/<name>.png``: figures saved by :func:`save_figure`.
- ``<run_dir>/notebooks/<stem>.ipynb``: the executed notebooks (written by the pipeline).

Writes are atomic (a temporary file in the same folder, then ``os.replace``), so a run that
is killed never leaves a half-written JSON file. Relative ``run_dir`` values are relative to
the project root (see :func:`facefeat_lite.params.project_path`).
"""

from __future__ import annotations

import io
import json
import math
import numbers
import os
import tempfile
from pathlib import Path
from typing import Any, Mapping

from .params import project_path

__all__ = ["atomic_write_bytes", "atomic_write_json", "read_json", "record_metrics",
           "read_metrics", "save_figure", "METRICS_FILE"]

METRICS_FILE = "metrics.json"
FIGURE_DPI = 100


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (temp file in the same folder + ``os.replace``).

    Creates missing parent folders. Returns the path written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)              # mkstemp makes 0600; give the usual file mode
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path


def atomic_write_json(path: str | os.PathLike, obj: Any) -> Path:
    """Write ``obj`` as indented, key-sorted JSON (strict: no NaN/inf), atomically."""
    text = json.dumps(obj, indent=2, sort_keys=True, allow_nan=False) + "\n"
    return atomic_write_bytes(path, text.encode("utf-8"))


def read_json(path: str | os.PathLike, default: Any = None) -> Any:
    """Read a JSON file, or return ``default`` when it does not exist."""
    path = Path(path)
    if not path.exists():
        return default
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def _check_metrics(metrics: Mapping[str, Any]) -> dict[str, float | int]:
    if not isinstance(metrics, Mapping):
        raise TypeError(f"metrics must be a dict of name: number, got {type(metrics).__name__}")
    problems, clean = [], {}
    for name, value in metrics.items():
        if not isinstance(name, str):
            problems.append(f"{name!r}: metric names must be strings")
            continue
        if not isinstance(value, numbers.Real) and hasattr(value, "item"):
            try:  # 0-d numpy arrays and one-element torch tensors
                value = value.item()
            except (ValueError, RuntimeError, TypeError):
                pass
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            problems.append(f"{name}: {value!r} is not a number")
        elif not math.isfinite(value):
            problems.append(f"{name}: {value!r} is not finite")
        else:
            clean[name] = int(value) if isinstance(value, numbers.Integral) else float(value)
    if problems:
        raise ValueError("cannot record metrics:\n" + "\n".join(f"  - {p}" for p in problems))
    return clean


def record_metrics(stem: str, metrics: Mapping[str, Any], run_dir: str | os.PathLike) -> Path:
    """Merge ``metrics`` into ``<run_dir>/metrics.json`` under ``stem``; return the file path.

    Values must be finite real numbers (Python, numpy or 0-d torch scalars); anything else
    raises ``ValueError`` and writes nothing. Existing metrics of ``stem`` with other names,
    and other notebooks' metrics, are kept.
    """
    clean = _check_metrics(metrics)
    path = project_path(run_dir) / METRICS_FILE
    data = read_json(path, default={})
    data.setdefault(stem, {}).update(clean)
    atomic_write_json(path, data)
    return path


def read_metrics(run_dir: str | os.PathLike) -> dict[str, dict[str, float]]:
    """The run's ``metrics.json`` (``{}`` when nothing was recorded yet)."""
    return read_json(project_path(run_dir) / METRICS_FILE, default={})


def save_figure(fig, name: str, run_dir: str | os.PathLike, stem: str) -> Path:
    """Save a Matplotlib figure as ``<run_dir>/figures/<stem>/<name>.png``; return the path.

    Deterministic bytes for the same figure: fixed dpi, no metadata (no Software or date).
    """
    if not name or "/" in name or "\\" in name:
        raise ValueError(f"figure name {name!r} must be a plain file name (no folders)")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=FIGURE_DPI, metadata={"Software": None})
    path = project_path(run_dir) / "figures" / stem / f"{name}.png"
    return atomic_write_bytes(path, buf.getvalue())
