"""CycleGAN-VC generator and discriminator (Kaneko & Kameoka, arXiv 1711.11293).

Architecture as in the paper's network figure (Fig. 3; "k" kernel, "c" channels, "s" stride;
every "GLU" is a gated block of :mod:`vcgan.layers.glu` with its own gate convolution):

Generator (1D gated CNN over ``(batch, mcep_dim, frames)``, mel-cepstra as channels):

====================  ========================================================
input                 Conv1d k15 c128 s1 → GLU            (no norm)
downsample ×2         Conv1d k5 c256 s2 → IN → GLU; Conv1d k5 c512 s2 → IN → GLU
residual blocks ×6    Conv1d k3 c1024 s1 → IN → GLU; Conv1d k3 c512 s1 → IN; sum
upsample ×2           Conv1d k5 c1024 → PixelShuffle(2) → IN → GLU  (→ 512 channels);
                      Conv1d k5 c512 → PixelShuffle(2) → IN → GLU   (→ 256 channels)
output                Conv1d k15 c``mcep_dim``
====================  ========================================================

Discriminator (2D gated CNN over ``(batch, 1, mcep_dim, frames)``):

====================  ========================================================
input                 Conv2d k3x3 c128 s1x2 → GLU         (no norm)
downsample ×3         Conv2d k3x3 c256 s2x2 → IN → GLU; Conv2d k3x3 c512 s2x2 → IN → GLU;
                      Conv2d k6x3 c1024 s1x2 → IN → GLU
output                fully connected → 1 → sigmoid
====================  ========================================================

Choices where the paper is silent: convolutions use "same"-style padding (``k // 2``) except the
6x3 discriminator layer, which has no padding along frequency so that, as its height of 6 suggests
for 24 mel-cepstra (24 / 2 / 2 = 6), it collapses the whole frequency axis; for other
``mcep_dim`` its height is the remaining frequency size. Convolutions followed by instance norm
have no bias (the norm's mean subtraction cancels it; the norm's shift plays that role). The
fully connected layer makes the
discriminator fixed-length (``n_frames``, the training crop); the generator is fully
convolutional and needs a number of frames divisible by :attr:`CycleGANVCGenerator.frame_multiple`
(4 with the paper's two downsamplings) and at least twice that (instance norm needs two frames
after downsampling); pad with :func:`vcgan.models.pad_to_multiple`.
Widths are ``base_channels`` times powers of two, so ``base_channels=128`` is the paper.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from vcgan.layers.glu import GatedConv1d, GatedConv2d
from vcgan.layers.norm import make_norm
from vcgan.layers.spectral_norm import apply_spectral_norm


@dataclass
class CycleGANVCGeneratorConfig:
    """Generator hyperparameters; defaults are arXiv 1711.11293, Fig. 3 (VCC2016, 24 MCEPs)."""

    mcep_dim: int = 24
    base_channels: int = 128
    n_downsample: int = 2
    n_res_blocks: int = 6
    input_kernel: int = 15
    down_kernel: int = 5
    res_kernel: int = 3
    up_kernel: int = 5
    output_kernel: int = 15
    norm: str = "instance"
    input_skip: bool = False
    """Add the input to the output (``y = x + net(x)``, the output convolution zero-initialised,
    so an untrained generator is the identity: in normalised features, the statistical
    baseline). Not in the papers; for experiments at short CPU budgets."""


@dataclass
class CycleGANVCDiscriminatorConfig:
    """Discriminator hyperparameters; defaults are arXiv 1711.11293, Fig. 3.

    ``n_frames`` is the training crop length (128 frames, Sec. 4.1), fixed by the fully connected
    output layer. ``output_sigmoid`` follows the figure; turn it off for objectives that need raw
    scores (everything but ``lsgan``). ``spectral_norm`` is vcgan's switch, not in the paper.
    """

    mcep_dim: int = 24
    n_frames: int = 128
    base_channels: int = 128
    kernel: int = 3
    final_kernel_frames: int = 3
    output_sigmoid: bool = True
    norm: str = "instance"
    spectral_norm: bool = False


class ResidualBlock1d(nn.Module):
    """Residual block of the 1D generators: gated conv (2×width) → conv (width) → IN, plus input.

    Shapes: ``(batch, channels, frames)`` → same.
    """

    def __init__(self, channels: int, hidden_channels: int, kernel_size: int, norm: str):
        super().__init__()
        self.glu = GatedConv1d(channels, hidden_channels, kernel_size, norm=norm)
        self.conv = nn.Conv1d(hidden_channels, channels, kernel_size, padding=kernel_size // 2, bias=norm == "none")
        self.norm = make_norm(norm, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.norm(self.conv(self.glu(x)))


class CycleGANVCGenerator(nn.Module):
    """1D gated CNN generator of CycleGAN-VC (arXiv 1711.11293, Sec. 3.3, Fig. 3).

    Shapes: ``(batch, mcep_dim, frames)`` → ``(batch, mcep_dim, frames)``; ``frames`` must be a
    multiple of :attr:`frame_multiple` (``2 ** n_downsample``) and at least ``2 * frame_multiple``.
    """

    def __init__(self, config: CycleGANVCGeneratorConfig | None = None):
        super().__init__()
        cfg = config or CycleGANVCGeneratorConfig()
        self.config = cfg
        b, n = cfg.base_channels, cfg.n_downsample
        self.frame_multiple = 2 ** n
        self.input = GatedConv1d(cfg.mcep_dim, b, cfg.input_kernel, norm="none")
        self.downsample = nn.Sequential(*[
            GatedConv1d(b * 2 ** i, b * 2 ** (i + 1), cfg.down_kernel, stride=2, norm=cfg.norm)
            for i in range(n)
        ])
        width = b * 2 ** n
        self.res_blocks = nn.Sequential(*[
            ResidualBlock1d(width, 2 * width, cfg.res_kernel, cfg.norm) for _ in range(cfg.n_res_blocks)
        ])
        # Fig. 3: upsampling convs have 1024 then 512 channels, halved by the 1D pixel shuffle
        # (512 -> 1024 -> 512, then 512 -> 512 -> 256); the separate gate conv keeps that width.
        self.upsample = nn.Sequential(*[
            GatedConv1d(b * 2 ** min(i + 2, n), b * 2 ** (i + 2), cfg.up_kernel, norm=cfg.norm, upscale_factor=2)
            for i in reversed(range(n))
        ])
        self.output = nn.Conv1d(2 * b, cfg.mcep_dim, cfg.output_kernel, padding=cfg.output_kernel // 2)
        if cfg.input_skip:
            zero_init(self.output)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Convert normalized mel-cepstra ``(batch, mcep_dim, frames)``."""
        _check_frames(x, self.frame_multiple)
        h = self.downsample(self.input(x))
        h = self.upsample(self.res_blocks(h))
        return x + self.output(h) if self.config.input_skip else self.output(h)


class CycleGANVCDiscriminator(nn.Module):
    """2D gated CNN discriminator of CycleGAN-VC with a fully connected output (arXiv 1711.11293, Fig. 3).

    Shapes: ``(batch, mcep_dim, n_frames)`` → ``(batch, 1)`` (one score per crop).
    """

    def __init__(self, config: CycleGANVCDiscriminatorConfig | None = None):
        super().__init__()
        cfg = config or CycleGANVCDiscriminatorConfig()
        self.config = cfg
        b, k = cfg.base_channels, cfg.kernel
        height, frames = cfg.mcep_dim, cfg.n_frames
        self.input = GatedConv2d(1, b, k, stride=(1, 2), norm="none")
        frames = _conv_out(frames, k, 2, k // 2)
        layers = []
        for i in range(2):
            layers.append(GatedConv2d(b * 2 ** i, b * 2 ** (i + 1), k, stride=2, norm=cfg.norm))
            height, frames = _conv_out(height, k, 2, k // 2), _conv_out(frames, k, 2, k // 2)
        kf = cfg.final_kernel_frames
        layers.append(GatedConv2d(4 * b, 8 * b, (height, kf), stride=(1, 2), padding=(0, kf // 2), norm=cfg.norm))
        frames = _conv_out(frames, kf, 2, kf // 2)
        self.downsample = nn.Sequential(*layers)
        self.output = nn.Linear(8 * b * frames, 1)
        self.output_activation = nn.Sigmoid() if cfg.output_sigmoid else nn.Identity()
        if cfg.spectral_norm:
            apply_spectral_norm(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Score a batch of crops ``(batch, mcep_dim, n_frames)``."""
        if x.shape[-1] != self.config.n_frames:
            raise ValueError(
                f"CycleGAN-VC discriminator has a fully connected output and takes exactly "
                f"{self.config.n_frames} frames, got {x.shape[-1]}"
            )
        h = self.downsample(self.input(x.unsqueeze(1)))
        return self.output_activation(self.output(h.flatten(1)))


def zero_init(layer: nn.Module) -> None:
    """Zero a layer's weight and bias: with ``input_skip`` the generator starts as the identity."""
    nn.init.zeros_(layer.weight)
    if layer.bias is not None:
        nn.init.zeros_(layer.bias)


def _conv_out(size: int, kernel: int, stride: int, padding: int) -> int:
    return (size + 2 * padding - kernel) // stride + 1


def _check_frames(x: torch.Tensor, multiple: int) -> None:
    # Instance norm needs >= 2 frames after the /multiple downsampling, hence 2 * multiple.
    if x.dim() != 3:
        raise ValueError(f"expected (batch, mcep_dim, frames), got shape {tuple(x.shape)}")
    frames = x.shape[-1]
    if frames % multiple or frames < 2 * multiple:
        raise ValueError(
            f"frames ({frames}) must be a multiple of {multiple} and at least {2 * multiple}; "
            f"pad with vcgan.models.pad_to_multiple"
        )
