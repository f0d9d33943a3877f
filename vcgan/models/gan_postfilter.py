"""GAN post-filter networks (Kaneko et al., ICASSP 2017; STFT bands: Interspeech 2017).

The paper's layer table is not known (``../shared/papers/FACTS.md`` section 3.2); two
independent ports agree on the generator, which is followed here. Both networks work on a
feature map ``(batch, rows, frames)`` (mel-cepstral dimensions or the bins of one STFT band as
rows) treated as a one-channel image, so they take any number of rows and frames.

Generator (conditional, residual, fully convolutional; every conv "same"-padded):

=====  ==============================================  =========================
layer  input                                           conv, norm, activation
=====  ==============================================  =========================
1      noise z and y_syn, 2 channels                   k5x5 c128, BN, ReLU
2      h ++ y_syn                                      k5x5 c256, BN, ReLU
3      h ++ y_syn                                      k5x5 c128, BN, ReLU
4      h ++ y_syn                                      k5x5 c1, linear
=====  ==============================================  =========================

output ``y_syn + G(z, y_syn)`` (residual, as in the bajibabu port; ``residual: false`` returns
``G`` itself, as the zh794390558 port). The ports differ on the activation (ReLU / LeakyReLU
0.2) and on whether layer 4 sees ``y_syn``: ``activation`` and ``condition_output`` choose.
The output conv starts at zero (``zero_init_output``, a choice of this implementation), so an
untrained post-filter is the identity and training starts from the front end's output.

Discriminator (the bajibabu port's): k5x5 stride-2 convs of 64, 128, 256 channels with BN and
LeakyReLU 0.2, then a k3x3 stride-2 conv to one channel: a map of patch scores
``(batch, 1, rows', frames')`` that the adversarial objective averages.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn

from vcgan.layers.spectral_norm import apply_spectral_norm

#: Activations by name.
ACTIVATIONS = {"relu": lambda: nn.ReLU(), "leaky_relu": lambda: nn.LeakyReLU(0.2)}
#: Normalisations of the 2-D maps by name (batch norm as in both ports).
NORMS = ("batch", "instance", "none")


def _norm(kind: str, channels: int) -> nn.Module:
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "instance":
        return nn.InstanceNorm2d(channels, affine=True)
    if kind == "none":
        return nn.Identity()
    raise ValueError(f"unknown norm {kind!r}; choose one of {NORMS}")


def _check(activation: str, norm: str, channels: list[int], kernel: int) -> None:
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; choose one of {sorted(ACTIVATIONS)}")
    if norm not in NORMS:
        raise ValueError(f"unknown norm {norm!r}; choose one of {NORMS}")
    if not channels or min(channels) < 1:
        raise ValueError(f"channels must be a non-empty list of positive widths, got {channels}")
    if kernel < 1 or kernel % 2 == 0:
        raise ValueError(f"kernel must be odd and positive (same padding), got {kernel}")


@dataclass
class PostFilterGeneratorConfig:
    """Generator hyperparameters; defaults: the ports' generator (FACTS section 3.2)."""

    channels: list[int] = field(default_factory=lambda: [128, 256, 128])
    kernel: int = 5
    norm: str = "batch"
    activation: str = "relu"
    noise: bool = True
    """Gaussian noise z as a second input channel (the GAN's latent variable)."""
    residual: bool = True
    condition_output: bool = True
    """The last conv sees ``h ++ y_syn`` (bajibabu) rather than ``h`` (zh794390558)."""
    zero_init_output: bool = True

    def __post_init__(self) -> None:
        _check(self.activation, self.norm, self.channels, self.kernel)


class PostFilterGenerator(nn.Module):
    """``(batch, rows, frames)`` over-smoothed features -> post-filtered features, same shape.

    ``forward(y, z=None)``: ``z`` is the ``(batch, rows, frames)`` noise (drawn with
    :func:`torch.randn_like` when ``None`` and ``config.noise``).
    """

    frame_multiple = 1

    def __init__(self, config: PostFilterGeneratorConfig | None = None):
        super().__init__()
        self.config = cfg = config or PostFilterGeneratorConfig()
        pad = cfg.kernel // 2
        blocks, in_ch = [], 2 if cfg.noise else 1
        for k, out_ch in enumerate(cfg.channels):
            # Conditioning by concatenation: every layer after the first sees y_syn again.
            blocks.append(nn.Sequential(
                nn.Conv2d(in_ch + (k > 0), out_ch, cfg.kernel, padding=pad, bias=cfg.norm == "none"),
                _norm(cfg.norm, out_ch), ACTIVATIONS[cfg.activation]()))
            in_ch = out_ch
        self.blocks = nn.ModuleList(blocks)
        self.output = nn.Conv2d(in_ch + cfg.condition_output, 1, cfg.kernel, padding=pad)
        if cfg.zero_init_output:
            nn.init.zeros_(self.output.weight)
            nn.init.zeros_(self.output.bias)

    def forward(self, y: torch.Tensor, z: torch.Tensor | None = None) -> torch.Tensor:
        cond = y.unsqueeze(1)  # (batch, 1, rows, frames)
        if self.config.noise:
            z = torch.randn_like(y) if z is None else z
            h = torch.cat([z.unsqueeze(1), cond], dim=1)
        else:
            h = cond
        for k, block in enumerate(self.blocks):
            h = block(h if k == 0 else torch.cat([h, cond], dim=1))
        out = self.output(torch.cat([h, cond], dim=1) if self.config.condition_output else h).squeeze(1)
        return y + out if self.config.residual else out


@dataclass
class PostFilterDiscriminatorConfig:
    """Discriminator hyperparameters; defaults: the bajibabu port (FACTS section 3.2)."""

    channels: list[int] = field(default_factory=lambda: [64, 128, 256])
    kernel: int = 5
    norm: str = "batch"
    activation: str = "leaky_relu"
    spectral_norm: bool = False

    def __post_init__(self) -> None:
        _check(self.activation, self.norm, self.channels, self.kernel)


class PostFilterDiscriminator(nn.Module):
    """``(batch, rows, frames)`` features -> ``(batch, 1, rows', frames')`` patch scores (raw)."""

    def __init__(self, config: PostFilterDiscriminatorConfig | None = None):
        super().__init__()
        self.config = cfg = config or PostFilterDiscriminatorConfig()
        layers, in_ch = [], 1
        for out_ch in cfg.channels:
            layers += [nn.Conv2d(in_ch, out_ch, cfg.kernel, stride=2, padding=cfg.kernel // 2),
                       _norm(cfg.norm, out_ch), ACTIVATIONS[cfg.activation]()]
            in_ch = out_ch
        layers.append(nn.Conv2d(in_ch, 1, 3, stride=2, padding=1))
        self.net = nn.Sequential(*layers)
        if cfg.spectral_norm:
            apply_spectral_norm(self)

    def forward(self, y: torch.Tensor) -> torch.Tensor:
        return self.net(y.unsqueeze(1))
