"""Features of one utterance, as stored in a dump and as computed at conversion time.

A feature dict holds float32 arrays, one row per frame:

========  ==============================  ==========================================
key       shape                           content
========  ==============================  ==========================================
``f0``    ``(frames,)``                   F0 in Hz, 0 in unvoiced frames
``mcep``  ``(frames, n_mcep)``            mel-cepstrum of the WORLD envelope, c0 first
``cap``   ``(frames, bands)``             band aperiodicity in dB (``ap_coding: true``)
``ap``    ``(frames, fft//2+1)``          aperiodicity (``ap_coding: false``)
``spec``  ``(stft_frames, n_fft//2+1)``   log STFT magnitude (``spectrogram: true``)
``mel``   ``(stft_frames, n_mels)``       log mel magnitude (``spectrogram: true``)
========  ==============================  ==========================================
"""

from __future__ import annotations

import os

import numpy as np

from vcgan.audio import read_wav
from vcgan.features.config import FeatureConfig
from vcgan.features.mcep import code_ap, sp_to_mcep
from vcgan.features.world import min_samples, world_analyze


def extract_features(
    x: np.ndarray, config: FeatureConfig, f0_range: tuple[float, float] | None = None
) -> dict[str, np.ndarray]:
    """Feature dict of ``x`` (``(samples,)`` at ``config.sample_rate``); see the module table.

    ``f0_range`` is the speaker's ``(floor, ceil)`` in Hz; default: the config's range.
    """
    lo, hi = f0_range if f0_range is not None else (None, None)
    world = world_analyze(x, config, lo, hi)
    feats = {
        "f0": world.f0.astype(np.float32),
        "mcep": sp_to_mcep(world.sp, config.n_mcep, config.alpha).astype(np.float32),
    }
    if config.ap_coding:
        feats["cap"] = code_ap(world.ap, config.sample_rate).astype(np.float32)
    else:
        feats["ap"] = world.ap.astype(np.float32)
    if config.spectrogram:
        from vcgan.features.spectrogram import log_magnitude_spectrogram, log_mel_spectrogram
        feats["spec"] = log_magnitude_spectrogram(x, config)
        feats["mel"] = log_mel_spectrogram(x, config)
    return feats


def read_speech(path: str | os.PathLike, config: FeatureConfig) -> np.ndarray:
    """Read and validate a speech file for analysis with ``config`` (resampled if needed)."""
    x, _ = read_wav(path, config.sample_rate, min_samples=min_samples(config))
    return x


def analyze_file(
    path: str | os.PathLike, config: FeatureConfig, f0_range: tuple[float, float] | None = None
) -> dict[str, np.ndarray]:
    """Read ``path`` (validated; see :func:`vcgan.audio.read_wav`) and extract its features."""
    return extract_features(read_speech(path, config), config, f0_range)
