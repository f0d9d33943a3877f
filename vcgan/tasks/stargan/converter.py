"""Conversion with a trained StarGAN: its one generator, given the codes of the pair, between
the per-speaker normalisations (:func:`vcgan.conversion.streams.convert_streams`)."""

from __future__ import annotations

import numpy as np
import torch

from vcgan.conversion.streams import check_speakers, convert_streams, converted_dim
from vcgan.features.stats import SpeakerStats
from vcgan.models import build_generator, run_generator
from vcgan.tasks.stargan.config import StarGANConfig


class StarGANConverter:
    """Converts between any two of the bundle's speakers, in either direction.

    Args:
        cfg: The model's config (architecture overrides).
        feature_dim: Feature rows per frame (the bundle's feature config).
        speakers: The trained speakers; a speaker's code is its index here.
        stats: Statistics of every speaker.
        weights: ``{"generator": state dict}``.
        frame_power: ``(frames, dim)`` mel-cepstra -> ``(frames,)`` envelope power; needed for
            ``cfg.energy == "source"`` (:func:`vcgan.features.mcep.envelope_power_of`).
        device: Where the generator runs.
    """

    def __init__(self, cfg: StarGANConfig, feature_dim: int, speakers: list[str],
                 stats: dict[str, SpeakerStats], weights: dict, device: torch.device, frame_power=None):
        self.speakers, self.stats, self.device, self.energy = list(speakers), stats, device, cfg.energy
        self.frame_power = frame_power
        gen = build_generator(cfg.model, mcep_dim=converted_dim(feature_dim, cfg.energy), n_speakers=len(speakers),
                              **cfg.generator)
        gen.load_state_dict(weights["generator"])
        self.generator = gen.to(device).eval()

    def check_pair(self, src: str, tgt: str) -> None:
        check_speakers(self.speakers, src, tgt)

    def code(self, speaker: str) -> torch.Tensor:
        """``(n_speakers,)`` one-hot code of ``speaker``."""
        code = torch.zeros(len(self.speakers), device=self.device)
        code[self.speakers.index(speaker)] = 1
        return code

    def mcep_map(self, src: str, tgt: str):
        """The generator with the codes of ``src -> tgt``, on normalised ``(frames, dim)`` features."""
        self.check_pair(src, tgt)
        c_s, c_t = self.code(src), self.code(tgt)

        def run(z: np.ndarray) -> np.ndarray:
            x = torch.from_numpy(np.ascontiguousarray(z.T)).to(self.device)  # (dim, frames)
            return run_generator(self.generator, x, c_s, c_t).cpu().numpy().T
        return run

    def convert(self, feats, src: str, tgt: str):
        return convert_streams(feats, self.stats[src], self.stats[tgt], self.mcep_map(src, tgt), self.energy,
                               self.frame_power)
