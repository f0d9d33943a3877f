"""Mel-cepstrum <-> spectral envelope, and coded (band) aperiodicity.

The mel-cepstrum is the cepstrum of the envelope on a frequency axis warped by a first-order
all-pass filter with constant ``alpha`` (Tokuda et al., ICASSP 1994); pysptk's ``sp2mc`` and
``mc2sp`` implement that transform for a power spectrum.
"""

from __future__ import annotations

import numpy as np
import pysptk
import pyworld


def sp_to_mcep(sp: np.ndarray, dim: int, alpha: float) -> np.ndarray:
    """``(frames, fft_size // 2 + 1)`` power envelope -> ``(frames, dim)`` mel-cepstrum (c0 first)."""
    return pysptk.sp2mc(np.ascontiguousarray(sp, dtype=np.float64), order=dim - 1, alpha=alpha)


def mcep_to_sp(mcep: np.ndarray, alpha: float, fft_size: int) -> np.ndarray:
    """``(frames, dim)`` mel-cepstrum -> ``(frames, fft_size // 2 + 1)`` power envelope."""
    return pysptk.mc2sp(np.ascontiguousarray(mcep, dtype=np.float64), alpha=alpha, fftlen=fft_size)


def code_ap(ap: np.ndarray, sample_rate: int) -> np.ndarray:
    """``(frames, bins)`` aperiodicity -> ``(frames, bands)`` band aperiodicity (dB).

    The number of bands depends only on the rate (1 at 16 kHz, 2 at 22.05/24 kHz, 5 at 44.1 kHz).
    """
    return pyworld.code_aperiodicity(np.ascontiguousarray(ap, dtype=np.float64), sample_rate)


def decode_ap(cap: np.ndarray, sample_rate: int, fft_size: int) -> np.ndarray:
    """``(frames, bands)`` band aperiodicity -> ``(frames, fft_size // 2 + 1)`` aperiodicity."""
    return pyworld.decode_aperiodicity(np.ascontiguousarray(cap, dtype=np.float64), sample_rate, fft_size)
