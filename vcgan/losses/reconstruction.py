"""Reconstruction losses of CycleGAN-based voice conversion.

Both are L1 distances, as in CycleGAN-VC (arXiv 1711.11293, Sec. 2.1 Eq. (2) for the
cycle-consistency loss and Sec. 3.1 Eq. (4) for the identity-mapping loss) and CycleGAN-VC2
(arXiv 1904.04631, Sec. 2). Inputs are ``(batch, mcep_dim, frames)`` normalized features; the
losses are means over all elements.
"""

from __future__ import annotations

import torch


def cycle_consistency_loss(x: torch.Tensor, x_cycle: torch.Tensor) -> torch.Tensor:
    """``E[||G_{Y→X}(G_{X→Y}(x)) - x||_1]``: mean absolute error between ``x`` and its round trip."""
    return (x_cycle - x).abs().mean()


def identity_mapping_loss(y: torch.Tensor, y_identity: torch.Tensor) -> torch.Tensor:
    """``E[||G_{X→Y}(y) - y||_1]``: mean absolute error between target ``y`` and its mapping."""
    return (y_identity - y).abs().mean()
