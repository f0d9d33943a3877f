"""Over-smoothing measures of the GAN post-filter literature: global variance (GV) and
modulation spectrum (MS) of mel-cepstral trajectories.

* **GV** (Toda & Tokuda, IEICE Trans. E90-D(5), 2007): the variance over time of each
  coefficient within an utterance, ``GV_d = var_t(c_d(t))``. Statistical models shrink it;
  Kaneko et al. (ICASSP 2017, Fig. 3) compare GV per dimension to show a GAN post-filter
  restores it. :func:`gv_ratio_db` summarises it as ``mean_d 10 log10(GV_conv_d / GV_ref_d)``
  (dB; 0 = as varied as the reference, negative = over-smoothed).
* **MS** (Takamichi et al., IEEE/ACM TASLP 24(4), 2016): the log power spectrum of each
  coefficient's trajectory, i.e. how fast the spectrum moves. Here it is averaged over
  Hann-windowed segments of ``n_fft`` frames (hop ``n_fft // 2``; shorter utterances are
  zero-padded), after removing each trajectory's mean, in dB.
  :func:`ms_distance_db` is the RMS over dimensions and modulation frequencies of the dB
  difference to the reference.
"""

from __future__ import annotations

import numpy as np

#: Segment length (frames) of the modulation spectrum: 64 frames = 320 ms at a 5 ms shift,
#: a modulation-frequency resolution of 3.1 Hz up to 100 Hz.
MS_FFT = 64


def global_variance(mc: np.ndarray) -> np.ndarray:
    """``(T, dim)`` trajectories -> ``(dim,)`` variance over time (``ddof=0``)."""
    mc = np.asarray(mc, dtype=np.float64)
    if mc.ndim != 2 or len(mc) == 0:
        raise ValueError(f"expected a non-empty (frames, dim) array, got shape {mc.shape}")
    return np.var(mc, axis=0)


def gv_ratio_db(gv_conv: np.ndarray, gv_ref: np.ndarray) -> float:
    """``mean_d 10 log10(GV_conv_d / GV_ref_d)`` in dB of two ``(dim,)`` GVs."""
    tiny = np.finfo(np.float64).tiny
    return float(np.mean(10.0 * np.log10(np.maximum(gv_conv, tiny) / np.maximum(gv_ref, tiny))))


def modulation_spectrum(mc: np.ndarray, n_fft: int = MS_FFT) -> np.ndarray:
    """``(T, dim)`` trajectories -> ``(n_fft // 2 + 1, dim)`` modulation spectrum in dB.

    Power ``|FFT|^2 / n_fft`` of Hann-windowed segments, averaged over segments before the log.
    """
    mc = np.asarray(mc, dtype=np.float64)
    if mc.ndim != 2 or len(mc) == 0:
        raise ValueError(f"expected a non-empty (frames, dim) array, got shape {mc.shape}")
    x = mc - mc.mean(axis=0)
    if len(x) < n_fft:
        x = np.pad(x, ((0, n_fft - len(x)), (0, 0)))
    hop = n_fft // 2
    starts = np.arange(0, len(x) - n_fft + 1, hop)
    segs = np.stack([x[s:s + n_fft] for s in starts]) * np.hanning(n_fft)[None, :, None]
    power = np.mean(np.abs(np.fft.rfft(segs, axis=1)) ** 2, axis=0) / n_fft
    return 10.0 * np.log10(np.maximum(power, 1e-20))


def modulation_frequencies(frame_period: float, n_fft: int = MS_FFT) -> np.ndarray:
    """``(n_fft // 2 + 1,)`` modulation frequency (Hz) of each row of :func:`modulation_spectrum`
    for frames every ``frame_period`` ms: ``k * (1000 / frame_period) / n_fft``."""
    return np.arange(n_fft // 2 + 1) * (1000.0 / frame_period) / n_fft


def ms_distance_db(ms_conv: np.ndarray, ms_ref: np.ndarray) -> float:
    """RMS (dB) over all bins of the difference of two modulation spectra of equal shape."""
    ms_conv, ms_ref = np.asarray(ms_conv), np.asarray(ms_ref)
    if ms_conv.shape != ms_ref.shape:
        raise ValueError(f"modulation spectra differ in shape: {ms_conv.shape} and {ms_ref.shape}")
    return float(np.sqrt(np.mean((ms_conv - ms_ref) ** 2)))
