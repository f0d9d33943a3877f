"""Networks of WaveCycleGAN (Tanaka et al., SLT 2018, arXiv 1809.10288) and WaveCycleGAN2
(arXiv 1904.02892): waveform-to-waveform generators, waveform discriminators and a
discriminator of log-mel spectrograms computed inside the graph.

What the papers say (``../shared/papers/FACTS.md`` section 5): gated (GLU) convolutions and
LSGAN; v1's generators down- and up-sample, v2's work at the sample rate throughout (the
down/up-sampling caused aliasing) with dilated convolutions, and v2 adds discriminators on
acoustic features computed from the waveform. Every size (channels, kernels, dilations,
factors, the discriminators' layout) is unverified; these are config values.

The generator has no normalisation over time on purpose: instance norm would make each
output sample depend on the whole segment, so a file post-filtered in chunks would differ from
the file post-filtered whole, and 0.5 s training segments from whole files. Without it the
network is a fixed, finite filter of radius :meth:`WaveGenerator.receptive_radius` samples,
which is what lets :func:`postfilter_waveform` cut any length into chunks exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from vcgan.layers.glu import GatedConv1d
from vcgan.layers.norm import NORMS
from vcgan.layers.spectral_norm import apply_spectral_norm
from vcgan.models.cyclegan_vc2 import CycleGANVC2Discriminator, CycleGANVC2DiscriminatorConfig
from vcgan.models.cyclegan_vc import zero_init


@dataclass
class WaveGeneratorConfig:
    """Generator sizes (WaveCycleGAN2's layout by default; all UNVERIFIED, FACTS 5.4).

    Attributes:
        channels: Channels of every hidden layer.
        kernel: Kernel size (samples at the layer's rate) of every gated convolution.
        dilations: One residual gated block per entry, with that dilation.
        downsample_factors: Strided down-sampling before the blocks, pixel-shuffle
            up-sampling after them in reverse order (WaveCycleGAN: ``[2, 2]``; v2: none).
        input_skip: ``y = x + net(x)`` with the output layer zero-initialised, so an untrained
            post-filter is the identity.
    """

    channels: int = 64
    kernel: int = 15
    dilations: list[int] = field(default_factory=lambda: [1, 2, 4, 8, 16, 32])
    downsample_factors: list[int] = field(default_factory=list)
    input_skip: bool = True

    def __post_init__(self) -> None:
        if self.channels < 1 or self.kernel < 1 or self.kernel % 2 == 0:
            raise ValueError(f"need channels >= 1 and an odd kernel, got {self.channels} and {self.kernel}")
        if not self.dilations or min(self.dilations) < 1 or min(self.downsample_factors, default=2) < 2:
            raise ValueError(f"need dilations >= 1 (at least one block) and down-sampling factors >= 2, "
                             f"got {self.dilations} and {self.downsample_factors}")


class _ResidualGatedBlock(nn.Module):
    """``h + W·GLU_d(h)``: a dilated gated convolution and a 1x1 projection, with a skip."""

    def __init__(self, channels: int, kernel: int, dilation: int):
        super().__init__()
        self.gated = GatedConv1d(channels, channels, kernel, norm="none", dilation=dilation)
        self.project = nn.Conv1d(channels, channels, 1)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return h + self.project(self.gated(h))


class WaveGenerator(nn.Module):
    """Waveform to waveform, ``(batch, samples)`` -> ``(batch, samples)`` (any length: the
    input is zero-padded to :attr:`sample_multiple` and the output cut back).

    Layout: a gated input convolution (1 -> C), strided gated down-sampling convolutions
    (v1), residual dilated gated blocks, pixel-shuffle gated up-sampling (v1), a C -> 1 output
    convolution; with ``input_skip`` the output is added to the input.
    """

    def __init__(self, config: WaveGeneratorConfig | None = None):
        super().__init__()
        cfg = config or WaveGeneratorConfig()
        self.config = cfg
        c, k = cfg.channels, cfg.kernel
        self.input = GatedConv1d(1, c, k, norm="none")
        self.downsample = nn.Sequential(*[GatedConv1d(c, c, k, stride=f, norm="none")
                                          for f in cfg.downsample_factors])
        self.blocks = nn.Sequential(*[_ResidualGatedBlock(c, k, d) for d in cfg.dilations])
        self.upsample = nn.Sequential(*[GatedConv1d(c, c * f, k, norm="none", upscale_factor=f)
                                        for f in reversed(cfg.downsample_factors)])
        self.output = nn.Conv1d(c, 1, k, padding=k // 2)
        if cfg.input_skip:
            zero_init(self.output)

    @property
    def sample_multiple(self) -> int:
        """The input is processed in lengths of this multiple (the down-sampling product)."""
        return int(np.prod(self.config.downsample_factors, dtype=np.int64))

    def receptive_radius(self) -> int:
        """Input samples either side that an output sample depends on (an upper bound)."""
        cfg, half = self.config, self.config.kernel // 2
        radius, spacing = half, 1
        for f in cfg.downsample_factors:
            radius += half * spacing
            spacing *= f
        radius += sum(half * d * spacing for d in cfg.dilations)
        for f in reversed(cfg.downsample_factors):
            radius += half * spacing + spacing  # the shuffle's phase within a coarse step
            spacing //= f
        return radius + half

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 2:
            raise ValueError(f"expected (batch, samples), got shape {tuple(x.shape)}")
        n = x.shape[-1]
        padded = F.pad(x, (0, (-n) % self.sample_multiple))
        h = self.upsample(self.blocks(self.downsample(self.input(padded[:, None]))))
        y = self.output(h)[:, 0, :n]
        return x + y if self.config.input_skip else y


@dataclass
class WaveDiscriminatorConfig:
    """A patch discriminator on the waveform: a gated input convolution, strided gated
    convolutions, a 1-channel output convolution (layout UNVERIFIED, FACTS 5.4).

    Attributes:
        channels: Channels after the input convolution and after each strided one.
        kernel, stride: Of the strided convolutions (the input one has ``kernel`` too).
        norm: ``"instance"`` or ``"none"`` after every convolution but the first and last.
        spectral_norm: Spectral normalisation of every weight.
    """

    channels: list[int] = field(default_factory=lambda: [32, 64, 128, 256, 256])
    kernel: int = 15
    stride: int = 4
    norm: str = "instance"
    spectral_norm: bool = False

    def __post_init__(self) -> None:
        if len(self.channels) < 2 or self.norm not in NORMS or self.stride < 1:
            raise ValueError(f"need at least 2 channel counts, a stride >= 1 and norm in {NORMS}; "
                             f"got {self.channels}, {self.stride}, {self.norm!r}")


class WaveDiscriminator(nn.Module):
    """Scores every patch of ``(batch, samples)``: ``(batch, 1, samples / stride**(n-1))``."""

    def __init__(self, config: WaveDiscriminatorConfig | None = None):
        super().__init__()
        cfg = config or WaveDiscriminatorConfig()
        self.config = cfg
        ch = cfg.channels
        self.input = GatedConv1d(1, ch[0], cfg.kernel, norm="none")
        self.downsample = nn.Sequential(*[GatedConv1d(a, b, cfg.kernel, stride=cfg.stride, norm=cfg.norm)
                                          for a, b in zip(ch[:-1], ch[1:])])
        self.output = nn.Conv1d(ch[-1], 1, 3, padding=1)
        if cfg.spectral_norm:
            apply_spectral_norm(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.output(self.downsample(self.input(x[:, None])))


@dataclass
class LogMelDiscriminatorConfig:
    """WaveCycleGAN2's acoustic-feature discriminator, here on log-mel spectrograms (which
    features the paper used is UNVERIFIED; a mel-spectrogram adversarial loss is one report).

    Attributes:
        sample_rate: Hz, of the waveforms scored.
        window_ms, hop_ms: STFT window and hop (ms); the FFT size is the window's next power of 2.
        n_mels: Mel bands (0 Hz to half the rate).
        discriminator: Overrides of
            :class:`vcgan.models.cyclegan_vc2.CycleGANVC2DiscriminatorConfig` (its 2-D patch
            discriminator scores the ``(n_mels, frames)`` image).
    """

    sample_rate: int = 16000
    window_ms: float = 50.0
    hop_ms: float = 12.5
    n_mels: int = 80
    discriminator: dict = field(default_factory=lambda: {"base_channels": 64})


class LogMelDiscriminator(nn.Module):
    """``(batch, samples)`` -> log-mel ``(batch, n_mels, frames)`` (float32, differentiable)
    -> the patch scores of a 2-D discriminator."""

    def __init__(self, config: LogMelDiscriminatorConfig | None = None):
        super().__init__()
        import torchaudio

        from vcgan.utils.config import from_dict
        cfg = config or LogMelDiscriminatorConfig()
        self.config = cfg
        win = int(round(cfg.window_ms * cfg.sample_rate / 1000))
        self.mel = torchaudio.transforms.MelSpectrogram(
            sample_rate=cfg.sample_rate, n_fft=1 << (win - 1).bit_length(), win_length=win,
            hop_length=int(round(cfg.hop_ms * cfg.sample_rate / 1000)), n_mels=cfg.n_mels, power=1.0)
        d_cfg = from_dict(CycleGANVC2DiscriminatorConfig, {**cfg.discriminator, "mcep_dim": cfg.n_mels},
                          where="log-mel discriminator")
        self.score = CycleGANVC2Discriminator(d_cfg)

    def log_mel(self, x: torch.Tensor) -> torch.Tensor:
        """``(batch, samples)`` -> ``(batch, n_mels, frames)``, natural log of magnitude."""
        with torch.autocast(x.device.type, enabled=False):  # the STFT in float32
            return torch.log(self.mel(x.float()) + 1e-5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.score(self.log_mel(x))


@torch.no_grad()
def postfilter_waveform(generator: WaveGenerator, x: np.ndarray, chunk_samples: int,
                        device: torch.device | str = "cpu") -> np.ndarray:
    """Run ``generator`` over ``(samples,)`` of any length, ``chunk_samples`` at a time.

    Each chunk is cut with :meth:`WaveGenerator.receptive_radius` samples of real context
    either side (rounded up to the down-sampling multiple, from which chunks also start), and
    only its centre is kept, so the result equals one pass over the whole file up to float
    rounding: there is no seam to hide.

    Args:
        generator: In ``eval()`` mode.
        x: ``(samples,)`` float waveform.
        chunk_samples: Samples kept per pass (rounded up to the multiple); memory grows with it.

    Returns:
        ``(samples,)`` float32.

    >>> from vcgan.models import build_generator
    >>> g = build_generator("wavecyclegan", channels=4, dilations=[1, 2]).eval()
    >>> x = np.random.default_rng(0).standard_normal(1000).astype(np.float32)
    >>> y = postfilter_waveform(g, x, chunk_samples=300)
    >>> y.shape, bool(np.array_equal(y, x))    # an untrained post-filter is the identity
    ((1000,), True)
    """
    m = generator.sample_multiple
    step = -(-max(int(chunk_samples), 1) // m) * m
    context = -(-generator.receptive_radius() // m) * m + m
    x = np.asarray(x, dtype=np.float32)
    out = np.empty_like(x)
    for start in range(0, len(x), step):
        lo, hi = max(0, start - context), min(len(x), start + step + context)
        seg = torch.from_numpy(np.ascontiguousarray(x[lo:hi]))[None].to(device)
        y = generator(seg)[0].float().cpu().numpy()
        end = min(start + step, len(x))
        out[start:end] = y[start - lo:end - lo]
    return out
