"""The per-stream conversion every statistics-based converter shares.

Following CycleGAN-VC (arXiv 1711.11293, Sec. 4.1) and CycleGAN-VC2:

* mel-cepstrum: standardised with the *source* speaker's statistics, mapped (by a network, or
  not at all), de-standardised with the *target* speaker's statistics;
* F0: Gaussian normalised log-F0 transform (:func:`vcgan.features.f0.convert_log_f0`);
* aperiodicity and any other stream: passed through unchanged.

With the identity as map this is the statistical baseline (per-speaker mean/variance
conversion of mel-cepstra plus the log-F0 transform).

The 0th coefficient c0 carries the frame's level. The papers convert it with the rest
(``energy: convert``). With ``energy: source`` the network converts c1 on only and each frame's
c0 is set so that its envelope has the power of the source frame: the converted speech keeps the
input's level, frame by frame, whatever the network does. (sprocket keeps the source's c0
itself; with frequency-warped cepstra c0 is the mean *log* envelope, and a changed spectral tilt
then moves the power: halving c1 on of a real recording with c0 kept made it 13 dB quieter.)
"""

from __future__ import annotations

from typing import Callable, Iterable, Mapping

import numpy as np

from vcgan.features.f0 import convert_log_f0
from vcgan.features.stats import SpeakerStats

__all__ = ["ENERGY_MODES", "McepMap", "check_energy", "check_speakers", "convert_mcep", "convert_streams", "converted_dim",
           "converted_rows", "match_frame_power"]

#: A function from normalised ``(frames, dim)`` mel-cepstra to converted normalised ones.
McepMap = Callable[[np.ndarray], np.ndarray]

#: How c0 (log energy) is converted: with the rest by the network (the papers'), or kept.
ENERGY_MODES = ("convert", "source")


def check_energy(energy: str) -> None:
    """``ConfigError`` unless ``energy`` is one of :data:`ENERGY_MODES`."""
    from vcgan.utils.config import ConfigError
    if energy not in ENERGY_MODES:
        raise ConfigError(f"energy must be one of {', '.join(ENERGY_MODES)}, got {energy!r}")


def converted_rows(energy: str) -> slice:
    """The mel-cepstral rows a network converts: all of them for ``"convert"``, c1 on for
    ``"source"`` (c0 is the source's)."""
    check_energy(energy)
    return slice(1, None) if energy == "source" else slice(None)


def converted_dim(n_mcep: int, energy: str) -> int:
    """How many of ``n_mcep`` rows a network converts (its input and output rows)."""
    return len(range(n_mcep)[converted_rows(energy)])


def convert_streams(feats: Mapping[str, np.ndarray], src: SpeakerStats, tgt: SpeakerStats,
                    mcep_map: McepMap | None = None, energy: str = "convert",
                    frame_power: Callable[[np.ndarray], np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """Convert a feature dict (``f0``, ``mcep``, ``cap``/``ap``) from ``src`` to ``tgt``.

    ``mcep_map`` converts standardised ``(frames, rows)`` mel-cepstra, the rows of
    :func:`converted_rows` of ``energy``; ``None`` is the identity, i.e. the statistical
    baseline. With ``energy="source"``, ``frame_power`` (``(frames, dim)`` mel-cepstra ->
    ``(frames,)`` envelope power, :func:`vcgan.features.mcep.frame_power` at the features'
    warping and FFT size) sets each output frame's c0 to the input frame's power.
    """
    out = dict(feats)
    out["mcep"] = convert_mcep(feats["mcep"], src, tgt, mcep_map, energy, frame_power)
    out["f0"] = convert_log_f0(feats["f0"], src.logf0_mean, src.logf0_std,
                               tgt.logf0_mean, tgt.logf0_std).astype(np.float32)
    return out


def convert_mcep(mcep: np.ndarray, src: SpeakerStats, tgt: SpeakerStats, mcep_map: McepMap | None = None,
                 energy: str = "convert",
                 frame_power: Callable[[np.ndarray], np.ndarray] | None = None) -> np.ndarray:
    """The mel-cepstral part of :func:`convert_streams`: ``(frames, dim)`` mel-cepstra of
    ``src`` standardised, ``mcep_map`` applied to the rows of :func:`converted_rows`, restored
    with ``tgt``'s statistics, and with ``energy="source"`` each frame's c0 solved for the input
    frame's power (:func:`match_frame_power`)."""
    mcep = np.asarray(mcep, dtype=np.float32)
    z = src.normalize(mcep)
    rows = converted_rows(energy)
    if mcep_map is not None:
        z[:, rows] = mcep_map(np.ascontiguousarray(z[:, rows]))
    out = tgt.denormalize(z).astype(np.float32)
    if energy == "source":
        if frame_power is None:
            raise ValueError("energy 'source' needs frame_power, the envelope power of mel-cepstral frames")
        out = match_frame_power(out, mcep, frame_power)
    return out


def match_frame_power(mcep: np.ndarray, reference: np.ndarray,
                      frame_power: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """``mcep`` ``(frames, dim)`` with each frame's c0 shifted so that its envelope power is
    that of the same frame of ``reference``. c0 adds to the log amplitude, so a shift of
    ``0.5 ln(P_ref / P)`` scales the power by ``P_ref / P`` exactly."""
    out = np.array(mcep, dtype=np.float32)
    ratio = frame_power(reference) / frame_power(out)
    out[:, 0] += (0.5 * np.log(ratio)).astype(np.float32)
    return out


def check_speakers(known: Iterable[str], src: str, tgt: str) -> None:
    """``ValueError`` naming the known speakers unless ``src`` and ``tgt`` are two of them."""
    known = list(known)
    unknown = [s for s in (src, tgt) if s not in known]
    if unknown:
        raise ValueError(f"unknown speaker(s) {unknown}; this model knows: {', '.join(known)}")
    if src == tgt:
        raise ValueError(f"source and target speaker are both {src!r}")
