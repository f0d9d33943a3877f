"""Settings of WaveCycleGAN (Tanaka et al., SLT 2018, arXiv 1809.10288) and WaveCycleGAN2
(arXiv 1904.02892), one family: ``version: 1`` or ``version: 2``.

What is known (``../shared/papers/FACTS.md`` section 5) and what is chosen here:

- a CycleGAN between synthetic and natural waveforms, LSGAN, gated (GLU) convolutions: known;
- v1: generators with down- and up-sampling (here ``[2, 2]``, strided convolutions and pixel
  shuffling); v2: none, dilated convolutions at the sample rate: known in kind, sizes
  UNVERIFIED (:class:`vcgan.models.wavecyclegan.WaveGeneratorConfig`);
- v2 adds discriminators on acoustic features computed from the waveform: known; that they
  see log-mel spectrograms, and their layout, UNVERIFIED (``log_mel_discriminator``);
- cycle and identity losses with CycleGAN-VC's weights (λ_cyc 10, λ_id 5, the identity term
  for the first 10^4 updates), L1 on the waveform: UNVERIFIED (the paper's are not known);
- Adam 2e-4 / 1e-4 with β (0.5, 0.999), 500 ms segments, batch 16, 10^5 updates with a linear
  decay over the last half: UNVERIFIED (CycleGAN-VC's practice).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from vcgan.utils.config import ConfigError, from_dict, to_dict

#: Settings that differ by version when not given.
VERSION_DEFAULTS: dict[int, dict[str, Any]] = {
    1: {"generator": {"downsample_factors": [2, 2], "dilations": [1, 1, 1, 1, 1, 1]},
        "log_mel_discriminator": False},
    2: {"generator": {"downsample_factors": [], "dilations": [1, 2, 4, 8, 16, 32]},
        "log_mel_discriminator": True},
}
OBJECTIVES = ("lsgan", "nonsaturating", "hinge")


@dataclass
class WaveCycleGANConfig:
    """The settings of one waveform post-filter (a bundle component's config).

    Attributes:
        version: 1 (WaveCycleGAN) or 2 (WaveCycleGAN2); picks the :data:`VERSION_DEFAULTS`.
        generator: Overrides of :class:`vcgan.models.wavecyclegan.WaveGeneratorConfig`.
        discriminator: Overrides of :class:`vcgan.models.wavecyclegan.WaveDiscriminatorConfig`.
        log_mel_discriminator: Also a discriminator of log-mel spectrograms per domain (v2).
        log_mel: Overrides of :class:`vcgan.models.wavecyclegan.LogMelDiscriminatorConfig`
            (its ``sample_rate`` is always the data's).
        lambda_log_mel: Weight of the log-mel discriminators' adversarial terms.
        adversarial_loss: :data:`OBJECTIVES`.
        lambda_cycle, lambda_identity: Weights of the L1 cycle and identity losses.
        identity_iterations: The identity loss is used for the first this many updates.
        lr_generator, lr_discriminator, adam_betas: Adam settings.
        batch_size: Segments per update, of each domain.
        segment_ms: Length of a training segment (ms).
        n_iterations, decay_start: Updates; linear learning-rate decay to 0 from ``decay_start``.
        chunk_ms: At post-filtering, audio is processed this many ms at a time (with exact
            context either side: chunking changes nothing but the memory used).
        waveform_gain: Every waveform is multiplied by this before the networks (and the
            output divided by it), so the L1 losses compare waveforms at unit level whatever
            the recording level: ``null`` is 1 / RMS of the natural training audio, set at
            training and saved in the bundle.
        seed: Initialisation, segments.
    """

    version: int = 2
    generator: dict[str, Any] = field(default_factory=dict)
    discriminator: dict[str, Any] = field(default_factory=dict)
    log_mel_discriminator: bool = True
    log_mel: dict[str, Any] = field(default_factory=dict)
    lambda_log_mel: float = 1.0
    adversarial_loss: str = "lsgan"
    lambda_cycle: float = 10.0
    lambda_identity: float = 5.0
    identity_iterations: int = 10_000
    lr_generator: float = 2e-4
    lr_discriminator: float = 1e-4
    adam_betas: list[float] = field(default_factory=lambda: [0.5, 0.999])
    batch_size: int = 16
    segment_ms: float = 500.0
    n_iterations: int = 100_000
    decay_start: int = 50_000
    chunk_ms: float = 10_000.0
    waveform_gain: float | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        from vcgan.train.gan import check_training_ranges
        if self.version not in VERSION_DEFAULTS:
            raise ConfigError(f"version must be 1 or 2, got {self.version!r}")
        if self.adversarial_loss not in OBJECTIVES:
            raise ConfigError(f"adversarial_loss must be one of {', '.join(OBJECTIVES)}, got {self.adversarial_loss!r}")
        if self.waveform_gain is not None and not self.waveform_gain > 0:
            raise ConfigError(f"waveform_gain must be positive (or null), got {self.waveform_gain}")
        if not self.segment_ms > 0 or not self.chunk_ms > 0:
            raise ConfigError(f"segment_ms and chunk_ms must be positive, got {self.segment_ms} and {self.chunk_ms}")
        check_training_ranges(self, ("lr_generator", "lr_discriminator"),
                              ("lambda_cycle", "lambda_identity", "lambda_log_mel"))

    def segment_samples(self, sample_rate: int) -> int:
        """Samples of a training segment at ``sample_rate`` Hz."""
        return max(1, int(round(self.segment_ms * sample_rate / 1000)))

    def chunk_samples(self, sample_rate: int) -> int:
        return max(1, int(round(self.chunk_ms * sample_rate / 1000)))

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None, where: str = "wavecyclegan config",
                  key: str = "") -> "WaveCycleGANConfig":
        """:data:`VERSION_DEFAULTS` of ``data["version"]`` updated with ``data`` (the
        generator's overrides merged key by key), checked, including the networks' overrides.

        Raises:
            ConfigError: naming ``where``, the key and the problem.
        """
        data = dict(data or {})
        version = data.get("version", cls.version)
        if version not in VERSION_DEFAULTS:
            raise ConfigError(f"{where}: {key + '.' if key else ''}version: must be 1 or 2, got {version!r}")
        preset = VERSION_DEFAULTS[version]
        merged = {**preset, **data, "generator": {**preset["generator"], **(data.get("generator") or {})}}
        cfg = from_dict(cls, merged, where=where, key=key)
        from vcgan.models.wavecyclegan import (LogMelDiscriminatorConfig, WaveDiscriminatorConfig,
                                               WaveGeneratorConfig)
        for name, config_cls in (("generator", WaveGeneratorConfig), ("discriminator", WaveDiscriminatorConfig),
                                 ("log_mel", LogMelDiscriminatorConfig)):
            from_dict(config_cls, getattr(cfg, name), where=where, key=f"{key}.{name}" if key else name)
        return cfg

    def to_dict(self) -> dict[str, Any]:
        return to_dict(self)
