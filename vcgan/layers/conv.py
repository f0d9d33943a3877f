"""A 2-D convolution to a single output channel whose backward pass runs on fast kernels.

The output layers of CycleGAN-VC2's generator (``C -> 1``, kernel 5 x 15) and discriminator map
many channels to one. For such a layer oneDNN's backward kernels run at a fraction of the speed
of its forward (on one thread of a 2-core AVX-512 CPU: 2.7 GFLOP/s for the weight gradient, 9
for the input gradient, against 13 forward). Both gradients are themselves convolutions in
better-shaped layouts, which run 3-8x faster:

- input gradient: the transposed convolution of the one-channel map, written as a ``1 -> C``
  convolution of the gradient with the kernel flipped in both axes;
- weight gradient: a convolution of the padded input, channels as the batch, with the output
  gradient (batch as the channels) as the kernel.

The layer is an :class:`torch.nn.Conv2d` (same parameters, same ``state_dict``, same forward);
only the gradients' arithmetic order differs, by float32 rounding (``tests/test_layers.py``).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class _OneChannelConv2dFunction(torch.autograd.Function):
    """``F.conv2d(x, weight, bias, padding=padding)`` for ``weight`` of shape ``(1, C, kh, kw)``,
    stride 1, with the gradients above. Its backward is built of differentiable operations, so
    second derivatives (gradient penalties) work too."""

    @staticmethod
    def forward(ctx, x, weight, bias, padding: tuple[int, int]):
        ctx.save_for_backward(x, weight)
        ctx.padding = padding
        # the gradients are computed under the forward's autocast state (as torch.amp.custom_bwd does)
        device_type = x.device.type
        ctx.autocast = (device_type, torch.get_autocast_dtype(device_type), torch.is_autocast_enabled(device_type))
        return F.conv2d(x, weight, bias, padding=padding)

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        device_type, dtype, enabled = ctx.autocast
        with torch.autocast(device_type, dtype=dtype, enabled=enabled):
            return _OneChannelConv2dFunction._gradients(ctx, grad, x, weight)

    @staticmethod
    def _gradients(ctx, grad, x, weight):
        (ph, pw), (kh, kw) = ctx.padding, weight.shape[-2:]
        grad_x = grad_w = grad_b = None
        if ctx.needs_input_grad[0]:
            flipped = weight.flip(-2, -1).transpose(0, 1)  # (C, 1, kh, kw)
            grad_x = F.conv2d(grad, flipped, padding=(kh - 1 - ph, kw - 1 - pw))
        if ctx.needs_input_grad[1]:
            padded = F.pad(x, (pw, pw, ph, ph)).transpose(0, 1)  # (C, batch, H + 2ph, W + 2pw)
            grad_w = F.conv2d(padded, grad.transpose(0, 1)).transpose(0, 1)  # (1, C, kh, kw)
        if ctx.needs_input_grad[2]:
            grad_b = grad.sum(dim=(0, 2, 3))
        return grad_x, grad_w, grad_b, None


class OneChannelConv2d(nn.Conv2d):
    """``nn.Conv2d(in_channels, 1, kernel_size, padding=...)`` with the faster backward.

    Input ``(batch, in_channels, height, width)``, output ``(batch, 1, height', width')``.
    Only stride 1, dilation 1, one group and zero padding given as numbers are supported (what
    the models use); anything else is refused at construction.
    """

    def __init__(self, in_channels: int, kernel_size, padding=0, bias: bool = True):
        super().__init__(in_channels, 1, kernel_size, padding=padding, bias=bias)
        if isinstance(self.padding, str):
            raise ValueError(f"OneChannelConv2d: give padding as numbers, got {self.padding!r}")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _OneChannelConv2dFunction.apply(x, self.weight, self.bias, tuple(self.padding))
