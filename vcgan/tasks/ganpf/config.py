"""Settings of the GAN post-filter, for mel-cepstra (Kaneko et al., ICASSP 2017) and for STFT
spectrograms split into bands (Kaneko, Takaki, Kameoka & Yamagishi, Interspeech 2017).

Neither paper's training settings are known (``../shared/papers/FACTS.md`` sections 3.3-3.4,
4.2); the defaults are those of the ports, each a switch:

- adversarial loss LSGAN, Adam lr 1e-4 for both networks, β1 0.9 (bajibabu port);
- no loss besides the adversarial one (``lambda_content: 0``): "implicitly optimized to match
  the true feature distribution in adversarial learning" (Interspeech 2017 abstract);
- mel-cepstra: c1 on are post-filtered and c0 (the level) is left alone (``first_row: 1``;
  whether the paper filters c0 is unverified);
- STFT: 4 equal bands of the whole axis overlapping by 16 bins, every band filtered
  (``n_bands``, ``band_overlap``, ``filtered_bands``: the paper's values are unknown);
- noise is fed at conversion too (``noise_at_inference``; whether the paper does is unverified),
  drawn from ``seed`` so a file always converts the same way: it is where the GAN's texture
  comes from. Measured on the demo (``egs/demo/gan_pf``, mel-cepstra, the same weights): on the
  converted features themselves (the papers' measure) it takes the modulation-spectrum
  distance to natural from 6.36 dB to 2.31 (6.35 without noise) and the GV ratio from -4.55 to
  -1.26 dB (-1.85); on the re-analysed audio it costs 0.05 dB of MCD and a little of the
  modulation spectrum above 25 Hz (frame-to-frame jitter: 3.02 vs 2.81 dB);
- 128-frame crops, batch 16, 10^4 updates with a linear decay over the last half.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from vcgan.utils.config import ConfigError, from_dict, to_dict

#: Streams a GAN post-filter repairs: mel-cepstra, or log STFT magnitudes.
STREAMS = ("mcep", "spec")
#: Settings that differ by stream when not given.
STREAM_DEFAULTS: dict[str, dict[str, Any]] = {
    "mcep": {"first_row": 1, "n_bands": 1, "band_overlap": 0},
    "spec": {"first_row": 0, "n_bands": 4, "band_overlap": 16},
}
#: Objectives that need nothing beyond the two losses (no gradient penalty).
OBJECTIVES = ("lsgan", "nonsaturating", "hinge")


@dataclass
class GANPFConfig:
    """The settings of one GAN post-filter (a bundle component's config).

    Attributes:
        stream: ``"mcep"`` or ``"spec"`` (:data:`STREAMS`).
        first_row, last_row: Rows ``[first_row, last_row)`` of the stream that are
            post-filtered (``last_row`` ``None``: to the end); the others pass unchanged.
        n_bands, band_overlap: Those rows split into ``n_bands`` equal bands that overlap by
            ``band_overlap`` rows (:func:`vcgan.features.bands.band_edges`), one generator and
            one discriminator per band.
        filtered_bands: Indices of the bands that get a post-filter (``None``: every band).
        generator, discriminator: Overrides of
            :class:`vcgan.models.gan_postfilter.PostFilterGeneratorConfig` /
            ``PostFilterDiscriminatorConfig`` (``channels``, ``kernel``, ``norm``, ...).
        adversarial_loss: :data:`OBJECTIVES`.
        lambda_content: Weight of ``|G(y) - y|_1``, keeping the output near the front end's.
        lr_generator, lr_discriminator, adam_betas: Adam settings.
        batch_size, crop_frames: Crops per update and their length (frames).
        n_iterations, decay_start: Updates; linear learning-rate decay to 0 from ``decay_start``.
        noise_at_inference: Feed Gaussian noise at conversion (drawn from ``seed``, so a file
            always converts the same way) rather than zeros.
        seed: Initialisation, crops, noise.
    """

    stream: str = "mcep"
    first_row: int = 1
    last_row: int | None = None
    n_bands: int = 1
    band_overlap: int = 0
    filtered_bands: list[int] | None = None
    generator: dict[str, Any] = field(default_factory=dict)
    discriminator: dict[str, Any] = field(default_factory=dict)
    adversarial_loss: str = "lsgan"
    lambda_content: float = 0.0
    lr_generator: float = 1e-4
    lr_discriminator: float = 1e-4
    adam_betas: list[float] = field(default_factory=lambda: [0.9, 0.999])
    batch_size: int = 16
    crop_frames: int = 128
    n_iterations: int = 10_000
    decay_start: int = 5_000
    noise_at_inference: bool = True
    seed: int = 0

    def __post_init__(self) -> None:
        from vcgan.train.gan import check_training_ranges
        if self.stream not in STREAMS:
            raise ConfigError(f"stream must be one of {', '.join(STREAMS)}, got {self.stream!r}")
        if self.adversarial_loss not in OBJECTIVES:
            raise ConfigError(f"adversarial_loss must be one of {', '.join(OBJECTIVES)}, got {self.adversarial_loss!r}")
        if self.first_row < 0 or (self.last_row is not None and self.last_row <= self.first_row):
            raise ConfigError(f"need 0 <= first_row < last_row, got {self.first_row} and {self.last_row}")
        if self.n_bands < 1 or self.band_overlap < 0:
            raise ConfigError(f"need n_bands >= 1 and band_overlap >= 0, got {self.n_bands} and {self.band_overlap}")
        bad = [b for b in self.filtered_bands or [] if not 0 <= b < self.n_bands]
        if bad or (self.filtered_bands is not None and not self.filtered_bands):
            raise ConfigError(f"filtered_bands must be a non-empty list of band indices 0..{self.n_bands - 1} "
                              f"(or null for all), got {self.filtered_bands}")
        check_training_ranges(self, ("lr_generator", "lr_discriminator"), ("lambda_content",))

    @property
    def bands_filtered(self) -> list[int]:
        return list(range(self.n_bands)) if self.filtered_bands is None else sorted(set(self.filtered_bands))

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None, where: str = "ganpf config", key: str = "") -> "GANPFConfig":
        """:data:`STREAM_DEFAULTS` of ``data["stream"]`` updated with ``data``, checked,
        including the network overrides.

        Raises:
            ConfigError: naming ``where``, the key and the problem.
        """
        data = dict(data or {})
        stream = data.get("stream", cls.stream)
        if stream not in STREAM_DEFAULTS:
            raise ConfigError(f"{where}: {key + '.' if key else ''}stream: must be one of {', '.join(STREAMS)}, "
                              f"got {stream!r}")
        cfg = from_dict(cls, {**STREAM_DEFAULTS[stream], **data}, where=where, key=key)
        from vcgan.models.gan_postfilter import PostFilterDiscriminatorConfig, PostFilterGeneratorConfig
        for name, config_cls in (("generator", PostFilterGeneratorConfig), ("discriminator", PostFilterDiscriminatorConfig)):
            from_dict(config_cls, getattr(cfg, name), where=where, key=f"{key}.{name}" if key else name)
        return cfg

    def to_dict(self) -> dict[str, Any]:
        return to_dict(self)
