"""Numeric precision of training: float32, or bfloat16 autocast where the processor has it.

``fp32`` trains in float32 throughout. ``bf16`` runs the forward passes and losses under
:func:`torch.autocast` with bfloat16 (matrix products and convolutions in bfloat16, reductions
and normalisations kept in float32 by autocast's own lists; weights, gradients and Adam's state
stay float32), on CUDA and on CPU. bfloat16 has float32's exponent range, so no loss scaling is
needed. ``auto`` is ``bf16`` where the device computes bfloat16 natively (CUDA devices that
report it; CPUs with AVX512-BF16 or AMX, as oneDNN detects them) and ``fp32`` elsewhere, where
bfloat16 would be emulated and slower.

On one thread of a 2-core AVX512-BF16 CPU, bf16 made a CycleGAN-VC2 step 1.18x (demo size) to
1.51x (paper size) faster than fp32 (``tools/bench_train.py --compare fp32 bf16``). Results differ from float32 by bfloat16's rounding (8
significant bits in the products), so a run is reproducible with the same precision only.
"""

from __future__ import annotations

import logging

import torch

logger = logging.getLogger("vcgan.train")

PRECISIONS = ("fp32", "bf16", "auto")


def native_bf16(device: torch.device) -> bool:
    """Whether ``device`` computes bfloat16 matrix products in hardware."""
    device = torch.device(device)
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported(including_emulation=False)
    if device.type == "cpu":
        return bool(torch.backends.mkldnn.is_available() and torch.ops.mkldnn._is_mkldnn_bf16_supported())
    return False


def resolve_precision(precision: str, device: torch.device) -> torch.dtype | None:
    """The autocast dtype of ``precision`` on ``device``: ``torch.bfloat16``, or ``None`` for
    float32 throughout.

    Raises:
        ValueError: ``precision`` is not one of :data:`PRECISIONS`.
    """
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
    device = torch.device(device)
    if precision == "fp32":
        return None
    native = native_bf16(device)
    if precision == "auto":
        return torch.bfloat16 if native else None
    if not native:
        logger.warning("bf16 on %s: this device has no native bfloat16 arithmetic; emulated, it is slower "
                       "than fp32", device)
    return torch.bfloat16


def describe(dtype: torch.dtype | None) -> str:
    """``"bf16 autocast"`` or ``"fp32"``, for logs."""
    return "fp32" if dtype is None else "bf16 autocast"
