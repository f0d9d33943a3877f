"""Feature dumps: the on-disk output of ``vcgan extract``.

Layout of a dump directory::

    feature_config.yaml    the FeatureConfig used (per-speaker F0 ranges filled in)
    feats.scp              "<utt-id> <path>" per line, sorted; paths relative to the dump dir
    feats/<utt-id>.npz     one utterance: arrays f0, mcep, cap|ap [, spec, mel] (see
                           vcgan.features.extract), float32, one row per frame
    utt2spk, spk2utt       Kaldi tables of the utterances in feats.scp
    f0_range.yaml          per-speaker F0 search range (Hz) found by the first pass
    f0_histogram.png       per-speaker F0 histograms with those ranges
    stats/<spk>.npz        per-speaker statistics (``vcgan stats``)

One utterance loads in one line of NumPy: ``dict(np.load("dump/train/feats/UTT.npz"))``.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from vcgan.data.kaldi import read_table
from vcgan.features.config import FeatureConfig
from vcgan.utils.io import atomic_path

FEATS_DIR = "feats"
FEATS_SCP = "feats.scp"
CONFIG_FILE = "feature_config.yaml"
STATS_DIR = "stats"


def write_features(path: str | os.PathLike, feats: dict[str, np.ndarray]) -> None:
    """Save one utterance's feature dict as ``.npz``, atomically."""
    with atomic_path(path, suffix=".tmp.npz") as tmp:
        np.savez(tmp, **feats)


def read_features(path: str | os.PathLike) -> dict[str, np.ndarray]:
    with np.load(path) as z:
        return {k: z[k] for k in z.files}


class FeatureDump:
    """Read access to a dump directory written by ``vcgan extract``."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)
        scp = self.root / FEATS_SCP
        if not scp.is_file():
            raise FileNotFoundError(f"{self.root}: not a feature dump (no {FEATS_SCP}); run `vcgan extract` first")
        self.scp = read_table(scp)
        self.utt2spk = read_table(self.root / "utt2spk")
        missing = sorted(set(self.scp) - set(self.utt2spk))
        if missing:
            raise ValueError(f"{self.root}/utt2spk: no speaker for {len(missing)} utterance(s), e.g. {missing[:3]}")
        self.config = FeatureConfig.from_yaml(self.root / CONFIG_FILE)

    @property
    def utterances(self) -> list[str]:
        return sorted(self.scp)

    @property
    def speakers(self) -> list[str]:
        return sorted(set(self.utt2spk[u] for u in self.scp))

    def utterances_of(self, speaker: str) -> list[str]:
        return [u for u in self.utterances if self.utt2spk[u] == speaker]

    def path(self, utt: str) -> Path:
        p = Path(self.scp[utt])
        return p if p.is_absolute() else self.root / p

    def load(self, utt: str) -> dict[str, np.ndarray]:
        return read_features(self.path(utt))

    @property
    def stats_dir(self) -> Path:
        return self.root / STATS_DIR
