"""ResNet-18/50 and the BEGAN encoder/decoder: shapes, knobs, parameter counts."""
import pytest
import torch

from facefeat_lite.nn import BeganDecoder, BeganEncoder, began_levels, resnet18, resnet50

torch.set_num_threads(1)


def n_params(m):
    return sum(p.numel() for p in m.parameters())


@pytest.mark.parametrize("make", [resnet18, resnet50])
@pytest.mark.parametrize("size,stride", [(64, 1), (128, 2)])
def test_resnet_shapes(make, size, stride):
    net = make(out_dim=30, width=8, stem_stride=stride).eval()
    x = torch.randn(2, 3, size, size)
    with torch.no_grad():
        assert net(x).shape == (2, 30)
        fmap = net.stages(net.stem(x))                 # the stem choice gives an 8×8 final map
    assert fmap.shape[-2:] == (8, 8)
    assert fmap.shape[1] == net.feat_channels == 8 * 8 * (4 if make is resnet50 else 1)


def test_resnet_knobs():
    tiny = resnet18(out_dim=None, width=16, depths=(1, 1, 1, 1))
    assert [len(s) for s in tiny.stages] == [1, 1, 1, 1]
    assert [len(s) for s in resnet50(width=4).stages] == [3, 4, 6, 3]
    assert [len(s) for s in resnet18(width=4).stages] == [2, 2, 2, 2]
    with torch.no_grad():
        assert tiny.eval()(torch.randn(1, 3, 64, 64)).shape == (1, 128)   # pooled 8·w vector
        imnet = resnet18(width=8, stem="imagenet").eval()
        assert imnet.stages(imnet.stem(torch.randn(1, 3, 64, 64))).shape[-1] == 2  # /32
    with pytest.raises(ValueError):
        resnet18(depths=(2, 2, 2))


def test_resnet_parameter_counts():
    # torchvision's resnet18/50 without the 1000-way fc: 11,176,512 and 23,508,032.
    assert n_params(resnet18(out_dim=None, stem="imagenet")) == 11_176_512
    assert n_params(resnet50(out_dim=None, stem="imagenet")) == 23_508_032
    # Ours: 3×3 stem (−7·7·3·64 + 3·3·3·64 weights) and a 256-d linear head.
    assert n_params(resnet18(out_dim=256)) == 11_176_512 - 9408 + 1728 + 512 * 256 + 256
    assert n_params(resnet50(out_dim=256)) == 23_508_032 - 9408 + 1728 + 2048 * 256 + 256


@pytest.mark.parametrize("size,levels", [(64, 4), (128, 5)])
def test_began_shapes(size, levels):
    assert began_levels(size) == levels
    enc, dec = BeganEncoder(size, h=256, n=8), BeganDecoder(size, h=542, n=8)
    with torch.no_grad():
        assert enc(torch.randn(2, 3, size, size)).shape == (2, 256)
        assert dec(torch.randn(2, 542)).shape == (2, 3, size, size)
    # Encoder channels grow n, 2n, ..., L·n; 8×8 map before the dense layer.
    assert enc.fc.in_features == 8 * 8 * levels * 8
    strided = [m for m in enc.convs if isinstance(m, torch.nn.Conv2d) and m.stride == (2, 2)]
    assert len(strided) == levels - 1
    ups = [m for m in dec.convs if isinstance(m, torch.nn.Upsample)]
    assert len(ups) == levels - 1 and ups[0].mode == "nearest"


def test_began_bad_size():
    for bad in (0, 48, 100):
        with pytest.raises(ValueError):
            began_levels(bad)
