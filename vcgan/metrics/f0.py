"""F0 accuracy of a converted utterance against its reference, along an alignment path.

Given F0 sequences in Hz (0 = unvoiced) and the frame pairs ``(i, j)`` of a DTW path (the
MCD's path, :class:`~vcgan.metrics.mcd.MCDResult`):

* **F0 RMSE** (cents) over the pairs voiced in both:
  ``sqrt(mean((1200 * log2(f_conv / f_ref))^2))``. 100 cents = one semitone; a conversion
  that is one octave off everywhere scores 1200.
* **F0 correlation**: Pearson's r of log-F0 over the same pairs (scale-free, like cents).
* **V/UV error rate**: share of the pairs whose voicing decision differs, in [0, 1].

Hz-domain RMSE (common in older papers) depends on the speaker's register; cents do not.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np


@dataclass(frozen=True)
class F0Scores:
    """F0 scores of one utterance pair; NaN where undefined (fewer than 2 frames voiced in both)."""

    rmse_cents: float
    corr: float
    vuv_error: float
    n_voiced: int
    """Aligned frame pairs voiced in both."""
    n_frames: int
    """Aligned frame pairs considered (for the V/UV error)."""

    def to_dict(self) -> dict:
        return asdict(self)


def cents(f0: np.ndarray, f0_ref: np.ndarray) -> np.ndarray:
    """``1200 * log2(f0 / f0_ref)`` for positive F0 (Hz) arrays of the same shape."""
    return 1200.0 * np.log2(np.asarray(f0, dtype=np.float64) / np.asarray(f0_ref, dtype=np.float64))


def f0_scores(f0_ref: np.ndarray, f0_conv: np.ndarray, path: np.ndarray | None = None) -> F0Scores:
    """F0 RMSE (cents), log-F0 Pearson r and V/UV error rate; see the module docstring.

    Args:
        f0_ref, f0_conv: ``(T_ref,)`` and ``(T_conv,)`` F0 in Hz, 0 in unvoiced frames.
        path: ``(L, 2)`` aligned frame pairs ``(ref_index, conv_index)``; ``None``: the
            sequences are already aligned (same length).
    """
    f0_ref = np.asarray(f0_ref, dtype=np.float64)
    f0_conv = np.asarray(f0_conv, dtype=np.float64)
    if path is None:
        if f0_ref.shape != f0_conv.shape:
            raise ValueError(f"unaligned F0 sequences must have the same length, got {f0_ref.shape} and {f0_conv.shape}")
        a, b = f0_ref, f0_conv
    else:
        path = np.asarray(path)
        a, b = f0_ref[path[:, 0]], f0_conv[path[:, 1]]
    if len(a) == 0:
        raise ValueError("no aligned frames")
    va, vb = a > 0, b > 0
    both = va & vb
    n_voiced = int(np.sum(both))
    vuv = float(np.mean(va != vb))
    if n_voiced < 2:
        return F0Scores(math.nan, math.nan, vuv, n_voiced, len(a))
    diff = cents(b[both], a[both])
    rmse = float(np.sqrt(np.mean(diff * diff)))
    la, lb = np.log(a[both]), np.log(b[both])
    # A constant log-F0 on either side makes r undefined (0/0); report NaN, not a warning.
    corr = float(np.corrcoef(la, lb)[0, 1]) if np.std(la) > 0 and np.std(lb) > 0 else math.nan
    return F0Scores(rmse, corr, vuv, n_voiced, len(a))
