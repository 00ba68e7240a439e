"""Notebook parameters: one typed dataclass per notebook, checked where papermill does not.

Every notebook ``notebooks/NN_name.ipynb`` starts with a papermill ``parameters`` cell. That
cell mirrors a dataclass registered under the notebook's stem (declared in
:mod:`facefeat_lite.notebook_params`, with the machinery here; same names, same order,
same defaults; ``tests/test_params.py`` keeps them in step). The cell after it calls::

    P = DataParams.from_globals(globals())

which rebuilds the dataclass from the notebook's globals, type-checks every value, refuses
parameters that no notebook declares (papermill only logs those), applies the smoke scale when
``FACEFEAT_SMOKE=1`` and resolves ``device="auto"``. From then on the notebook reads ``P.x``.

Parameter *sets* (``notebooks/params/cpu.yaml``, ``full_gpu.yaml``) are flat: one namespace of
names shared by all notebooks; a name means the same thing, with the same type, in every
notebook that declares it. :func:`validate_parameter_set` checks a whole set at once and
splits it per notebook; ``python -m facefeat_lite.pipeline`` runs it, and
``papermill nb.ipynb out.ipynb -f notebooks/params/full_gpu.yaml`` works on any notebook.

Relative paths in parameters (``run_dir``, ``data_dir``, ``data_root``) are relative to the
project root, wherever the kernel runs (Jupyter and nbval start it in ``notebooks/``, the
pipeline in the root): use :func:`project_path` or ``P.run_path`` / ``P.data_path``.

The design follows nanoGPT's configurator (override module globals, refuse unknown keys and
wrong types) and its two presets: a CPU scale that runs in minutes and the papers' scale.
"""

from __future__ import annotations

import ast
import dataclasses
import difflib
import inspect
import json
import os
import re
import types
import typing
from pathlib import Path
from typing import Any, ClassVar, Mapping

__all__ = [
    "ParameterError",
    "NotebookParams",
    "CommonParams",
    "REGISTRY",
    "register",
    "all_fields",
    "validate_parameter_set",
    "load_parameter_set",
    "parse_parameters_cell",
    "check_parameters_cell",
    "render_parameters_cell",
    "smoke_enabled",
    "resolve_device",
    "project_root",
    "project_path",
]

NOTEBOOK_STEM = re.compile(r"^\d\d_[a-z0-9_]+$")
INJECTED_HEADER = "# Parameters"  # papermill's injected cell starts with this comment line
SMOKE_ENV = "FACEFEAT_SMOKE"


class ParameterError(ValueError):
    """A parameter problem; the message lists every problem found, one per line."""

    def __init__(self, problems: list[str] | str, context: str = "parameters"):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) with {context}:\n{lines}")


# --------------------------------------------------------------------------- paths, device


def project_root() -> Path:
    """The checkout's root (the folder holding ``pyproject.toml`` next to the package).

    For a non-editable install there is no checkout: the current directory is used.
    """
    root = Path(__file__).resolve().parent.parent
    return root if (root / "pyproject.toml").is_file() else Path.cwd()


def project_path(path: str | os.PathLike) -> Path:
    """``path`` if absolute, else ``project_root() / path`` (``~`` expanded)."""
    p = Path(path).expanduser()
    return p if p.is_absolute() else project_root() / p


def smoke_enabled() -> bool:
    """True when ``FACEFEAT_SMOKE`` is set to a true value (1, true, yes, on)."""
    return os.environ.get(SMOKE_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def resolve_device(device: str) -> str:
    """``"auto"`` -> ``"cuda"`` when available, else ``"cpu"``; anything else unchanged."""
    if device != "auto":
        return device
    import torch  # lazy: params must import fast and without torch for YAML checks

    return "cuda" if torch.cuda.is_available() else "cpu"


# --------------------------------------------------------------------------- type checking


def type_name(tp: Any) -> str:
    """The annotation as written in a parameters cell: ``int``, ``list[int]``, ``str | None``."""
    if tp is type(None):
        return "None"
    if typing.get_origin(tp) is None and isinstance(tp, type):
        return tp.__name__
    return repr(tp).replace("typing.", "")


def _describe(value: Any) -> str:
    return f"{value!r} ({type(value).__name__})"


def check_value(value: Any, tp: Any, name: str) -> tuple[Any, str | None]:
    """Check ``value`` against annotation ``tp``; return ``(value, None)`` or ``(value, error)``.

    Rules: ``bool`` is not an ``int``; an ``int`` is accepted (and converted) for ``float``;
    strings are never parsed into numbers or lists (a wrong type is an error, not a cast);
    ``list[T]`` / ``tuple[T, ...]`` / ``dict[str, T]`` are checked element-wise; ``X | None``
    accepts ``None``. A tuple is accepted for a list (YAML has no tuples).
    """
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        for alt in args:
            v, err = check_value(value, alt, name)
            if err is None:
                return v, None
        return value, f"{name}: expected {type_name(tp)}, got {_describe(value)}"
    if tp is type(None):
        return value, None if value is None else f"{name}: expected None, got {_describe(value)}"
    if origin in (list, tuple):
        if not isinstance(value, (list, tuple)):
            hint = ""
            if isinstance(value, str) and value.strip()[:1] in "[(":
                hint = " (papermill's -p passes lists as strings: use -y or a YAML file)"
            return value, f"{name}: expected {type_name(tp)}, got {_describe(value)}{hint}"
        elem = args[0] if args else Any
        out, errs = [], []
        for i, v in enumerate(value):
            v2, err = check_value(v, elem, f"{name}[{i}]")
            out.append(v2)
            if err:
                errs.append(err)
        if errs:
            return value, "; ".join(errs)
        return (out if origin is list else tuple(out)), None
    if origin is dict:
        if not isinstance(value, dict):
            return value, f"{name}: expected {type_name(tp)}, got {_describe(value)}"
        ktp, vtp = args if args else (Any, Any)
        out, errs = {}, []
        for k, v in value.items():
            _, kerr = check_value(k, ktp, f"{name} key")
            v2, verr = check_value(v, vtp, f"{name}[{k!r}]")
            errs += [e for e in (kerr, verr) if e]
            out[k] = v2
        return (value, "; ".join(errs)) if errs else (out, None)
    if tp is Any:
        return value, None
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return value, f"{name}: expected float, got {_describe(value)}{_number_hint(value)}"
        return float(value), None
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            hint = _number_hint(value)
            if isinstance(value, float) and value.is_integer():
                hint = f" (write {int(value)})"
            return value, f"{name}: expected int, got {_describe(value)}{hint}"
        return value, None
    if tp is bool:
        if not isinstance(value, bool):
            return value, f"{name}: expected bool (true/false), got {_describe(value)}"
        return value, None
    if tp is str:
        if not isinstance(value, str):
            return value, f"{name}: expected str, got {_describe(value)} (quote it)"
        return value, None
    if isinstance(tp, type):
        if not isinstance(value, tp):
            return value, f"{name}: expected {type_name(tp)}, got {_describe(value)}"
        return value, None
    raise TypeError(f"unsupported parameter annotation {tp!r} for {name}")


def _number_hint(value: Any) -> str:
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return ""
        return (" (a number written as a string: PyYAML reads 8e-5 as a string, write 8.0e-5;"
                " papermill's -p/-r pass strings too)")
    return ""


# --------------------------------------------------------------------------- the dataclasses

REGISTRY: dict[str, type["NotebookParams"]] = {}
SMOKE_RUN_SUFFIX = "-smoke"   # at smoke scale run_dir "runs/demo" becomes "runs/demo-smoke"


@dataclasses.dataclass(repr=False)
class NotebookParams:
    """Base of every notebook's parameters. Subclasses are dataclasses registered by stem.

    Class attributes:
      ``NOTEBOOK``: the notebook stem (set by :func:`register`).
      ``SMOKE``: overrides applied when ``FACEFEAT_SMOKE`` is true (CI's smoke scale).
    Instance attributes besides the fields: ``smoke`` (bool) and ``requested_device``
    (the ``device`` value before ``"auto"`` was resolved).
    """

    NOTEBOOK: ClassVar[str] = ""
    SMOKE: ClassVar[dict[str, Any]] = {}

    # ---- construction

    @classmethod
    def field_types(cls) -> dict[str, Any]:
        """``{name: annotation}`` of the fields, in declaration order."""
        hints = typing.get_type_hints(cls)
        return {f.name: hints[f.name] for f in dataclasses.fields(cls)}

    @classmethod
    def defaults(cls) -> dict[str, Any]:
        """``{name: default}`` in declaration order (every field must have a default)."""
        out = {}
        for f in dataclasses.fields(cls):
            if f.default is not dataclasses.MISSING:
                out[f.name] = f.default
            elif f.default_factory is not dataclasses.MISSING:
                out[f.name] = f.default_factory()
            else:
                raise TypeError(f"{cls.__name__}.{f.name} has no default")
        return out

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any], *, smoke: bool | None = None,
                     context: str | None = None) -> "NotebookParams":
        """Build from a mapping holding every field; type-check all, raise one error.

        Extra keys are ignored here (see :func:`validate_parameter_set` for unknown names).
        ``smoke=None`` reads ``FACEFEAT_SMOKE``.
        """
        problems, kwargs = [], {}
        for name, tp in cls.field_types().items():
            if name not in values:
                problems.append(f"{name}: missing (the parameters cell must define it; "
                                f"{cls.__name__} declares it)")
                continue
            v, err = check_value(values[name], tp, name)
            if err:
                problems.append(err)
            kwargs[name] = v
        if problems:
            raise ParameterError(problems, context or f"{cls.NOTEBOOK or cls.__name__} parameters")
        obj = cls(**kwargs)
        obj._finish(smoke_enabled() if smoke is None else smoke)
        return obj

    @classmethod
    def from_globals(cls, g: Mapping[str, Any], *, smoke: bool | None = None) -> "NotebookParams":
        """Build from a notebook's ``globals()`` (call it right after the parameters cell).

        (a) type-checks each field's value (no silent casts); (b) finds the names papermill
        injected (the latest cell in IPython's ``In`` whose source starts with
        ``# Parameters``) and refuses names no registered notebook declares; (c) applies
        ``SMOKE`` overrides when ``FACEFEAT_SMOKE`` is true (they win over injected values:
        smoke is CI's scale); (d) resolves ``device="auto"``. Works outside IPython too.
        """
        problems = []
        injected = injected_names(g)
        known = all_fields()
        for name in injected:
            if name not in known:
                problems.append(_unknown_message(name, known, "no notebook declares it"))
        try:
            obj = cls.from_mapping(g, smoke=smoke)
        except ParameterError as e:
            problems = problems + e.problems
        if problems:
            raise ParameterError(problems, f"{cls.NOTEBOOK or cls.__name__} parameters")
        return obj

    def _finish(self, smoke: bool) -> None:
        if smoke:
            for name, value in self.SMOKE.items():
                setattr(self, name, value)
            if getattr(self, "run_dir", ""):
                # smoke outputs (metrics.json, figures) must not overwrite a real run's
                self.run_dir = self.run_dir.rstrip("/") + SMOKE_RUN_SUFFIX
        self.smoke = smoke
        self.requested_device = getattr(self, "device", "auto")
        if hasattr(self, "device"):
            self.device = resolve_device(self.device)

    # ---- views

    def to_dict(self) -> dict[str, Any]:
        """The field values (device resolved), in declaration order."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    def __repr__(self) -> str:
        flags = [self.NOTEBOOK] if self.NOTEBOOK else []
        if getattr(self, "smoke", False):
            flags.append("smoke scale")
        head = f"{type(self).__name__}({', '.join(flags)})"
        width = max((len(f.name) for f in dataclasses.fields(self)), default=0)
        lines = [head]
        for name, value in self.to_dict().items():
            note = ""
            if name == "device" and getattr(self, "requested_device", value) != value:
                note = f"  (requested {self.requested_device!r})"
            elif getattr(self, "smoke", False) and (name in self.SMOKE or name == "run_dir"):
                note = "  (smoke)"
            lines.append(f"  {name:<{width}} = {value!r}{note}")
        return "\n".join(lines)


@dataclasses.dataclass(repr=False)
class CommonParams(NotebookParams):
    """Fields every notebook has (in this order, first in every parameters cell)."""

    seed: int = 0  # global random seed (SynthFaces, initialisation, sampling)
    device: str = "auto"  # "auto": cuda when available, else cpu; or "cpu", "cuda", "cuda:1"
    run_dir: str = "runs/demo"  # outputs: checkpoints, metrics.json, figures (relative to repo root)
    data_dir: str = "data"  # SynthFaces cache root (relative to repo root)
    dataset: str = "synthfaces"  # "synthfaces", or a real set (facefeat_lite.data.real): "folder", "celeba", "celebamask_hq"
    data_root: str = ""  # a real data set's root folder ("" for SynthFaces)
    image_size: int = 64  # face image side in pixels (the papers: 128 for FaceFeat-GAN)

    @property
    def run_path(self) -> Path:
        """``run_dir`` resolved against the project root."""
        return project_path(self.run_dir)

    @property
    def data_path(self) -> Path:
        """``data_dir`` resolved against the project root."""
        return project_path(self.data_dir)

    @property
    def data_root_path(self) -> Path | None:
        """``data_root`` resolved against the project root, or None when empty."""
        return project_path(self.data_root) if self.data_root else None


def register(stem: str):
    """Class decorator: register a parameters dataclass under its notebook stem.

    Refuses a name whose type differs from the same name in an already registered notebook
    (the parameter-set YAML files are one flat namespace), and ``SMOKE`` keys that are not
    fields or have the wrong type.
    """
    if not NOTEBOOK_STEM.match(stem):
        raise ValueError(f"notebook stem {stem!r} must look like NN_name (two digits, lower case)")

    def deco(cls):
        if not (isinstance(cls, type) and issubclass(cls, NotebookParams)
                and dataclasses.is_dataclass(cls)):
            raise TypeError(f"{cls!r} must be a dataclass subclassing NotebookParams")
        if stem in REGISTRY and REGISTRY[stem] is not cls:
            raise ValueError(f"notebook {stem!r} already registered to {REGISTRY[stem].__name__}")
        types_ = cls.field_types()
        cls.defaults()  # every field needs a default
        shared = all_fields()
        for name, tp in types_.items():
            if name in shared and shared[name] != tp:
                raise TypeError(f"{cls.__name__}.{name}: {type_name(tp)} conflicts with "
                                f"{type_name(shared[name])} declared by another notebook")
        for name, value in cls.SMOKE.items():
            if name not in types_:
                raise ValueError(f"{cls.__name__}.SMOKE: {name!r} is not a field")
            _, err = check_value(value, types_[name], f"{cls.__name__}.SMOKE[{name!r}]")
            if err:
                raise TypeError(err)
        cls.NOTEBOOK = stem
        REGISTRY[stem] = cls
        return cls

    return deco


def all_fields() -> dict[str, Any]:
    """The shared namespace: ``{name: annotation}`` over every registered notebook."""
    out: dict[str, Any] = {}
    for cls in REGISTRY.values():
        out.update(cls.field_types())
    return out


# --------------------------------------------------------------------------- parameter sets


def _unknown_message(name: str, known: Mapping[str, Any], why: str) -> str:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"{name}: unknown parameter ({why}){hint}"


def validate_parameter_set(mapping: Mapping[str, Any], context: str = "parameter set"
                           ) -> dict[str, dict[str, Any]]:
    """Check a flat parameter set against every registered notebook; split it per notebook.

    Raises one :class:`ParameterError` listing every unknown name (with a did-you-mean) and
    every wrong type. Returns ``{stem: {name: value}}`` holding, for each notebook, the names
    of the set that its dataclass declares (ints given for floats converted).
    """
    if mapping is None:
        mapping = {}
    if not isinstance(mapping, Mapping):
        raise ParameterError(f"expected a mapping of name: value, got {type(mapping).__name__}",
                             context)
    known = all_fields()
    problems, clean = [], {}
    for name, value in mapping.items():
        if not isinstance(name, str):
            problems.append(f"{name!r}: parameter names must be strings")
        elif name not in known:
            problems.append(_unknown_message(name, known, "no notebook declares it"))
        elif value is None:
            problems.append(f"{name}: empty value (YAML reads `{name}:` with nothing as null)")
        else:
            v, err = check_value(value, known[name], name)
            if err:
                problems.append(err)
            clean[name] = v
    if problems:
        raise ParameterError(problems, context)
    return {stem: {n: clean[n] for n in cls.field_types() if n in clean}
            for stem, cls in sorted(REGISTRY.items())}


def load_parameter_set(path: str | os.PathLike) -> dict[str, dict[str, Any]]:
    """Read a flat YAML parameter set and :func:`validate_parameter_set` it."""
    import yaml

    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    return validate_parameter_set(data, context=str(path))


# --------------------------------------------------------------------------- parameters cells


def injected_names(g: Mapping[str, Any]) -> list[str]:
    """Names assigned by papermill's injected cell, read from IPython's ``In`` history.

    The latest input whose source starts with ``# Parameters`` is parsed with ``ast``.
    Outside IPython (no ``In``) there is nothing to read: returns ``[]``.
    """
    history = g.get("In")
    if not isinstance(history, (list, tuple)):
        return []
    for src in reversed(history):
        if isinstance(src, str) and src.lstrip().startswith(INJECTED_HEADER):
            try:
                tree = ast.parse(src)
            except SyntaxError:
                return []
            names = []
            for node in tree.body:
                targets = node.targets if isinstance(node, ast.Assign) else (
                    [node.target] if isinstance(node, ast.AnnAssign) else [])
                names += [t.id for t in targets if isinstance(t, ast.Name)]
            return names
    return []


def parse_parameters_cell(source: str) -> list[tuple[str, str | None, Any]]:
    """``[(name, annotation text or None, default value)]`` of a parameters cell's assignments.

    Raises :class:`ParameterError` for statements that are not plain ``name = literal``.
    """
    problems, out = [], []
    for node in ast.parse(source).body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            name, ann, value = node.target.id, ast.unparse(node.annotation), node.value
        elif (isinstance(node, ast.Assign) and len(node.targets) == 1
              and isinstance(node.targets[0], ast.Name)):
            name, ann, value = node.targets[0].id, None, node.value
        else:
            problems.append(f"line {node.lineno}: not a `name: type = literal` assignment")
            continue
        if value is None:
            problems.append(f"line {node.lineno}: {name} has no value")
            continue
        try:
            out.append((name, ann, ast.literal_eval(value)))
        except ValueError:
            problems.append(f"line {node.lineno}: {name}'s value is not a literal")
    if problems:
        raise ParameterError(problems, "parameters cell")
    return out


def check_parameters_cell(source: str, cls: type[NotebookParams]) -> list[str]:
    """Differences between a parameters cell and its dataclass (names, order, types, defaults)."""
    try:
        cell = parse_parameters_cell(source)
    except ParameterError as e:
        return e.problems
    except SyntaxError as e:
        return [f"syntax error: {e}"]
    want = [(n, type_name(t), cls.defaults()[n]) for n, t in cls.field_types().items()]
    problems = []
    cell_names, want_names = [c[0] for c in cell], [w[0] for w in want]
    for n in cell_names:
        if n not in want_names:
            problems.append(_unknown_message(n, dict.fromkeys(want_names),
                                             f"{cls.__name__} does not declare it"))
    for n in want_names:
        if n not in cell_names:
            problems.append(f"{n}: missing from the cell ({cls.__name__} declares it)")
    if not problems and cell_names != want_names:
        problems.append(f"order differs: cell {cell_names} vs {cls.__name__} {want_names}")
    unread = [n for n in cell_names if n not in _papermill_names(source)]
    if unread:
        problems.append(f"papermill cannot read {unread} from the cell (its parser allows one "
                        f"'=' per line, comments included, and annotations like list[int] but "
                        f"not `X | None`): papermill would call them unknown parameters")
    cell_by = {c[0]: c for c in cell}
    for n, tname, default in want:
        if n not in cell_by:
            continue
        _, ann, value = cell_by[n]
        if ann != tname:
            problems.append(f"{n}: annotated {ann or '(none)'} in the cell, {tname} in {cls.__name__}")
        if type(value) is not type(default) or value != default:
            problems.append(f"{n}: default {value!r} in the cell, {default!r} in {cls.__name__}")
    return problems


def _papermill_names(source: str) -> set[str]:
    """The names papermill's own parser finds in a parameters cell (it warns on the rest)."""
    import logging

    from papermill.translators import PythonTranslator

    cell = {"source": source}  # papermill only reads the cell's source
    log = logging.getLogger("papermill")
    level = log.level
    log.setLevel(logging.ERROR)  # its "Unable to parse line" warning is reported by the caller
    try:
        return {p.name for p in PythonTranslator.inspect(cell)}
    finally:
        log.setLevel(level)


def _field_comments(cls: type) -> dict[str, str]:
    comments: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if not dataclasses.is_dataclass(klass) or klass is object:
            continue
        try:
            src = inspect.getsource(klass)
        except (OSError, TypeError):
            continue
        for line in src.splitlines():
            m = re.match(r"^\s+(\w+)\s*:[^=#]+=[^#]*#\s?(.*)$", line)
            if m:
                comments[m.group(1)] = m.group(2).strip()
    return comments


def render_parameters_cell(cls: type[NotebookParams]) -> str:
    """The parameters cell's code for ``cls`` (paste it into the notebook's first code cell)."""
    comments = _field_comments(cls)
    lines = []
    for name, tp in cls.field_types().items():
        default = cls.defaults()[name]
        text = json.dumps(default, ensure_ascii=False) if isinstance(default, str) else repr(default)
        line = f"{name}: {type_name(tp)} = {text}"
        if comments.get(name):
            line += f"  # {comments[name]}"
        lines.append(line)
    return "\n".join(lines)


def _main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(prog="python -m facefeat_lite.params",
                                 description="Print a notebook's parameters cell, or check "
                                             "a parameter-set YAML file.")
    ap.add_argument("--cell", metavar="STEM", help="print the parameters cell of notebook STEM")
    ap.add_argument("--check", metavar="YAML", help="validate a parameter-set file")
    args = ap.parse_args(argv)
    # Under ``python -m`` this file runs as __main__; the notebooks register in the real module.
    from facefeat_lite.params import REGISTRY, load_parameter_set, render_parameters_cell
    if args.cell:
        if args.cell not in REGISTRY:
            print(f"unknown notebook {args.cell!r}; registered: {sorted(REGISTRY)}")
            return 2
        print(render_parameters_cell(REGISTRY[args.cell]))
    if args.check:
        try:
            load_parameter_set(args.check)
        except ParameterError as e:
            print(e)
            return 2
        print(f"{args.check}: ok")
    return 0


# Every notebook's dataclass lives in notebook_params (this import registers them); names such as
# ``DataParams`` stay importable from here.
from . import notebook_params as _notebook_params  # noqa: E402


def __getattr__(name: str):
    if name.endswith("Params") and hasattr(_notebook_params, name):
        return getattr(_notebook_params, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


if __name__ == "__main__":
    raise SystemExit(_main())
