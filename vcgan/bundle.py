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
from vcgan.features.stats import SpeakerStats
from vcgan.utils.config import save_yaml
from vcgan.utils.io import make_public_dir

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
            make_public_dir(tmp)  # the mode mkdir() would give, not mkdtemp's 0700
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
        """Read a bundle written by :meth:`save`.

        Raises:
            FileNotFoundError: ``path`` has no ``model.pt``.
            ValueError: naming the file: ``model.pt`` damaged or not a vcgan model (format,
                keys), ``feature_config.yaml`` or a speaker's statistics missing or damaged.
        """
        path = Path(path)
        model_file = path / MODEL_FILE
        if not model_file.is_file():
            raise FileNotFoundError(f"{path}: not a model bundle (no {MODEL_FILE}); "
                                    "bundles are written by `vcgan train` into EXP/bundle")
        data = _load_model_file(model_file)
        if data.get("format") != FORMAT:
            raise ValueError(f"{model_file}: bundle format {data.get('format')} not supported (expected {FORMAT})")
        missing = [k for k in _MODEL_KEYS if k not in data]
        if missing:
            raise ValueError(f"{model_file}: not a complete vcgan model file (no {', '.join(missing)})")
        stats = _load_stats(path, list(data["speakers"]))
        return cls(task=data["task"], config=data["config"], speakers=list(data["speakers"]),
                   generators=data["generators"], feature_config=_load_feature_config(path),
                   stats=stats, iteration=int(data.get("iteration", 0)))


# What model.pt must hold besides "format" (and the optional "iteration").
_MODEL_KEYS = ("task", "config", "speakers", "generators")


def _load_model_file(model_file: Path) -> dict[str, Any]:
    """The dict in ``model.pt``; ValueError naming the file when it is not one."""
    def bad(reason: str) -> ValueError:
        return ValueError(f"{model_file}: not a vcgan model file or corrupt (truncated?): {reason}")

    with open(model_file, "rb") as f:
        magic = f.read(4)
    if not magic:
        raise bad("the file is empty (0 bytes)")
    if magic != b"PK\x03\x04":  # torch.save writes a zip archive
        raise bad("it is not a zip archive as torch.save writes")
    try:
        # weights_only: a bundle may come from someone else; it holds only tensors and plain data.
        data = torch.load(model_file, map_location="cpu", weights_only=True)
    except OSError:
        raise
    except Exception as e:  # torch reports damage as RuntimeError, EOFError, UnpicklingError, ...
        # Only torch's first sentence: the rest is advice on torch.load (weights_only=False,
        # which would run code from the file), not on a vcgan bundle.
        detail = str(e).strip().split(". ")[0].splitlines()[0] if str(e).strip() else "no details"
        raise bad(f"{type(e).__name__}: {detail}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{model_file}: not a vcgan model file (holds a {type(data).__name__}, not a dict)")
    return data


def _load_feature_config(path: Path) -> FeatureConfig:
    cfg_file = path / "feature_config.yaml"
    if not cfg_file.is_file():
        raise FileNotFoundError(f"{path}: incomplete model bundle (no feature_config.yaml); copy the whole "
                                "bundle directory, or write it again with `vcgan train --export-bundle`")
    if not cfg_file.read_bytes().strip():
        # An empty file would silently mean every default setting, not the training data's.
        raise ValueError(f"{cfg_file}: empty; the bundle's analysis settings are lost (write the bundle again "
                         "with `vcgan train --export-bundle`)")
    try:
        return FeatureConfig.from_yaml(cfg_file)
    except UnicodeDecodeError as e:
        raise ValueError(f"{cfg_file}: not a text (YAML) file or corrupt ({e.reason} at byte {e.start})") from None


def _load_stats(path: Path, speakers: list[str]) -> dict[str, SpeakerStats]:
    """The statistics of the bundle's ``speakers`` from ``path/stats/<spk>.npz``."""
    missing = [s for s in speakers if not (path / "stats" / f"{s}.npz").is_file()]
    if missing:
        raise FileNotFoundError(f"{path}/stats: incomplete model bundle (no statistics for speaker(s) "
                                f"{', '.join(missing)}); copy the whole bundle directory")
    stats = {s: SpeakerStats.load(path / "stats" / f"{s}.npz") for s in speakers}
    wrong = [s for s, st in stats.items() if st.speaker != s]
    if wrong:
        raise ValueError(f"{path}/stats: file(s) of another speaker: "
                         + ", ".join(f"{s}.npz holds {stats[s].speaker}" for s in wrong))
    return stats
