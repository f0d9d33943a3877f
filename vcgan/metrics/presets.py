"""Evaluation settings and named presets reproducing the common MCD conventions.

Published MCDs differ by several dB depending on choices toolkits make silently. Every one
of them is a field of :class:`EvalSettings`, each result file records all of them, and the
presets below fix them as a given toolkit does.

==============  ===========================  ==============================  ==========================
setting         ``vcgan`` (default)          ``sprocket``                    ``espnet``
==============  ===========================  ==============================  ==========================
mel-cepstra     WORLD CheapTrick + sp2mc     WORLD CheapTrick + sp2mc        SPTK ``mcep`` of Hamming-
                                                                             windowed frames (1024/256
                                                                             samples, int16 scale)
dim (with c0)   feature config (25 @16k,     25 @16k, 35 @22.05k             24 @16k, 35 @22.05/24k,
                35 @22.05k, 40 @44.1/48k,                                    40 @44.1/48k
                derived)
alpha           feature config (0.41 @16k,   0.42 @16k, 0.455 @22.05k        0.42, 0.45, 0.46, 0.53,
                0.455 @22.05k, derived)                                      0.55 (16/22.05/24/44.1/48k)
frame shift     feature config (5 ms)        5 ms                            256 samples
c0              excluded                     excluded                        **included**
frames          normalised power > -20 dB    normalised power > -15 dB       all
                (each side, before DTW)      (each side, before DTW)
DTW             exact                        fastdtw (radius 1)              fastdtw (radius 1)
F0              config (Harvest 71-800 Hz)   Harvest 40-700 Hz               Harvest 71-800 Hz
==============  ===========================  ==============================  ==========================

Sources: sprocket (Kobayashi & Toda, Odyssey 2018): ``speaker_default_16000.yml`` and
``_22050.yml`` (mcep dim 24/34 = order, alpha, power threshold -15, 5 ms, F0 40-700 Hz),
``extfrm`` (drop frames with normalised power at or below the threshold), ``estimate_twf``
(fastdtw) and ``melcd``, with the alignment and distortion on ``mcep[:, 1:]``.
ESPnet: ``egs2/TEMPLATE/asr1/pyscripts/utils/evaluate_mcd.py`` (Huang & Hayashi, used by
ParallelWaveGAN recipes too): ``pysptk.mcep`` per frame with order 23/34/39 and the alphas
above for each rate, ``n_fft=1024``, ``n_shift=256``, fastdtw on the full mel-cepstrum,
MCD over all coefficients including c0 and over all frames, then the mean over utterances.
ESPnet computes no F0 in that script; F0 scores under that preset use our Harvest settings.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from vcgan.features.config import FeatureConfig

MCEP_SOURCES = ("world", "sptk")
SILENCE_RULES = ("drop", "none")
DTW_METHODS = ("exact", "fastdtw")
F0_METHODS = ("harvest", "dio")


class SettingsError(ValueError):
    """Settings that cannot be used (unknown preset, rate without a preset entry, ...)."""


@dataclass(frozen=True)
class EvalSettings:
    """Everything that changes the numbers. Units: Hz, ms, samples, dB."""

    preset: str
    """Name of the preset these settings started from (overrides are listed in ``overrides``)."""
    sample_rate: int
    """Rate of the evaluated files (Hz); files at another rate are an error, never resampled."""
    mcep_source: str
    """``world`` (CheapTrick envelope -> sp2mc) or ``sptk`` (``pysptk.mcep`` of windowed frames)."""
    mcep_dim: int
    """Mel-cepstral coefficients including c0 (all-pass order + 1)."""
    alpha: float
    """All-pass constant of the mel-frequency warping."""
    include_c0: bool
    """Count c0 (frame log power) in the MCD and the alignment."""
    silence: str
    """``drop``: ignore frames at or below ``silence_threshold_db``; ``none``: all frames."""
    silence_threshold_db: float | None
    """Normalised frame power threshold (dB relative to the utterance's mean frame power)."""
    dtw: str
    """``exact`` DTW or approximate ``fastdtw`` (radius 1)."""
    frame_period: float
    """Frame shift (ms)."""
    fft_size: int
    """CheapTrick FFT size (world) or analysis window length (sptk), samples."""
    hop_length: int | None
    """Frame shift in samples (sptk only)."""
    f0_method: str
    """WORLD F0 estimator: ``harvest`` or ``dio`` (+ StoneMask)."""
    f0_floor: float
    f0_ceil: float
    overrides: tuple[str, ...] = ()
    """Fields set explicitly on top of the preset."""

    def __post_init__(self) -> None:
        if self.mcep_source not in MCEP_SOURCES:
            raise SettingsError(f"mcep_source must be one of {MCEP_SOURCES}, got {self.mcep_source!r}")
        if self.silence not in SILENCE_RULES:
            raise SettingsError(f"silence must be one of {SILENCE_RULES}, got {self.silence!r}")
        if self.silence == "drop" and self.silence_threshold_db is None:
            raise SettingsError("silence='drop' needs silence_threshold_db")
        if self.dtw not in DTW_METHODS:
            raise SettingsError(f"dtw must be one of {DTW_METHODS}, got {self.dtw!r}")
        if self.f0_method not in F0_METHODS:
            raise SettingsError(f"f0_method must be one of {F0_METHODS}, got {self.f0_method!r}")
        if self.mcep_dim < 2:
            raise SettingsError(f"mcep_dim must be at least 2 (c0 + one coefficient), got {self.mcep_dim}")
        if not -1 < self.alpha < 1:
            raise SettingsError(f"alpha must be in (-1, 1), got {self.alpha}")
        if not 0 < self.f0_floor < self.f0_ceil < self.sample_rate / 2:
            raise SettingsError(f"need 0 < f0_floor < f0_ceil < sample_rate/2, got {self.f0_floor}, {self.f0_ceil}")

    @property
    def threshold(self) -> float | None:
        """The power threshold in force (dB), ``None`` when every frame counts."""
        return self.silence_threshold_db if self.silence == "drop" else None

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["overrides"] = list(self.overrides)
        return d

    def replace(self, **changes) -> "EvalSettings":
        """Copy with ``changes`` (``None`` values are ignored), recorded in ``overrides``."""
        changes = {k: v for k, v in changes.items() if v is not None}
        unknown = set(changes) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            raise SettingsError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        if changes.get("mcep_source") == "sptk" and self.mcep_source != "sptk":
            # SPTK analysis at the preset's frame shift, one CheapTrick-sized window.
            changes.setdefault("hop_length", int(round(self.sample_rate * self.frame_period / 1000)))
        if changes.get("silence") == "drop" and self.silence_threshold_db is None:
            changes.setdefault("silence_threshold_db", -20.0)
        if "silence_threshold_db" in changes:
            changes.setdefault("silence", "drop")
        changed = tuple(sorted(set(self.overrides) | {k for k, v in changes.items() if getattr(self, k) != v}))
        out = dataclasses.replace(self, **changes, overrides=changed)
        if out.mcep_source == "sptk":
            out = dataclasses.replace(out, frame_period=1000.0 * out.hop_length / out.sample_rate)
        return out


# Per-rate (mcep_dim including c0, alpha) of the toolkits' own configs.
_SPROCKET_RATES = {16000: (25, 0.42), 22050: (35, 0.455)}
_ESPNET_RATES = {16000: (24, 0.42), 22050: (35, 0.45), 24000: (35, 0.46), 44100: (40, 0.53), 48000: (40, 0.55)}


def _vcgan(sample_rate: int, cfg: FeatureConfig | None) -> EvalSettings:
    if cfg is None:
        cfg = FeatureConfig(sample_rate=sample_rate)
    elif cfg.sample_rate != sample_rate:
        raise SettingsError(
            f"the feature config is for {cfg.sample_rate} Hz but the files are at {sample_rate} Hz; "
            "evaluate at the rate the files have (files are never resampled)"
        )
    return EvalSettings(
        preset="vcgan", sample_rate=sample_rate, mcep_source="world", mcep_dim=cfg.n_mcep, alpha=cfg.alpha,
        include_c0=False, silence="drop", silence_threshold_db=-20.0, dtw="exact",
        frame_period=cfg.frame_period, fft_size=cfg.world_fft_size, hop_length=None,
        f0_method=cfg.f0_method, f0_floor=cfg.f0_floor, f0_ceil=cfg.f0_ceil,
    )


def _rate_entry(table: dict, name: str, sample_rate: int) -> tuple[int, float]:
    if sample_rate not in table:
        raise SettingsError(
            f"preset {name!r} has no settings for {sample_rate} Hz (it has {', '.join(map(str, sorted(table)))}); "
            "give --mcep-dim and --alpha explicitly"
        )
    return table[sample_rate]


def _sprocket(sample_rate: int, cfg: FeatureConfig | None) -> EvalSettings:
    dim, alpha = _SPROCKET_RATES.get(sample_rate, (None, None))
    return EvalSettings(
        preset="sprocket", sample_rate=sample_rate, mcep_source="world", mcep_dim=dim or 2, alpha=alpha or 0.0,
        include_c0=False, silence="drop", silence_threshold_db=-15.0, dtw="fastdtw",
        frame_period=5.0, fft_size=1024, hop_length=None, f0_method="harvest", f0_floor=40.0, f0_ceil=700.0,
    )


def _espnet(sample_rate: int, cfg: FeatureConfig | None) -> EvalSettings:
    dim, alpha = _ESPNET_RATES.get(sample_rate, (None, None))
    return EvalSettings(
        preset="espnet", sample_rate=sample_rate, mcep_source="sptk", mcep_dim=dim or 2, alpha=alpha or 0.0,
        include_c0=True, silence="none", silence_threshold_db=None, dtw="fastdtw",
        frame_period=1000.0 * 256 / sample_rate, fft_size=1024, hop_length=256,
        f0_method="harvest", f0_floor=71.0, f0_ceil=800.0,
    )


PRESETS = {"vcgan": _vcgan, "sprocket": _sprocket, "espnet": _espnet}
_RATE_TABLES = {"sprocket": _SPROCKET_RATES, "espnet": _ESPNET_RATES}


def get_settings(
    preset: str = "vcgan", sample_rate: int | None = None, feature_config: FeatureConfig | None = None, **overrides
) -> EvalSettings:
    """Settings of ``preset`` for files at ``sample_rate`` (Hz), then explicit ``overrides``.

    ``feature_config`` supplies the ``vcgan`` preset's analysis settings (default: a
    :class:`~vcgan.features.config.FeatureConfig` at ``sample_rate``); its rate must be the
    files' rate. A preset without an entry for the rate needs ``mcep_dim`` and ``alpha``.
    Overrides whose value is ``None`` are ignored.
    """
    if preset not in PRESETS:
        raise SettingsError(f"unknown preset {preset!r}; choose from {', '.join(PRESETS)}")
    if sample_rate is None:
        sample_rate = feature_config.sample_rate if feature_config is not None else 16000
    overrides = {k: v for k, v in overrides.items() if v is not None}
    if preset in _RATE_TABLES and sample_rate not in _RATE_TABLES[preset]:
        if "mcep_dim" not in overrides or "alpha" not in overrides:
            _rate_entry(_RATE_TABLES[preset], preset, sample_rate)  # raises with the explanation
    base = PRESETS[preset](sample_rate, feature_config)
    return base.replace(**overrides) if overrides else base
