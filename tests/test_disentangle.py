"""Two-way variance shares on grids whose answers are known by hand; linear read-outs of codes
whose content is known by construction."""
import pytest
import torch

from facefeat_lite.facefeat.disentangle import (code_sources, linear_readout_r2, same_person_partners,
                                               variance_shares)


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


def test_linear_readout_finds_a_target_in_any_direction_at_any_scale():
    g = torch.Generator().manual_seed(0)
    n = 4000
    y = torch.randn(n, 3, generator=g)                       # three targets
    # a 16-d code: target 0 at a thousandth of the scale of 15 loud noise entries, the whole
    # code then rotated, so no single entry shows it; target 1 half drowned (R² 1/2); target 2 absent
    raw = torch.cat([1e-3 * y[:, :1], 10 * torch.randn(n, 15, generator=g)], 1)
    raw[:, 1] += 10 * y[:, 1]                                # + noise of the same size
    q, _ = torch.linalg.qr(torch.randn(16, 16, generator=g))
    fit = torch.arange(n) < 3000
    r2 = linear_readout_r2(raw @ q, y, fit, ridge=1e-9)
    assert r2[0] == pytest.approx(1.0, abs=0.02)              # 1e-8 of the variance, still readable
    assert r2[1] == pytest.approx(0.5, abs=0.05)
    assert abs(float(r2[2])) < 0.02
    with pytest.raises(ValueError, match="N × D"):
        linear_readout_r2(raw, y[:10], fit)
    with pytest.raises(ValueError, match="at least 2 fitting"):
        linear_readout_r2(raw, y, torch.arange(n) < 1)


def test_code_sources_tell_which_code_the_renderer_draws_from():
    g = torch.Generator().manual_seed(1)
    n = 500
    yaw = torch.randn(n, generator=g)
    partner = torch.randperm(n, generator=g)
    f_id = torch.zeros(n, 4)
    f_1 = torch.stack([yaw, torch.randn(n, generator=g)], 1)         # f_1 and f_2 both carry the yaw
    f_2 = torch.stack([yaw, torch.randn(n, generator=g)], 1)
    # a "renderer" whose image is one number: 30 × the yaw in f_1 + 10 × the yaw in f_2
    render = lambda fi, a, b: (30 * a[:, 0] + 10 * b[:, 0])[:, None, None, None]  # noqa: E731
    read = lambda x: x[:, 0, 0, 0]                                    # noqa: E731
    out = code_sources(render, read, f_id, f_1, f_2, partner, yaw, real=55 * yaw[:, None, None, None])
    assert out["f_1"] == pytest.approx(30, abs=1e-6) and out["f_2"] == pytest.approx(10, abs=1e-6)
    assert out["rec"] == pytest.approx(40, abs=1e-6) and out["real"] == pytest.approx(55, abs=1e-6)
    assert "real" not in code_sources(render, read, f_id, f_1, f_2, partner, yaw)


def test_same_person_partners():
    ids = torch.tensor([0, 0, 1, 1, 1, 2, 2])
    p = same_person_partners(ids, seed=3)
    assert torch.equal(ids[p], ids) and not torch.any(p == torch.arange(len(ids)))
    assert torch.equal(p, same_person_partners(ids, seed=3))
    with pytest.raises(ValueError, match="at least 2"):
        same_person_partners(torch.tensor([0, 0, 1]))
