"""Checkpoints: atomic writes, discovery of the latest, pruning to the last K."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Callable

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


class CheckpointError(ValueError):
    """A checkpoint that cannot be read (empty, truncated, not a checkpoint); names the file."""


# What every checkpoint written by vcgan.train.trainer.Trainer holds.
REQUIRED_KEYS = ("iteration", "task", "data", "rng")


def load_checkpoint(path: str | os.PathLike, device: str | torch.device = "cpu") -> dict[str, Any]:
    """The state saved in checkpoint ``path``.

    Raises:
        CheckpointError: the file is unreadable or not a checkpoint (the message names it).
    """
    try:
        # weights_only=False: a checkpoint holds optimizer and RNG states next to the weights;
        # it is a file this toolkit wrote, not one from an untrusted source.
        state = torch.load(path, map_location=device, weights_only=False)
    except FileNotFoundError:
        raise
    except Exception as e:  # torch reports a bad file as RuntimeError, EOFError, UnpicklingError, ...
        raise CheckpointError(f"{path}: not a readable checkpoint ({type(e).__name__}: {e})") from e
    missing = [k for k in REQUIRED_KEYS if not isinstance(state, dict) or k not in state]
    if missing:
        raise CheckpointError(f"{path}: not a vcgan training checkpoint (no {', '.join(missing)})")
    return state


def load_latest_checkpoint(directory: str | os.PathLike, device: str | torch.device = "cpu",
                           warn: Callable[[str], None] | None = None) -> tuple[Path, dict[str, Any]] | None:
    """``(path, state)`` of the newest checkpoint in ``directory`` that loads; None if there is none.

    A newer one that does not load (a disk that filled up, a copy cut short) is skipped with a
    ``warn(message)`` naming it; it is left in place for inspection.

    Raises:
        CheckpointError: there are checkpoints but none of them loads.
    """
    found = list_checkpoints(directory)
    bad = []
    for _, path in reversed(found):
        try:
            return path, load_checkpoint(path, device)
        except CheckpointError as e:
            bad.append(str(e))
            if warn is not None:
                warn(f"{e}; trying the previous checkpoint")
    if bad:
        raise CheckpointError(f"{directory}: no checkpoint loads ({'; '.join(bad)}); "
                              "remove them to start again, or choose another --out")
    return None
