"""Real-data loaders (facefeat_lite.data.real, facefeat_lite.data.lfw) on tiny fake trees."""
import os

import numpy as np
import pytest
import torch
from PIL import Image
from torch.utils.data import DataLoader

from facefeat_lite.data.labels import LABEL_NAMES
from facefeat_lite.data.lfw import LFWPairs, LFWPairsFormatError, lfw_relpath, read_lfw_pairs
from facefeat_lite.data.real import (
    CelebA, CelebAMaskHQ, DatasetLayoutError, IdentityFolder, UnreadableImageError,
    open_dataset, split_identities,
)

RED, GREEN, BLUE = (255, 0, 0), (0, 255, 0), (0, 0, 255)


def write_image(path, size=(16, 16), color=RED, mode="RGB"):
    """A flat image of ``color`` (a tuple for RGB/RGBA, an int for L) at ``path``."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    Image.new(mode, size, color).save(path)
    return str(path)


def check_sample(sample, size, keys):
    assert set(sample) == keys
    image = sample["image"]
    assert image.dtype == torch.float32 and image.shape == (3, size, size)
    assert 0.0 <= image.min() and image.max() <= 1.0
    assert isinstance(sample["path"], str) and os.path.isfile(sample["path"])
    if "identity" in sample:
        assert type(sample["identity"]) is int


# ------------------------------------------------------------------------------ IdentityFolder
@pytest.fixture
def folder_tree(tmp_path):
    root = tmp_path / "faces"
    write_image(root / "alice" / "1.png", color=RED)
    write_image(root / "alice" / "2.png", (8, 8), color=GREEN)
    write_image(root / "alice" / "3.PNG", (32, 32), color=BLUE)
    write_image(root / "bob" / "a.jpg", (8, 8), color=128, mode="L")          # grayscale
    write_image(root / "bob" / "b.jpg", (20, 12), color=200, mode="L")
    write_image(root / "carol" / "x.png", (32, 20), (0, 0, 255, 40), "RGBA")  # alpha dropped
    (root / "alice" / "notes.txt").write_text("not an image")
    (root / "bob" / ".hidden.jpg").write_bytes(b"ignored")
    return root


def test_identity_folder_samples(folder_tree):
    ds = IdentityFolder(folder_tree, size=12)
    assert len(ds) == 6 and ds.n_ids == 3 and ds.identities == ["alice", "bob", "carol"]
    samples = [ds[i] for i in range(len(ds))]
    for s in samples:
        check_sample(s, 12, {"image", "identity", "path"})  # no labels/sketch faked
    assert [s["identity"] for s in samples] == [0, 0, 0, 1, 1, 2]
    assert [os.path.basename(s["path"]) for s in samples] == [
        "1.png", "2.png", "3.PNG", "a.jpg", "b.jpg", "x.png"]
    assert torch.allclose(samples[0]["image"][:, 5, 5], torch.tensor([1.0, 0.0, 0.0]))  # RGB order
    assert torch.allclose(samples[3]["image"][:, 5, 5], torch.full((3,), 128 / 255), atol=2 / 255)
    assert torch.allclose(samples[5]["image"][:, 5, 5], torch.tensor([0.0, 0.0, 1.0]))
    batch = next(iter(DataLoader(ds, batch_size=4)))
    assert batch["image"].shape == (4, 3, 12, 12) and batch["identity"].tolist() == [0, 0, 0, 1]


def test_identity_folder_min_images_extensions_and_native_size(folder_tree):
    ds = IdentityFolder(folder_tree, size=None, min_images=2)
    assert ds.identities == ["alice", "bob"] and [l for _, l in ds.samples] == [0, 0, 0, 1, 1]
    assert ds[2]["image"].shape == (3, 32, 32)
    only_jpg = IdentityFolder(folder_tree, extensions=(".jpg",))
    assert only_jpg.identities == ["bob"] and only_jpg[0]["identity"] == 0


def test_center_crop_versus_resize(tmp_path):
    img = Image.new("RGB", (30, 10))
    for x, color in ((0, RED), (10, GREEN), (20, BLUE)):
        img.paste(color, (x, 0, x + 10, 10))
    os.makedirs(tmp_path / "r" / "id")
    img.save(tmp_path / "r" / "id" / "wide.png")
    center = IdentityFolder(tmp_path / "r", size=5, crop="center")[0]["image"]
    green = torch.tensor([0.0, 1.0, 0.0])[:, None, None].expand(3, 5, 5)
    assert torch.allclose(center, green, atol=1e-6)
    squeezed = IdentityFolder(tmp_path / "r", size=6)[0]["image"]
    assert squeezed[0, 3, 0] > 0.9 and squeezed[2, 3, -1] > 0.9  # red left, blue right
    with pytest.raises(ValueError, match="crop"):
        IdentityFolder(tmp_path / "r", crop="zoom")


def test_identity_split_disjoint_and_deterministic(tmp_path):
    names = [f"id{k:02d}" for k in range(10)]
    for n in names:
        write_image(tmp_path / "r" / n / "0.png", (8, 8))
    parts = {s: IdentityFolder(tmp_path / "r", size=8, split=s, fractions=(0.6, 0.2, 0.2), seed=3)
             for s in ("train", "val", "test")}
    ids = {s: set(ds.identities) for s, ds in parts.items()}
    assert [len(ids[s]) for s in ("train", "val", "test")] == [6, 2, 2]
    assert ids["train"] | ids["val"] | ids["test"] == set(names)
    assert not (ids["train"] & ids["val"] or ids["train"] & ids["test"] or ids["val"] & ids["test"])
    for ds in parts.values():  # labels contiguous inside each split
        assert sorted({l for _, l in ds.samples}) == list(range(ds.n_ids))
    assert split_identities(names, "val", (0.6, 0.2, 0.2), seed=3) == parts["val"].identities
    assert split_identities(names, "valid", (0.6, 0.2, 0.2), seed=3) == parts["val"].identities
    assert any(split_identities(names, "test", (0.6, 0.2, 0.2), seed=s) != parts["test"].identities
               for s in range(4, 10))
    assert split_identities(names, None) == names
    with pytest.raises(ValueError, match="split"):
        split_identities(names, "holdout")
    with pytest.raises(ValueError, match="empty"):
        split_identities(names[:2], "test", (0.9, 0.05, 0.05))


# ------------------------------------------------------------------------------------ CelebA
CELEBA = [("000001.jpg", 2880, 0), ("000002.jpg", 2937, 0), ("000003.jpg", 8692, 0),
          ("000004.jpg", 2880, 0), ("000005.jpg", 4153, 1), ("000006.jpg", 4153, 1),
          ("000007.jpg", 9152, 2)]


def make_celeba(root, nested=False, rows=CELEBA, partition=True):
    img_dir = root / ("Img/img_align_celeba" if nested else "img_align_celeba")
    for name, _, _ in rows:
        write_image(img_dir / name, (18, 22))  # 178x218-like aspect
    anno, ev = (root / "Anno", root / "Eval") if nested else (root, root)
    anno.mkdir(parents=True, exist_ok=True)
    ev.mkdir(parents=True, exist_ok=True)
    (anno / "identity_CelebA.txt").write_text("".join(f"{n} {i}\n" for n, i, _ in rows))
    if partition:
        (ev / "list_eval_partition.txt").write_text("".join(f"{n} {p}\n" for n, _, p in rows))
    return root


@pytest.mark.parametrize("nested", [False, True])
def test_celeba_partitions(tmp_path, nested):
    root = make_celeba(tmp_path / "celeba", nested)
    train, valid, test = (CelebA(root, split=s, size=8) for s in ("train", "valid", "test"))
    assert (len(train), len(valid), len(test)) == (4, 2, 1)
    assert train.identities == [2880, 2937, 8692] and valid.identities == [4153]
    assert [l for _, l in train.samples] == [0, 1, 2, 0]
    check_sample(train[0], 8, {"image", "identity", "path"})
    assert train[0]["path"].endswith("000001.jpg")
    assert len(CelebA(root, split="val", size=8)) == 2
    assert len(CelebA(root, split="all", size=8)) == 7 and CelebA(root, split="all").n_ids == 5
    with pytest.raises(ValueError, match="split"):
        CelebA(root, split="dev")


def test_celeba_layout_errors(tmp_path):
    root = make_celeba(tmp_path / "c", partition=False)
    assert len(CelebA(root, split="all")) == 7  # "all" needs no partition file
    with pytest.raises(DatasetLayoutError, match="list_eval_partition.txt not found") as e:
        CelebA(root, split="train")
    assert "img_align_celeba/" in str(e.value) and "Eval/list_eval_partition.txt" in str(e.value)
    os.remove(root / "img_align_celeba" / "000003.jpg")
    with pytest.raises(DatasetLayoutError, match="1 of 7 listed images are missing.*000003.jpg"):
        CelebA(root, split="all")
    (root / "identity_CelebA.txt").write_text("000001.jpg 2880\n000002.jpg two\n")
    with pytest.raises(DatasetLayoutError, match=r"identity_CelebA.txt, line 2: .*'000002.jpg two'"):
        CelebA(root, split="all")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DatasetLayoutError, match="no img_align_celeba/ folder") as e:
        CelebA(empty)
    assert "identity_CelebA.txt" in str(e.value) and "000001.jpg 2880" in str(e.value)


# ----------------------------------------------------------------------- CelebA-HQ + masks
def write_mask(root, index, part, box, shape=(16, 16)):
    """A 0/255 mask of ``part`` for CelebA-HQ image ``index``, on inside ``box`` (y0, y1, x0, x1)."""
    m = np.zeros(shape, np.uint8)
    y0, y1, x0, x1 = box
    m[y0:y1, x0:x1] = 255
    path = root / "CelebAMask-HQ-mask-anno" / str(index // 2000) / f"{index:05d}_{part}.png"
    os.makedirs(path.parent, exist_ok=True)
    Image.fromarray(m).save(path)


def make_celebamask_hq(root, indices=(0, 1, 2000)):
    for i in indices:
        write_image(root / "CelebA-HQ-img" / f"{i}.jpg", (32, 32), color=GREEN)
        write_mask(root, i, "skin", (0, 16, 0, 16))
    # image 0: hair covers the top half, a hat the top-left quarter over it, the nose sits
    # in the bottom half; l_brow is written after hair in the file system but ranks below it
    write_mask(root, 0, "hat", (0, 8, 0, 8))
    write_mask(root, 0, "hair", (0, 8, 0, 16))
    write_mask(root, 0, "l_brow", (4, 6, 10, 14))
    write_mask(root, 0, "nose", (10, 12, 6, 10))
    (root / "CelebA-HQ-img" / "readme.txt").write_text("ignored: not <number>.jpg")
    return root


def test_celebamask_hq_labels_compose_in_class_order(tmp_path):
    ds = CelebAMaskHQ(make_celebamask_hq(tmp_path / "hq"), size=16)
    assert len(ds) == 3 and ds.indices == [0, 1, 2000] and not ds.has_identity
    s = ds[0]
    check_sample(s, 16, {"image", "labels", "path"})  # no identity without the mapping
    labels = s["labels"]
    assert labels.dtype == torch.int64 and labels.shape == (16, 16)
    k = {name: LABEL_NAMES.index(name) for name in ("skin", "l_brow", "nose", "hair", "hat")}
    assert labels[2, 2] == k["hat"] and labels[2, 12] == k["hair"]  # hat > hair > skin
    assert labels[5, 12] == k["hair"]                                # hair overwrites l_brow
    assert labels[11, 8] == k["nose"] and labels[14, 2] == k["skin"]
    assert set(ds[2]["labels"].unique().tolist()) == {k["skin"]}     # folder 1/ (02000_*.png)
    small = CelebAMaskHQ(tmp_path / "hq", size=8)[0]["labels"]      # nearest: no new values
    assert small.shape == (8, 8) and set(small.unique().tolist()) <= set(labels.unique().tolist())
    assert "labels" not in CelebAMaskHQ(tmp_path / "hq", size=8, with_labels=False)[0]


def test_celebamask_hq_identity_and_split_through_mapping(tmp_path):
    root = make_celebamask_hq(tmp_path / "hq")
    (root / "CelebA-HQ-to-CelebA-mapping.txt").write_text(
        "idx         orig_idx    orig_file\n0 119613 119614.jpg\n1 99 000100.jpg\n2000 5 000006.jpg\n")
    assert "identity" not in CelebAMaskHQ(root, size=8)[0]  # mapping but no identity file
    celeba = tmp_path / "celeba" / "Anno"
    celeba.mkdir(parents=True)
    (celeba / "identity_CelebA.txt").write_text("119614.jpg 77\n000100.jpg 5\n000006.jpg 77\n")
    ds = CelebAMaskHQ(root, size=8, celeba_root=tmp_path / "celeba")
    assert ds.has_identity and ds.identities == [5, 77]
    assert [ds[i]["identity"] for i in range(3)] == [1, 0, 1]
    check_sample(ds[0], 8, {"image", "labels", "identity", "path"})
    with pytest.raises(DatasetLayoutError, match="needs CelebA-HQ-to-CelebA-mapping.txt"):
        CelebAMaskHQ(root, split="train", celeba_root=tmp_path / "celeba")
    (celeba / "list_eval_partition.txt").write_text("119614.jpg 0\n000100.jpg 2\n000006.jpg 0\n")
    train = CelebAMaskHQ(root, split="train", celeba_root=tmp_path / "celeba")
    assert train.indices == [0, 2000] and train.identities == [77]
    with pytest.raises(DatasetLayoutError, match="identity_CelebA.txt was not found"):
        CelebAMaskHQ(root, celeba_root=tmp_path)


def test_celebamask_hq_layout_errors(tmp_path):
    root = make_celebamask_hq(tmp_path / "hq")
    write_image(root / "CelebA-HQ-img" / "7.jpg", (32, 32))  # an image with no masks at all
    with pytest.raises(DatasetLayoutError, match="1 of 4 images have no mask file.*7") as e:
        CelebAMaskHQ(root)
    assert "CelebAMask-HQ-mask-anno/" in str(e.value) and "00000_skin.png" in str(e.value)
    assert len(CelebAMaskHQ(root, with_labels=False)) == 4
    with pytest.raises(DatasetLayoutError, match="no CelebA-HQ-img/ folder"):
        CelebAMaskHQ(tmp_path)


# -------------------------------------------------------------- errors common to all loaders
def test_missing_root_and_wrong_layout(tmp_path):
    with pytest.raises(DatasetLayoutError, match="does not exist") as e:
        IdentityFolder(tmp_path / "nowhere")
    assert "<identity_a>/" in str(e.value) and str(tmp_path / "nowhere") in str(e.value)
    flat = tmp_path / "flat"
    for k in range(3):
        write_image(flat / f"{k}.png", (8, 8))
    with pytest.raises(DatasetLayoutError, match="found 3 image files directly in the root") as e:
        IdentityFolder(flat)
    assert "one folder per person" in str(e.value)
    (flat / "empty_person").mkdir()
    with pytest.raises(DatasetLayoutError, match="none of the 1 sub-folders"):
        IdentityFolder(flat)
    with pytest.raises(DatasetLayoutError, match="does not exist"):
        CelebAMaskHQ(tmp_path / "nowhere")


def test_unreadable_images_are_reported_with_their_path(folder_tree):
    garbage = folder_tree / "bob" / "c.jpg"
    garbage.write_bytes(b"this is not a jpeg")
    truncated = folder_tree / "carol" / "y.jpg"
    buf = folder_tree / "full.jpg"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), np.uint8)).save(buf)
    truncated.write_bytes(buf.read_bytes()[:400])
    os.remove(buf)
    ds = IdentityFolder(folder_tree, size=8)
    assert len(ds) == 8  # listed, not dropped
    bad = [i for i, (p, _) in enumerate(ds.samples) if p in (str(garbage), str(truncated))]
    for i in bad:
        with pytest.raises(UnreadableImageError) as e:
            ds[i]
        assert ds.samples[i][0] in str(e.value) and e.value.paths == [ds.samples[i][0]]
    with pytest.raises(UnreadableImageError, match="cannot read 2 images") as e:
        ds.verify()
    assert sorted(e.value.paths) == sorted([str(garbage), str(truncated)])
    assert str(garbage) in str(e.value) and str(truncated) in str(e.value)
    assert IdentityFolder(folder_tree, extensions=(".png",)).verify() == 4  # the PNGs are fine


def test_unreadable_mask_is_reported(tmp_path):
    root = make_celebamask_hq(tmp_path / "hq")
    bad = root / "CelebAMask-HQ-mask-anno" / "0" / "00001_nose.png"
    bad.write_bytes(b"\x89PNG broken")
    ds = CelebAMaskHQ(root, size=8)
    with pytest.raises(UnreadableImageError, match="00001_nose.png"):
        ds[1]
    with pytest.raises(UnreadableImageError) as e:
        ds.verify()
    assert e.value.paths == [str(bad)]


def test_open_dataset(folder_tree, tmp_path):
    ds = open_dataset("folder", folder_tree, size=8, min_images=2)
    assert isinstance(ds, IdentityFolder) and ds.n_ids == 2
    assert isinstance(open_dataset("celeba", make_celeba(tmp_path / "c"), split="test"), CelebA)
    with pytest.raises(ValueError, match="unknown data set kind 'casia'.*folder, celeba, celebamask_hq"):
        open_dataset("casia", folder_tree)


# ------------------------------------------------------------------------------------- LFW
PAIRS = """2\t2
Abel_Pacheco\t1\t2
Ann_Veneman\t3\t4
AJ_Cook\t1\tMarsha_Thomason\t1
Abel_Pacheco\t2\tAnn_Veneman\t1
Ann_Veneman\t1\t2
Abel_Pacheco\t1\t4
AJ_Cook\t1\tAbel_Pacheco\t3
Marsha_Thomason\t1\tAnn_Veneman\t4

"""


def test_read_lfw_pairs(tmp_path):
    path = tmp_path / "pairs.txt"
    path.write_text(PAIRS)
    folds = read_lfw_pairs(path)
    assert len(folds) == 2 and [len(f) for f in folds] == [4, 4]
    assert [p.same for p in folds[0]] == [True, True, False, False]
    first, diff = folds[0][0], folds[0][2]
    assert (first.name_a, first.number_a, first.name_b, first.number_b) == (
        "Abel_Pacheco", 1, "Abel_Pacheco", 2)
    assert diff.relpaths == ("AJ_Cook/AJ_Cook_0001.jpg", "Marsha_Thomason/Marsha_Thomason_0001.jpg")
    assert diff.paths(tmp_path)[1] == os.path.join(tmp_path, "Marsha_Thomason/Marsha_Thomason_0001.jpg")
    assert lfw_relpath("George_W_Bush", 10) == "George_W_Bush/George_W_Bush_0010.jpg"
    dev = tmp_path / "pairsDevTrain.txt"  # View 1: one-number header, one fold
    dev.write_text("1\nAbel_Pacheco 1 2\nAJ_Cook 1 Ann_Veneman 2\n")
    assert [[p.same for p in f] for f in read_lfw_pairs(dev)] == [[True, False]]


@pytest.mark.parametrize("text, message", [
    ("ten 300\n", r"line 1: expected a header"),
    ("", r"empty file"),
    ("1 1\nA 1 2\n", r"header says 1 fold\(s\) x 2 x 1 pairs = 2 lines, found 1"),
    ("1 1\nA 1 2\nB 1 C\n", r"line 3: expected a different-person line .*mismatched pair 1 of 1"),
    ("1 1\nA 1 B 2\nB 1 C 1\n", r"line 2: expected a same-person line .*fold 1, matched pair 1"),
    ("1 1\nA 1 x\nB 1 C 1\n", r"line 2: image number 'x' is not a positive integer"),
])
def test_read_lfw_pairs_errors(tmp_path, text, message):
    path = tmp_path / "pairs.txt"
    path.write_text(text)
    with pytest.raises(LFWPairsFormatError, match=message):
        read_lfw_pairs(path)


def test_lfw_pairs_dataset(tmp_path):
    root = tmp_path / "lfw"
    for name, n in (("Abel_Pacheco", 4), ("Ann_Veneman", 4), ("AJ_Cook", 1), ("Marsha_Thomason", 1)):
        for k in range(1, n + 1):
            write_image(root / lfw_relpath(name, k), (25, 25))
    (tmp_path / "pairs.txt").write_text(PAIRS)  # next to the root, as LFW's download puts it
    ds = LFWPairs(root, size=8)
    assert len(ds) == 8 and ds.same.tolist() == [True, True, False, False] * 2
    assert ds.fold.tolist() == [0] * 4 + [1] * 4
    item = ds[2]
    assert set(item) == {"a", "b", "same", "fold"} and item["same"] is False
    for s in (item["a"], item["b"]):
        check_sample(s, 8, {"image", "path"})  # image-restricted protocol: no identity
    assert item["b"]["path"].endswith("Marsha_Thomason_0001.jpg")
    assert len(LFWPairs(root, folds=[1])) == 4 and ds.verify() == 10
    os.remove(root / lfw_relpath("Ann_Veneman", 4))
    with pytest.raises(DatasetLayoutError, match="1 images named in .* missing.*Ann_Veneman_0004"):
        LFWPairs(root)
    with pytest.raises(DatasetLayoutError, match="pairs.txt not found"):
        LFWPairs(root / "Abel_Pacheco")
