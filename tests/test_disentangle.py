"""Two-way variance shares on grids whose answers are known by hand."""
import pytest
import torch

from facefeat_lite.facefeat.disentangle import variance_shares


def test_pure_row_column_and_interaction_grids():
    rows = torch.tensor([[1.0, 1.0], [3.0, 3.0]])                   # only z_1 matters
    assert variance_shares(rows) == pytest.approx({"z_1": 1.0, "z_2": 0.0, "interaction": 0.0})
    assert variance_shares(rows.T) == pytest.approx({"z_1": 0.0, "z_2": 1.0, "interaction": 0.0})
    xor = torch.tensor([[1.0, -1.0], [-1.0, 1.0]])                  # only the pair matters
    assert variance_shares(xor) == pytest.approx({"z_1": 0.0, "z_2": 0.0, "interaction": 1.0})
    assert variance_shares(torch.zeros(3, 4)) == {"z_1": 0.0, "z_2": 0.0, "interaction": 0.0}


def test_additive_grid_by_hand():
    # a_ij = r_i + c_j with r = (0, 2), c = (0, 1, 2): SS_rows = 3·2 = 6, SS_cols = 2·2 = 4 (of 10)
    a = torch.tensor([[0.0, 1.0, 2.0], [2.0, 3.0, 4.0]])
    assert variance_shares(a) == pytest.approx({"z_1": 0.6, "z_2": 0.4, "interaction": 0.0})
    with pytest.raises(ValueError, match="grid"):
        variance_shares(torch.zeros(1, 5))
