"""Loaders for real face data sets, for users who have them (notebook ``00_data``, last section).

SynthFaces (:mod:`facefeat_lite.data.synthfaces`) is the default data set of every notebook: it
is embedded, needs no download and carries every field of the sample dictionary. The loaders
here read the real data sets the two papers use, *from files you already have*; nothing is
ever downloaded. Each is a ``torch.utils.data.Dataset`` yielding the same sample dictionary as
SynthFaces (see :mod:`facefeat_lite.data`), with the fields a source cannot provide absent,
never faked:

* :class:`IdentityFolder` — one folder per identity (CASIA-WebFace, LFW, VGGFace2, your own
  photos): ``image``, ``identity``, ``path``.
* :class:`CelebA` — CelebA's aligned images, identity file and partition file: ``image``,
  ``identity``, ``path``.
* :class:`CelebAMaskHQ` — CelebA-HQ images with CelebAMask-HQ's part masks: ``image``,
  ``labels``, ``path`` (+ ``identity`` through CelebA-HQ's mapping to CelebA).
* :class:`facefeat_lite.data.lfw.LFWPairs` — LFW's ``pairs.txt`` verification protocol: pairs
  of sample dictionaries with a ``same`` flag and a ``fold`` index.

In the papers: FaceFeat-GAN (Sec. 4) reports LFW's 10-fold verification on generated images
(``lfw.py``); IDE (Sec. 3) trains and tests on CelebA-HQ, with semantic-label contours from
CelebAMask-HQ (:class:`CelebAMaskHQ`) and low-resolution contours made from ``image``.

Expected layouts (each class's ``LAYOUT`` string shows its tree; a missing root or a wrong
layout raises :class:`DatasetLayoutError` whose message shows that tree and what is missing)::

    IdentityFolder: <root>/<identity>/<image>.jpg|png|...
    CelebA:         <root>/img_align_celeba/000001.jpg, <root>/identity_CelebA.txt,
                    <root>/list_eval_partition.txt  (or the Img/, Anno/, Eval/ layout)
    CelebAMaskHQ:   <root>/CelebA-HQ-img/0.jpg, <root>/CelebAMask-HQ-mask-anno/0/00000_skin.png,
                    <root>/CelebA-HQ-to-CelebA-mapping.txt (optional)
    LFWPairs:       <root>/<name>/<name>_0001.jpg, pairs.txt in <root> or next to it

Images are decoded with PIL, converted to RGB (grayscale, palette and RGBA alike; alpha is
dropped) and brought to ``size`` x ``size``: ``crop="resize"`` (default) resizes the whole
aligned image (bicubic, antialiased when shrinking; non-square images such as CelebA's 178x218
are squeezed), ``crop="center"`` first cuts the largest centred square; a JPEG much larger
than ``size`` is first decoded at 1/2, 1/4 or 1/8 scale (PIL's ``draft``, never below
``size``), which makes CelebA-HQ's 1024² images fast to load at 256² or less. An image that cannot
be read raises :class:`UnreadableImageError` naming its path when it is loaded; ``verify()``
reads every file up front and reports all unreadable paths at once. Nothing is dropped silently.

Use :func:`open_dataset` in notebooks: ``open_dataset("celeba", "~/data/celeba", split="valid")``.
"""
from __future__ import annotations

import os
import random
import re
from typing import Iterator, Sequence

import numpy as np
import torch
from PIL import Image
from torch.utils.data import Dataset

from facefeat_lite.data.labels import LABEL_NAMES  # CelebAMask-HQ's 19 classes, in its order

__all__ = [
    "DatasetLayoutError", "UnreadableImageError", "IMAGE_EXTENSIONS", "CROPS",
    "load_image", "is_readable", "check_size_crop", "split_identities",
    "IdentityFolder", "CelebA", "CelebAMaskHQ", "DATASETS", "open_dataset",
]

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".ppm", ".pgm", ".tif", ".tiff", ".webp")
CROPS = ("resize", "center")  # how a non-square image becomes size x size (see load_image)


# ----------------------------------------------------------------------------------------- errors
class DatasetLayoutError(ValueError):
    """The root is missing or its files are not laid out as the loader expects.

    The message states the problem, then shows the expected layout as a small tree.
    """

    def __init__(self, problem: str, layout: str, root: str):
        self.problem, self.layout, self.root = problem, layout, root
        super().__init__(f"{problem}\n\nExpected layout (root = {root}):\n{layout}")


class UnreadableImageError(OSError):
    """One or more image files could not be decoded; ``paths`` lists them all."""

    def __init__(self, paths: Sequence[str], reason: str = ""):
        self.paths = list(paths)
        head = "cannot read image" if len(self.paths) == 1 else f"cannot read {len(self.paths)} images"
        listing = "\n".join(f"  {p}" for p in self.paths[:50])
        more = f"\n  ... and {len(self.paths) - 50} more" if len(self.paths) > 50 else ""
        super().__init__(f"{head}{': ' + reason if reason else ''}\n{listing}{more}")


_PIL_ERRORS = (OSError, SyntaxError, ValueError, Image.DecompressionBombError)


# ------------------------------------------------------------------------------ image decoding
def _fit(img: Image.Image, size: int | None, crop: str, resample: int) -> Image.Image:
    """Bring ``img`` to ``size`` x ``size``: optional centred square crop, then resize."""
    if crop == "center":
        w, h = img.size
        side = min(w, h)
        left, top = (w - side) // 2, (h - side) // 2
        img = img.crop((left, top, left + side, top + side))
    if size is not None and img.size != (size, size):
        img = img.resize((size, size), resample)  # PIL antialiases when shrinking
    return img


def load_image(path: str, size: int | None = 64, crop: str = "resize") -> torch.Tensor:
    """Read one image file as float32 (3, size, size) RGB in [0, 1] (``size=None``: native size).

    Raises :class:`UnreadableImageError` naming ``path`` if PIL cannot decode it.
    """
    try:
        with Image.open(path) as img:
            if size is not None:
                img.draft("RGB", (size, size))  # JPEG: let the decoder shrink by 2^k (>= size)
            img = _fit(img.convert("RGB"), size, crop, Image.BICUBIC)
    except _PIL_ERRORS as e:
        raise UnreadableImageError([path], f"{type(e).__name__}: {e}") from e
    array = np.asarray(img, dtype=np.uint8)  # (H, W, 3)
    return torch.from_numpy(array.copy()).permute(2, 0, 1).float().div_(255.0)


def check_size_crop(size: int | None, crop: str) -> None:
    """Validate the ``size`` / ``crop`` arguments every loader takes."""
    if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 1):
        raise ValueError(f"size must be a positive int or None, got {size!r}")
    if crop not in CROPS:
        raise ValueError(f"crop must be one of {CROPS}, got {crop!r}")


def is_readable(path: str) -> bool:
    """Whether PIL can fully decode the file at ``path``."""
    try:
        with Image.open(path) as img:
            img.load()
        return True
    except _PIL_ERRORS:
        return False


# ---------------------------------------------------------------------------------- base class
class _FaceFiles(Dataset):
    """Shared machinery: ``samples`` is a list of (image path, identity label or None)."""

    LAYOUT = ""  # the expected tree, shown in DatasetLayoutError messages

    def __init__(self, root, size: int | None, crop: str):
        check_size_crop(size, crop)
        self.root = os.path.expanduser(os.fspath(root))
        self.size, self.crop = size, crop
        self.samples: list[tuple[str, int | None]] = []
        self.identities: list = []  # label -> original identity (folder name or CelebA id)
        if not os.path.isdir(self.root):
            raise self._layout_error(f"{type(self).__name__}: root folder {self.root!r} does not exist")

    def _layout_error(self, problem: str) -> DatasetLayoutError:
        return DatasetLayoutError(problem, self.LAYOUT, self.root)

    @property
    def n_ids(self) -> int:
        """Number of identities in this set (labels are 0..n_ids-1)."""
        return len(self.identities)

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> dict:
        path, label = self.samples[index]
        sample = {"image": load_image(path, self.size, self.crop), "path": path}
        if label is not None:
            sample["identity"] = label
        return sample

    def files(self) -> Iterator[str]:
        """Every file ``__getitem__`` reads, over the whole set."""
        return (path for path, _ in self.samples)

    def verify(self) -> int:
        """Decode every file; raise one :class:`UnreadableImageError` listing all bad paths.

        Returns the number of files checked. Slow on a full data set (it reads everything).
        """
        checked, bad = 0, []
        for path in self.files():
            checked += 1
            if not is_readable(path):
                bad.append(path)
        if bad:
            raise UnreadableImageError(bad, "found by verify()")
        return checked

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(root={self.root!r}, n={len(self)}, n_ids={self.n_ids}, "
                f"size={self.size}, crop={self.crop!r})")


def _find(root: str, candidates: Sequence[str], want_dir: bool = False) -> str | None:
    """First existing ``root/<candidate>`` (a folder if ``want_dir``), else None."""
    for c in candidates:
        p = os.path.join(root, c)
        if (os.path.isdir(p) if want_dir else os.path.isfile(p)):
            return p
    return None


def _find_anno(dirs: Sequence[str], name: str) -> str | None:
    """A CelebA annotation file in any of ``dirs`` or their Anno/ and Eval/ sub-folders."""
    for d in dirs:
        hit = _find(d, [name, f"Anno/{name}", f"Eval/{name}"])
        if hit:
            return hit
    return None


def _is_image(name: str, extensions: Sequence[str]) -> bool:
    return not name.startswith(".") and name.lower().endswith(tuple(extensions))


def _contiguous(values) -> tuple[list, dict]:
    """Sorted distinct values and the value -> 0..n-1 label map."""
    distinct = sorted(set(values))
    return distinct, {v: i for i, v in enumerate(distinct)}


def _missing_files(wanted: Sequence[str], folder: str) -> list[str]:
    present = set(os.listdir(folder))
    return [f for f in wanted if f not in present]


def _first(items: Sequence[str], k: int = 3) -> str:
    return ", ".join(items[:k]) + (", ..." if len(items) > k else "")


# ------------------------------------------------------------------ folder-per-identity (CASIA, LFW)
def split_identities(names: Sequence[str], split: str | None, fractions=(0.8, 0.1, 0.1),
                     seed: int = 0) -> list[str]:
    """The identities of one split: disjoint train/val/test by identity, fixed by ``seed``.

    ``names`` are shuffled with ``random.Random(seed)`` and cut at the ``fractions`` (rounded);
    the chosen part is returned sorted. ``split`` None or "all" keeps every identity.
    """
    if split in (None, "all"):
        return sorted(names)
    split = {"valid": "val"}.get(split, split)
    if split not in ("train", "val", "test"):
        raise ValueError(f"split must be None, 'all', 'train', 'val' or 'test', got {split!r}")
    if len(fractions) != 3 or min(fractions) < 0 or abs(sum(fractions) - 1) > 1e-6:
        raise ValueError(f"fractions must be 3 non-negative numbers summing to 1, got {fractions}")
    order = sorted(names)
    random.Random(seed).shuffle(order)
    n = len(order)
    n_val, n_test = round(fractions[1] * n), round(fractions[2] * n)
    n_train = n - n_val - n_test
    parts = {"train": order[:n_train], "val": order[n_train:n_train + n_val],
             "test": order[n_train + n_val:]}
    if not parts[split]:
        raise ValueError(f"split {split!r} is empty: {n} identities cut at fractions {fractions}")
    return sorted(parts[split])


class IdentityFolder(_FaceFiles):
    """One sub-folder per identity: CASIA-WebFace, LFW (``lfw/``), VGGFace2, your own photos.

    Samples are in sorted order (identity folder, then file name); labels are contiguous
    0..n_ids-1 over the identities of the chosen split, ``identities[label]`` is the folder name.
    Identities with fewer than ``min_images`` images are left out (e.g. ``min_images=2`` for
    LFW, where most people have one photo). ``split`` ("train"/"val"/"test") keeps a disjoint
    part of the identities, see :func:`split_identities`.
    """

    LAYOUT = """\
    <root>/
    ├── <identity_a>/          one folder per person (CASIA-WebFace: 0000045/, LFW: Aaron_Eckhart/)
    │   ├── 001.jpg            any of .jpg .jpeg .png .bmp .ppm .pgm .tif .tiff .webp
    │   └── 002.jpg
    └── <identity_b>/
        └── 001.jpg"""

    def __init__(self, root, size: int | None = 64, split: str | None = None, min_images: int = 1,
                 extensions: Sequence[str] = IMAGE_EXTENSIONS, crop: str = "resize",
                 fractions=(0.8, 0.1, 0.1), seed: int = 0):
        super().__init__(root, size, crop)
        exts = tuple(e.lower() for e in extensions)
        entries = sorted(os.scandir(self.root), key=lambda e: e.name)
        folders = [e for e in entries if e.is_dir() and not e.name.startswith(".")]
        if not folders:
            loose = sum(e.is_file() and _is_image(e.name, exts) for e in entries)
            hint = (f"; found {loose} image files directly in the root: put each identity's images "
                    "in its own sub-folder" if loose else "")
            raise self._layout_error(f"IdentityFolder: no identity sub-folders in {self.root!r}{hint}")
        images = {}
        for folder in folders:
            names = sorted(f.name for f in os.scandir(folder.path)
                           if f.is_file() and _is_image(f.name, exts))
            if len(names) >= max(min_images, 1):
                images[folder.name] = [os.path.join(folder.path, n) for n in names]
        if not images:
            raise self._layout_error(
                f"IdentityFolder: none of the {len(folders)} sub-folders of {self.root!r} holds "
                f"at least {max(min_images, 1)} image file(s) with extension {'/'.join(exts)} "
                "(images nested deeper? point root at the folder whose sub-folders hold them)")
        self.identities = split_identities(list(images), split, fractions, seed)
        self.split = split
        self.samples = [(p, label) for label, name in enumerate(self.identities)
                        for p in images[name]]


# ------------------------------------------------------------------------------------------ CelebA
def _read_table(path: str, layout_error, columns: str, example: str) -> list[list]:
    """Rows of a whitespace-separated annotation file, typed by ``columns`` ("s" str, "i" int).

    Blank lines and a non-numeric header line are skipped; any other malformed line raises
    a DatasetLayoutError naming the file and line number.
    """
    rows = []
    with open(path, encoding="utf-8") as f:
        for line_no, line in enumerate(f, 1):
            fields = line.split()
            if not fields or (line_no == 1 and not re.search(r"\d", line)):
                continue  # blank line, or a header such as "idx orig_idx orig_file"
            ok = len(fields) == len(columns) and all(
                c == "s" or re.fullmatch(r"-?\d+", x) for c, x in zip(columns, fields))
            if not ok:
                raise layout_error(f"{path}, line {line_no}: expected a line like {example!r}, "
                                   f"got {line.rstrip()!r}")
            rows.append([int(x) if c == "i" else x for c, x in zip(columns, fields)])
    return rows


class CelebA(_FaceFiles):
    """CelebA aligned faces with identities (Liu et al. 2015), 202,599 images of 10,177 people.

    ``split``: "train", "valid" (alias "val"), "test" (the official ``list_eval_partition.txt``
    codes 0, 1, 2; its identities are disjoint) or "all" (no partition file needed). Labels are
    contiguous 0..n_ids-1 over the split's identities; ``identities[label]`` is the CelebA id.
    The aligned images are 178x218: ``crop="center"`` keeps the aspect, ``"resize"`` squeezes.
    """

    LAYOUT = """\
    <root>/
    ├── img_align_celeba/          (or Img/img_align_celeba/)
    │   ├── 000001.jpg
    │   └── ...  202599.jpg
    ├── identity_CelebA.txt        (or Anno/identity_CelebA.txt)       lines "000001.jpg 2880"
    └── list_eval_partition.txt    (or Eval/list_eval_partition.txt)   lines "000001.jpg 0"
                                   0 = train, 1 = valid, 2 = test; needed unless split="all\""""

    SPLITS = {"train": 0, "valid": 1, "test": 2}

    def __init__(self, root, split: str = "train", size: int | None = 64, crop: str = "resize"):
        super().__init__(root, size, crop)
        split = {"val": "valid"}.get(split, split)
        if split != "all" and split not in self.SPLITS:
            raise ValueError(f"split must be 'train', 'valid', 'test' or 'all', got {split!r}")
        self.split = split
        img_dir = _find(self.root, ["img_align_celeba/img_align_celeba",  # Kaggle zip: nested
                                       "img_align_celeba", "Img/img_align_celeba"], want_dir=True)
        if img_dir is None:
            raise self._layout_error(f"CelebA: no img_align_celeba/ folder in {self.root!r}")
        id_file = _find_anno([self.root], "identity_CelebA.txt")
        if id_file is None:
            raise self._layout_error(f"CelebA: identity_CelebA.txt not found in {self.root!r}")
        identity = dict(_read_table(id_file, self._layout_error, "si", "000001.jpg 2880"))
        if split == "all":
            files = sorted(identity)
        else:
            part_file = _find_anno([self.root], "list_eval_partition.txt")
            if part_file is None:
                raise self._layout_error(
                    f"CelebA: list_eval_partition.txt not found in {self.root!r} "
                    f"(needed for split={split!r})")
            code = self.SPLITS[split]
            rows = _read_table(part_file, self._layout_error, "si", "000001.jpg 0")
            files = sorted(f for f, k in rows if k == code)
            no_id = [f for f in files if f not in identity]
            if no_id:
                raise self._layout_error(f"CelebA: {len(no_id)} images of the partition file have no "
                                         f"line in {id_file} ({_first(no_id)})")
        missing = _missing_files(files, img_dir)
        if missing:
            raise self._layout_error(f"CelebA: {len(missing)} of {len(files)} listed images are missing "
                                     f"from {img_dir} ({_first(missing)})")
        self.identities, label = _contiguous(identity[f] for f in files)
        self.samples = [(os.path.join(img_dir, f), label[identity[f]]) for f in files]


# -------------------------------------------------------------------------- CelebA-HQ + masks
_MASK_FILE = re.compile(r"^(\d+)_([a-z_]+)\.png$")  # 00042_l_brow.png -> (42, "l_brow")


class CelebAMaskHQ(_FaceFiles):
    """CelebA-HQ (Karras et al. 2018) with CelebAMask-HQ's face-part masks (Lee et al. 2020).

    30,000 images (1024x1024). ``labels`` (int64 (H, W), indices into
    :data:`~facefeat_lite.data.labels.LABEL_NAMES`) is composed from the per-part mask files
    (512x512, nonzero = part, as in the official ``g_mask.py``) in class order, later classes
    overwriting earlier ones (hair over skin, hat over hair), then resized with nearest neighbour
    (``with_labels=False`` skips it). An image without any mask file is a layout error.

    ``identity`` is present when CelebA-HQ-to-CelebA-mapping.txt and CelebA's identity_CelebA.txt
    are found (in ``root``, ``root/Anno`` or ``celeba_root``; passing ``celeba_root`` makes both
    required); otherwise samples have no "identity". ``split`` other than "all" takes CelebA's
    official partition through the mapping (identity-disjoint).
    """

    LAYOUT = """\
    <root>/
    ├── CelebA-HQ-img/                   0.jpg ... 29999.jpg (1024x1024)
    ├── CelebAMask-HQ-mask-anno/         needed unless with_labels=False
    │   ├── 0/                           images 0-1999: 00000_skin.png, 00000_hair.png, ...
    │   ├── 1/                           images 2000-3999: 02000_skin.png, ...
    │   └── ... 14/                      parts: skin l_brow r_brow l_eye r_eye eye_g l_ear r_ear
    │                                    ear_r nose mouth u_lip l_lip neck neck_l cloth hair hat
    └── CelebA-HQ-to-CelebA-mapping.txt  optional: "idx orig_idx orig_file" lines,
                                         e.g. "0 119613 119614.jpg"
    identity_CelebA.txt / list_eval_partition.txt (from CelebA, for identities / splits):
    in <root>, <root>/Anno, <root>/Eval or celeba_root (and its Anno/, Eval/)"""

    def __init__(self, root, size: int | None = 256, split: str = "all", crop: str = "resize",
                 with_labels: bool = True, celeba_root=None):
        super().__init__(root, size, crop)
        split = {"val": "valid"}.get(split, split)
        if split != "all" and split not in CelebA.SPLITS:
            raise ValueError(f"split must be 'train', 'valid', 'test' or 'all', got {split!r}")
        self.split, self.with_labels = split, with_labels
        img_dir = _find(self.root, ["CelebA-HQ-img"], want_dir=True)
        if img_dir is None:
            raise self._layout_error(f"CelebAMaskHQ: no CelebA-HQ-img/ folder in {self.root!r}")
        images = {int(os.path.splitext(n)[0]): os.path.join(img_dir, n) for n in os.listdir(img_dir)
                  if _is_image(n, IMAGE_EXTENSIONS) and os.path.splitext(n)[0].isdigit()}
        if not images:
            raise self._layout_error(f"CelebAMaskHQ: no <number>.jpg images in {img_dir}")
        indices = sorted(images)

        # CelebA annotations, reached through the mapping file (HQ index -> CelebA file name)
        strict = celeba_root is not None  # the user asked for identities: files must exist
        anno_dirs = [self.root] + ([os.path.expanduser(os.fspath(celeba_root))] if strict else [])
        map_file = _find(self.root, ["CelebA-HQ-to-CelebA-mapping.txt"])
        id_file = _find_anno(anno_dirs, "identity_CelebA.txt")
        if strict and (map_file is None or id_file is None):
            absent = "CelebA-HQ-to-CelebA-mapping.txt" if map_file is None else "identity_CelebA.txt"
            raise self._layout_error(f"CelebAMaskHQ: celeba_root was given but {absent} was not found")
        orig_file = {}
        if map_file is not None:
            rows = _read_table(map_file, self._layout_error, "iis", "0 119613 119614.jpg")
            orig_file = {idx: name for idx, _, name in rows}
            unmapped = [str(i) for i in indices if i not in orig_file]
            if unmapped:
                raise self._layout_error(f"CelebAMaskHQ: {len(unmapped)} images have no line in "
                                         f"{map_file} (indices {_first(unmapped)})")
        if split != "all":
            part_file = _find_anno(anno_dirs, "list_eval_partition.txt")
            if map_file is None or part_file is None:
                raise self._layout_error(f"CelebAMaskHQ: split={split!r} needs "
                                         "CelebA-HQ-to-CelebA-mapping.txt and CelebA's "
                                         "list_eval_partition.txt")
            partition = dict(_read_table(part_file, self._layout_error, "si", "000001.jpg 0"))
            unlisted = [orig_file[i] for i in indices if orig_file[i] not in partition]
            if unlisted:
                raise self._layout_error(f"CelebAMaskHQ: {len(unlisted)} mapped CelebA files have no "
                                         f"line in {part_file} ({_first(unlisted)})")
            indices = [i for i in indices if partition[orig_file[i]] == CelebA.SPLITS[split]]

        labels: list[int | None] = [None] * len(indices)
        if map_file is not None and id_file is not None:
            identity = dict(_read_table(id_file, self._layout_error, "si", "000001.jpg 2880"))
            no_id = [orig_file[i] for i in indices if orig_file[i] not in identity]
            if no_id:
                raise self._layout_error(f"CelebAMaskHQ: {len(no_id)} mapped CelebA files have no "
                                         f"line in {id_file} ({_first(no_id)})")
            self.identities, label = _contiguous(identity[orig_file[i]] for i in indices)
            labels = [label[identity[orig_file[i]]] for i in indices]
        self.has_identity = map_file is not None and id_file is not None
        self.samples = [(images[i], lab) for i, lab in zip(indices, labels)]
        self.indices = indices  # CelebA-HQ index of each sample
        self.masks = self._scan_masks(indices) if with_labels else None

    def _scan_masks(self, indices: list[int]) -> list[list[tuple[int, str]]]:
        """For each sample, its (class index, mask path) pairs in class order."""
        mask_dir = _find(self.root, ["CelebAMask-HQ-mask-anno"], want_dir=True)
        if mask_dir is None:
            raise self._layout_error(f"CelebAMaskHQ: no CelebAMask-HQ-mask-anno/ folder in "
                                     f"{self.root!r} (with_labels=False loads images without labels)")
        class_of = {name: k for k, name in enumerate(LABEL_NAMES)}
        found: dict[int, list[tuple[int, str]]] = {}
        for folder in sorted(os.scandir(mask_dir), key=lambda e: e.name):
            if not folder.is_dir():
                continue
            for f in os.scandir(folder.path):
                m = _MASK_FILE.match(f.name)
                if m and m.group(2) in class_of and m.group(2) != "background":
                    found.setdefault(int(m.group(1)), []).append((class_of[m.group(2)], f.path))
        without = [str(i) for i in indices if i not in found]
        if without:
            raise self._layout_error(f"CelebAMaskHQ: {len(without)} of {len(indices)} images have no "
                                     f"mask file in {mask_dir} (indices {_first(without)})")
        return [sorted(found[i]) for i in indices]

    def _labels(self, parts: list[tuple[int, str]]) -> torch.Tensor:
        """Compose the part masks into one label map (later classes win), then resize."""
        label_map = None
        for k, path in parts:  # ascending class index
            try:
                with Image.open(path) as m:
                    on = np.asarray(m.convert("L")) != 0
            except _PIL_ERRORS as e:
                raise UnreadableImageError([path], f"{type(e).__name__}: {e}") from e
            if label_map is None:
                label_map = np.zeros(on.shape, dtype=np.uint8)
            elif on.shape != label_map.shape:
                raise UnreadableImageError(
                    [path], f"mask is {on.shape}, the other parts are {label_map.shape}")
            label_map[on] = k
        resized = _fit(Image.fromarray(label_map), self.size, self.crop, Image.NEAREST)
        return torch.from_numpy(np.array(resized, dtype=np.int64))

    def __getitem__(self, index: int) -> dict:
        sample = super().__getitem__(index)
        if self.masks is not None:
            sample["labels"] = self._labels(self.masks[index])
        return sample

    def files(self) -> Iterator[str]:
        for i, (path, _) in enumerate(self.samples):
            yield path
            if self.masks is not None:
                yield from (p for _, p in self.masks[i])


# -------------------------------------------------------------------------------------- factory
DATASETS = {"folder": IdentityFolder, "celeba": CelebA, "celebamask_hq": CelebAMaskHQ}


def open_dataset(kind: str, root, **kwargs) -> Dataset:
    """Open a real data set by kind ("folder", "celeba", "celebamask_hq"); kwargs go to its class."""
    if kind not in DATASETS:
        raise ValueError(f"unknown data set kind {kind!r}; known kinds: {', '.join(DATASETS)}")
    return DATASETS[kind](root, **kwargs)
