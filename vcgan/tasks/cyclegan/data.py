"""CycleGAN training batches: random crops of speakers A and B, preloaded and normalised."""

from __future__ import annotations

import logging
from typing import Any

import torch

from vcgan.conversion.streams import converted_rows
from vcgan.data.crops import CropSampler, check_crop_length, speech_span
from vcgan.data.dump import FeatureDump
from vcgan.features.stats import SpeakerStats
from vcgan.metrics.mcd import mcep_power_db
from vcgan.tasks.cyclegan.config import CycleGANConfig

logger = logging.getLogger("vcgan.train")


class PairBatches:
    """Batch source of random crops of speakers A and B: ``{"batch_a", "batch_b"}``,
    each ``(batch, mcep_dim, crop_frames)``."""

    def __init__(self, a: CropSampler, b: CropSampler, batch_size: int):
        self.a, self.b, self.batch_size = a, b, batch_size

    def next(self) -> dict[str, torch.Tensor]:
        return {"batch_a": self.a.sample(self.batch_size), "batch_b": self.b.sample(self.batch_size)}

    def state_dict(self) -> dict[str, Any]:
        return {"a": self.a.state_dict(), "b": self.b.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.a.load_state_dict(state["a"])
        self.b.load_state_dict(state["b"])


def build_batches(dump: FeatureDump, speakers: list[str], stats: dict[str, SpeakerStats],
                  cfg: CycleGANConfig, device: torch.device) -> PairBatches:
    """Preload and normalise every utterance of both speakers; one crop sampler per speaker.

    Raises:
        DumpError: listing every unusable utterance (damaged file, NaN frames, ...) of both
            speakers, before any training.
        ConfigError: ``cfg.crop_frames`` longer than every utterance of a speaker.
    """
    mceps = dump.load_all([u for spk in speakers for u in dump.utterances_of(spk)], keep=("mcep",))
    if cfg.trim_silence_db is not None:
        alpha, fft_size, before = dump.config.alpha, dump.config.world_fft_size, 0
        for u in mceps:
            mc = mceps[u]["mcep"]
            before += len(mc)
            mceps[u]["mcep"] = mc[speech_span(mcep_power_db(mc, alpha, fft_size), cfg.trim_silence_db)]
        after = sum(len(m["mcep"]) for m in mceps.values())
        logger.info("leading and trailing frames below %.1f dB left out: %d of %d (%.0f %%)",
                    cfg.trim_silence_db, before - after, before, 100 * (before - after) / before)
    for spk in speakers:
        check_crop_length(str(dump.root), spk, {u: len(mceps[u]["mcep"]) for u in dump.utterances_of(spk)},
                          cfg.crop_frames, dump.config.frame_period)
    samplers, rows = [], converted_rows(cfg.energy)
    for k, spk in enumerate(speakers):
        feats = [stats[spk].normalize(mceps[u]["mcep"])[:, rows] for u in dump.utterances_of(spk)]
        samplers.append(CropSampler(feats, cfg.crop_frames, seed=cfg.seed + 1 + k, device=device))
        logger.info("speaker %s: %d utterances, %d frames preloaded", spk, len(feats), len(samplers[-1].frames))
    return PairBatches(samplers[0], samplers[1], cfg.batch_size)
