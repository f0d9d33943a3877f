"""Layers: gated convolutions, 1D pixel shuffle, normalization and spectral-norm switches."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from vcgan.layers import GatedConv1d, GatedConv2d, PixelShuffle1d, apply_spectral_norm, make_norm, pixel_shuffle_1d


def _instance_norm(h, weight, bias, eps=1e-5):
    dims = tuple(range(2, h.dim()))
    mean = h.mean(dims, keepdim=True)
    var = h.var(dims, unbiased=False, keepdim=True)
    shape = (1, -1) + (1,) * (h.dim() - 2)
    return (h - mean) / torch.sqrt(var + eps) * weight.view(shape) + bias.view(shape)


def _randomize_norms(layer):
    # Distinct random affine parameters so a shared or swapped norm would show up.
    g = torch.Generator().manual_seed(1)
    for norm in (layer.norm, layer.gate_norm):
        with torch.no_grad():
            norm.weight.copy_(torch.rand(norm.weight.shape, generator=g) + 0.5)
            norm.bias.copy_(torch.randn(norm.bias.shape, generator=g))


def test_gated_conv1d_without_norm_is_conv_times_sigmoid_of_separate_gate_conv():
    torch.manual_seed(0)
    layer = GatedConv1d(3, 5, 3, norm="none")
    x = torch.randn(2, 3, 11)
    h = F.conv1d(x, layer.conv.weight, layer.conv.bias, padding=1)
    g = F.conv1d(x, layer.gate_conv.weight, layer.gate_conv.bias, padding=1)
    torch.testing.assert_close(layer(x), h * torch.sigmoid(g))
    assert layer.conv.weight is not layer.gate_conv.weight


def test_gated_conv1d_with_instance_norm_normalizes_each_path_separately():
    torch.manual_seed(0)
    layer = GatedConv1d(3, 4, 5, stride=2, norm="instance")
    _randomize_norms(layer)
    x = torch.randn(2, 3, 16)
    h = _instance_norm(F.conv1d(x, layer.conv.weight, stride=2, padding=2), layer.norm.weight, layer.norm.bias)
    g = _instance_norm(
        F.conv1d(x, layer.gate_conv.weight, stride=2, padding=2), layer.gate_norm.weight, layer.gate_norm.bias
    )
    torch.testing.assert_close(layer(x), h * torch.sigmoid(g))


def test_gated_conv2d_matches_hand_computation():
    torch.manual_seed(0)
    layer = GatedConv2d(2, 4, (3, 5), stride=(2, 1), norm="instance")
    _randomize_norms(layer)
    x = torch.randn(2, 2, 9, 12)
    h = _instance_norm(F.conv2d(x, layer.conv.weight, stride=(2, 1), padding=(1, 2)), layer.norm.weight, layer.norm.bias)
    g = _instance_norm(
        F.conv2d(x, layer.gate_conv.weight, stride=(2, 1), padding=(1, 2)), layer.gate_norm.weight, layer.gate_norm.bias
    )
    torch.testing.assert_close(layer(x), h * torch.sigmoid(g))


def test_gated_upsampling_shuffles_before_norm():
    torch.manual_seed(0)
    layer = GatedConv1d(4, 6, 3, norm="instance", upscale_factor=2)
    _randomize_norms(layer)
    x = torch.randn(1, 4, 7)
    h = _instance_norm(pixel_shuffle_1d(F.conv1d(x, layer.conv.weight, padding=1), 2), layer.norm.weight, layer.norm.bias)
    g = _instance_norm(
        pixel_shuffle_1d(F.conv1d(x, layer.gate_conv.weight, padding=1), 2), layer.gate_norm.weight, layer.gate_norm.bias
    )
    out = layer(x)
    assert out.shape == (1, 3, 14)
    torch.testing.assert_close(out, h * torch.sigmoid(g))

    layer2d = GatedConv2d(2, 8, 3, norm="none", upscale_factor=2)
    assert layer2d(torch.randn(1, 2, 5, 6)).shape == (1, 2, 10, 12)


def test_gate_path_changes_output_but_not_the_linear_path():
    torch.manual_seed(0)
    layer = GatedConv1d(2, 3, 3, norm="none")
    x = torch.randn(1, 2, 8)
    before = layer(x)
    with torch.no_grad():
        layer.gate_conv.bias.fill_(50.0)  # sigmoid -> 1: output becomes the linear path alone
    torch.testing.assert_close(layer(x), layer.conv(x))
    assert not torch.allclose(before, layer(x))


def test_pixel_shuffle_1d_ordering_by_hand():
    # channels c*r + k at frame t go to frame t*r + k.
    x = torch.tensor([[[0.0, 1.0], [2.0, 3.0]]])  # (1, C*r=2, T=2), r=2, C=1
    assert pixel_shuffle_1d(x, 2).tolist() == [[[0.0, 2.0, 1.0, 3.0]]]


def test_pixel_shuffle_1d_shape_and_index_formula():
    x = torch.randn(2, 6, 5)
    r = 3
    out = PixelShuffle1d(r)(x)
    assert out.shape == (2, 2, 15)
    for c in range(2):
        for t in range(5):
            for k in range(r):
                assert out[1, c, t * r + k] == x[1, c * r + k, t]
    with pytest.raises(ValueError):
        pixel_shuffle_1d(torch.randn(1, 5, 4), 2)


def test_pixel_shuffle_1d_is_the_time_axis_of_the_2d_op():
    # 2D PixelShuffle with factor r on (B, C*r*r, 1, T) puts channel c*r*r + i*r + j at (i, t*r + j);
    # row i=0 must equal the 1D shuffle of channels c*r*r + j.
    r, c_out, t = 2, 3, 4
    x = torch.randn(1, c_out * r * r, 1, t)
    two_d = nn.PixelShuffle(r)(x)[:, :, 0, :]
    rows0 = x[:, [c * r * r + j for c in range(c_out) for j in range(r)], 0, :]
    torch.testing.assert_close(pixel_shuffle_1d(rows0, r), two_d)


def test_make_norm():
    assert isinstance(make_norm("instance", 4, 1), nn.InstanceNorm1d)
    assert make_norm("instance", 4, 2).affine
    assert isinstance(make_norm("none", 4, 2), nn.Identity)
    with pytest.raises(ValueError):
        make_norm("batch", 4, 1)


def test_apply_spectral_norm_bounds_the_largest_singular_value():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv1d(3, 8, 3), nn.InstanceNorm1d(8, affine=True), nn.Linear(8, 2))
    with torch.no_grad():
        net[0].weight.mul_(10)
    apply_spectral_norm(net)
    for _ in range(30):  # power iterations run in training-mode forwards
        net(torch.randn(1, 3, 10))
    net.eval()
    for layer in (net[0], net[2]):
        sigma = torch.linalg.matrix_norm(layer.weight.flatten(1), ord=2)
        assert abs(sigma.item() - 1.0) < 1e-2
    assert not hasattr(net[1], "parametrizations")


@pytest.mark.parametrize("kernel, padding, shape", [((5, 7), (2, 3), (2, 3, 6, 9)), ((3, 4), (0, 1), (1, 3, 7, 8))])
def test_one_channel_conv2d_is_conv2d_with_the_same_gradients(kernel, padding, shape):
    from vcgan.layers import OneChannelConv2d
    torch.manual_seed(0)
    fast = OneChannelConv2d(shape[1], kernel, padding=padding).double()
    ref = torch.nn.Conv2d(shape[1], 1, kernel, padding=padding).double()
    ref.load_state_dict(fast.state_dict())  # the same parameters: bundles load either way
    x = torch.randn(shape, dtype=torch.float64, requires_grad=True)
    torch.testing.assert_close(fast(x), ref(x), rtol=0, atol=0)  # the forward is conv2d's own
    # first and second derivatives (gradient penalties) against finite differences
    from vcgan.layers.conv import _OneChannelConv2dFunction
    def conv(a, w, b):
        return _OneChannelConv2dFunction.apply(a, w, b, padding)
    args = (x, fast.weight, fast.bias)
    assert torch.autograd.gradcheck(conv, args)
    assert torch.autograd.gradgradcheck(conv, args)
    # and the same gradients as nn.Conv2d's own backward
    grads = [torch.autograd.grad(m(x).mul(torch.linspace(-1, 1, m(x).numel(), dtype=x.dtype).view_as(m(x))).sum(),
                                 (x, m.weight, m.bias)) for m in (fast, ref)]
    for a, b in zip(*grads):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)


def test_one_channel_conv2d_under_bf16_autocast_gives_float32_gradients_near_conv2d():
    from vcgan.layers import OneChannelConv2d
    torch.manual_seed(0)
    fast, ref = OneChannelConv2d(8, (5, 15), padding=(2, 7)), torch.nn.Conv2d(8, 1, (5, 15), padding=(2, 7))
    ref.load_state_dict(fast.state_dict())
    x = torch.randn(2, 8, 12, 32, requires_grad=True)
    grads = []
    for m in (fast, ref):
        x.grad = None
        with torch.autocast("cpu", dtype=torch.bfloat16):
            y = m(x)
        assert y.dtype == torch.bfloat16
        (y.float() * torch.linspace(-1, 1, y.numel()).view_as(y)).sum().backward()
        grads.append((x.grad.clone(), m.weight.grad.clone()))
    for a, b in zip(*grads):
        assert a.dtype == torch.float32
        torch.testing.assert_close(a, b, rtol=0, atol=2e-2 * b.abs().max().item())  # bf16's 8 bits


def test_one_channel_conv2d_refuses_what_it_does_not_compute():
    from vcgan.layers import OneChannelConv2d
    with pytest.raises(ValueError, match="padding"):
        OneChannelConv2d(4, 3, padding="same")
