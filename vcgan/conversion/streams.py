"""The per-stream conversion every statistics-based converter shares.

Following CycleGAN-VC (arXiv 1711.11293, Sec. 4.1) and CycleGAN-VC2:

* mel-cepstrum: standardised with the *source* speaker's statistics, mapped (by a network, or
  not at all), de-standardised with the *target* speaker's statistics;
* F0: Gaussian normalised log-F0 transform (:func:`vcgan.features.f0.convert_log_f0`);
* aperiodicity and any other stream: passed through unchanged.

With the identity as map this is the statistical baseline (per-speaker mean/variance
conversion of mel-cepstra plus the log-F0 transform).
"""

from __future__ import annotations

from typing import Callable, Iterable, Mapping

import numpy as np

from vcgan.features.f0 import convert_log_f0
from vcgan.features.stats import SpeakerStats

#: A function from normalised ``(frames, dim)`` mel-cepstra to converted normalised ones.
McepMap = Callable[[np.ndarray], np.ndarray]


def convert_streams(feats: Mapping[str, np.ndarray], src: SpeakerStats, tgt: SpeakerStats,
                    mcep_map: McepMap | None = None) -> dict[str, np.ndarray]:
    """Convert a feature dict (``f0``, ``mcep``, ``cap``/``ap``) from ``src`` to ``tgt``.

    ``mcep_map`` converts standardised ``(frames, dim)`` mel-cepstra; ``None`` is the identity,
    i.e. the statistical baseline.
    """
    z = src.normalize(np.asarray(feats["mcep"], dtype=np.float32))
    if mcep_map is not None:
        z = mcep_map(z)
    out = dict(feats)
    out["mcep"] = tgt.denormalize(z).astype(np.float32)
    out["f0"] = convert_log_f0(feats["f0"], src.logf0_mean, src.logf0_std,
                               tgt.logf0_mean, tgt.logf0_std).astype(np.float32)
    return out


def check_speakers(known: Iterable[str], src: str, tgt: str) -> None:
    """``ValueError`` naming the known speakers unless ``src`` and ``tgt`` are two of them."""
    known = list(known)
    unknown = [s for s in (src, tgt) if s not in known]
    if unknown:
        raise ValueError(f"unknown speaker(s) {unknown}; this model knows: {', '.join(known)}")
    if src == tgt:
        raise ValueError(f"source and target speaker are both {src!r}")
