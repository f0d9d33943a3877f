"""Mel-cepstral distortion (MCD) and the mel-cepstra it is computed from.

For two aligned frames of mel-cepstra ``c`` and ``c'`` (Kubichek, IEEE PACRIM 1993; the form
used in voice conversion papers since Toda et al., IEEE TASLP 15(8), 2007)::

    MCD = 10 / ln(10) * sqrt(2 * sum_{d=1}^{D} (c_d - c'_d)^2)        [dB]

``c_0`` (the log power of the frame) is excluded by default, because it measures loudness,
not spectral shape; the utterance MCD is the mean of the per-frame values over the frames of
a DTW path (:mod:`vcgan.metrics.dtw`).

Which frames count (``silence`` in :class:`~vcgan.metrics.presets.EvalSettings`):

* ``"drop"``: before the alignment, each utterance loses its frames whose normalised power
  ``10 log10(P_t / mean_t P_t)`` is at or below the threshold (dB; -20 by default); ``P_t``
  is the frame's power from its WORLD envelope (sum over the spectrum) or, for SPTK analysis,
  of its windowed samples. This is sprocket's rule (``extfrm``), so pauses inside the
  utterance are removed too.
* ``"none"``: every frame counts (ESPnet's ``evaluate_mcd.py``).

Mel-cepstra come from WORLD's CheapTrick envelope (``sp2mc``; our features, sprocket) or from
SPTK's mel-cepstral analysis of Hamming-windowed frames (``pysptk.mcep``; ESPnet).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from vcgan.features.mcep import envelope_power  # noqa: F401 (evaluation imports it from here)
from vcgan.metrics.dtw import exact_dtw, fastdtw_path

#: ``10 / ln(10) * sqrt(2)``: MCD in dB of a unit Euclidean distance between mel-cepstra.
MCD_SCALE = 10.0 / math.log(10.0) * math.sqrt(2.0)


def mcd_per_frame(mc_a: np.ndarray, mc_b: np.ndarray, include_c0: bool = False) -> np.ndarray:
    """Per-frame MCD (dB) of two aligned mel-cepstra.

    Args:
        mc_a, mc_b: ``(frames, dim)`` mel-cepstra, ``c0`` in column 0, frame ``t`` of one
            aligned with frame ``t`` of the other.
        include_c0: Also count column 0 (default: excluded).

    Returns:
        ``(frames,)`` float64: ``10/ln10 * sqrt(2 * sum_d (a_d - b_d)^2)``, ``d`` from 1
        (or 0 with ``include_c0``). A constant offset ``delta`` in one coefficient gives
        ``10/ln10 * sqrt(2) * |delta|`` in every frame.
    """
    a = np.asarray(mc_a, dtype=np.float64)
    b = np.asarray(mc_b, dtype=np.float64)
    if a.ndim != 2 or a.shape != b.shape:
        raise ValueError(f"expected two (frames, dim) arrays of the same shape, got {a.shape} and {b.shape}")
    if a.shape[1] < 2 and not include_c0:
        raise ValueError(f"need at least 2 coefficients (c0 is excluded), got dim {a.shape[1]}")
    start = 0 if include_c0 else 1
    diff = a[:, start:] - b[:, start:]
    return MCD_SCALE * np.sqrt(np.sum(diff * diff, axis=1))


@dataclass
class MCDResult:
    """MCD of one utterance pair after alignment.

    Attributes:
        mcd: mean of ``per_frame`` (dB).
        per_frame: ``(L,)`` MCD (dB) of each aligned frame pair.
        ref_frames, conv_frames: ``(L,)`` indices of the aligned frames in the *original*
            (untrimmed) frame sequences, so F0 and other per-frame values can follow the path.
    """

    mcd: float
    per_frame: np.ndarray
    ref_frames: np.ndarray
    conv_frames: np.ndarray

    @property
    def n_frames(self) -> int:
        return len(self.per_frame)


def utterance_mcd(
    mc_ref: np.ndarray,
    mc_conv: np.ndarray,
    *,
    include_c0: bool = False,
    ref_keep: np.ndarray | None = None,
    conv_keep: np.ndarray | None = None,
    align: str = "exact",
) -> MCDResult:
    """MCD (dB) of a converted utterance against its reference, frames aligned by DTW.

    Args:
        mc_ref, mc_conv: ``(T_ref, dim)`` and ``(T_conv, dim)`` mel-cepstra (``c0`` first).
        include_c0: Count ``c0`` in the distance and in the alignment.
        ref_keep, conv_keep: ``(T,)`` boolean masks of the frames that count (e.g. from
            :func:`speech_mask`); ``None``: all frames.
        align: ``"exact"`` DTW, ``"fastdtw"`` (approximate, radius 1), or ``"none"`` for
            sequences that are already frame-aligned (same length required).

    The alignment uses the same coefficients and the same (Euclidean) distance as the MCD,
    so the path minimises the summed per-frame MCD.
    """
    ref_idx = _kept_indices(mc_ref, ref_keep, "reference")
    conv_idx = _kept_indices(mc_conv, conv_keep, "converted")
    start = 0 if include_c0 else 1
    a = np.asarray(mc_ref, dtype=np.float64)[ref_idx, start:]
    b = np.asarray(mc_conv, dtype=np.float64)[conv_idx, start:]
    if align == "exact":
        path, _ = exact_dtw(a, b)
    elif align == "fastdtw":
        path, _ = fastdtw_path(a, b)
    elif align == "none":
        if len(a) != len(b):
            raise ValueError(f"align='none' needs equally long sequences, got {len(a)} and {len(b)} frames")
        path = np.stack([np.arange(len(a)), np.arange(len(a))], axis=1)
    else:
        raise ValueError(f"unknown alignment {align!r}; use 'exact', 'fastdtw' or 'none'")
    per_frame = MCD_SCALE * np.linalg.norm(a[path[:, 0]] - b[path[:, 1]], axis=1)
    return MCDResult(float(np.mean(per_frame)), per_frame, ref_idx[path[:, 0]], conv_idx[path[:, 1]])


def _kept_indices(mc: np.ndarray, keep: np.ndarray | None, which: str) -> np.ndarray:
    mc = np.asarray(mc)
    if mc.ndim != 2 or len(mc) == 0:
        raise ValueError(f"{which} mel-cepstrum must be a non-empty (frames, dim) array, got shape {mc.shape}")
    if keep is None:
        return np.arange(len(mc))
    keep = np.asarray(keep, dtype=bool)
    if keep.shape != (len(mc),):
        raise ValueError(f"{which} frame mask has shape {keep.shape}, expected ({len(mc)},)")
    idx = np.flatnonzero(keep)
    if len(idx) == 0:
        raise ValueError(f"{which} utterance has no frame above the silence threshold")
    return idx


# ----------------------------------------------------------------------------- frame selection
def normalized_power_db(power: np.ndarray) -> np.ndarray:
    """``(T,)`` frame powers -> ``10 log10(P_t / mean(P))`` in dB (0 dB = the mean power)."""
    p = np.asarray(power, dtype=np.float64)
    mean = np.mean(p)
    if not mean > 0:
        raise ValueError("all frames have zero power")
    return 10.0 * np.log10(np.maximum(p, np.finfo(np.float64).tiny) / mean)


def mcep_power_db(mcep: np.ndarray, alpha: float, fft_size: int) -> np.ndarray:
    """``(T, dim)`` mel-cepstra -> ``(T,)`` envelope power of each frame in dB relative to
    the utterance's mean (:func:`normalized_power_db` of the ``fft_size``-point envelope)."""
    from vcgan.features.mcep import mcep_to_sp
    return normalized_power_db(envelope_power(mcep_to_sp(mcep, alpha, fft_size)))


def speech_mask(power_db: np.ndarray, threshold_db: float | None) -> np.ndarray:
    """Frames that count: normalised power above ``threshold_db`` (``None``: all frames)."""
    power_db = np.asarray(power_db, dtype=np.float64)
    if threshold_db is None:
        return np.ones(len(power_db), dtype=bool)
    return power_db > threshold_db


# ----------------------------------------------------------------------------- analysis
def sptk_mcep(
    x: np.ndarray, dim: int, alpha: float, win_length: int, hop_length: int, scale: float = 32768.0
) -> tuple[np.ndarray, np.ndarray]:
    """SPTK mel-cepstral analysis (Fukada et al., ICASSP 1992) of Hamming-windowed frames.

    As ESPnet's ``evaluate_mcd.py``: frame ``k`` covers samples ``[k*hop, k*hop + win)`` (no
    padding), SPTK's power-normalised Hamming window, ``pysptk.mcep(..., etype=1, eps=1e-6)``
    on samples at 16-bit integer scale (``x * scale``; ESPnet reads files as int16). The
    scale matters only through ``eps`` (a floor on the periodogram) and ``c0``.

    Returns:
        ``((T, dim) mel-cepstrum, (T,) power of each windowed frame)``.
    """
    import pysptk

    x = np.asarray(x, dtype=np.float64)
    if len(x) < win_length:
        raise ValueError(f"signal of {len(x)} samples is shorter than one {win_length}-sample window")
    n_frames = (len(x) - win_length) // hop_length + 1
    window = pysptk.sptk.hamming(win_length)
    frames = np.lib.stride_tricks.sliding_window_view(x * scale, win_length)[::hop_length][:n_frames] * window
    mc = np.stack([pysptk.mcep(f, dim - 1, alpha, eps=1e-6, etype=1) for f in frames])
    return mc, np.mean(frames * frames, axis=1)
