"""StarGAN-VC2 2-1-2D generator and projection discriminator (Kaneko et al., arXiv 1907.12279).

Architecture as in the paper's network figure (FACTS 2.2-2.4, "FIG-2"). Inputs are
``(batch, mcep_dim, frames)``, treated as a one-channel image (height = mel-cepstral index).
Every "GLU" is a gated block with a separate gate convolution (:mod:`vcgan.layers.glu`). In this
figure the printed ``c`` is a convolution's width BEFORE the gate, which halves it (FACTS 0.3);
with a separate gate conv that is two convolutions of ``c / 2`` each, so a block printed ``c``
outputs ``c / 2`` channels. ``b = base_channels`` (128) is the printed width of the first layer.

Generator G(x, c, c′) (2-1-2D CNN; ``c`` = source code, ``c′`` = target code):

======================  ====================================================  =================
input                   Conv2d k5x15 c128 → GLU                     (no norm)    H x T x 64
downsample 2D ×2        Conv2d k5x5 s2 c256 → IN → GLU                           H/2 x T/2 x 128
                        Conv2d k5x5 s2 c512 → IN → GLU                           H/4 x T/4 x 256
2D → 1D                 reshape to (256·H/4) x T/4; Conv1d k1 c256 → IN          256 x T/4
1D blocks ×9            Conv1d k5 c512 → CIN(c, c′) → GLU   (no skip)            256 x T/4
1D → 2D                 Conv1d k1 c256·H/4 (no norm); reshape                    H/4 x T/4 x 256
upsample 2D ×2          Conv2d k5x5 c1024 → PixelShuffle(2) → GLU  (no norm)     H/2 x T/2 x 128
                        Conv2d k5x5 c512 → PixelShuffle(2) → GLU   (no norm)     H x T x 64
output                  Conv2d k5x15 c1                                          H x T
======================  ====================================================  =================

With 35 rows, H/2 and H/4 are 18 and 9 ("same" padding, stride 2 rounds up), so the 1D part
reads 256·9 = 2304 channels, the figure's number. Upsampling 9 rows twice gives 36; as in
:mod:`vcgan.models.cyclegan_vc2` (the figure prints "c35" for the output layer and does not say
how 36 becomes 35) we crop the extra last row(s) (highest index) before the output
convolution, which has one output channel. Differences from CycleGAN-VC2's generator, after the
figure: nine plain CIN blocks with kernel 5 (no residual sum, no second conv) instead of six
residual IN blocks with kernel 3; no IN after the 1D→2D conv; no IN in the upsampling blocks.
Widths: unlike :mod:`vcgan.models.cyclegan_vc2` (where several gated blocks output their
printed width), every gated block here outputs half its printed width, so the widths at the
2D→1D reshape (256 x 9 = 2304) and the discriminator's 512 come out as printed.

Conditioning (FACTS 2.4): the code pair enters ONLY through the CIN of the nine 1D blocks;
``γ`` and ``β`` of each CIN are linear maps (2N → C) of the concatenated one-hots
``[src_code, tgt_code]``. The paper's text on this was not available; of the public readings,
this is the only one that uses both codes, as the figure's label "Codes c, c′" says. The linear
and the gate path of a block each have their own CIN, as each has its own IN elsewhere.

Projection discriminator D(y, c, c′):

======================  ====================================================  =================
input                   Conv2d k3x3 c128 → GLU                      (no norm)    H x T x 64
downsample ×3           Conv2d k3x3 s2 c256 / c512 / c1024 → IN → GLU            H/8 x T/8 x 512
                        Conv2d k1x5 c1024 → IN → GLU                             H/8 x T/8 x 512
head                    φ = sum over rows and frames (GSP)                       512
                        output = Linear(φ) + <Embed([c, c′]), φ>                 scalar
======================  ====================================================  =================

``Embed`` is a linear map 2N → 512 without bias (a projection discriminator's class embedding,
here of the concatenated codes); FC acts on φ (the standard projection discriminator; the figure
does not show whether FC acts per position, FACTS 2.3). No sigmoid (none drawn). The
discriminator takes any number of frames (the paper trains on 128-frame crops; its instance
norms need two positions after the last downsampling, true for every ``frames >= 1`` once
``mcep_dim >= 9``); because of the sum pooling its scores grow with the crop size, so compare
scores of equal crops.

The generator needs ``frames`` divisible by :attr:`StarGANVC2Generator.frame_multiple` (4) and
at least 8 (instance norm in the 1D part needs two frames).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn

from vcgan.layers.conv import OneChannelConv2d
from vcgan.layers.glu import GatedConv2d
from vcgan.layers.norm import NORMS, ConditionalInstanceNorm, make_norm
from vcgan.layers.spectral_norm import apply_spectral_norm
from vcgan.models.cyclegan_vc import _check_frames
from vcgan.models.stargan_vc import check_code


def _check_config(norm: str, n_speakers: int, mcep_dim: int, base_channels: int) -> None:
    if norm not in NORMS:
        raise ValueError(f"norm must be one of {NORMS}, got {norm!r}")
    if n_speakers < 1 or mcep_dim < 1:
        raise ValueError("n_speakers and mcep_dim must be positive")
    if base_channels < 2 or base_channels % 2:
        raise ValueError(f"base_channels is a width before the gate, so it must be even, got {base_channels}")


@dataclass
class StarGANVC2GeneratorConfig:
    """Generator hyperparameters; defaults are arXiv 1907.12279, network figure (35 MCEPs, 4 speakers).

    ``base_channels`` is the printed width of the input conv (before the gate, so the input
    block outputs ``base_channels / 2``); ``res_channels`` the width of the 1D part (each 1D block
    is printed ``2 * res_channels``).
    """

    mcep_dim: int = 35
    n_speakers: int = 4
    base_channels: int = 128
    res_channels: int = 256
    n_blocks: int = 9
    input_kernel: list[int] = field(default_factory=lambda: [5, 15])
    down_kernel: list[int] = field(default_factory=lambda: [5, 5])
    block_kernel: int = 5
    up_kernel: list[int] = field(default_factory=lambda: [5, 5])
    output_kernel: list[int] = field(default_factory=lambda: [5, 15])
    norm: str = "instance"
    """Norm of the two downsampling blocks and the 2D→1D conv; the 1D blocks always use CIN."""
    residual_blocks: bool = False
    """Add each 1D block's input to its output (``h + block(h)``). The figure draws the blocks
    without a skip (FACTS 2.2), hence the default; whether the paper's text adds one is
    unverified (FACTS 2.9). Without it, the reduced demo generator does not learn to keep the
    input's content (README.md, "Many-to-many on the demo corpus")."""

    def __post_init__(self):
        _check_config(self.norm, self.n_speakers, self.mcep_dim, self.base_channels)


@dataclass
class StarGANVC2DiscriminatorConfig:
    """Projection discriminator hyperparameters; defaults are arXiv 1907.12279, network figure.

    ``base_channels`` is the printed width of the input conv (before the gate); the last gated
    block, and so φ and the code embedding, has ``base_channels * 2 ** n_downsample / 2``
    channels (512). ``spectral_norm`` is vcgan's switch, not in the paper. ``pooling`` is how
    φ gathers the last feature map: ``"sum"`` (the figure's global sum pooling, the default) or
    ``"mean"`` (vcgan's switch: scores, and so the generator's adversarial gradient, no longer
    grow with the number of positions, i.e. with crop length and feature rows).
    """

    mcep_dim: int = 35
    n_speakers: int = 4
    base_channels: int = 128
    kernel: int = 3
    n_downsample: int = 3
    final_kernel: list[int] = field(default_factory=lambda: [1, 5])
    norm: str = "instance"
    spectral_norm: bool = False
    pooling: str = "sum"

    def __post_init__(self):
        _check_config(self.norm, self.n_speakers, self.mcep_dim, self.base_channels)
        if self.pooling not in ("sum", "mean"):
            raise ValueError(f"pooling must be 'sum' or 'mean', got {self.pooling!r}")


class CINGatedConv1d(nn.Module):
    """1D gated block with conditional instance norm: conv → CIN(code), times sigmoid of the gate path.

    ``conv`` and ``gate_conv`` are separate convolutions (as in :mod:`vcgan.layers.glu`), each
    followed by its own :class:`vcgan.layers.norm.ConditionalInstanceNorm`.

    Shapes: ``forward(x, code)``: ``(batch, in_channels, frames)``, ``(batch, code_dim)`` →
    ``(batch, out_channels, frames)``.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, code_dim: int):
        super().__init__()
        # No bias: the CIN's mean subtraction cancels it.
        self.conv = nn.Conv1d(in_channels, out_channels, kernel_size, padding=kernel_size // 2, bias=False)
        self.gate_conv = nn.Conv1d(in_channels, out_channels, kernel_size, padding=kernel_size // 2, bias=False)
        self.norm = ConditionalInstanceNorm(out_channels, code_dim, 1)
        self.gate_norm = ConditionalInstanceNorm(out_channels, code_dim, 1)

    def forward(self, x: torch.Tensor, code: torch.Tensor) -> torch.Tensor:
        h = self.norm(self.conv(x), code)
        g = self.gate_norm(self.gate_conv(x), code)
        return h * torch.sigmoid(g)


def pair_code(src_code: torch.Tensor, tgt_code: torch.Tensor, batch: int, n_speakers: int) -> torch.Tensor:
    """The conditioning vector ``[src_code, tgt_code]`` ``(batch, 2 * n_speakers)``, after checking both."""
    check_code(src_code, batch, n_speakers, "src_code")
    check_code(tgt_code, batch, n_speakers, "tgt_code")
    return torch.cat([src_code, tgt_code], dim=1)


class StarGANVC2Generator(nn.Module):
    """2-1-2D CNN generator G(x, c, c′) of StarGAN-VC2 (arXiv 1907.12279, network figure; FACTS 2.2).

    Shapes: ``forward(x, src_code, tgt_code)``: ``x`` ``(batch, mcep_dim, frames)``, codes
    ``(batch, n_speakers)`` → ``(batch, mcep_dim, frames)``; ``frames`` must be a multiple of
    :attr:`frame_multiple` (4) and at least 8.
    """

    frame_multiple = 4

    def __init__(self, config: StarGANVC2GeneratorConfig | None = None):
        super().__init__()
        cfg = config or StarGANVC2GeneratorConfig()
        self.config = cfg
        half, r = cfg.base_channels // 2, cfg.res_channels
        kh = cfg.down_kernel[0]
        self.input = GatedConv2d(1, half, tuple(cfg.input_kernel), norm="none")
        self.downsample = nn.Sequential(
            GatedConv2d(half, 2 * half, tuple(cfg.down_kernel), stride=2, norm=cfg.norm),
            GatedConv2d(2 * half, 4 * half, tuple(cfg.down_kernel), stride=2, norm=cfg.norm),
        )
        self.reduced_height = _same_out(_same_out(cfg.mcep_dim, kh), kh)
        channels_2d = 4 * half
        self.flat_channels = channels_2d * self.reduced_height
        self.to_1d = nn.Conv1d(self.flat_channels, r, 1, bias=cfg.norm == "none")
        self.to_1d_norm = make_norm(cfg.norm, r, 1)
        self.blocks = nn.ModuleList([
            CINGatedConv1d(r, r, cfg.block_kernel, 2 * cfg.n_speakers) for _ in range(cfg.n_blocks)
        ])
        self.to_2d = nn.Conv1d(r, self.flat_channels, 1)
        # Printed c1024 and c512 before the gate and the x2 pixel shuffle: 2 x 512 -> 128 and
        # 2 x 256 -> 64 channels at paper size.
        self.upsample = nn.Sequential(
            GatedConv2d(channels_2d, 8 * half, tuple(cfg.up_kernel), norm="none", upscale_factor=2),
            GatedConv2d(2 * half, 4 * half, tuple(cfg.up_kernel), norm="none", upscale_factor=2),
        )
        # C -> 1 with the faster backward (vcgan.layers.conv): the same layer as nn.Conv2d
        self.output = OneChannelConv2d(half, tuple(cfg.output_kernel), padding=tuple(k // 2 for k in cfg.output_kernel))

    def forward(self, x: torch.Tensor, src_code: torch.Tensor, tgt_code: torch.Tensor) -> torch.Tensor:
        """Convert normalized mel-cepstra ``x`` of domain ``src_code`` to domain ``tgt_code``."""
        _check_frames(x, self.frame_multiple)
        batch, height, frames = x.shape
        if height != self.config.mcep_dim:
            raise ValueError(f"expected mcep_dim={self.config.mcep_dim}, got {height}")
        code = pair_code(src_code, tgt_code, batch, self.config.n_speakers).to(x.dtype)
        h = self.downsample(self.input(x.unsqueeze(1)))
        channels, h_height, h_frames = h.shape[1:]
        h = self.to_1d_norm(self.to_1d(h.reshape(batch, channels * h_height, h_frames)))
        for block in self.blocks:
            h = h + block(h, code) if self.config.residual_blocks else block(h, code)
        h = self.to_2d(h).reshape(batch, channels, h_height, h_frames)
        h = self.upsample(h)[:, :, :height, :]
        return self.output(h).squeeze(1)


class StarGANVC2Discriminator(nn.Module):
    """Projection discriminator D(y, c, c′) of StarGAN-VC2 (arXiv 1907.12279, network figure; FACTS 2.3).

    Shapes: ``forward(y, src_code, tgt_code)``: ``y`` ``(batch, mcep_dim, frames)``, codes
    ``(batch, n_speakers)`` → raw scores ``(batch,)`` (no sigmoid).
    """

    def __init__(self, config: StarGANVC2DiscriminatorConfig | None = None):
        super().__init__()
        cfg = config or StarGANVC2DiscriminatorConfig()
        self.config = cfg
        half, k = cfg.base_channels // 2, cfg.kernel
        self.input = GatedConv2d(1, half, k, norm="none")
        self.downsample = nn.Sequential(*[
            GatedConv2d(half * 2 ** i, half * 2 ** (i + 1), k, stride=2, norm=cfg.norm)
            for i in range(cfg.n_downsample)
        ])
        self.width = half * 2 ** cfg.n_downsample
        self.final = GatedConv2d(self.width, self.width, tuple(cfg.final_kernel), norm=cfg.norm)
        self.fc = nn.Linear(self.width, 1)
        self.embed = nn.Linear(2 * cfg.n_speakers, self.width, bias=False)
        if cfg.spectral_norm:
            apply_spectral_norm(self)

    def forward(self, y: torch.Tensor, src_code: torch.Tensor, tgt_code: torch.Tensor) -> torch.Tensor:
        """Score ``y`` ``(batch, mcep_dim, frames)`` as a conversion from ``src_code`` to ``tgt_code``."""
        if y.dim() != 3 or y.shape[1] != self.config.mcep_dim:
            raise ValueError(f"expected (batch, mcep_dim={self.config.mcep_dim}, frames), got {tuple(y.shape)}")
        code = pair_code(src_code, tgt_code, y.shape[0], self.config.n_speakers).to(y.dtype)
        h = self.final(self.downsample(self.input(y.unsqueeze(1))))
        phi = h.sum(dim=(2, 3)) if self.config.pooling == "sum" else h.mean(dim=(2, 3))
        return self.fc(phi).squeeze(1) + (self.embed(code) * phi).sum(dim=1)


def _same_out(size: int, kernel: int, stride: int = 2) -> int:
    return (size + 2 * (kernel // 2) - kernel) // stride + 1
