"""GAN post-filter batches: crops of the front end's output ("synthetic") and of natural
features of the target speaker, drawn independently (no alignment needed)."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import torch

from vcgan.data.crops import CropSampler, check_crop_length
from vcgan.data.dump import REQUIRED_STREAMS, FeatureDump
from vcgan.features.stats import SpeakerStats
from vcgan.tasks.ganpf.config import GANPFConfig

logger = logging.getLogger("vcgan.train")


class PostFilterBatches:
    """``{"synthetic", "natural"}``, each ``(batch, rows, crop_frames)``."""

    def __init__(self, synthetic: CropSampler, natural: CropSampler, batch_size: int):
        self.synthetic, self.natural, self.batch_size = synthetic, natural, batch_size

    def next(self) -> dict[str, torch.Tensor]:
        return {"synthetic": self.synthetic.sample(self.batch_size), "natural": self.natural.sample(self.batch_size)}

    def state_dict(self) -> dict[str, Any]:
        return {"synthetic": self.synthetic.state_dict(), "natural": self.natural.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.synthetic.load_state_dict(state["synthetic"])
        self.natural.load_state_dict(state["natural"])


def front_end_outputs(dump: FeatureDump, chain, src: str, tgt: str, stream: str) -> dict[str, np.ndarray]:
    """The front end's ``stream`` for every utterance of ``src`` in ``dump``, converted to
    ``tgt`` by ``chain`` (a :class:`vcgan.conversion.chain.ConversionChain`): utterance ->
    ``(frames, rows)``."""
    streams = tuple(dict.fromkeys(REQUIRED_STREAMS + (stream,)))
    feats = dump.load_all(dump.utterances_of(src), streams=streams)
    return {u: np.asarray(chain.convert_features(f, src, tgt)[stream], dtype=np.float32) for u, f in feats.items()}


def build_batches(dump: FeatureDump, chain, speakers: list[str], stats: dict[str, SpeakerStats],
                  cfg: GANPFConfig, rows: slice, device: torch.device) -> PostFilterBatches:
    """Synthetic crops: the front end's conversion of every ``src`` utterance; natural crops:
    every ``tgt`` utterance; both standardised with ``tgt``'s statistics, rows ``rows``."""
    src, tgt = speakers
    synthetic = front_end_outputs(dump, chain, src, tgt, cfg.stream)
    natural = {u: f[cfg.stream] for u, f in dump.load_all(dump.utterances_of(tgt), streams=("f0", cfg.stream),
                                                           keep=(cfg.stream,)).items()}
    samplers = []
    for k, (name, spk, data) in enumerate((("synthetic", src, synthetic), ("natural", tgt, natural))):
        check_crop_length(str(dump.root), spk, {u: len(x) for u, x in data.items()}, cfg.crop_frames,
                          dump.config.frame_period)
        z = [stats[tgt].normalize(x, cfg.stream)[:, rows].astype(np.float32) for x in data.values()]
        samplers.append(CropSampler(z, cfg.crop_frames, seed=cfg.seed + 1 + k, device=device))
        logger.info("%s: %d utterances (%s), %d frames", name, len(z), spk, len(samplers[-1].frames))
    return PostFilterBatches(samplers[0], samplers[1], cfg.batch_size)
