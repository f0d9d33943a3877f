"""StarGAN-VC generator, real/fake discriminator and domain classifier (Kameoka et al., arXiv 1806.02169).

Architecture as in the paper's network figure (Fig. 2; FACTS 1.2-1.4, "FIG-1"). All three
networks treat ``(batch, mcep_dim, frames)`` as a one-channel image (height = mel-cepstral
index, row 0 = c0). Every "GLU" is a gated block with its own gate convolution, as in
:mod:`vcgan.layers.glu`; in this figure the printed ``c`` is the width AFTER the gate (FACTS
0.3), so ``c`` is each block's ``out_channels``. ``k`` kernel (rows x frames), ``s`` stride;
``++ code`` means the one-hot code ``(batch, n_speakers)`` tiled over rows and frames and
concatenated on the channel axis.

Generator G(x, c) (encoder without code, decoder with the target code at every layer):

======  ==========================================  ================================
E1      Conv k3x9 s1x1 c32 → BN → GLU                 36 x T
E2      Conv k4x8 s2x2 c64 → BN → GLU                 18 x T/2
E3      Conv k4x8 s2x2 c128 → BN → GLU                9 x T/4
E4      Conv k3x5 s1x1 c64 → BN → GLU                 9 x T/4
E5      Conv k9x5 s9x1 c5 → BN → GLU                  1 x T/4
D1      Deconv (++ code) k9x5 s9x1 c64 → BN → GLU     9 x T/4
D2      Deconv (++ code) k3x5 s1x1 c128 → BN → GLU    9 x T/4
D3      Deconv (++ code) k4x8 s2x2 c64 → BN → GLU     18 x T/2
D4      Deconv (++ code) k4x8 s2x2 c32 → BN → GLU     36 x T
D5      Deconv (++ code) k3x9 s1x1 c1                 36 x T (linear)
======  ==========================================  ================================

Paddings are not printed; we use (1, 4), (1, 3), (1, 3), (1, 2), (0, 2) (E1..E5, mirrored in
D5..D1), which give exactly the figure's map sizes. Other row counts than 36: the bottleneck E5
collapses the rows left after the two stride-2 layers, so its kernel height (and stride) is
``ceil(mcep_dim / 4)`` (9 for 36 and 35, 7 for 25). To come back to exactly ``mcep_dim`` rows
the generator zero-pads the input after its last row (beyond the highest-order coefficient;
zero = the mean of normalised features) to ``4 * ceil(mcep_dim / 4)`` rows and crops those rows
off the output; with 36 rows nothing is padded. Frames must be a multiple of
:attr:`StarGANVCGenerator.frame_multiple` (4) and at least 8 (the figure's training crop is 512).

Real/fake discriminator D(y, c) (target code at every layer; output = per-patch logits):

======  ==========================================  ================================
1       Conv (y ++ code) k3x9 s1x1 c32 → BN → GLU     H x T
2       Conv (++ code) k3x8 s1x2 c32 → BN → GLU       H x T/2
3       Conv (++ code) k3x8 s1x2 c32 → BN → GLU       H x T/4
4       Conv (++ code) k3x6 s1x2 c32 → BN → GLU       H x T/8
5       Conv (++ code) kHx5 sHx1 c1                   1 x T/8 (logits)
======  ==========================================  ================================

The figure ends with a sigmoid and the product of the patch probabilities; we return the raw
logits ``(batch, floor(frames / 8))`` and leave the log-sigmoid sum/mean to the loss. Any
``frames >= 8`` is accepted. The last kernel spans all ``mcep_dim`` rows (36 in the figure).

Domain classifier C(y) (no code; sees only the lowest ``n_rows`` = 8 rows):

======  ==========================================  ================================
1       keep rows 0..7                                8 x T
2-4     Conv k4x4 s2x2 c8 / c16 / c32 → BN → GLU      4 x T/2, 2 x T/4, 1 x T/8
5       Conv k3x4 s1x2 c16 → BN → GLU                 1 x T/16
6       Conv k1x4 s1x2 c``n_speakers``                1 x T/32 (logits per position)
======  ==========================================  ================================

Paddings (1, 1) everywhere and (0, 1) in layer 6 give the figure's sizes; the output is the
logits ``(batch, n_speakers, floor(frames / 32))`` before the per-position softmax. Any
``frames >= 32`` is accepted. For another ``n_rows`` (at least 8) the kernel height of layer 6
is the number of rows left, ``floor(floor(floor(n_rows / 2) / 2) / 2)``, so there is always one
output row.

Norm: the figure prints batch norm, hence ``norm="batch"`` by default (affine BN with running
statistics, so ``eval()`` uses the averages gathered in training); every public implementation
uses instance norm (``norm="instance"``, as :func:`vcgan.layers.norm.make_norm`), and ``"none"``
is there too. Convolutions followed by a norm have no bias (the norm cancels it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from vcgan.layers.norm import make_norm
from vcgan.layers.spectral_norm import apply_spectral_norm
from vcgan.models.cyclegan_vc import _check_frames


#: Accepted values of the StarGAN-VC ``norm`` fields (``"batch"`` is the figure's).
NORMS = ("batch", "instance", "none")


def _check_config(norm: str, n_speakers: int, mcep_dim: int) -> None:
    if norm not in NORMS:
        raise ValueError(f"norm must be one of {NORMS}, got {norm!r}")
    if n_speakers < 1 or mcep_dim < 1:
        raise ValueError("n_speakers and mcep_dim must be positive")


@dataclass
class StarGANVCGeneratorConfig:
    """Generator hyperparameters; defaults are arXiv 1806.02169, Fig. 2 (36 MCEPs, 4 speakers).

    ``encoder_channels`` are the widths (after the gate) of E1..E5, ``decoder_channels`` those
    of D1..D4 (D5 always has one output channel).
    """

    mcep_dim: int = 36
    n_speakers: int = 4
    encoder_channels: list[int] = field(default_factory=lambda: [32, 64, 128, 64, 5])
    decoder_channels: list[int] = field(default_factory=lambda: [64, 128, 64, 32])
    norm: str = "batch"

    def __post_init__(self):
        _check_config(self.norm, self.n_speakers, self.mcep_dim)
        if len(self.encoder_channels) != 5 or len(self.decoder_channels) != 4:
            raise ValueError("encoder_channels needs 5 widths and decoder_channels 4 (Fig. 2)")


@dataclass
class StarGANVCDiscriminatorConfig:
    """Real/fake discriminator hyperparameters; defaults are arXiv 1806.02169, Fig. 2.

    ``channels`` are the widths of the four gated layers. ``spectral_norm`` is vcgan's switch,
    not in the paper.
    """

    mcep_dim: int = 36
    n_speakers: int = 4
    channels: list[int] = field(default_factory=lambda: [32, 32, 32, 32])
    norm: str = "batch"
    spectral_norm: bool = False

    def __post_init__(self):
        _check_config(self.norm, self.n_speakers, self.mcep_dim)
        if len(self.channels) != 4:
            raise ValueError("channels needs 4 widths (Fig. 2)")


@dataclass
class StarGANVCClassifierConfig:
    """Domain classifier hyperparameters; defaults are arXiv 1806.02169, Fig. 2.

    ``n_rows`` lowest feature rows are classified (8 in the figure); ``channels`` are the widths
    of the four gated layers.
    """

    mcep_dim: int = 36
    n_speakers: int = 4
    n_rows: int = 8
    channels: list[int] = field(default_factory=lambda: [8, 16, 32, 16])
    norm: str = "batch"

    def __post_init__(self):
        _check_config(self.norm, self.n_speakers, self.mcep_dim)
        if len(self.channels) != 4:
            raise ValueError("channels needs 4 widths (Fig. 2)")
        # Three stride-2 layers need 8 rows to leave one.
        if not 8 <= self.n_rows <= self.mcep_dim:
            raise ValueError(f"n_rows must be in 8..mcep_dim ({self.mcep_dim}), got {self.n_rows}")


def stargan_norm(kind: str, channels: int) -> nn.Module:
    """2D norm ``kind`` of :data:`NORMS`: ``"batch"`` is affine :class:`torch.nn.BatchNorm2d` with
    running statistics, the others are :func:`vcgan.layers.norm.make_norm`'s."""
    if kind == "batch":
        return nn.BatchNorm2d(channels, affine=True, track_running_stats=True)
    return make_norm(kind, channels, 2)


class GatedBlock2d(nn.Module):
    """Gated 2D block: conv → norm, times sigmoid of a separate gate path (conv → norm).

    The layout of :class:`vcgan.layers.glu.GatedConv2d` (``conv`` / ``gate_conv`` / ``norm`` /
    ``gate_norm``) with explicit padding, the StarGAN-VC norms and, with ``transposed=True``,
    transposed convolutions (the generator's decoder).

    Shapes: ``(batch, in_channels, H, T)`` → ``(batch, out_channels, H', T')`` as
    :class:`torch.nn.Conv2d` (or :class:`torch.nn.ConvTranspose2d`) with the same arguments.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: tuple[int, int],
                 stride: tuple[int, int], padding: tuple[int, int], norm: str, transposed: bool = False):
        super().__init__()
        conv_cls = nn.ConvTranspose2d if transposed else nn.Conv2d
        bias = norm == "none"
        self.conv = conv_cls(in_channels, out_channels, kernel_size, stride, padding, bias=bias)
        self.gate_conv = conv_cls(in_channels, out_channels, kernel_size, stride, padding, bias=bias)
        self.norm = stargan_norm(norm, out_channels)
        self.gate_norm = stargan_norm(norm, out_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(self.conv(x)) * torch.sigmoid(self.gate_norm(self.gate_conv(x)))


def append_code(h: torch.Tensor, code: torch.Tensor) -> torch.Tensor:
    """Tile a one-hot ``code`` ``(batch, n)`` over ``h`` ``(batch, C, H, T)`` and concatenate: ``(batch, C + n, H, T)``."""
    tiled = code[:, :, None, None].expand(-1, -1, h.shape[2], h.shape[3])
    return torch.cat([h, tiled.to(h.dtype)], dim=1)


def check_code(code: torch.Tensor, batch: int, n_speakers: int, name: str = "code") -> None:
    """Raise unless ``code`` is ``(batch, n_speakers)``."""
    if code.dim() != 2 or tuple(code.shape) != (batch, n_speakers):
        raise ValueError(f"{name} must be (batch={batch}, n_speakers={n_speakers}), got {tuple(code.shape)}")


def _check_input(x: torch.Tensor, mcep_dim: int) -> None:
    if x.dim() != 3 or x.shape[1] != mcep_dim:
        raise ValueError(f"expected (batch, mcep_dim={mcep_dim}, frames), got shape {tuple(x.shape)}")


def _check_min_frames(x: torch.Tensor, minimum: int, what: str) -> None:
    if x.shape[-1] < minimum:
        raise ValueError(f"StarGAN-VC {what} needs at least {minimum} frames, got {x.shape[-1]}")


class StarGANVCGenerator(nn.Module):
    """Encoder-decoder generator G(x, c) of StarGAN-VC (arXiv 1806.02169, Fig. 2; FACTS 1.2).

    Shapes: ``forward(x, src_code, tgt_code)``: ``x`` ``(batch, mcep_dim, frames)``, codes
    ``(batch, n_speakers)`` → ``(batch, mcep_dim, frames)``. The paper's G takes only the
    target code c, so ``src_code`` is ignored (it may be ``None``). ``frames`` must be a
    multiple of :attr:`frame_multiple` (4) and at least 8.
    """

    frame_multiple = 4

    def __init__(self, config: StarGANVCGeneratorConfig | None = None):
        super().__init__()
        cfg = config or StarGANVCGeneratorConfig()
        self.config = cfg
        e, d, n, norm = cfg.encoder_channels, cfg.decoder_channels, cfg.n_speakers, cfg.norm
        self.padded_height = 4 * math.ceil(cfg.mcep_dim / 4)
        # Rows left after E2, E3 (stride 2, k4, pad 1: exact halving of the padded height).
        kh = self.padded_height // 4
        self.encoder = nn.Sequential(
            GatedBlock2d(1, e[0], (3, 9), (1, 1), (1, 4), norm),
            GatedBlock2d(e[0], e[1], (4, 8), (2, 2), (1, 3), norm),
            GatedBlock2d(e[1], e[2], (4, 8), (2, 2), (1, 3), norm),
            GatedBlock2d(e[2], e[3], (3, 5), (1, 1), (1, 2), norm),
            GatedBlock2d(e[3], e[4], (kh, 5), (kh, 1), (0, 2), norm),
        )
        self.decoder = nn.ModuleList([
            GatedBlock2d(e[4] + n, d[0], (kh, 5), (kh, 1), (0, 2), norm, transposed=True),
            GatedBlock2d(d[0] + n, d[1], (3, 5), (1, 1), (1, 2), norm, transposed=True),
            GatedBlock2d(d[1] + n, d[2], (4, 8), (2, 2), (1, 3), norm, transposed=True),
            GatedBlock2d(d[2] + n, d[3], (4, 8), (2, 2), (1, 3), norm, transposed=True),
        ])
        self.output = nn.ConvTranspose2d(d[3] + n, 1, (3, 9), 1, (1, 4))

    def forward(self, x: torch.Tensor, src_code: torch.Tensor | None, tgt_code: torch.Tensor) -> torch.Tensor:
        """Convert normalized mel-cepstra ``x`` ``(batch, mcep_dim, frames)`` to domain ``tgt_code``."""
        _check_input(x, self.config.mcep_dim)
        _check_frames(x, self.frame_multiple)
        check_code(tgt_code, x.shape[0], self.config.n_speakers, "tgt_code")
        height = x.shape[1]
        h = F.pad(x.unsqueeze(1), (0, 0, 0, self.padded_height - height))
        h = self.encoder(h)
        for layer in self.decoder:
            h = layer(append_code(h, tgt_code))
        return self.output(append_code(h, tgt_code))[:, 0, :height, :]


class StarGANVCDiscriminator(nn.Module):
    """Conditional real/fake discriminator D(y, c) of StarGAN-VC (arXiv 1806.02169, Fig. 2; FACTS 1.3).

    Shapes: ``forward(y, src_code, tgt_code)``: ``y`` ``(batch, mcep_dim, frames)`` with
    ``frames >= 8``, codes ``(batch, n_speakers)`` → logits ``(batch, floor(frames / 8))`` (one
    per time patch, no sigmoid). Only ``tgt_code`` (the code c of the domain judged) is used;
    ``src_code`` is ignored (may be ``None``).
    """

    min_frames = 8

    def __init__(self, config: StarGANVCDiscriminatorConfig | None = None):
        super().__init__()
        cfg = config or StarGANVCDiscriminatorConfig()
        self.config = cfg
        c, n, norm = cfg.channels, cfg.n_speakers, cfg.norm
        self.layers = nn.ModuleList([
            GatedBlock2d(1 + n, c[0], (3, 9), (1, 1), (1, 4), norm),
            GatedBlock2d(c[0] + n, c[1], (3, 8), (1, 2), (1, 3), norm),
            GatedBlock2d(c[1] + n, c[2], (3, 8), (1, 2), (1, 3), norm),
            GatedBlock2d(c[2] + n, c[3], (3, 6), (1, 2), (1, 2), norm),
        ])
        self.output = nn.Conv2d(c[3] + n, 1, (cfg.mcep_dim, 5), (cfg.mcep_dim, 1), (0, 2))
        if cfg.spectral_norm:
            apply_spectral_norm(self)

    def forward(self, y: torch.Tensor, src_code: torch.Tensor | None, tgt_code: torch.Tensor) -> torch.Tensor:
        """Per-patch real/fake logits of ``y`` ``(batch, mcep_dim, frames)`` as domain ``tgt_code``."""
        _check_input(y, self.config.mcep_dim)
        _check_min_frames(y, self.min_frames, "discriminator")
        check_code(tgt_code, y.shape[0], self.config.n_speakers, "tgt_code")
        h = y.unsqueeze(1)
        for layer in self.layers:
            h = layer(append_code(h, tgt_code))
        return self.output(append_code(h, tgt_code))[:, 0, 0, :]


class StarGANVCClassifier(nn.Module):
    """Domain classifier C(y) of StarGAN-VC (arXiv 1806.02169, Fig. 2; FACTS 1.4).

    Shapes: ``(batch, mcep_dim, frames)`` with ``frames >= 32`` → logits
    ``(batch, n_speakers, floor(frames / 32))`` (before the per-position softmax), computed from
    rows ``0..n_rows-1`` only.
    """

    min_frames = 32

    def __init__(self, config: StarGANVCClassifierConfig | None = None):
        super().__init__()
        cfg = config or StarGANVCClassifierConfig()
        self.config = cfg
        c, norm = cfg.channels, cfg.norm
        self.layers = nn.Sequential(
            GatedBlock2d(1, c[0], (4, 4), (2, 2), (1, 1), norm),
            GatedBlock2d(c[0], c[1], (4, 4), (2, 2), (1, 1), norm),
            GatedBlock2d(c[1], c[2], (4, 4), (2, 2), (1, 1), norm),
            GatedBlock2d(c[2], c[3], (3, 4), (1, 2), (1, 1), norm),
        )
        self.remaining_rows = _rows_after(cfg.n_rows)
        self.output = nn.Conv2d(c[3], cfg.n_speakers, (self.remaining_rows, 4), (1, 2), (0, 1))

    def forward(self, y: torch.Tensor) -> torch.Tensor:
        """Speaker logits per time position of ``y`` ``(batch, mcep_dim, frames)``."""
        _check_input(y, self.config.mcep_dim)
        _check_min_frames(y, self.min_frames, "classifier")
        h = self.layers(y[:, None, :self.config.n_rows, :])
        return self.output(h)[:, :, 0, :]


def _rows_after(rows: int) -> int:
    """Rows left by the classifier's three k4 s2 pad-1 layers (each ``floor(rows / 2)``; k3 s1 pad 1 keeps them)."""
    for _ in range(3):
        rows = (rows + 2 - 4) // 2 + 1
    return rows
