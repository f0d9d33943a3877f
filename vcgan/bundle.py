"""Model bundles: everything conversion needs, in one self-contained directory.

Layout::

    BUNDLE/model.pt             {"format": 1, "task": "cyclegan", "config": {...},
                                 "speakers": [A, B], "generators": {"a2b": state, "b2a": state},
                                 "iteration": N}
    BUNDLE/config.yaml          the same config and speakers, readable
    BUNDLE/feature_config.yaml  analysis settings of the training data (re-used at conversion)
    BUNDLE/stats/<spk>.npz      statistics of the bundle's speakers

A user who receives the directory converts with ``vcgan convert --model BUNDLE``; no recipe
directory is needed. Writing goes to a temporary directory renamed into place, so a bundle is
either complete or absent.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from vcgan.features.config import FeatureConfig
from vcgan.features.stats import SpeakerStats, load_all_stats
from vcgan.utils.config import save_yaml

FORMAT = 1
MODEL_FILE = "model.pt"


@dataclass
class Bundle:
    task: str
    config: dict[str, Any]
    speakers: list[str]
    generators: dict[str, dict[str, torch.Tensor]]
    feature_config: FeatureConfig
    stats: dict[str, SpeakerStats]
    iteration: int = 0

    def save(self, path: str | os.PathLike) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
        try:
            torch.save({"format": FORMAT, "task": self.task, "config": self.config, "speakers": self.speakers,
                        "generators": self.generators, "iteration": self.iteration}, tmp / MODEL_FILE)
            save_yaml(tmp / "config.yaml", {"task": self.task, "speakers": self.speakers,
                                            "iteration": self.iteration, "config": self.config})
            self.feature_config.save(tmp / "feature_config.yaml")
            for spk in self.speakers:
                self.stats[spk].save(tmp / "stats" / f"{spk}.npz")
            if path.exists():
                old = path.with_name(f".{path.name}.old")
                shutil.rmtree(old, ignore_errors=True)
                os.replace(path, old)
                os.replace(tmp, path)
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.replace(tmp, path)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Bundle":
        path = Path(path)
        model_file = path / MODEL_FILE
        if not model_file.is_file():
            raise FileNotFoundError(f"{path}: not a model bundle (no {MODEL_FILE}); "
                                    "bundles are written by `vcgan train` into EXP/bundle")
        # weights_only: a bundle may come from someone else; it holds only tensors and plain data.
        data = torch.load(model_file, map_location="cpu", weights_only=True)
        if data.get("format") != FORMAT:
            raise ValueError(f"{model_file}: bundle format {data.get('format')} not supported (expected {FORMAT})")
        stats = load_all_stats(path / "stats")
        missing = [s for s in data["speakers"] if s not in stats]
        if missing:
            raise ValueError(f"{path}/stats: no statistics for speaker(s) {missing}")
        return cls(task=data["task"], config=data["config"], speakers=list(data["speakers"]),
                   generators=data["generators"], feature_config=FeatureConfig.from_yaml(path / "feature_config.yaml"),
                   stats=stats, iteration=int(data.get("iteration", 0)))
