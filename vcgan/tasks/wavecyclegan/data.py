"""WaveCycleGAN training data, made from the recipe's own dump: vocoded ("synthetic") and
natural waveforms of *different* utterances, so the two domains share no sentence.

The utterances of each speaker, in sorted order, alternate between the two sets: even ones
are resynthesised by WORLD from their dumped features (the same analysis and vocoder that
conversion uses), odd ones are read as natural audio (the dump's ``wav.scp``). With a front
end, the front end's conversions of the source speaker's utterances join the synthetic set.
Segments are cut by :class:`vcgan.data.crops.CropSampler` (every segment of a batch in one
indexing operation, no loader).
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from vcgan.data.crops import CropSampler
from vcgan.data.dump import REQUIRED_STREAMS, FeatureDump
from vcgan.features.extract import read_speech
from vcgan.vocoders import get_vocoder

logger = logging.getLogger("vcgan.train")


class WaveformBatches:
    """``{"synthetic", "natural"}``, each ``(batch, samples)``."""

    def __init__(self, synthetic: CropSampler, natural: CropSampler, batch_size: int):
        self.synthetic, self.natural, self.batch_size = synthetic, natural, batch_size

    def next(self) -> dict[str, torch.Tensor]:
        return {name: getattr(self, name).sample(self.batch_size)[:, 0] for name in ("synthetic", "natural")}

    def state_dict(self) -> dict[str, Any]:
        return {"synthetic": self.synthetic.state_dict(), "natural": self.natural.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.synthetic.load_state_dict(state["synthetic"])
        self.natural.load_state_dict(state["natural"])


def split_utterances(dump: FeatureDump, speakers: list[str]) -> tuple[list[str], list[str]]:
    """``(to resynthesise, to read as natural)``: each speaker's sorted utterances alternately.

    Raises:
        ValueError: a speaker with fewer than 2 utterances (one set would be empty).
    """
    synthetic, natural = [], []
    for spk in speakers:
        utts = dump.utterances_of(spk)
        if len(utts) < 2:
            raise ValueError(f"{dump.root}: speaker {spk} has {len(utts)} utterance(s); the synthetic and "
                             "natural sets need at least one different utterance each")
        synthetic += utts[0::2]
        natural += utts[1::2]
    return synthetic, natural


def synthetic_waveforms(dump: FeatureDump, utts: list[str], chain=None,
                        pair: tuple[str, str] | None = None) -> list[np.ndarray]:
    """WORLD resynthesis of ``utts`` from their dumped features or, with ``chain`` (a
    :class:`vcgan.conversion.chain.ConversionChain`) and ``pair`` ``(src, tgt)``, the chain's
    conversion of them to ``tgt``, vocoded: one ``(samples,)`` float32 array each."""
    vocoder = get_vocoder("world", dump.config)
    out = []
    for utt in tqdm(utts, desc="converting" if chain else "resynthesising", unit="utt", disable=None):  # a bar on a terminal only
        feats = dump.load(utt, REQUIRED_STREAMS)
        if chain is None:
            y = vocoder(feats)
        else:
            y = chain.synthesize(chain.convert_features(feats, *pair), pair[1])
        out.append(np.asarray(y, dtype=np.float32))
    return out


def natural_waveforms(dump: FeatureDump, utts: list[str]) -> list[np.ndarray]:
    """The audio of ``utts`` as extracted (the dump's ``wav.scp``), at the dump's rate."""
    return [read_speech(dump.audio_entry(u), dump.config).astype(np.float32) for u in utts]


def unit_level_gain(waveforms: list[np.ndarray]) -> float:
    """``1 / RMS`` over every sample of ``waveforms`` (silence included)."""
    total = sum(float(np.sum(np.square(w, dtype=np.float64))) for w in waveforms)
    count = sum(len(w) for w in waveforms)
    rms = np.sqrt(total / max(count, 1))
    if not rms > 0:
        raise ValueError("the natural training audio is silent: no level to normalise to")
    return float(1.0 / rms)


def build_batches(synthetic: list[np.ndarray], natural: list[np.ndarray], segment_samples: int,
                  batch_size: int, seed: int, sample_rate: int, device: torch.device) -> WaveformBatches:
    """Segment samplers of the two sets (``(samples,)`` waveforms each)."""
    samplers = []
    for k, (name, waves) in enumerate((("synthetic", synthetic), ("natural", natural))):
        samplers.append(CropSampler([w[:, None] for w in waves], segment_samples, seed=seed + 1 + k, device=device))
        logger.info("%s: %d waveforms, %.1f s", name, len(waves), sum(len(w) for w in waves) / sample_rate)
    return WaveformBatches(samplers[0], samplers[1], batch_size)
