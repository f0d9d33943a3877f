"""Conversion with a trained CycleGAN: the generator of the requested direction between the
per-speaker normalisations (:func:`vcgan.conversion.streams.convert_streams`)."""

from __future__ import annotations

import numpy as np
import torch

from vcgan.conversion.streams import check_speakers, convert_streams, converted_dim
from vcgan.features.stats import SpeakerStats
from vcgan.models import build_generator, run_generator
from vcgan.tasks.cyclegan.config import CycleGANConfig


class CycleGANConverter:
    """Converts between the two speakers ``(a, b)`` of a CycleGAN bundle, either way.

    Args:
        cfg: The model's config (architecture overrides).
        feature_dim: Mel-cepstral coefficients per frame (the bundle's feature config).
        speakers: ``[a, b]``: ``weights["a2b"]`` converts a to b, ``weights["b2a"]`` back.
        stats: Statistics of both.
        weights: ``{"a2b": state dict, "b2a": state dict}``.
        frame_power: ``(frames, dim)`` mel-cepstra -> ``(frames,)`` envelope power; needed for
            ``cfg.energy == "source"`` (:func:`vcgan.features.mcep.envelope_power_of`).
        device: Where the generators run.
    """

    def __init__(self, cfg: CycleGANConfig, feature_dim: int, speakers: list[str],
                 stats: dict[str, SpeakerStats], weights: dict, device: torch.device, frame_power=None):
        a, b = speakers
        self.speakers, self.stats, self.device, self.energy = [a, b], stats, device, cfg.energy
        self.window = cfg.inference_window
        self.frame_power = frame_power
        self.directions = {(a, b): "a2b", (b, a): "b2a"}
        self.generators = {}
        for direction, state in weights.items():
            gen = build_generator(cfg.model, mcep_dim=converted_dim(feature_dim, cfg.energy), **cfg.generator)
            gen.load_state_dict(state)
            self.generators[direction] = gen.to(device).eval()

    def check_pair(self, src: str, tgt: str) -> None:
        check_speakers(self.speakers, src, tgt)

    def mcep_map(self, src: str, tgt: str):
        """The generator of ``src -> tgt`` on normalised ``(frames, dim)`` mel-cepstra."""
        self.check_pair(src, tgt)
        gen = self.generators[self.directions[(src, tgt)]]

        def run(z: np.ndarray) -> np.ndarray:
            x = torch.from_numpy(np.ascontiguousarray(z.T)).to(self.device)  # (dim, frames)
            return run_generator(gen, x, window=self.window).cpu().numpy().T
        return run

    def convert(self, feats, src: str, tgt: str):
        return convert_streams(feats, self.stats[src], self.stats[tgt], self.mcep_map(src, tgt), self.energy,
                               self.frame_power)
