"""LFW's verification protocol: ``pairs.txt`` (notebook ``00_data``, last section).

Labeled Faces in the Wild (Huang et al. 2007, http://vis-www.cs.umass.edu/lfw/) ships its
images as ``lfw/<name>/<name>_<0004d>.jpg`` (250x250) — read them for training or
identification with :class:`facefeat_lite.data.real.IdentityFolder` — and its verification
benchmark ("View 2") as ``pairs.txt``::

    10	300                        <- header: folds, matched pairs per fold (= mismatched pairs)
    Abel_Pacheco	1	4              <- fold 1: 300 same-person lines  "name n1 n2"
    ...
    AJ_Cook	1	Marsha_Thomason	1  <- then 300 different-person lines "name1 n1 name2 n2"
    ...                            <- then fold 2, ... fold 10

The development files of "View 1" (``pairsDevTrain.txt``, ``pairsDevTest.txt``) have a
one-number header (the number of matched pairs) and are read as a single fold.

:func:`read_lfw_pairs` parses and validates such a file (errors name the line);
:class:`LFWPairs` turns it into a data set of image pairs whose items hold two sample
dictionaries (``image`` and ``path``; no ``identity``: the image-restricted protocol does not
give names to the algorithm), the ``same`` flag and the ``fold`` index, ready for
:func:`facefeat_lite.metrics.verification_10fold`.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import torch
from torch.utils.data import Dataset

from facefeat_lite.data.real import (
    DatasetLayoutError, UnreadableImageError, check_size_crop, is_readable, load_image,
)

__all__ = ["LFWPair", "LFWPairsFormatError", "lfw_relpath", "read_lfw_pairs", "LFWPairs"]


class LFWPairsFormatError(ValueError):
    """A pairs file does not follow LFW's format; the message names the file and line."""


def lfw_relpath(name: str, number: int) -> str:
    """Path of image ``number`` of ``name`` relative to the LFW root: ``name/name_0004.jpg``."""
    return f"{name}/{name}_{number:04d}.jpg"


@dataclass(frozen=True)
class LFWPair:
    """One line of a pairs file: two images (person name, 1-based image number) and whether
    they show the same person."""

    name_a: str
    number_a: int
    name_b: str
    number_b: int
    same: bool

    @property
    def relpaths(self) -> tuple[str, str]:
        """The two image paths relative to the LFW root."""
        return lfw_relpath(self.name_a, self.number_a), lfw_relpath(self.name_b, self.number_b)

    def paths(self, root) -> tuple[str, str]:
        """The two image paths under ``root`` (the folder holding the per-person folders)."""
        root = os.path.expanduser(os.fspath(root))
        return tuple(os.path.join(root, p) for p in self.relpaths)


def _number(text: str, path: str, line_no: int, line: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise LFWPairsFormatError(f"{path}, line {line_no}: image number {text!r} is not a positive "
                                  f"integer in {line!r}")
    return int(text)


def read_lfw_pairs(path) -> list[list[LFWPair]]:
    """Parse an LFW pairs file into folds, each a list of :class:`LFWPair` (matched first).

    Checks the header ("<folds> <pairs per class>" or "<pairs per class>"), the number of
    lines, and that each fold's first half are same-person lines ``name n1 n2`` and its second
    half different-person lines ``name1 n1 name2 n2``. Raises :class:`LFWPairsFormatError`
    naming the line otherwise.
    """
    path = os.path.expanduser(os.fspath(path))
    with open(path, encoding="utf-8") as f:
        lines = [(no, line.rstrip("\r\n")) for no, line in enumerate(f, 1)]
    while lines and not lines[-1][1].strip():
        lines.pop()  # trailing blank lines
    if not lines:
        raise LFWPairsFormatError(f"{path}: empty file, expected a header line like '10 300'")
    header = lines[0][1].split()
    if not 1 <= len(header) <= 2 or not all(h.isdigit() and int(h) > 0 for h in header):
        raise LFWPairsFormatError(f"{path}, line 1: expected a header '<folds> <pairs per class>' "
                                  f"(e.g. '10 300') or '<pairs per class>', got {lines[0][1]!r}")
    n_folds, per_class = (int(header[0]), int(header[1])) if len(header) == 2 else (1, int(header[0]))
    body = lines[1:]
    if len(body) != n_folds * 2 * per_class:
        raise LFWPairsFormatError(
            f"{path}: header says {n_folds} fold(s) x 2 x {per_class} pairs = "
            f"{n_folds * 2 * per_class} lines, found {len(body)} after the header")
    folds = []
    for k in range(n_folds):
        fold = []
        for j, (line_no, line) in enumerate(body[k * 2 * per_class:(k + 1) * 2 * per_class]):
            fields = line.split()
            same = j < per_class
            if same and len(fields) == 3:
                a, b = (_number(x, path, line_no, line) for x in fields[1:])
                fold.append(LFWPair(fields[0], a, fields[0], b, True))
            elif not same and len(fields) == 4:
                a, b = (_number(x, path, line_no, line) for x in (fields[1], fields[3]))
                fold.append(LFWPair(fields[0], a, fields[2], b, False))
            else:
                want = "a same-person line 'name n1 n2'" if same else \
                    "a different-person line 'name1 n1 name2 n2'"
                raise LFWPairsFormatError(f"{path}, line {line_no}: expected {want} (fold {k + 1}, "
                                          f"{'matched' if same else 'mismatched'} pair "
                                          f"{j % per_class + 1} of {per_class}), got {line!r}")
        folds.append(fold)
    return folds


class LFWPairs(Dataset):
    """LFW verification pairs: item i is ``{"a": sample, "b": sample, "same": bool, "fold": int}``.

    ``root`` is the folder holding the per-person folders (``lfw/``, or ``lfw-deepfunneled/``);
    ``pairs_path`` defaults to ``pairs.txt`` in ``root`` or next to it. ``folds`` (0-based)
    keeps only some folds. Every image a pair names must exist (checked at construction).
    """

    LAYOUT = """\
    <root>/                        (lfw/ or lfw-deepfunneled/)
    ├── Aaron_Eckhart/
    │   └── Aaron_Eckhart_0001.jpg
    ├── ...
    └── pairs.txt                  (or next to <root>; or pass pairs_path=)"""

    def __init__(self, root, pairs_path=None, size: int | None = 64, crop: str = "resize",
                 folds=None):
        check_size_crop(size, crop)
        self.root = os.path.expanduser(os.fspath(root))
        self.size, self.crop = size, crop
        if not os.path.isdir(self.root):
            raise DatasetLayoutError(f"LFWPairs: root folder {self.root!r} does not exist",
                                     self.LAYOUT, self.root)
        if pairs_path is None:
            candidates = [os.path.join(self.root, "pairs.txt"),
                          os.path.join(os.path.dirname(os.path.abspath(self.root)), "pairs.txt")]
            pairs_path = next((p for p in candidates if os.path.isfile(p)), None)
            if pairs_path is None:
                raise DatasetLayoutError(
                    f"LFWPairs: pairs.txt not found (looked at {', '.join(candidates)})",
                    self.LAYOUT, self.root)
        self.pairs_path = os.fspath(pairs_path)
        all_folds = read_lfw_pairs(self.pairs_path)
        keep = range(len(all_folds)) if folds is None else folds
        self.pairs = [(pair, k) for k in keep for pair in all_folds[k]]  # (LFWPair, fold)
        missing = sorted({p for pair, _ in self.pairs for p in pair.relpaths
                          if not os.path.isfile(os.path.join(self.root, p))})
        if missing:
            raise DatasetLayoutError(
                f"LFWPairs: {len(missing)} images named in {self.pairs_path} are missing under "
                f"{self.root!r} ({', '.join(missing[:3])}{', ...' if len(missing) > 3 else ''})",
                self.LAYOUT, self.root)

    def __len__(self) -> int:
        return len(self.pairs)

    def __getitem__(self, index: int) -> dict:
        pair, fold = self.pairs[index]
        a, b = pair.paths(self.root)
        return {"a": {"image": load_image(a, self.size, self.crop), "path": a},
                "b": {"image": load_image(b, self.size, self.crop), "path": b},
                "same": pair.same, "fold": fold}

    @property
    def same(self) -> torch.Tensor:
        """(N,) bool, whether each pair shows one person (for the verification metrics)."""
        return torch.tensor([pair.same for pair, _ in self.pairs], dtype=torch.bool)

    @property
    def fold(self) -> torch.Tensor:
        """(N,) int64 fold index of each pair."""
        return torch.tensor([fold for _, fold in self.pairs], dtype=torch.int64)

    def verify(self) -> int:
        """Decode every image the pairs use; raise one UnreadableImageError listing all bad paths."""
        paths = sorted({p for pair, _ in self.pairs for p in pair.paths(self.root)})
        bad = [p for p in paths if not is_readable(p)]
        if bad:
            raise UnreadableImageError(bad, "found by verify()")
        return len(paths)

    def __repr__(self) -> str:
        n_folds = len({fold for _, fold in self.pairs})
        return f"LFWPairs(root={self.root!r}, pairs={len(self)}, folds={n_folds}, size={self.size})"
