"""CycleGAN-VC2 2-1-2D generator and PatchGAN discriminator (Kaneko et al., arXiv 1904.04631).

Architecture as in the paper's network figure (Fig. 4) and Sec. 3.2/3.3; "GLU" blocks are gated
blocks of :mod:`vcgan.layers.glu` with a separate gate convolution. Inputs are
``(batch, mcep_dim, frames)``; the networks add the channel axis themselves and treat
``(mcep_dim, frames)`` as a one-channel image (height = mel-cepstral index).

Generator (2-1-2D CNN: 2D down/upsampling, 1D residual blocks in the middle):

====================  ==========================================================================
input                 Conv2d k5x15 c128 s1 → GLU                                   (no norm)
downsample 2D ×2      Conv2d k5x5 c256 s2 → IN → GLU; Conv2d k5x5 c256 s2 → IN → GLU
2D → 1D               reshape (256, H/4, T/4) → (256·H/4, T/4); Conv1d k1 c256 → IN
residual blocks ×6    Conv1d k3 c512 → IN → GLU; Conv1d k3 c256 → IN; sum
1D → 2D               Conv1d k1 c256·H/4 → IN; reshape → (256, H/4, T/4)
upsample 2D ×2        Conv2d k5x5 c1024 → PixelShuffle(2) → IN → GLU  (→ 256 channels);
                      Conv2d k5x5 c512 → PixelShuffle(2) → IN → GLU   (→ 128 channels)
output                Conv2d k5x15 c1
====================  ==========================================================================

With 35 mel-cepstra, H/4 is 9 (35 → 18 → 9 with same-padding stride 2), so the 1D part has
256·9 = 2304 channels, the figure's number. Upsampling 9 twice gives 36 rows; the paper does not
say how 36 becomes 35 — we crop the extra bottom row(s) before the output convolution.

PatchGAN discriminator (Sec. 3.3: the last layer is a convolution, not fully connected):

====================  ==========================================================================
input                 Conv2d k3x3 c128 s1 → GLU                                    (no norm)
downsample ×3         Conv2d k3x3 c256/512/1024 s2 → IN → GLU
                      Conv2d k1x5 c1024 s1 → IN → GLU
output                Conv2d k1x3 c1 s1 → patch map (batch, 1, H', T')
====================  ==========================================================================

The figure shows no output activation for the PatchGAN; ``output_sigmoid`` defaults to off.
The generator needs ``frames`` divisible by :attr:`CycleGANVC2Generator.frame_multiple` (4) and at
least 8 (instance norm in the 1D part needs two frames);
the PatchGAN takes any ``frames`` (at least 8 to leave one patch).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn

from vcgan.layers.conv import OneChannelConv2d
from vcgan.layers.glu import GatedConv2d
from vcgan.layers.norm import make_norm
from vcgan.layers.spectral_norm import apply_spectral_norm
from vcgan.models.cyclegan_vc import ResidualBlock1d, _check_frames, zero_init


@dataclass
class CycleGANVC2GeneratorConfig:
    """Generator hyperparameters; defaults are arXiv 1904.04631, Fig. 4 (VCC2018, 35 MCEPs)."""

    mcep_dim: int = 35
    base_channels: int = 128
    res_channels: int = 256
    n_res_blocks: int = 6
    input_kernel: list[int] = field(default_factory=lambda: [5, 15])
    down_kernel: list[int] = field(default_factory=lambda: [5, 5])
    res_kernel: int = 3
    up_kernel: list[int] = field(default_factory=lambda: [5, 5])
    output_kernel: list[int] = field(default_factory=lambda: [5, 15])
    norm: str = "instance"
    input_skip: bool = False
    """``y = x + net(x)``, as :attr:`vcgan.models.cyclegan_vc.CycleGANVCGeneratorConfig.input_skip`."""


@dataclass
class CycleGANVC2DiscriminatorConfig:
    """PatchGAN hyperparameters; defaults are arXiv 1904.04631, Fig. 4."""

    mcep_dim: int = 35
    base_channels: int = 128
    kernel: int = 3
    n_downsample: int = 3
    final_kernel: list[int] = field(default_factory=lambda: [1, 5])
    output_kernel: list[int] = field(default_factory=lambda: [1, 3])
    output_sigmoid: bool = False
    norm: str = "instance"
    spectral_norm: bool = False


class CycleGANVC2Generator(nn.Module):
    """2-1-2D CNN generator of CycleGAN-VC2 (arXiv 1904.04631, Sec. 3.2, Fig. 4).

    Shapes: ``(batch, mcep_dim, frames)`` → ``(batch, mcep_dim, frames)``; ``frames`` must be a
    multiple of :attr:`frame_multiple` (4) and at least 8.
    """

    frame_multiple = 4

    def __init__(self, config: CycleGANVC2GeneratorConfig | None = None):
        super().__init__()
        cfg = config or CycleGANVC2GeneratorConfig()
        self.config = cfg
        b, r = cfg.base_channels, cfg.res_channels
        self.input = GatedConv2d(1, b, tuple(cfg.input_kernel), norm="none")
        self.downsample = nn.Sequential(
            GatedConv2d(b, 2 * b, tuple(cfg.down_kernel), stride=2, norm=cfg.norm),
            GatedConv2d(2 * b, 2 * b, tuple(cfg.down_kernel), stride=2, norm=cfg.norm),
        )
        kh = cfg.down_kernel[0]
        self.reduced_height = _same_out(_same_out(cfg.mcep_dim, kh), kh)
        flat = 2 * b * self.reduced_height
        self.to_1d = nn.Conv1d(flat, r, 1, bias=cfg.norm == "none")
        self.to_1d_norm = make_norm(cfg.norm, r, 1)
        self.res_blocks = nn.Sequential(*[
            ResidualBlock1d(r, 2 * r, cfg.res_kernel, cfg.norm) for _ in range(cfg.n_res_blocks)
        ])
        self.to_2d = nn.Conv1d(r, flat, 1, bias=cfg.norm == "none")
        self.to_2d_norm = make_norm(cfg.norm, flat, 1)
        self.upsample = nn.Sequential(
            GatedConv2d(2 * b, 8 * b, tuple(cfg.up_kernel), norm=cfg.norm, upscale_factor=2),
            GatedConv2d(2 * b, 4 * b, tuple(cfg.up_kernel), norm=cfg.norm, upscale_factor=2),
        )
        # C -> 1 with the faster backward (vcgan.layers.conv): the same layer as nn.Conv2d
        self.output = OneChannelConv2d(b, tuple(cfg.output_kernel), padding=tuple(k // 2 for k in cfg.output_kernel))
        if cfg.input_skip:
            zero_init(self.output)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Convert normalized mel-cepstra ``(batch, mcep_dim, frames)``."""
        _check_frames(x, self.frame_multiple)
        batch, height, frames = x.shape
        if height != self.config.mcep_dim:
            raise ValueError(f"expected mcep_dim={self.config.mcep_dim}, got {height}")
        h = self.downsample(self.input(x.unsqueeze(1)))
        channels, h_height, h_frames = h.shape[1:]
        h = self.to_1d_norm(self.to_1d(h.reshape(batch, channels * h_height, h_frames)))
        h = self.res_blocks(h)
        h = self.to_2d_norm(self.to_2d(h)).reshape(batch, channels, h_height, h_frames)
        h = self.upsample(h)[:, :, :height, :]
        y = self.output(h).squeeze(1)
        return x + y if self.config.input_skip else y


class CycleGANVC2Discriminator(nn.Module):
    """PatchGAN discriminator of CycleGAN-VC2 (arXiv 1904.04631, Sec. 3.3, Fig. 4).

    Shapes: ``(batch, mcep_dim, frames)`` → patch map ``(batch, 1, H', T')`` with
    ``H' = ceil(mcep_dim / 8)`` and ``T' = ceil(frames / 8)`` for the paper's three downsamplings.
    """

    def __init__(self, config: CycleGANVC2DiscriminatorConfig | None = None):
        super().__init__()
        cfg = config or CycleGANVC2DiscriminatorConfig()
        self.config = cfg
        b, k = cfg.base_channels, cfg.kernel
        self.input = GatedConv2d(1, b, k, norm="none")
        self.downsample = nn.Sequential(*[
            GatedConv2d(b * 2 ** i, b * 2 ** (i + 1), k, stride=2, norm=cfg.norm) for i in range(cfg.n_downsample)
        ])
        width = b * 2 ** cfg.n_downsample
        self.final = GatedConv2d(width, width, tuple(cfg.final_kernel), norm=cfg.norm)
        self.output = nn.Conv2d(width, 1, tuple(cfg.output_kernel), padding=tuple(k // 2 for k in cfg.output_kernel))
        self.output_activation = nn.Sigmoid() if cfg.output_sigmoid else nn.Identity()
        if cfg.spectral_norm:
            apply_spectral_norm(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Score every patch of ``(batch, mcep_dim, frames)``."""
        h = self.final(self.downsample(self.input(x.unsqueeze(1))))
        return self.output_activation(self.output(h))


def _same_out(size: int, kernel: int, stride: int = 2) -> int:
    return (size + 2 * (kernel // 2) - kernel) // stride + 1
