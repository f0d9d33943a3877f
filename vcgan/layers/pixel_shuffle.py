"""Pixel shuffle (sub-pixel convolution) upsampling along time.

CycleGAN-VC (arXiv 1711.11293, Sec. 3.3 and Fig. 3) upsamples its 1D generator with a "pixel
shuffler" (Shi et al., arXiv 1609.05158): a convolution produces ``r`` times the channels, which
are then rearranged into ``r`` times the frames. PyTorch only ships the 2D version
(:class:`torch.nn.PixelShuffle`, used by CycleGAN-VC2); this is the 1D one, with the same
channel ordering convention as the 2D op: output channel ``c`` at frame ``t * r + k`` comes from
input channel ``c * r + k`` at frame ``t``.
"""

from __future__ import annotations

import torch
from torch import nn


def pixel_shuffle_1d(x: torch.Tensor, upscale_factor: int) -> torch.Tensor:
    """Rearrange ``(batch, channels * r, frames)`` into ``(batch, channels, frames * r)``.

    ``out[b, c, t * r + k] = x[b, c * r + k, t]`` for ``0 <= k < r``.
    """
    r = int(upscale_factor)
    batch, channels, frames = x.shape
    if channels % r:
        raise ValueError(f"channels ({channels}) must be divisible by upscale_factor ({r})")
    x = x.reshape(batch, channels // r, r, frames)
    return x.permute(0, 1, 3, 2).reshape(batch, channels // r, frames * r)


class PixelShuffle1d(nn.Module):
    """Module form of :func:`pixel_shuffle_1d`."""

    def __init__(self, upscale_factor: int):
        super().__init__()
        if upscale_factor < 1:
            raise ValueError(f"upscale_factor must be >= 1, got {upscale_factor}")
        self.upscale_factor = int(upscale_factor)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(batch, channels * r, frames) -> (batch, channels, frames * r)."""
        return pixel_shuffle_1d(x, self.upscale_factor)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"
