"""A trained WaveCycleGAN at conversion time: after the vocoder of any chain, or alone
(``vcgan postfilter``)."""

from __future__ import annotations

import numpy as np
import torch

from vcgan.models import build_generator
from vcgan.models.wavecyclegan import postfilter_waveform
from vcgan.tasks.wavecyclegan.config import WaveCycleGANConfig


class WavePostFilter:
    """Synthetic -> natural-sounding ``(samples,)`` waveforms at ``sample_rate``, any length,
    in chunks of ``cfg.chunk_ms`` (exact: see :func:`postfilter_waveform`), at the training
    data's level (``cfg.waveform_gain``).

    Args:
        cfg: The settings; ``weights``: the synthetic-to-natural generator's state dict.
        sample_rate: Hz, the rate it was trained at (inputs must be at it).
    """

    domain = "waveform"

    def __init__(self, cfg: WaveCycleGANConfig, weights: dict, sample_rate: int, device: torch.device):
        self.cfg, self.sample_rate, self.device = cfg, int(sample_rate), torch.device(device)
        self.generator = build_generator("wavecyclegan", **cfg.generator)
        self.generator.load_state_dict(weights)
        self.generator.to(self.device).eval()

    def __call__(self, y: np.ndarray, tgt: str | None = None) -> np.ndarray:
        """``y``: ``(samples,)`` at :attr:`sample_rate`; ``tgt`` is not used (the filter does not
        depend on the speaker). Returns ``(samples,)`` float32, the same length."""
        y = np.asarray(y, dtype=np.float32)
        if y.ndim != 1:
            raise ValueError(f"a waveform post-filter takes (samples,), got shape {y.shape}")
        gain = self.cfg.waveform_gain or 1.0
        out = postfilter_waveform(self.generator, y * gain, self.cfg.chunk_samples(self.sample_rate), self.device)
        return out / gain
