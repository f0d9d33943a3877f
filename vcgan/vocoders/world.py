"""WORLD vocoder from the stored feature streams (F0, mel-cepstrum, (coded) aperiodicity)."""

from __future__ import annotations

from typing import Mapping

import numpy as np

from vcgan.features.config import FeatureConfig
from vcgan.features.mcep import decode_ap, mcep_to_sp
from vcgan.features.world import world_synthesize


def world_vocode(feats: Mapping[str, np.ndarray], config: FeatureConfig) -> np.ndarray:
    """Waveform ``(samples,)`` at ``config.sample_rate`` from a feature dict with ``f0``,
    ``mcep`` and ``cap`` (or ``ap``), as :func:`vcgan.features.extract_features` makes it."""
    fft_size = config.world_fft_size
    sp = mcep_to_sp(feats["mcep"], config.alpha, fft_size)
    if "cap" in feats:
        ap = decode_ap(feats["cap"], config.sample_rate, fft_size)
    elif "ap" in feats:
        ap = np.asarray(feats["ap"], dtype=np.float64)
    else:
        raise KeyError("features need 'cap' or 'ap' for WORLD synthesis")
    return world_synthesize(feats["f0"], sp, ap, config)
