"""Training pairs of the DNN converter: DTW-aligned source/target frames of parallel
utterances, preloaded, cropped by one index operation per batch."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import torch

from vcgan.conversion.streams import converted_rows
from vcgan.data.crops import CropSampler
from vcgan.data.dump import FeatureDump, parallel_utterances
from vcgan.features.stats import SpeakerStats
from vcgan.metrics.dtw import exact_dtw
from vcgan.tasks.dnn_vc.config import DNNVCConfig

logger = logging.getLogger("vcgan.train")


def aligned_frames(x: np.ndarray, y: np.ndarray, x_key: np.ndarray | None = None,
                   y_key: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(Tx, d)`` and ``(Ty, e)`` frames paired along the DTW path of ``x_key`` and ``y_key``
    (default: ``x`` and ``y`` themselves; :func:`vcgan.metrics.dtw.exact_dtw`, Euclidean):
    ``(K, d)`` and ``(K, e)``, row ``k`` of one aligned to row ``k`` of the other."""
    path, _ = exact_dtw(x if x_key is None else x_key, y if y_key is None else y_key)
    return x[path[:, 0]], y[path[:, 1]]


def alignment_key(z: np.ndarray, stream: str) -> np.ndarray:
    """What frames are aligned on: standardised mel-cepstra without c0 (the level; as for
    MCD), or the whole standardised log spectrum."""
    return z[:, 1:] if stream == "mcep" else z


class AlignedBatches:
    """``{"source", "target"}``, each ``(batch, dim, crop_frames)``, cut at the same places of
    the aligned sequences."""

    def __init__(self, sampler: CropSampler, dim: int, batch_size: int):
        self.sampler, self.dim, self.batch_size = sampler, dim, batch_size

    def next(self) -> dict[str, torch.Tensor]:
        crop = self.sampler.sample(self.batch_size)
        return {"source": crop[:, :self.dim], "target": crop[:, self.dim:]}

    def state_dict(self) -> dict[str, Any]:
        return self.sampler.state_dict()

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.sampler.load_state_dict(state)


def network_rows(cfg: DNNVCConfig) -> slice:
    """The rows of the stream the network maps (c1 on for mel-cepstra with ``energy: source``)."""
    return converted_rows(cfg.energy) if cfg.stream == "mcep" else slice(None)


def build_batches(dump: FeatureDump, speakers: list[str], stats: dict[str, SpeakerStats],
                  cfg: DNNVCConfig, device: torch.device) -> AlignedBatches:
    """Align every parallel utterance pair of ``speakers = [src, tgt]`` in ``dump``.

    Raises:
        ValueError: the dump has no utterance of the same sentence for both speakers, or the
            stream was not extracted.
    """
    src, tgt = speakers
    pairs = parallel_utterances(dump, src, tgt)
    if not pairs:
        raise ValueError(f"{dump.root}: no parallel utterances of {src} and {tgt} (same sentence ids "
                         f"after '<speaker>_'); the DNN converter trains on parallel data")
    streams = ("f0", cfg.stream)
    feats = dump.load_all([u for pair in pairs for u in pair], streams=streams, keep=(cfg.stream,))
    rows, joined = network_rows(cfg), []
    for su, tu in pairs:
        x = stats[src].normalize(feats[su][cfg.stream], cfg.stream).astype(np.float32)
        y = stats[tgt].normalize(feats[tu][cfg.stream], cfg.stream).astype(np.float32)
        xa, ya = aligned_frames(x[:, rows], y[:, rows], alignment_key(x, cfg.stream), alignment_key(y, cfg.stream))
        joined.append(np.concatenate([xa, ya], axis=1))
    logger.info("%d parallel utterances of %s and %s aligned: %d frame pairs", len(pairs), src, tgt,
                sum(len(j) for j in joined))
    sampler = CropSampler(joined, cfg.crop_frames, seed=cfg.seed + 1, device=device)
    return AlignedBatches(sampler, joined[0].shape[1] // 2, cfg.batch_size)
