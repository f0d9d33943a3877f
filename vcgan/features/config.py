"""The feature configuration: one dataclass for every analysis setting.

It is saved beside every feature dump and inside every model bundle, so that conversion
re-analyses input speech exactly as the training data was analysed.

Defaults follow CycleGAN-VC2 (Kaneko et al., ICASSP 2019, Sec. 4.1): 22.05 kHz, WORLD
analysis every 5 ms, 35 mel-cepstral coefficients (c0 included), log F0 and aperiodicity.
Recipes for other papers override them in their ``conf/feature.yaml``.

The mel-cepstral order and the all-pass constant follow the sampling rate unless set
(``mcep_dim: null``, ``mcep_alpha: null``): the order from :data:`MCEP_ORDER_BY_RATE`, the
constant from ``pysptk.util.mcepalpha``.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field

from vcgan.utils.config import ConfigError, from_dict, load_yaml, save_yaml, to_dict

F0_METHODS = ("harvest", "dio")

#: All-pass order (mel-cepstral coefficients minus c0) by sampling rate (Hz), the field's
#: conventions: 24 at 16 kHz and 34 at 22.05 kHz are sprocket's defaults
#: (``speaker_default_16000.yml``/``_22050.yml``, Kobayashi & Toda, Odyssey 2018) and the
#: recipes'; 8, 24, 32, 44.1 and 48 kHz follow ESPnet's MCD script
#: (``egs2/TEMPLATE/asr1/pyscripts/utils/evaluate_mcd.py``, ``_get_best_mcep_params``:
#: 13, 34, 36, 39, 39), which agrees with sprocket at 22.05 kHz. A rate between two entries
#: takes the entry of the highest rate at or below it (below 8 kHz: the 8 kHz entry), so a
#: wider band never gets fewer coefficients.
MCEP_ORDER_BY_RATE: dict[int, int] = {8000: 13, 16000: 24, 22050: 34, 24000: 34, 32000: 36, 44100: 39, 48000: 39}


def default_mcep_dim(sample_rate: int) -> int:
    """Mel-cepstral coefficients including c0 for ``sample_rate`` (Hz): the order of
    :data:`MCEP_ORDER_BY_RATE` plus one (25 at 16 kHz, 35 at 22.05 kHz, 40 at 44.1/48 kHz)."""
    below = [rate for rate in MCEP_ORDER_BY_RATE if rate <= sample_rate]
    return MCEP_ORDER_BY_RATE[max(below) if below else min(MCEP_ORDER_BY_RATE)] + 1


@dataclass
class FeatureConfig:
    """Analysis settings. Units: Hz for rates and frequencies, ms for the frame period,
    samples for FFT, hop and window lengths."""

    sample_rate: int = 22050
    """Sampling rate (Hz). Input at another rate is resampled to it (with a warning)."""
    frame_period: float = 5.0
    """WORLD frame shift (ms)."""
    fft_size: int | None = None
    """FFT size of CheapTrick/D4C (samples); ``None``: pyworld's size for ``sample_rate`` and ``f0_floor``."""
    f0_method: str = "harvest"
    """F0 estimator: ``harvest`` (robust, slower) or ``dio`` (+ StoneMask refinement; fast)."""
    f0_floor: float = 71.0
    """Lowest F0 searched (Hz) when no per-speaker range applies."""
    f0_ceil: float = 800.0
    """Highest F0 searched (Hz) when no per-speaker range applies."""
    f0_range_auto: bool = True
    """Estimate each speaker's F0 range from its data before extraction (see :mod:`vcgan.features.f0`)."""
    speaker_f0_range: dict[str, list[float]] = field(default_factory=dict)
    """Per-speaker ``[floor, ceil]`` (Hz) overriding the automatic estimate."""
    mcep_dim: int | None = None
    """Number of mel-cepstral coefficients, c0 included (so the all-pass order is ``mcep_dim - 1``);
    ``None``: derived from ``sample_rate`` (:func:`default_mcep_dim`, 25 at 16 kHz, 35 at 22.05 kHz).
    Read the number in force from :attr:`n_mcep`."""
    mcep_alpha: float | None = None
    """All-pass constant; ``None``: derived from ``sample_rate`` (``pysptk.util.mcepalpha``, 0.41 at 16 kHz)."""
    ap_coding: bool = True
    """Store band aperiodicity (``pyworld.code_aperiodicity``) instead of the full-resolution one."""
    spectrogram: bool = False
    """Also store STFT log-magnitude (``spec``) and log-mel (``mel``) spectrograms."""
    n_fft: int = 1024
    """STFT size (samples) of the spectrograms."""
    hop_length: int | None = None
    """STFT hop (samples); ``None``: the WORLD frame period in samples."""
    win_length: int | None = None
    """Hann window length (samples); ``None``: ``n_fft``."""
    n_mels: int = 80
    fmin: float = 0.0
    """Lowest mel band edge (Hz)."""
    fmax: float | None = None
    """Highest mel band edge (Hz); ``None``: ``sample_rate / 2``."""

    def __post_init__(self) -> None:
        if self.f0_method not in F0_METHODS:
            raise ConfigError(f"f0_method must be one of {F0_METHODS}, got {self.f0_method!r}")
        for name in ("sample_rate", "frame_period", "n_fft", "n_mels", "fft_size", "hop_length", "win_length"):
            value = getattr(self, name)
            if value is not None and not value > 0:
                raise ConfigError(f"{name} must be positive, got {value}")
        if self.mcep_alpha is not None and not -1 < self.mcep_alpha < 1:
            raise ConfigError(f"mcep_alpha must be in (-1, 1), got {self.mcep_alpha}")
        if not 0 < self.f0_floor < self.f0_ceil < self.sample_rate / 2:
            raise ConfigError(
                f"need 0 < f0_floor < f0_ceil < sample_rate/2, got {self.f0_floor}, {self.f0_ceil}, {self.sample_rate}"
            )
        if self.mcep_dim is not None and self.mcep_dim < 2:
            raise ConfigError(f"mcep_dim must be at least 2, got {self.mcep_dim}")
        for spk, rng in self.speaker_f0_range.items():
            if len(rng) != 2 or not 0 < rng[0] < rng[1]:
                raise ConfigError(f"speaker_f0_range[{spk!r}] must be [floor, ceil] in Hz, got {rng}")

    # Derived settings: computed, never stored, so a saved config cannot disagree with itself.
    @property
    def n_mcep(self) -> int:
        """Mel-cepstral coefficients in force, c0 included: ``mcep_dim``, or the rate's default."""
        if self.mcep_dim is not None:
            return int(self.mcep_dim)
        return default_mcep_dim(self.sample_rate)

    def stream_dim(self, stream: str) -> int:
        """Values per frame of feature stream ``stream``: ``n_mcep`` for ``mcep``,
        ``n_fft // 2 + 1`` STFT bins for ``spec``, ``n_mels`` for ``mel``."""
        dims = {"mcep": self.n_mcep, "spec": self.n_fft // 2 + 1, "mel": self.n_mels}
        if stream not in dims:
            raise ValueError(f"no fixed width for stream {stream!r}; known: {', '.join(dims)}")
        return dims[stream]

    @property
    def alpha(self) -> float:
        if self.mcep_alpha is not None:
            return float(self.mcep_alpha)
        import pysptk
        return float(pysptk.util.mcepalpha(self.sample_rate))

    @property
    def world_fft_size(self) -> int:
        if self.fft_size is not None:
            return int(self.fft_size)
        import pyworld
        return int(pyworld.get_cheaptrick_fft_size(self.sample_rate, self.f0_floor))

    @property
    def hop_samples(self) -> int:
        return int(self.hop_length) if self.hop_length else int(round(self.sample_rate * self.frame_period / 1000))

    @property
    def win_samples(self) -> int:
        return int(self.win_length) if self.win_length else int(self.n_fft)

    def f0_range_for(self, speaker: str | None) -> tuple[float, float]:
        """``(floor, ceil)`` in Hz for ``speaker``: its override if given, else the global range."""
        if speaker is not None and speaker in self.speaker_f0_range:
            lo, hi = self.speaker_f0_range[speaker]
            return float(lo), float(hi)
        return float(self.f0_floor), float(self.f0_ceil)

    def replace(self, **changes) -> "FeatureConfig":
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_dict(cls, data: dict | None) -> "FeatureConfig":
        return from_dict(cls, data, where="feature config")

    @classmethod
    def from_yaml(cls, path: str | os.PathLike) -> "FeatureConfig":
        return from_dict(cls, load_yaml(path), where=str(path))

    def to_dict(self) -> dict:
        return to_dict(self)

    def save(self, path: str | os.PathLike) -> None:
        save_yaml(path, self.to_dict())
