"""Gated convolution blocks with gated linear units (GLU).

The gated CNN of CycleGAN-VC (Kaneko & Kameoka, arXiv 1711.11293, Sec. 3.2, Eq. (5); after
Dauphin et al., arXiv 1612.08083) computes

    H_{l+1} = (H_l * W_l + b_l) ⊗ σ(H_l * V_l + c_l)

where ``W``/``b`` and ``V``/``c`` are two *separate* convolutions over the same input and ``⊗``
is the element-wise product. In the papers' network figures (1711.11293 Fig. 3, 1904.04631
Fig. 4) each GLU layer also has instance normalization, applied to each path on its own, and in
the upsampling blocks a pixel shuffler sits between convolution and normalization. One block
here is therefore::

    h = norm_h(shuffle(conv_h(x)))      # linear path
    g = norm_g(shuffle(conv_g(x)))      # gate path, its own conv and its own norm
    out = h * sigmoid(g)

We keep the two convolutions as two modules (``conv`` and ``gate_conv``) rather than one conv
with doubled channels split by :class:`torch.nn.GLU`: the two are equivalent only if the norm is
per-channel and parameters are sliced consistently, and keeping them separate makes the
structure checkable against the paper by reading ``state_dict`` keys.
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from vcgan.layers.norm import make_norm
from vcgan.layers.pixel_shuffle import PixelShuffle1d

IntOrPair = int | Sequence[int]


class _GatedConvNd(nn.Module):
    dims: int

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: IntOrPair,
        stride: IntOrPair = 1,
        padding: IntOrPair | None = None,
        norm: str = "instance",
        upscale_factor: int = 1,
        dilation: int = 1,
    ):
        super().__init__()
        conv_cls = nn.Conv1d if self.dims == 1 else nn.Conv2d
        if padding is None:
            # "same"-style padding for odd kernels: the papers' figures give no padding, and
            # keeping frames/stride exact is what makes the generators fully convolutional.
            padding = _half(kernel_size) if dilation == 1 else dilation * (kernel_size // 2)
        # A bias followed by instance norm is cancelled by its mean subtraction (zero gradient).
        bias = norm == "none"
        self.conv = conv_cls(in_channels, out_channels, kernel_size, stride, padding, dilation, bias=bias)
        self.gate_conv = conv_cls(in_channels, out_channels, kernel_size, stride, padding, dilation, bias=bias)
        r = int(upscale_factor)
        shuffled = out_channels // (r ** self.dims)
        if shuffled * r ** self.dims != out_channels:
            raise ValueError(f"out_channels ({out_channels}) not divisible by upscale_factor**{self.dims}")
        if r > 1:
            self.shuffle = PixelShuffle1d(r) if self.dims == 1 else nn.PixelShuffle(r)
        else:
            self.shuffle = nn.Identity()
        self.norm = make_norm(norm, shuffled, self.dims)
        self.gate_norm = make_norm(norm, shuffled, self.dims)
        self.out_channels = shuffled

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.norm(self.shuffle(self.conv(x)))
        g = self.gate_norm(self.shuffle(self.gate_conv(x)))
        return h * torch.sigmoid(g)


class GatedConv1d(_GatedConvNd):
    """1D gated convolution block: conv → [pixel shuffle] → norm, times sigmoid of the gate path.

    Args:
        in_channels: Input channels.
        out_channels: Channels of each convolution (``c`` in the papers' figures). With
            ``upscale_factor=r`` the block outputs ``out_channels // r`` channels and ``r`` times
            the frames.
        kernel_size, stride, padding: As in :class:`torch.nn.Conv1d`; ``padding=None`` means
            ``kernel_size // 2``.
        norm: ``"instance"`` or ``"none"`` (see :func:`vcgan.layers.norm.make_norm`).
        upscale_factor: Pixel-shuffle factor ``r`` (1 = no upsampling).
        dilation: As in :class:`torch.nn.Conv1d` (an integer kernel; padding then
            ``dilation * (kernel_size // 2)``).

    Shapes:
        ``(batch, in_channels, frames)`` → ``(batch, out_channels // r, frames_out * r)``.
    """

    dims = 1


class GatedConv2d(_GatedConvNd):
    """2D gated convolution block (as :class:`GatedConv1d`, on ``(batch, channels, height, frames)``).

    With ``upscale_factor=r`` :class:`torch.nn.PixelShuffle` is used and the block outputs
    ``out_channels // r**2`` channels with ``r`` times the height and the frames.
    """

    dims = 2


def _half(kernel_size: IntOrPair) -> int | tuple[int, ...]:
    if isinstance(kernel_size, int):
        return kernel_size // 2
    return tuple(k // 2 for k in kernel_size)
