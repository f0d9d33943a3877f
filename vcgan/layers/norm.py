"""Normalization layers used by the CycleGAN-VC family.

Both CycleGAN-VC (Kaneko & Kameoka, arXiv 1711.11293, Fig. 3) and CycleGAN-VC2 (Kaneko et al.,
arXiv 1904.04631, Fig. 4) put instance normalization (IN) after every convolution except the
first and the last one of each network. The papers do not say whether IN has a learnable scale
and shift; we use the standard IN of Ulyanov et al. with an affine transform (``affine=True``)
and instance statistics at inference too (``track_running_stats=False``), so a model behaves
identically in ``train()`` and ``eval()`` mode.

Conditional instance norm (StarGAN-VC2, arXiv 1907.12279, Sec. 3.3) is not implemented yet.
"""

from __future__ import annotations

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
