"""Checkpoints: atomic writes, discovery of the latest, pruning to the last K."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import torch

from vcgan.utils.io import atomic_path

_NAME = re.compile(r"^checkpoint-(\d+)\.pt$")


def checkpoint_path(directory: str | os.PathLike, iteration: int) -> Path:
    return Path(directory) / f"checkpoint-{iteration:08d}.pt"


def list_checkpoints(directory: str | os.PathLike) -> list[tuple[int, Path]]:
    """``(iteration, path)`` of the checkpoints in ``directory``, oldest first."""
    d = Path(directory)
    if not d.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in d.iterdir() if (m := _NAME.match(p.name))]
    return sorted(found)


def latest_checkpoint(directory: str | os.PathLike) -> Path | None:
    found = list_checkpoints(directory)
    return found[-1][1] if found else None


def save_checkpoint(directory: str | os.PathLike, iteration: int, state: dict[str, Any], keep: int) -> Path:
    """Write ``state`` atomically as iteration ``iteration``'s checkpoint; keep the newest ``keep``."""
    path = checkpoint_path(directory, iteration)
    with atomic_path(path) as tmp:
        torch.save(state, tmp)
    for _, old in list_checkpoints(directory)[:-keep] if keep > 0 else []:
        old.unlink(missing_ok=True)
    return path


def load_checkpoint(path: str | os.PathLike, device: str | torch.device = "cpu") -> dict[str, Any]:
    # weights_only=False: a checkpoint holds optimizer and RNG states next to the weights; it
    # is a file this toolkit wrote, not one from an untrusted source.
    return torch.load(path, map_location=device, weights_only=False)
