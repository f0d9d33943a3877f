"""Normalization layers used by the CycleGAN-VC family.

Both CycleGAN-VC (Kaneko & Kameoka, arXiv 1711.11293, Fig. 3) and CycleGAN-VC2 (Kaneko et al.,
arXiv 1904.04631, Fig. 4) put instance normalization (IN) after every convolution except the
first and the last one of each network. The papers do not say whether IN has a learnable scale
and shift; we use the standard IN of Ulyanov et al. with an affine transform (``affine=True``)
and instance statistics at inference too (``track_running_stats=False``), so a model behaves
identically in ``train()`` and ``eval()`` mode.

StarGAN-VC2 (Kaneko et al., arXiv 1907.12279) conditions its 1D blocks with
:class:`ConditionalInstanceNorm`.
"""

from __future__ import annotations

import torch
from torch import nn

#: Accepted values of every ``norm`` config field.
NORMS = ("instance", "none")


def make_norm(kind: str, channels: int, dims: int) -> nn.Module:
    """Build the normalization named ``kind`` for a ``dims``-D feature map.

    Args:
        kind: ``"instance"`` (affine instance norm) or ``"none"`` (identity).
        channels: Number of channels the layer normalizes.
        dims: 1 for ``(batch, channels, frames)``, 2 for ``(batch, channels, height, frames)``.

    Returns:
        The normalization module.
    """
    if dims not in (1, 2):
        raise ValueError(f"dims must be 1 or 2, got {dims}")
    if kind == "instance":
        cls = nn.InstanceNorm1d if dims == 1 else nn.InstanceNorm2d
        return cls(channels, affine=True, track_running_stats=False)
    if kind == "none":
        return nn.Identity()
    raise ValueError(f"unknown norm {kind!r}; choose one of {NORMS}")


class ConditionalInstanceNorm(nn.Module):
    """Conditional instance norm: ``γ(code) · (h - μ(h)) / σ(h) + β(code)`` (FACTS 2.4).

    ``μ`` and ``σ`` are per sample and channel over every non-channel axis (plain instance norm
    without affine, instance statistics in ``eval()`` too); ``γ`` and ``β`` are per sample and
    channel, each a linear map (with bias) of ``code``. The biases start at ``γ = 1`` and
    ``β = 0`` and the weights at PyTorch's default, so the code already modulates an untrained
    network. StarGAN-VC2 (arXiv 1907.12279, network figure) uses it in its 1D blocks with ``code``
    the concatenated one-hots of source and target domain.

    Args:
        channels: Channels ``C`` of the normalized map.
        code_dim: Size of the conditioning vector.
        dims: 1 for ``(batch, C, frames)``, 2 for ``(batch, C, height, frames)``.

    Shapes:
        ``forward(h, code)``: ``h`` ``(batch, C, ...)``, ``code`` ``(batch, code_dim)`` → like ``h``.
    """

    def __init__(self, channels: int, code_dim: int, dims: int = 1):
        super().__init__()
        if dims not in (1, 2):
            raise ValueError(f"dims must be 1 or 2, got {dims}")
        cls = nn.InstanceNorm1d if dims == 1 else nn.InstanceNorm2d
        self.norm = cls(channels, affine=False, track_running_stats=False)
        self.gamma = nn.Linear(code_dim, channels)
        self.beta = nn.Linear(code_dim, channels)
        nn.init.ones_(self.gamma.bias)
        nn.init.zeros_(self.beta.bias)
        self.dims = dims

    def forward(self, h: torch.Tensor, code: torch.Tensor) -> torch.Tensor:
        shape = (h.shape[0], h.shape[1]) + (1,) * self.dims
        return self.gamma(code).view(shape) * self.norm(h) + self.beta(code).view(shape)
