"""StarGAN training batches: crops of random source speakers and of random other target
speakers, from every speaker's preloaded, normalised features."""

from __future__ import annotations

import logging
from typing import Any

import torch

from vcgan.conversion.streams import converted_rows
from vcgan.data.crops import CropSampler, check_crop_length
from vcgan.data.dump import FeatureDump
from vcgan.features.stats import SpeakerStats
from vcgan.tasks.stargan.config import StarGANConfig

logger = logging.getLogger("vcgan.train")


class SpeakerPairBatches:
    """Batch source ``{"x", "src", "y", "tgt"}``: for each of ``batch_size`` items a source
    speaker drawn uniformly, a target drawn uniformly from the others, a crop ``x`` of the
    source and a crop ``y`` of the target (``(batch, dim, crop_frames)`` each; speakers as
    ``(batch,)`` indices into the sampler list). Resumable: every generator's state is saved."""

    def __init__(self, samplers: list[CropSampler], batch_size: int, seed: int):
        if len(samplers) < 2:
            raise ValueError("a many-to-many model needs at least two speakers")
        self.samplers, self.batch_size = samplers, batch_size
        self.generator = torch.Generator(device="cpu")
        self.generator.manual_seed(seed)

    def next(self) -> dict[str, torch.Tensor]:
        n, b = len(self.samplers), self.batch_size
        src = torch.randint(n, (b,), generator=self.generator)
        # Uniform over the n - 1 other speakers.
        tgt = (src + torch.randint(1, n, (b,), generator=self.generator)) % n
        return {"x": self._crops(src), "src": src, "y": self._crops(tgt), "tgt": tgt}

    def _crops(self, speakers: torch.Tensor) -> torch.Tensor:
        # One gather per speaker present, then back into batch order.
        out = None
        for k in torch.unique(speakers).tolist():
            where = (speakers == k).nonzero().squeeze(1)
            crops = self.samplers[k].sample(len(where))
            if out is None:
                out = crops.new_empty((len(speakers),) + crops.shape[1:])
            out[where.to(out.device)] = crops
        return out

    def state_dict(self) -> dict[str, Any]:
        return {"generator": self.generator.get_state(), "samplers": [s.state_dict() for s in self.samplers]}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.generator.set_state(state["generator"])
        for sampler, s in zip(self.samplers, state["samplers"], strict=True):
            sampler.load_state_dict(s)


def build_batches(dump: FeatureDump, speakers: list[str], stats: dict[str, SpeakerStats],
                  cfg: StarGANConfig, device: torch.device) -> SpeakerPairBatches:
    """Preload and normalise every utterance of ``speakers``; one crop sampler each.

    Raises:
        DumpError: listing every unusable utterance, before any training.
        ConfigError: ``cfg.crop_frames`` longer than every utterance of a speaker.
    """
    feats = dump.load_all([u for spk in speakers for u in dump.utterances_of(spk)], keep=("mcep",))
    samplers, rows = [], converted_rows(cfg.energy)
    for k, spk in enumerate(speakers):
        utts = dump.utterances_of(spk)
        check_crop_length(str(dump.root), spk, {u: len(feats[u]["mcep"]) for u in utts}, cfg.crop_frames,
                          dump.config.frame_period)
        samplers.append(CropSampler([stats[spk].normalize(feats[u]["mcep"])[:, rows] for u in utts], cfg.crop_frames,
                                    seed=cfg.seed + 1 + k, device=device))
        logger.info("speaker %s: %d utterances, %d frames preloaded", spk, len(utts), len(samplers[-1].frames))
    return SpeakerPairBatches(samplers, cfg.batch_size, seed=cfg.seed)
