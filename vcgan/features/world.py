"""WORLD analysis and synthesis (Morise, Yokomori, Ozawa, IEICE Trans. Inf. Syst. E99-D(7), 2016).

F0 by Harvest or DIO + StoneMask, spectral envelope by CheapTrick, aperiodicity by D4C,
all through pyworld, with the settings of a :class:`~vcgan.features.config.FeatureConfig`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyworld

from vcgan.features.config import FeatureConfig


@dataclass
class WorldFeatures:
    """WORLD parameters of one utterance, one row per frame (``frame_period`` ms apart).

    Attributes:
        f0: ``(frames,)`` fundamental frequency in Hz; 0 in unvoiced frames.
        sp: ``(frames, fft_size // 2 + 1)`` smoothed power spectral envelope.
        ap: ``(frames, fft_size // 2 + 1)`` aperiodicity ratio in [0, 1].
    """

    f0: np.ndarray
    sp: np.ndarray
    ap: np.ndarray

    @property
    def n_frames(self) -> int:
        return len(self.f0)


def world_f0(
    x: np.ndarray, config: FeatureConfig, f0_floor: float | None = None, f0_ceil: float | None = None,
    method: str | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Estimate F0 of ``x`` (``(samples,)`` float64 at ``config.sample_rate``).

    Returns ``(f0, t)``: F0 in Hz per frame (0 = unvoiced) and frame times in seconds.
    ``f0_floor``/``f0_ceil`` (Hz) override the config's range (e.g. a speaker's own range).
    """
    fs = config.sample_rate
    lo = config.f0_floor if f0_floor is None else f0_floor
    hi = config.f0_ceil if f0_ceil is None else f0_ceil
    method = method or config.f0_method
    x = np.ascontiguousarray(x, dtype=np.float64)
    if method == "harvest":
        f0, t = pyworld.harvest(x, fs, f0_floor=lo, f0_ceil=hi, frame_period=config.frame_period)
    elif method == "dio":
        f0, t = pyworld.dio(x, fs, f0_floor=lo, f0_ceil=hi, frame_period=config.frame_period)
        f0 = pyworld.stonemask(x, f0, t, fs)
    else:
        raise ValueError(f"unknown F0 method {method!r}; use 'harvest' or 'dio'")
    return f0, t


def world_analyze(
    x: np.ndarray, config: FeatureConfig, f0_floor: float | None = None, f0_ceil: float | None = None
) -> WorldFeatures:
    """Full WORLD analysis of ``x`` (``(samples,)`` at ``config.sample_rate``).

    CheapTrick and D4C use ``config.world_fft_size`` whatever the F0 range, so every
    utterance of a dump has the same envelope resolution.
    """
    x = np.ascontiguousarray(x, dtype=np.float64)
    fs = config.sample_rate
    f0, t = world_f0(x, config, f0_floor, f0_ceil)
    fft_size = config.world_fft_size
    sp = pyworld.cheaptrick(x, f0, t, fs, fft_size=fft_size)
    ap = pyworld.d4c(x, f0, t, fs, fft_size=fft_size)
    return WorldFeatures(f0=f0, sp=sp, ap=ap)


def world_synthesize(f0: np.ndarray, sp: np.ndarray, ap: np.ndarray, config: FeatureConfig) -> np.ndarray:
    """WORLD synthesis: ``(frames,)`` F0 (Hz), ``(frames, bins)`` envelope and aperiodicity
    to a ``(samples,)`` float64 waveform at ``config.sample_rate``."""
    if not (len(f0) == len(sp) == len(ap)):
        raise ValueError(f"frame counts differ: f0 {len(f0)}, sp {len(sp)}, ap {len(ap)}")
    return pyworld.synthesize(
        np.ascontiguousarray(f0, dtype=np.float64),
        np.ascontiguousarray(sp, dtype=np.float64),
        np.ascontiguousarray(ap, dtype=np.float64),
        config.sample_rate,
        config.frame_period,
    )


def min_samples(config: FeatureConfig) -> int:
    """Shortest input (samples) worth analysing: one CheapTrick analysis window."""
    return config.world_fft_size
