"""Waveform synthesis from features, by name: the vocoder stage of the conversion chain.

``world`` needs ``f0``, ``mcep`` and ``cap``/``ap``; ``griffin-lim`` a log STFT magnitude
``spec``; ``griffin-lim-mel`` a log mel spectrogram ``mel`` (extract with ``spectrogram: true``).
Neural vocoders will come as bundle components (``vcgan convert --vocoder BUNDLE``).

    >>> from vcgan.features import FeatureConfig
    >>> vocode = get_vocoder("world", FeatureConfig(sample_rate=16000))
    >>> # waveform = vocode(features)   # (samples,) at 16 kHz
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from vcgan.features.config import FeatureConfig
from vcgan.vocoders.world import world_vocode

#: A vocoder: feature dict -> ``(samples,)`` float64 waveform at the feature config's rate.
Vocoder = Callable[[dict[str, np.ndarray]], np.ndarray]


def _world(config: FeatureConfig, **_: object) -> Vocoder:
    return lambda feats: world_vocode(feats, config)


def _griffin_lim(stream: str) -> Callable[..., Vocoder]:
    def make(config: FeatureConfig, gl_iters: int = 100, **_: object) -> Vocoder:
        from vcgan.vocoders.griffin_lim import griffin_lim, griffin_lim_mel
        invert = griffin_lim if stream == "spec" else griffin_lim_mel

        def vocode(feats: dict[str, np.ndarray]) -> np.ndarray:
            if stream not in feats:
                raise KeyError(f"no '{stream}' stream for Griffin-Lim (extract with `spectrogram: true`)")
            return invert(feats[stream], config, n_iter=gl_iters)
        return vocode
    return make


#: name -> factory ``(feature config, **options) -> vocoder``.
VOCODERS: dict[str, Callable[..., Vocoder]] = {
    "world": _world,
    "griffin-lim": _griffin_lim("spec"),
    "griffin-lim-mel": _griffin_lim("mel"),
}


def get_vocoder(name: str, config: FeatureConfig, **options: object) -> Vocoder:
    """The vocoder ``name`` for features analysed with ``config``; options: ``gl_iters``
    (Griffin-Lim iterations, default 100)."""
    if name not in VOCODERS:
        raise ValueError(f"unknown vocoder {name!r}; known: {sorted(VOCODERS)}")
    return VOCODERS[name](config, **options)


__all__ = ["VOCODERS", "Vocoder", "get_vocoder", "world_vocode"]
