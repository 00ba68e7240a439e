"""Metrics against hand-computed cases."""
import numpy as np
import pytest
import torch

from facefeat_lite import metrics as M


def test_identification_accuracy_logits_and_labels():
    logits = torch.tensor([[2.0, 1.0], [0.0, 3.0], [1.0, 0.5]])
    assert M.identification_accuracy(logits, [0, 1, 1]) == pytest.approx(2 / 3)
    assert M.identification_accuracy(torch.tensor([1, 1]), [1, 0]) == 0.5
    with pytest.raises(ValueError, match="shape"):
        M.identification_accuracy(torch.tensor([1, 1]), [1, 0, 1])


def test_rank_k_accuracy_hand_case():
    gallery = torch.tensor([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
    gal_labels = torch.tensor([10, 11, 12])
    probes = torch.tensor([[0.9, 0.1], [0.6, 0.5], [-1.0, 0.1]])
    # probe 1 is closest to id 10 (0.77) then 11 (0.64): wrong at rank 1, right at rank 2.
    labels = torch.tensor([10, 11, 12])
    assert M.rank_k_accuracy(probes, labels, gallery, gal_labels, k=1) == pytest.approx(2 / 3)
    assert M.rank_k_accuracy(probes, labels, gallery, gal_labels, k=2) == 1.0


def test_best_threshold_exact():
    scores = [0.1, 0.4, 0.35, 0.8, 0.9]
    same = [False, False, True, True, True]
    t, acc = M.best_threshold(scores, same)
    # Sorted: .1F .35T .4F .8T .9T -> best cut between .1 and .35 (4/5) or between .4 and .8 (4/5);
    # argmax takes the first: t = (0.1 + 0.35) / 2.
    assert acc == pytest.approx(0.8)
    assert t == pytest.approx(0.225)


def test_best_threshold_ties_not_split():
    t, acc = M.best_threshold([0.5, 0.5, 0.5, 0.5], [True, False, True, False])
    assert acc == pytest.approx(0.5)


def test_verification_10fold_perfect_and_chance():
    rng = np.random.default_rng(0)
    same = rng.random(200) < 0.5
    perfect = np.where(same, 1.0, 0.0) + 0.01 * rng.random(200)
    r = M.verification_10fold(perfect, same)
    assert r.mean == 1.0 and r.std == 0.0 and len(r.fold_accuracies) == 10
    noise = rng.random(200)
    r = M.verification_10fold(noise, same)
    assert 0.3 < r.mean < 0.7


def test_verification_threshold_chosen_on_other_folds():
    # Two folds. Fold 0's own best threshold would be 0.5; fold 1 says positives are > 0.7.
    scores = [0.4, 0.6, 0.65, 0.75, 0.2, 0.8]
    same = [False, True, False, True, False, True]
    folds = [0, 0, 1, 1, 1, 1]
    r = M.verification_10fold(scores, same, folds=folds)
    # Fold 0 is scored with fold 1's threshold (between .65 and .75): .4 F ok, .6 T -> predicted F.
    assert r.fold_accuracies[0] == pytest.approx(0.5)
    # Fold 1 scored with fold 0's threshold (between .4 and .6): .65 F predicted T -> 3/4.
    assert r.fold_accuracies[1] == pytest.approx(0.75)
    assert r.mean == pytest.approx(0.625) and r.std == pytest.approx(0.125)


def test_tar_at_far_hand_case():
    neg = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95]
    pos = [0.35, 0.85, 0.92, 0.99]
    scores = neg + pos
    same = [False] * 10 + [True] * 4
    # FAR 0.1 allows one negative above t -> t = 0.9: positives > 0.9 are 0.92, 0.99.
    assert M.tar_at_far(scores, same, 0.1) == pytest.approx(0.5)
    # FAR 0 allows none -> t = 0.95: only 0.99.
    assert M.tar_at_far(scores, same, 0.0) == pytest.approx(0.25)
    # FAR 0.3 -> t = 0.8: 0.85, 0.92, 0.99.
    assert M.tar_at_far(scores, same, 0.3) == pytest.approx(0.75)


def test_r2_by_group():
    y = torch.tensor([[0.0, 0.0], [1.0, 2.0], [2.0, 4.0]])
    p = torch.tensor([[0.0, 1.0], [1.0, 2.0], [2.0, 3.0]])
    r = M.r2_score(p, y)
    assert r[0] == pytest.approx(1.0)
    assert r[1] == pytest.approx(1 - 2 / 8)
    g = M.r2_by_group(p, y, {"a": slice(0, 1), "both": slice(0, 2)})
    assert g["a"] == pytest.approx(1.0)
    assert g["both"] == pytest.approx(1 - 2 / 10)


def test_sample_pairs_balanced_and_valid():
    labels = np.repeat(np.arange(5), 4)
    a, b, same = M.sample_pairs(labels, 100, seed=1)
    assert same.sum() == 50 and len(a) == 100
    assert ((labels[a] == labels[b]) == same).all()
    assert (a[same] != b[same]).all()
    a2, b2, s2 = M.sample_pairs(labels, 100, seed=1)
    assert (a == a2).all() and (b == b2).all() and (same == s2).all()
