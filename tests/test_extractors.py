"""E_id (Eq. 5), E_1 (Eq. 7), E_2 + G^I (Eq. 8): hand-checked losses, norms, gradient flow."""
import math

import pytest
import torch
import torch.nn.functional as F

from facefeat_lite.facefeat import (GeneralExtractor, IdentityExtractor, ImageGenerator,
                                    PoseExpressionExtractor, arcface_logits, e2_reconstruction_loss, e2_view_loss,
                                    freeze, inverse_variance_weights, normalized_softmax_logits,
                                    renormalize, weighted_squared_error)

torch.set_num_threads(1)
TINY = dict(arch="resnet18", width=4, depths=(1, 1, 1, 1), stem_stride=2)


def test_eq5_two_class_by_hand():
    f = torch.tensor([[3.0, 4.0]])                        # direction (0.6, 0.8), rescaled to 64
    w = torch.tensor([[1.0, 0.0], [0.0, 5.0]])            # normalized: e1, e2
    logits = normalized_softmax_logits(f, w)
    assert torch.allclose(logits, torch.tensor([[38.4, 51.2]]))
    # −log softmax_0 = log(e^38.4 + e^51.2) − 38.4 = 12.8 + log(1 + e^−12.8)
    loss = F.cross_entropy(logits, torch.tensor([0]))
    assert loss.item() == pytest.approx(12.8 + math.log1p(math.exp(-12.8)), rel=1e-6)
    # Literal Eq. 5: raw W and a bias.
    raw = normalized_softmax_logits(f, w, bias=torch.tensor([1.0, 0.0]), normalize_weight=False)
    assert torch.allclose(raw, torch.tensor([[38.4 + 1.0, 256.0]]))


def test_eid_norms_and_loss():
    torch.manual_seed(0)
    e_id = IdentityExtractor(n_ids=5, **TINY)
    x, y = torch.randn(3, 3, 32, 32), torch.tensor([0, 2, 4])
    f = e_id(x)
    assert f.shape == (3, 256)
    assert torch.allclose(f.norm(dim=1), torch.full((3,), 64.0), atol=1e-3)
    assert torch.allclose(e_id.for_generator(x).norm(dim=1), torch.full((3,), 16.0), atol=1e-3)
    assert torch.allclose(renormalize(f).norm(dim=1), torch.full((3,), 16.0), atol=1e-4)
    cos = F.normalize(f, dim=1) @ F.normalize(e_id.weight, dim=1).T
    assert e_id.loss(x, y).item() == pytest.approx(F.cross_entropy(64 * cos, y).item(), rel=1e-5)


def test_arcface_by_hand():
    s, m = 64.0, 0.5
    f = torch.tensor([[1.0, 0.0]])
    th = [math.pi / 3, 170 * math.pi / 180]                # 60°: margin; 170° > π − m: threshold
    w = torch.tensor([[math.cos(th[0]), math.sin(th[0])], [math.cos(th[1]), math.sin(th[1])]])
    out = arcface_logits(f.repeat(2, 1), w, torch.tensor([0, 1]), s, m)
    assert out[0, 0].item() == pytest.approx(s * math.cos(th[0] + m), rel=1e-5)    # target
    assert out[0, 1].item() == pytest.approx(s * math.cos(th[1]), rel=1e-5)        # non-target
    assert out[1, 1].item() == pytest.approx(s * (math.cos(th[1]) - m * math.sin(m)), rel=1e-5)
    # easy margin: cos θ < 0 (170°) keeps plain cos θ; 60° still gets the margin.
    easy = arcface_logits(f.repeat(2, 1), w, torch.tensor([0, 1]), s, m, easy_margin=True)
    assert easy[1, 1].item() == pytest.approx(s * math.cos(th[1]), rel=1e-5)
    assert easy[0, 0].item() == pytest.approx(s * math.cos(th[0] + m), rel=1e-5)
    e_id = IdentityExtractor(n_ids=2, feat_dim=2, head="arcface", **TINY)
    assert e_id.bias is None
    with torch.no_grad():
        e_id.weight.copy_(w)
    assert torch.allclose(e_id.logits(64 * f, torch.tensor([0])), out[:1], atol=1e-4)


def test_eq7_by_hand_and_default_weights():
    pred = torch.tensor([[1.0, 2.0], [0.0, 1.0]])
    gt = torch.zeros(2, 2)
    # (2·1 + 3·4 + 2·0 + 3·1) / 2 = 8.5
    assert weighted_squared_error(pred, gt, torch.tensor([2.0, 3.0])).item() == pytest.approx(8.5)
    targets = torch.tensor([[0.0, 10.0], [2.0, 30.0]])    # variances 1 and 100
    assert torch.allclose(inverse_variance_weights(targets), torch.tensor([1.0, 0.01]))


def test_standardizer_round_trip_and_buffers():
    torch.manual_seed(0)
    targets = torch.randn(50, 30) * torch.linspace(0.1, 10, 30) + 3.0
    targets[:, 5] = 7.0                                   # a constant entry: σ = 1, not 0
    e1 = PoseExpressionExtractor(dim=30, **TINY)
    e1.fit_standardizer(targets)
    z = e1.standardize(targets)
    assert z.mean(0).abs().max() < 1e-4
    assert torch.allclose(z.std(0, unbiased=False)[torch.arange(30) != 5], torch.ones(29), atol=1e-4)
    assert torch.allclose(e1.destandardize(z), targets, atol=1e-4)
    assert e1.f_std[5] == 1.0
    sd = e1.state_dict()
    assert {"f_mean", "f_std", "fitted"} <= set(sd)
    e1b = PoseExpressionExtractor(dim=30, **TINY)
    e1b.load_state_dict(sd)
    assert torch.equal(e1b.f_mean, e1.f_mean) and bool(e1b.fitted)
    # With W_3d = 1/σ², Eq. 7 on raw f_3d is the squared error of the standardized outputs.
    x = torch.randn(4, 3, 32, 32)
    e1.eval()
    f1, gt = e1(x), targets[:4]
    assert e1.f3d(x).shape == (4, 30)
    expect = (f1 - e1.standardize(gt)).square().sum(1).mean()
    assert e1.loss(x, gt).item() == pytest.approx(expect.item(), rel=1e-4)
    with pytest.raises(RuntimeError):
        PoseExpressionExtractor(dim=30, **TINY).loss(x, gt)


def test_eq8_value_and_gradient_isolation():
    torch.manual_seed(0)
    e_id, e_1 = IdentityExtractor(n_ids=3, **TINY), PoseExpressionExtractor(30, **TINY)
    e_2, g = GeneralExtractor(32, n=4), ImageGenerator(32, n=4)
    x = torch.rand(2, 3, 32, 32) * 2 - 1
    with pytest.raises(ValueError, match="freeze"):
        e2_reconstruction_loss(x, e_id, e_1, e_2, g)
    e_id.eval(), e_1.eval()        # frozen in eval mode, but requires_grad still True:
    loss = e2_reconstruction_loss(x, e_id, e_1, e_2, g)  # no_grad must keep their grads empty
    f2 = e_2(x)
    assert torch.allclose(f2.norm(dim=1), torch.full((2,), 16.0), atol=1e-3)
    with torch.no_grad():
        z = torch.cat([renormalize(e_id(x), 16), e_1(x), f2], 1)
        assert z.shape == (2, 542)
        expect = (x - g.decoder(z)).abs().mean()
    assert loss.item() == pytest.approx(expect.item(), rel=1e-5)
    loss.backward()
    assert all(p.grad is None for p in [*e_id.parameters(), *e_1.parameters()])
    assert all(p.grad is not None for p in [*e_2.parameters(), *g.parameters()])
    assert e_2.encoder.fc.weight.grad.abs().sum() > 0 and g.decoder.fc.weight.grad.abs().sum() > 0
    assert not any(p.requires_grad for p in freeze(e_id).parameters()) and not e_id.training


def test_view_term_value_and_gradient_isolation():
    """φ_view: x' drawn from E_id(x), E_1(x') and E_2(x); only E_2 and G^I learn."""
    torch.manual_seed(0)
    e_id, e_1 = IdentityExtractor(n_ids=3, **TINY), PoseExpressionExtractor(12, **TINY)
    e_2, g = GeneralExtractor(32, n=4), ImageGenerator(32, f1_dim=12, n=4)
    x, xv = (torch.rand(2, 3, 32, 32) * 2 - 1 for _ in range(2))
    with pytest.raises(ValueError, match="freeze"):
        e2_view_loss(xv, x, e_id, e_1, e_2, g)
    e_id.eval(), e_1.eval()
    with pytest.raises(ValueError, match="same shape"):
        e2_view_loss(xv[:1], x, e_id, e_1, e_2, g)
    loss = e2_view_loss(xv, x, e_id, e_1, e_2, g)
    with torch.no_grad():
        expect = (xv - g(renormalize(e_id(x), 16), e_1(xv), e_2(x))).abs().mean()
        wrong = (xv - g(renormalize(e_id(x), 16), e_1(x), e_2(x))).abs().mean()   # f_1 read off x instead
    assert loss.item() == pytest.approx(expect.item(), rel=1e-5) and abs(loss.item() - wrong.item()) > 1e-6
    loss.backward()
    assert all(p.grad is None for p in [*e_id.parameters(), *e_1.parameters()])
    assert e_2.encoder.fc.weight.grad.abs().sum() > 0 and g.decoder.fc.weight.grad.abs().sum() > 0


def test_view_readback_value_and_gradient_isolation():
    """φ_view,3d: E_1 reads the view rendering back; the mean squared error to the f'_1 it
    was drawn from; the gradient reaches G^I and E_2 through the image, never E_1."""
    from facefeat_lite.facefeat.extractors import view_readback, view_render

    torch.manual_seed(0)
    e_id, e_1 = IdentityExtractor(n_ids=3, **TINY), PoseExpressionExtractor(12, **TINY)
    e_2, g = GeneralExtractor(32, n=4), ImageGenerator(32, f1_dim=12, n=4)
    x, xv = (torch.rand(2, 3, 32, 32) * 2 - 1 for _ in range(2))
    freeze(e_id), freeze(e_1)                                  # as train_e2 gets them
    x_hat, f1v = view_render(xv, x, e_id, e_1, e_2, g)
    with torch.no_grad():
        assert torch.equal(f1v, e_1(xv))
        assert torch.allclose(x_hat, g(renormalize(e_id(x), 16), e_1(xv), e_2(x)), atol=1e-6)
        assert view_readback(x_hat, f1v, e_1).item() == pytest.approx(float((e_1(x_hat) - f1v).pow(2).mean()),
                                                                      rel=1e-6)
        hand = torch.zeros(2, 12)
        hand[0, 0], hand[1, 11] = 3.0, -1.0                    # (9 + 1) / (2 · 12) from a stand-in reading
    assert view_readback(torch.zeros(2, 3, 32, 32), e_1(torch.zeros(2, 3, 32, 32)).detach() + hand,
                         e_1).item() == pytest.approx(10 / 24, rel=1e-5)
    view_readback(x_hat, f1v, e_1).backward()
    assert all(p.grad is None for p in [*e_id.parameters(), *e_1.parameters()])
    assert e_2.encoder.fc.weight.grad.abs().sum() > 0 and g.decoder.fc.weight.grad.abs().sum() > 0
    e_1.train()
    with pytest.raises(ValueError, match="freeze"):
        view_readback(x_hat.detach(), f1v, e_1)
