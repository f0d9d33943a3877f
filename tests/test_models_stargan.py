"""StarGAN-VC / StarGAN-VC2 networks: shapes, real conditioning, paper widths, registry."""

import pytest
import torch
from torch import nn

from vcgan.layers.norm import ConditionalInstanceNorm, make_norm
from vcgan.models import (
    build_classifier,
    build_discriminator,
    build_generator,
    config_fields,
    run_generator,
)
from vcgan.models.stargan_vc import stargan_norm
from vcgan.utils.config import ConfigError

pytestmark = pytest.mark.usefixtures("single_torch_thread")

N = 4
ROWS = [25, 35, 36]
TINY_G = {
    "stargan_vc": {"encoder_channels": [4, 4, 4, 4, 2], "decoder_channels": [4, 4, 4, 4]},
    "stargan_vc2": {"base_channels": 4, "res_channels": 8, "n_blocks": 2},
}
TINY_D = {
    "stargan_vc": {"channels": [4, 4, 4, 4]},
    "stargan_vc2": {"base_channels": 4},
}
TINY_C = {"channels": [4, 4, 4, 4]}


def one_hot(*ids):
    return torch.eye(N)[list(ids)]


def gen(name, rows, **extra):
    return build_generator(name, mcep_dim=rows, n_speakers=N, **TINY_G[name], **extra)


def disc(name, rows, **extra):
    return build_discriminator(name, mcep_dim=rows, n_speakers=N, **TINY_D[name], **extra)


def clf(rows, **extra):
    return build_classifier("stargan_vc", mcep_dim=rows, n_speakers=N, **TINY_C, **extra)


def randn(*shape, seed=0):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed))


# --- shapes -------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["stargan_vc", "stargan_vc2"])
@pytest.mark.parametrize("rows", ROWS)
@pytest.mark.parametrize("frames", [8, 12, 64])
def test_generator_keeps_shape(name, rows, frames):
    g = gen(name, rows)
    assert g.frame_multiple == 4
    x = randn(2, rows, frames)
    assert g(x, one_hot(0, 1), one_hot(2, 3)).shape == x.shape


@pytest.mark.parametrize("name", ["stargan_vc", "stargan_vc2"])
@pytest.mark.parametrize("frames", [4, 10, 13])
def test_generator_refuses_bad_lengths(name, frames):
    with pytest.raises(ValueError, match="multiple"):
        gen(name, 25)(randn(1, 25, frames), one_hot(0), one_hot(1))


@pytest.mark.parametrize("name", ["stargan_vc", "stargan_vc2"])
def test_generator_refuses_bad_codes(name):
    g = gen(name, 25)
    with pytest.raises(ValueError, match="tgt_code"):
        g(randn(2, 25, 8), one_hot(0, 1), torch.ones(2, N + 1))
    with pytest.raises(ValueError, match="mcep_dim"):
        g(randn(2, 24, 8), one_hot(0, 1), one_hot(2, 3))


@pytest.mark.parametrize("rows", ROWS)
@pytest.mark.parametrize("frames", [8, 15, 128, 512])
def test_vc1_discriminator_patch_logits(rows, frames):
    d = disc("stargan_vc", rows)
    out = d(randn(3, rows, frames), None, one_hot(0, 1, 2))
    assert out.shape == (3, frames // 8)
    assert d.min_frames == 8
    with pytest.raises(ValueError, match="at least 8"):
        d(randn(3, rows, 7), None, one_hot(0, 1, 2))


@pytest.mark.parametrize("rows", ROWS)
@pytest.mark.parametrize("frames", [32, 100, 128, 512])
def test_vc1_classifier_logits_per_position(rows, frames):
    c = clf(rows)
    assert c(randn(2, rows, frames)).shape == (2, N, frames // 32)
    with pytest.raises(ValueError, match="at least 32"):
        c(randn(2, rows, 31))


@pytest.mark.parametrize("rows", ROWS)
@pytest.mark.parametrize("frames", [1, 8, 37, 128])
def test_vc2_discriminator_one_score_per_sample(rows, frames):
    out = disc("stargan_vc2", rows)(randn(2, rows, frames), one_hot(0, 1), one_hot(2, 3))
    assert out.shape == (2,)


@pytest.mark.parametrize("rows, kernel_rows", [(36, 9), (35, 9), (25, 7)])
def test_vc1_bottleneck_collapses_remaining_rows(rows, kernel_rows):
    g = gen("stargan_vc", rows)
    e5, d1 = g.encoder[4].conv, g.decoder[0].conv
    assert e5.kernel_size == (kernel_rows, 5) and e5.stride == (kernel_rows, 1)
    assert d1.kernel_size == (kernel_rows, 5) and d1.stride == (kernel_rows, 1)
    bottleneck = g.encoder(torch.zeros(1, 1, g.padded_height, 16))
    assert bottleneck.shape == (1, 2, 1, 4)


# --- conditioning -------------------------------------------------------------------------------

def _differs(a, b):
    return not torch.allclose(a, b, atol=1e-6)


@pytest.mark.parametrize("name", ["stargan_vc", "stargan_vc2"])
@pytest.mark.parametrize("rows", ROWS)
def test_generator_output_depends_on_target_code(name, rows):
    g = gen(name, rows).eval()
    x = randn(2, rows, 16)
    assert _differs(g(x, one_hot(0, 0), one_hot(1, 1)), g(x, one_hot(0, 0), one_hot(2, 3)))


def test_vc1_generator_ignores_source_code():
    g = gen("stargan_vc", 36).eval()
    x = randn(2, 36, 16)
    torch.testing.assert_close(g(x, one_hot(0, 0), one_hot(1, 1)), g(x, one_hot(2, 3), one_hot(1, 1)))
    torch.testing.assert_close(g(x, None, one_hot(1, 1)), g(x, one_hot(2, 3), one_hot(1, 1)))


def test_vc2_generator_output_depends_on_source_code():
    g = gen("stargan_vc2", 35)
    x = randn(2, 35, 16)
    assert _differs(g(x, one_hot(0, 0), one_hot(3, 3)), g(x, one_hot(1, 2), one_hot(3, 3)))


def test_vc1_discriminator_depends_on_target_code_only():
    d = disc("stargan_vc", 25).eval()
    y = randn(2, 25, 64)
    assert _differs(d(y, None, one_hot(0, 1)), d(y, None, one_hot(2, 3)))
    torch.testing.assert_close(d(y, one_hot(0, 0), one_hot(2, 3)), d(y, one_hot(1, 1), one_hot(2, 3)))


@pytest.mark.parametrize("slot", ["src", "tgt"])
def test_vc2_discriminator_depends_on_both_codes(slot):
    d = disc("stargan_vc2", 35)
    y = randn(2, 35, 32)
    base = d(y, one_hot(0, 1), one_hot(2, 3))
    other = d(y, one_hot(3, 2), one_hot(2, 3)) if slot == "src" else d(y, one_hot(0, 1), one_hot(1, 0))
    assert (base - other).abs().min() > 1e-6


def test_vc2_discriminator_is_fc_plus_projection():
    d = disc("stargan_vc2", 25)
    y, src, tgt = randn(2, 25, 16), one_hot(0, 1), one_hot(2, 3)
    phi = d.final(d.downsample(d.input(y.unsqueeze(1)))).sum(dim=(2, 3))
    expected = d.fc(phi)[:, 0] + (phi * (torch.cat([src, tgt], 1) @ d.embed.weight.T)).sum(1)
    torch.testing.assert_close(d(y, src, tgt), expected)
    assert d.embed.bias is None


@pytest.mark.parametrize("rows", ROWS)
def test_vc1_classifier_sees_only_lowest_rows(rows):
    c = clf(rows).eval()
    n_rows = c.config.n_rows
    assert n_rows == 8
    y = randn(2, rows, 64)
    higher = y.clone()
    higher[:, n_rows:] = randn(2, rows - n_rows, 64, seed=1)
    torch.testing.assert_close(c(y), c(higher))
    row0 = y.clone()
    row0[:, 0] += 1.0
    assert _differs(c(y), c(row0))


# --- conditional instance norm ------------------------------------------------------------------

def test_cin_with_unit_scale_and_zero_shift_is_instance_norm():
    cin = ConditionalInstanceNorm(6, 2 * N)
    with torch.no_grad():
        cin.gamma.weight.zero_()
        cin.gamma.bias.fill_(1.0)
        cin.beta.weight.zero_()
        cin.beta.bias.zero_()
    h = randn(3, 6, 20) * 3 + 2
    code = torch.cat([one_hot(0, 1, 2), one_hot(3, 2, 1)], dim=1)
    torch.testing.assert_close(cin(h, code), nn.InstanceNorm1d(6)(h))


def test_cin_scales_and_shifts_per_sample_from_the_code():
    cin = ConditionalInstanceNorm(3, 2)
    with torch.no_grad():
        cin.gamma.weight.copy_(torch.tensor([[1.0, 0.0]] * 3))
        cin.gamma.bias.zero_()
        cin.beta.weight.copy_(torch.tensor([[0.0, 5.0]] * 3))
        cin.beta.bias.zero_()
    h = randn(2, 3, 10)
    out = cin(h, torch.tensor([[2.0, 0.0], [0.0, 1.0]]))
    normed = nn.InstanceNorm1d(3)(h)
    torch.testing.assert_close(out[0], 2 * normed[0])
    torch.testing.assert_close(out[1], torch.full_like(out[1], 5.0))


def test_cin_starts_near_identity_scale_but_conditioned():
    cin = ConditionalInstanceNorm(4, 2 * N)
    assert torch.all(cin.gamma.bias == 1) and torch.all(cin.beta.bias == 0)
    assert cin.gamma.weight.abs().sum() > 0  # an untrained network already sees the code


def test_vc1_norm_options():
    bn = stargan_norm("batch", 5)
    assert isinstance(bn, nn.BatchNorm2d) and bn.affine and bn.track_running_stats
    inorm = stargan_norm("instance", 5)
    assert isinstance(inorm, nn.InstanceNorm2d) and inorm.affine and not inorm.track_running_stats
    assert isinstance(stargan_norm("none", 5), nn.Identity)
    with pytest.raises(ValueError):
        make_norm("batch", 5, 2)  # the shared factory is unchanged; BN is StarGAN-VC's own


# --- paper sizes --------------------------------------------------------------------------------

def _gated_convs(module):
    """(kernel, stride, out_channels) of every linear-path conv of the gated blocks, in order."""
    return [(m.conv.kernel_size, m.conv.stride, m.conv.out_channels)
            for m in module.modules() if hasattr(m, "gate_conv")]


def test_vc1_paper_generator_matches_fig1():
    g = build_generator("stargan_vc")
    assert (g.config.mcep_dim, g.config.n_speakers, g.config.norm) == (36, 4, "batch")
    assert _gated_convs(g) == [
        ((3, 9), (1, 1), 32), ((4, 8), (2, 2), 64), ((4, 8), (2, 2), 128), ((3, 5), (1, 1), 64),
        ((9, 5), (9, 1), 5),
        ((9, 5), (9, 1), 64), ((3, 5), (1, 1), 128), ((4, 8), (2, 2), 64), ((4, 8), (2, 2), 32),
    ]
    # The code (4 channels) is concatenated before every decoder layer, not before the encoder.
    assert [m.conv.in_channels for m in g.decoder] == [5 + 4, 64 + 4, 128 + 4, 64 + 4]
    assert g.encoder[0].conv.in_channels == 1
    assert (g.output.in_channels, g.output.out_channels, g.output.kernel_size) == (32 + 4, 1, (3, 9))
    assert isinstance(g.encoder[0].norm, nn.BatchNorm2d) and isinstance(g.decoder[0].gate_norm, nn.BatchNorm2d)
    x = randn(1, 36, 128)
    assert g(x, None, one_hot(2)).shape == (1, 36, 128)


def test_vc1_paper_discriminator_and_classifier_match_fig1():
    d = build_discriminator("stargan_vc")
    assert _gated_convs(d) == [((3, 9), (1, 1), 32), ((3, 8), (1, 2), 32), ((3, 8), (1, 2), 32), ((3, 6), (1, 2), 32)]
    assert [m.conv.in_channels for m in d.layers] == [1 + 4, 32 + 4, 32 + 4, 32 + 4]
    assert (d.output.kernel_size, d.output.stride, d.output.out_channels) == ((36, 5), (36, 1), 1)
    assert d(randn(2, 36, 512), None, one_hot(0, 3)).shape == (2, 64)
    c = build_classifier("stargan_vc")
    assert _gated_convs(c) == [((4, 4), (2, 2), 8), ((4, 4), (2, 2), 16), ((4, 4), (2, 2), 32), ((3, 4), (1, 2), 16)]
    assert (c.output.kernel_size, c.output.stride, c.output.out_channels) == ((1, 4), (1, 2), 4)
    assert c(randn(2, 36, 512)).shape == (2, 4, 16)


def test_vc2_paper_generator_matches_fig2():
    g = build_generator("stargan_vc2")
    assert (g.config.mcep_dim, g.config.n_speakers) == (35, 4)
    # Printed widths are before the gate (FACTS 0.3): each gated conv is half of it.
    assert _gated_convs(g.input) + _gated_convs(g.downsample) == [
        ((5, 15), (1, 1), 64), ((5, 5), (2, 2), 128), ((5, 5), (2, 2), 256)]
    assert g.reduced_height == 9 and g.flat_channels == 2304
    assert (g.to_1d.in_channels, g.to_1d.out_channels) == (2304, 256)
    assert (g.to_2d.in_channels, g.to_2d.out_channels) == (256, 2304)
    assert isinstance(g.to_1d_norm, nn.InstanceNorm1d)
    assert len(g.blocks) == 9
    for block in g.blocks:
        assert block.conv.kernel_size == (5,) and block.conv.out_channels + block.gate_conv.out_channels == 512
        assert block.norm.gamma.in_features == 8 and block.norm.gamma.out_features == 256
    ups = [(m.conv.out_channels, m.out_channels) for m in g.upsample]
    assert ups == [(512, 128), (256, 64)]  # printed c1024 / c512, pixel shuffle x2, gate
    assert all(isinstance(m.norm, nn.Identity) for m in g.upsample)
    assert (g.output.in_channels, g.output.out_channels, g.output.kernel_size) == (64, 1, (5, 15))
    # No plain IN anywhere after the 2D->1D conv: only the CINs of the nine blocks.
    after = [m for m in list(g.blocks.modules()) + list(g.upsample.modules()) + [g.to_2d]
             if isinstance(m, (nn.InstanceNorm1d, nn.InstanceNorm2d)) and m.affine]
    assert after == []


def test_vc2_paper_discriminator_matches_fig2():
    d = build_discriminator("stargan_vc2")
    assert _gated_convs(d) == [
        ((3, 3), (1, 1), 64), ((3, 3), (2, 2), 128), ((3, 3), (2, 2), 256), ((3, 3), (2, 2), 512),
        ((1, 5), (1, 1), 512)]
    assert d.width == 512
    assert tuple(d.embed.weight.shape) == (512, 8) and d.embed.bias is None
    assert (d.fc.in_features, d.fc.out_features) == (512, 1)
    assert d(randn(2, 35, 128), one_hot(0, 1), one_hot(2, 3)).shape == (2,)


# --- registry, run_generator, init --------------------------------------------------------------

def test_registry_names_and_fields():
    assert {"mcep_dim", "n_speakers", "n_rows", "channels", "norm"} <= config_fields("classifier", "stargan_vc")
    assert {"base_channels", "res_channels", "n_blocks", "n_speakers"} <= config_fields("generator", "stargan_vc2")
    assert "spectral_norm" in config_fields("discriminator", "stargan_vc2")
    with pytest.raises(ValueError, match="unknown classifier"):
        build_classifier("stargan_vc2")
    with pytest.raises(ConfigError, match="norm"):
        build_generator("stargan_vc", norm="layer")
    with pytest.raises(ConfigError, match="even"):
        build_generator("stargan_vc2", base_channels=5)
    with pytest.raises(ConfigError, match="n_rows"):
        build_classifier("stargan_vc", mcep_dim=25, n_rows=30)


def test_vc1_instance_norm_selectable():
    g = gen("stargan_vc", 25, norm="instance")
    assert isinstance(g.encoder[1].norm, nn.InstanceNorm2d)
    assert g(randn(1, 25, 8), None, one_hot(1)).shape == (1, 25, 8)


@pytest.mark.parametrize("name", ["stargan_vc", "stargan_vc2"])
@pytest.mark.parametrize("frames", [1, 5, 13, 37])
def test_run_generator_with_codes_crops_back(name, frames):
    g = gen(name, 25)
    x, src, tgt = randn(2, 25, frames), one_hot(0, 1), one_hot(2, 3)
    y = run_generator(g, x, src, tgt)
    assert y.shape == x.shape and g.training
    padded = torch.nn.functional.pad(x, (0, max(8, -(-frames // 4) * 4) - frames), mode="replicate")
    with torch.no_grad():
        torch.testing.assert_close(y, g.eval()(padded, src, tgt)[..., :frames])
    single = run_generator(g, x[1], src[1], tgt[1])
    assert single.shape == (25, frames)
    torch.testing.assert_close(single, y[1], rtol=1e-5, atol=1e-5)


def test_run_generator_without_codes_still_works():
    g = build_generator("cyclegan_vc2", mcep_dim=9, base_channels=4, res_channels=8, n_res_blocks=1)
    assert run_generator(g, randn(9, 13)).shape == (9, 13)


def _build_all(rows=25):
    return [gen("stargan_vc", rows), disc("stargan_vc", rows), clf(rows), gen("stargan_vc2", rows),
            disc("stargan_vc2", rows)]


def test_seeded_init_is_reproducible():
    torch.manual_seed(7)
    first = _build_all()
    torch.manual_seed(7)
    second = _build_all()
    for a, b in zip(first, second):
        sa, sb = a.state_dict(), b.state_dict()
        assert sa.keys() == sb.keys()
        for key in sa:
            torch.testing.assert_close(sa[key], sb[key])


@pytest.mark.parametrize("index", range(5))
def test_every_layer_used_and_every_param_trained(index):
    module = _build_all()[index]
    args = {0: (randn(2, 25, 16), one_hot(0, 1), one_hot(2, 3)), 1: (randn(2, 25, 32), None, one_hot(2, 3)),
            2: (randn(2, 25, 64),), 3: (randn(2, 25, 16), one_hot(0, 1), one_hot(2, 3)),
            4: (randn(2, 25, 16), one_hot(0, 1), one_hot(2, 3))}[index]
    called = set()
    leaves = {name: m for name, m in module.named_modules() if not list(m.children())}
    hooks = [m.register_forward_hook(lambda mod, i, o, name=name: called.add(name)) for name, m in leaves.items()]
    out = module(*args)
    for h in hooks:
        h.remove()
    assert set(leaves) == called, f"defined but not called: {sorted(set(leaves) - called)}"
    (out * randn(*out.shape, seed=3)).sum().backward()
    for name, p in module.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, f"{name} gets no gradient"


@pytest.mark.parametrize("residual", [False, True])
def test_stargan_vc2_residual_blocks_switch(residual):
    """With ``residual_blocks`` a 1D block whose output is zero passes its input on; without, it
    blocks it (the figure's plain blocks)."""
    g = gen("stargan_vc2", 35, residual_blocks=residual)
    with torch.no_grad():
        for block in g.blocks:
            for norm in (block.norm, block.gate_norm):
                for lin in (norm.gamma, norm.beta):
                    lin.weight.zero_()
                    lin.bias.zero_()
    x, c_s, c_t = randn(2, 35, 16), one_hot(0, 1), one_hot(2, 3)
    zeroed = g(x, c_s, c_t)
    g.blocks = nn.ModuleList()
    skipped = g(x, c_s, c_t)
    assert torch.allclose(zeroed, skipped) == residual


def test_stargan_vc2_mean_pooling_switch():
    """``pooling: mean`` divides the pooled features, and so the score, by the positions."""
    d_sum, d_mean = disc("stargan_vc2", 35), disc("stargan_vc2", 35, pooling="mean")
    d_mean.load_state_dict(d_sum.state_dict())
    y, c_s, c_t = randn(2, 35, 32), one_hot(0, 1), one_hot(2, 3)
    with torch.no_grad():
        h = d_sum.final(d_sum.downsample(d_sum.input(y.unsqueeze(1))))
        positions = h.shape[2] * h.shape[3]
        torch.testing.assert_close(d_mean(y, c_s, c_t) * positions - d_mean.fc.bias * (positions - 1),
                                   d_sum(y, c_s, c_t))
    with pytest.raises(ConfigError, match="pooling"):
        from vcgan.models import DISCRIMINATORS
        from vcgan.utils.config import from_dict
        from_dict(DISCRIMINATORS["stargan_vc2"][1], {"pooling": "max"}, where="test")
