"""Settings of the frame-wise DNN converter (the GAN post-filter's over-smoothed front end).

No paper fixes them for this role: Kaneko et al. (ICASSP 2017) post-filter the output of
statistical synthesis in general. The defaults are a small, conventional parallel DNN
(Desai et al., 2010: a few fully connected layers on aligned frames, squared error), trained
with Adam at 1e-3 on crops of DTW-aligned utterances.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from vcgan.conversion.streams import check_energy
from vcgan.utils.config import ConfigError, from_dict, to_dict

#: The feature streams a DNN converter maps: mel-cepstra, or log STFT magnitudes
#: (``spectrogram: true`` in the feature config) for the STFT post-filter.
STREAMS = ("mcep", "spec")


@dataclass
class DNNVCConfig:
    """The settings of one DNN converter (a bundle component's config).

    Attributes:
        stream: ``"mcep"`` or ``"spec"`` (:data:`STREAMS`): what the network converts; F0 always
            gets the log-F0 transform, and the other streams the statistical conversion
            (mean/variance) or none.
        energy: With ``stream: mcep``: ``"convert"`` (c0 mapped with the rest) or ``"source"``
            (c0 set to keep each frame's power; :mod:`vcgan.conversion.streams`).
        network: Overrides of :class:`vcgan.models.dnn_vc.FrameDNNConfig` (``hidden``,
            ``n_layers``, ``context``, ``residual``); ``dim`` comes from the features.
        lr: Adam learning rate.
        adam_betas: Adam (β1, β2).
        batch_size, crop_frames: Crops of aligned frames per update, and their length (frames).
        n_iterations: Updates.
        decay_start: Iteration from which the learning rate decays linearly to 0.
        seed: Initialisation and crop sampling.
    """

    stream: str = "mcep"
    energy: str = "convert"
    network: dict[str, Any] = field(default_factory=dict)
    lr: float = 1e-3
    adam_betas: list[float] = field(default_factory=lambda: [0.9, 0.999])
    batch_size: int = 16
    crop_frames: int = 64
    n_iterations: int = 5000
    decay_start: int = 2500
    seed: int = 0

    def __post_init__(self) -> None:
        from vcgan.train.gan import check_training_ranges
        if self.stream not in STREAMS:
            raise ConfigError(f"stream must be one of {', '.join(STREAMS)}, got {self.stream!r}")
        check_energy(self.energy)
        if "dim" in self.network:
            raise ConfigError("network.dim: not a setting; the feature config of the dump gives it")
        check_training_ranges(self, ("lr",), ())

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None, where: str = "dnn_vc config", key: str = "") -> "DNNVCConfig":
        cfg = from_dict(cls, dict(data or {}), where=where, key=key)
        from vcgan.models.dnn_vc import FrameDNNConfig
        try:
            FrameDNNConfig(**{"dim": 1, **cfg.network})
        except (TypeError, ValueError) as e:
            raise ConfigError(f"{where}: {key + '.' if key else ''}network: {e}") from None
        return cfg

    def to_dict(self) -> dict[str, Any]:
        return to_dict(self)
