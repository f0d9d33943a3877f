"""CycleGAN-VC / CycleGAN-VC2 networks: shapes, every layer used, parameter counts."""

import math

import pytest
import torch

from vcgan.models import build_discriminator, build_generator, pad_to_multiple, run_generator, window_starts

pytestmark = pytest.mark.usefixtures("single_torch_thread")


TINY_G = {
    "cyclegan_vc": {"mcep_dim": 8, "base_channels": 4, "n_res_blocks": 2},
    "cyclegan_vc2": {"mcep_dim": 9, "base_channels": 4, "res_channels": 8, "n_res_blocks": 2},
}
TINY_D = {
    "cyclegan_vc": {"mcep_dim": 8, "base_channels": 4, "n_frames": 32},
    "cyclegan_vc2": {"mcep_dim": 9, "base_channels": 4},
}


def n_params(module):
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize("name", ["cyclegan_vc", "cyclegan_vc2"])
@pytest.mark.parametrize("frames", [8, 12, 36])
def test_generator_keeps_shape(name, frames):
    g = build_generator(name, **TINY_G[name])
    x = torch.randn(2, TINY_G[name]["mcep_dim"], frames)
    assert g(x).shape == x.shape


@pytest.mark.parametrize("name", ["cyclegan_vc", "cyclegan_vc2"])
@pytest.mark.parametrize("frames", [1, 5, 13, 37])
def test_generator_any_length_after_padding(name, frames):
    g = build_generator(name, **TINY_G[name])
    assert g.frame_multiple == 4
    x = torch.randn(1, TINY_G[name]["mcep_dim"], frames)
    with pytest.raises(ValueError, match="multiple"):
        g(x)
    padded, n = pad_to_multiple(x, g.frame_multiple)
    assert n == frames and padded.shape[-1] % 4 == 0 and padded.shape[-1] >= 8
    torch.testing.assert_close(padded[..., :frames], x)
    assert g(padded)[..., :n].shape == x.shape


def _assert_every_layer_used_and_every_param_trained(module, x):
    called = set()
    leaves = {name: m for name, m in module.named_modules() if not list(m.children())}
    hooks = [m.register_forward_hook(lambda mod, i, o, name=name: called.add(name)) for name, m in leaves.items()]
    out = module(x)
    for h in hooks:
        h.remove()
    assert set(leaves) == called, f"defined but not called in forward: {sorted(set(leaves) - called)}"
    weights = torch.randn(out.shape, generator=torch.Generator().manual_seed(3))
    (out * weights).sum().backward()
    for name, p in module.named_parameters():
        assert p.grad is not None, f"{name} gets no gradient"
        assert p.grad.abs().sum() > 0, f"{name} gets an all-zero gradient"


@pytest.mark.parametrize("name", ["cyclegan_vc", "cyclegan_vc2"])
def test_generator_uses_every_layer(name):
    torch.manual_seed(0)
    g = build_generator(name, **TINY_G[name])
    _assert_every_layer_used_and_every_param_trained(g, torch.randn(2, TINY_G[name]["mcep_dim"], 16))


@pytest.mark.parametrize("name", ["cyclegan_vc", "cyclegan_vc2"])
def test_input_skip_starts_as_identity_and_learns(name):
    """``input_skip`` (off by default, as in the papers): y = x + net(x) with a zero-initialised
    output layer, so an untrained generator returns its input; one gradient step moves it."""
    torch.manual_seed(0)
    x = torch.randn(2, TINY_G[name]["mcep_dim"], 16)
    assert not torch.allclose(build_generator(name, **TINY_G[name])(x), x)
    g = build_generator(name, input_skip=True, **TINY_G[name])
    torch.testing.assert_close(g(x), x, rtol=0, atol=0)
    opt = torch.optim.Adam(g.parameters(), lr=1e-3)
    target = torch.randn_like(x)
    for _ in range(2):  # the first step moves only the output layer, the second the rest too
        opt.zero_grad()
        (g(x) - target).abs().mean().backward()
        opt.step()
    assert not torch.allclose(g(x), x)
    assert all(p.grad.abs().sum() > 0 for p in g.parameters())


@pytest.mark.parametrize("name", ["cyclegan_vc", "cyclegan_vc2"])
@pytest.mark.parametrize("spectral_norm", [False, True])
def test_discriminator_uses_every_layer(name, spectral_norm):
    torch.manual_seed(0)
    d = build_discriminator(name, spectral_norm=spectral_norm, **TINY_D[name])
    _assert_every_layer_used_and_every_param_trained(d, torch.randn(2, TINY_D[name]["mcep_dim"], 32))
    if spectral_norm:
        assert any(hasattr(m, "parametrizations") for m in d.modules())


@pytest.mark.parametrize("frames", [32, 40, 64])
def test_patchgan_outputs_a_patch_map(frames):
    d = build_discriminator("cyclegan_vc2", **TINY_D["cyclegan_vc2"])
    out = d(torch.randn(3, 9, frames))
    # three stride-2 downsamplings with same padding: ceil(n / 8) along both axes
    assert out.shape == (3, 1, math.ceil(9 / 8), math.ceil(frames / 8))
    assert out.shape[-1] > 1


def test_cyclegan_vc_discriminator_is_one_score_per_crop():
    d = build_discriminator("cyclegan_vc", **TINY_D["cyclegan_vc"])
    out = d(torch.randn(3, 8, 32))
    assert out.shape == (3, 1)
    assert ((out > 0) & (out < 1)).all()  # paper's sigmoid output
    with pytest.raises(ValueError, match="32 frames"):
        d(torch.randn(3, 8, 64))


def test_architecture_is_config_not_copies():
    small = build_generator("cyclegan_vc2", base_channels=8, res_channels=16, n_res_blocks=1)
    big = build_generator("cyclegan_vc2", base_channels=8, res_channels=16, n_res_blocks=3)
    assert type(small) is type(big) and n_params(big) > n_params(small)
    with pytest.raises(ValueError, match="unknown key"):
        build_generator("cyclegan_vc", channels=8)
    with pytest.raises(ValueError, match="unknown generator"):
        build_generator("no_such_model")


# --- parameter counts ---------------------------------------------------------------------
# Neither arXiv 1711.11293 nor arXiv 1904.04631 states parameter counts, so the counts are
# checked against closed-form sums over the layers of the papers' figures (Fig. 3 / Fig. 4),
# written here independently of the model code. Convolutions followed by instance norm have
# no bias; instance norm has a scale and a shift per channel; a gated block has two convs and
# (with norm) two norms.

def gated(cin, cout, k, norm=True, out_channels=None):
    out_channels = cout if out_channels is None else out_channels
    return 2 * cin * cout * k + (4 * out_channels if norm else 2 * cout)


def cyclegan_vc_generator_count(m=24, b=128, res=6):
    return (
        gated(m, b, 15, norm=False)
        + gated(b, 2 * b, 5) + gated(2 * b, 4 * b, 5)
        + res * (gated(4 * b, 8 * b, 3) + 8 * b * 4 * b * 3 + 2 * 4 * b)
        + gated(4 * b, 8 * b, 5, out_channels=4 * b) + gated(4 * b, 4 * b, 5, out_channels=2 * b)
        + 2 * b * m * 15 + m
    )


def cyclegan_vc_discriminator_count(m=24, b=128, frames=128):
    h = math.ceil(math.ceil(m / 2) / 2)
    w = frames
    for _ in range(4):
        w = math.ceil(w / 2)
    return (
        gated(1, b, 9, norm=False) + gated(b, 2 * b, 9) + gated(2 * b, 4 * b, 9) + gated(4 * b, 8 * b, h * 3)
        + 8 * b * w + 1
    )


def cyclegan_vc2_generator_count(m=35, b=128, r=256, res=6):
    h = math.ceil(math.ceil(m / 2) / 2)
    return (
        gated(1, b, 75, norm=False) + gated(b, 2 * b, 25) + gated(2 * b, 2 * b, 25)
        + 2 * b * h * r + 2 * r
        + res * (gated(r, 2 * r, 3) + 2 * r * r * 3 + 2 * r)
        + r * 2 * b * h + 2 * 2 * b * h
        + gated(2 * b, 8 * b, 25, out_channels=2 * b) + gated(2 * b, 4 * b, 25, out_channels=b)
        + b * 75 + 1
    )


def cyclegan_vc2_discriminator_count(b=128):
    return (
        gated(1, b, 9, norm=False) + gated(b, 2 * b, 9) + gated(2 * b, 4 * b, 9) + gated(4 * b, 8 * b, 9)
        + gated(8 * b, 8 * b, 5) + 8 * b * 3 + 1
    )


def test_paper_size_parameter_counts():
    counts = {
        "cyclegan_vc generator": (n_params(build_generator("cyclegan_vc")), cyclegan_vc_generator_count()),
        "cyclegan_vc discriminator": (n_params(build_discriminator("cyclegan_vc")), cyclegan_vc_discriminator_count()),
        "cyclegan_vc2 generator": (n_params(build_generator("cyclegan_vc2")), cyclegan_vc2_generator_count()),
        "cyclegan_vc2 discriminator": (n_params(build_discriminator("cyclegan_vc2")), cyclegan_vc2_discriminator_count()),
    }
    for name, (got, expected) in counts.items():
        print(f"{name}: {got:,} parameters (formula {expected:,}; the paper states none)")
        assert got == expected, name


def test_tiny_parameter_counts_follow_the_same_formula():
    assert n_params(build_generator("cyclegan_vc", **TINY_G["cyclegan_vc"])) == cyclegan_vc_generator_count(8, 4, 2)
    assert n_params(build_generator("cyclegan_vc2", **TINY_G["cyclegan_vc2"])) == cyclegan_vc2_generator_count(9, 4, 8, 2)
    assert n_params(build_discriminator("cyclegan_vc", **TINY_D["cyclegan_vc"])) == cyclegan_vc_discriminator_count(8, 4, 32)


def test_generators_are_deterministic_with_a_seed():
    def make():
        torch.manual_seed(7)
        return build_generator("cyclegan_vc2", **TINY_G["cyclegan_vc2"])

    a, b = make(), make()
    for pa, pb in zip(a.parameters(), b.parameters()):
        assert torch.equal(pa, pb)
    x = torch.randn(1, 9, 16)
    assert torch.equal(a(x), b(x))


# --- windowed conversion (run_generator(..., window=N)) -----------------------------------------

class _FrameAffine(torch.nn.Module):
    """A generator that treats every frame alone (y = 2x + 1): windows must not change it."""

    frame_multiple = 4

    def forward(self, x, *codes):
        return 2 * x + 1


@pytest.mark.parametrize("frames", [65, 100, 203, 640])
def test_windowed_conversion_of_a_frame_wise_map_is_exact_and_keeps_the_length(frames):
    x = torch.randn(2, 5, frames, generator=torch.Generator().manual_seed(frames))
    y = run_generator(_FrameAffine(), x, window=64)
    assert y.shape == x.shape
    torch.testing.assert_close(y, 2 * x + 1)


def test_windows_cover_every_frame_and_end_at_the_last():
    for frames, window in ((65, 64), (100, 32), (1000, 64)):
        starts = window_starts(frames, window)
        covered = torch.zeros(frames, dtype=torch.bool)
        for s in starts:
            covered[s:s + window] = True
        assert covered.all() and starts[0] == 0 and starts[-1] == frames - window
        assert all(0 < b - a <= window // 4 for a, b in zip(starts, starts[1:]))


def test_windowed_conversion_runs_the_generator_on_training_length_windows():
    """Instance norm sees each window alone: where one window covers a frame (the first
    quarter window), the output is the generator's output of that window by itself; a long
    input converted whole differs (its norms see the whole input)."""
    g = build_generator("cyclegan_vc2", **TINY_G["cyclegan_vc2"])
    x = torch.randn(1, 9, 160, generator=torch.Generator().manual_seed(0))
    windowed = run_generator(g, x, window=32)
    with torch.no_grad():
        first = g.eval()(x[..., :32])
        last = g(x[..., -32:])
    torch.testing.assert_close(windowed[..., :8], first[..., :8])
    torch.testing.assert_close(windowed[..., -8:], last[..., -8:])
    assert not torch.allclose(windowed, run_generator(g, x), atol=1e-3)
    # no longer than a window: converted whole; unbatched input as batched
    torch.testing.assert_close(run_generator(g, x[..., :30], window=32), run_generator(g, x[..., :30]))
    torch.testing.assert_close(run_generator(g, x[0], window=32), windowed[0])


def test_windowed_conversion_passes_each_window_its_speaker_codes():
    class Coded(torch.nn.Module):
        frame_multiple = 4

        def forward(self, x, src, tgt):  # adds the target index to every value
            return x + tgt.argmax(1)[:, None, None].to(x.dtype)
    x = torch.zeros(2, 3, 150)
    tgt = torch.eye(3)[[1, 2]]
    y = run_generator(Coded(), x, torch.eye(3)[[0, 0]], tgt, window=64)
    torch.testing.assert_close(y[0], torch.ones(3, 150))
    torch.testing.assert_close(y[1], torch.full((3, 150), 2.0))


def test_a_window_the_generator_cannot_take_is_refused():
    from vcgan.tasks.cyclegan import CycleGANConfig
    from vcgan.utils.config import ConfigError
    with pytest.raises(ConfigError, match="inference_window.*multiple of 4"):
        CycleGANConfig.from_dict({"model": "cyclegan_vc2", "inference_window": 30}, where="x.yaml")
    assert CycleGANConfig.from_dict({"model": "cyclegan_vc2", "inference_window": 64}).inference_window == 64
