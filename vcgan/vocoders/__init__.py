"""Waveform synthesis from features, by name: the vocoder stage of the conversion chain.

``world`` needs ``f0``, ``mcep`` and ``cap``/``ap``; ``griffin-lim`` a log STFT magnitude
``spec``; ``griffin-lim-mel`` a log mel spectrogram ``mel`` (extract with ``spectrogram: true``);
``input-phase`` a ``spec`` and the input's STFT ``phase``, which the conversion chain analyses
for it (:data:`INPUT_STREAMS`; a dump holds no phase), inverted by one inverse STFT.
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


def _input_phase(config: FeatureConfig, **_: object) -> Vocoder:
    from vcgan.vocoders.griffin_lim import istft_with_phase

    def vocode(feats: dict[str, np.ndarray]) -> np.ndarray:
        missing = [k for k in ("spec", "phase") if k not in feats]
        if missing:
            raise KeyError(f"no {' or '.join(repr(k) for k in missing)} stream for the input-phase vocoder "
                           "(it needs `spectrogram: true` and the input's phase: vcgan convert analyses it, "
                           "a dump holds none)")
        return istft_with_phase(feats["spec"], feats["phase"], config)
    return vocode


#: Streams a vocoder needs from the analysis of the input, beyond what converters convert.
INPUT_STREAMS: dict[str, tuple[str, ...]] = {"input-phase": ("phase",)}

#: name -> factory ``(feature config, **options) -> vocoder``.
VOCODERS: dict[str, Callable[..., Vocoder]] = {
    "world": _world,
    "griffin-lim": _griffin_lim("spec"),
    "griffin-lim-mel": _griffin_lim("mel"),
    "input-phase": _input_phase,
}


def get_vocoder(name: str, config: FeatureConfig, **options: object) -> Vocoder:
    """The vocoder ``name`` for features analysed with ``config``; options: ``gl_iters``
    (Griffin-Lim iterations, default 100)."""
    if name not in VOCODERS:
        raise ValueError(f"unknown vocoder {name!r}; known: {sorted(VOCODERS)}")
    return VOCODERS[name](config, **options)


__all__ = ["INPUT_STREAMS", "VOCODERS", "Vocoder", "get_vocoder", "world_vocode"]
