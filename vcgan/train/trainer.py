"""The training loop shared by every model.

A model plugs in as a *task* (see :mod:`vcgan.tasks.base`) with
``train_step(**batch, iteration=i) -> dict[str, float]``, ``state_dict()`` and
``load_state_dict()``; data comes from a *batch source* with ``next() -> dict`` and its own
``state_dict()``. The loop adds what every run needs: progress bar, TensorBoard scalars,
periodic validation (with a warning when a figure jumps above its best, and
``validation_curve.png``: every figure against iterations and training time), atomic
checkpoints (last K kept), exact resumption (task, batch source, and the global
Python/NumPy/torch RNG states), and a clear stop on a non-finite loss.

Ctrl-C and SIGTERM (what clusters send before SIGKILL) stop the run at the end of the
current iteration with a checkpoint of it, so that a resumed run is the same as one never
stopped; a second signal stops at once, without that checkpoint.
"""

from __future__ import annotations

import logging
import math
import os
import random
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
from tqdm import tqdm

from vcgan.tasks.base import BatchSource, Task
from vcgan.train import distributed
from vcgan.train.checkpoint import checkpoint_path, load_checkpoint, load_latest_checkpoint, save_checkpoint
from vcgan.train.curves import plot_validation_curve
from vcgan.train.precision import PRECISIONS
from vcgan.utils.config import ConfigError
from vcgan.utils.interrupts import DeferredInterrupts, Terminated

logger = logging.getLogger("vcgan.train")


class NonFiniteLossError(RuntimeError):
    """A loss became NaN or infinite; the message names the iteration and the last good checkpoint."""


@dataclass
class TrainerConfig:
    """The loop's settings: the ``trainer:`` section of a training YAML (intervals in iterations).

    The run's length is the model's (``model.n_iterations``), given to :class:`Trainer` apart.
    """

    checkpoint_interval: int = 10_000
    keep_checkpoints: int = 3
    log_interval: int = 100
    validation_interval: int = 10_000
    validation_utterances: int = 3
    """Dev utterances per conversion direction that validation converts and scores."""
    validation_jump_db: float = 3.0
    """Warn when a validation MCD (``mcd_*``) is more than this many dB above its best so far:
    a direction going unstable while the losses stay finite."""
    precision: str = "auto"
    """``fp32``, ``bf16`` (bfloat16 autocast) or ``auto`` (bf16 where the device has it natively;
    :mod:`vcgan.train.precision`); ``vcgan train --precision`` overrides it."""
    compile: bool = False
    """``torch.compile`` the networks (``vcgan train --compile``): minutes of compiling first."""
    snapshot_interval: int = 0
    """Every this many iterations (0: never) also write a bundle of the model as it is then,
    with its training time, to ``<out>/snapshots/iteration-<N>/`` (never pruned): ``vcgan
    progress`` converts and scores each, to show quality against training time."""

    def __post_init__(self) -> None:
        for name in ("checkpoint_interval", "keep_checkpoints", "log_interval", "validation_interval"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.precision not in PRECISIONS:
            raise ConfigError(f"precision must be one of {', '.join(PRECISIONS)}, got {self.precision!r}")
        if not self.validation_jump_db > 0:
            raise ConfigError(f"validation_jump_db must be positive, got {self.validation_jump_db}")
        if self.validation_utterances < 0:
            raise ConfigError(f"validation_utterances must be at least 0, got {self.validation_utterances}")
        if self.snapshot_interval < 0:
            raise ConfigError(f"snapshot_interval must be at least 0 (0: no snapshots), got {self.snapshot_interval}")


def validation_jumps(best: dict[str, float], logs: dict[str, float], margin_db: float) -> list[str]:
    """Messages for the validation MCDs of ``logs`` more than ``margin_db`` above their best in
    ``best``, which is then updated with any new best (lower MCD is better)."""
    out = []
    for key, value in logs.items():
        if not key.startswith("mcd_") or not math.isfinite(value):
            continue
        if key in best and value > best[key] + margin_db:
            out.append(f"validation {key} {value:.2f} dB is {value - best[key]:.2f} dB above its best "
                       f"{best[key]:.2f} dB: this direction may be going unstable")
        best[key] = min(value, best.get(key, value))
    return out


def rng_state() -> dict[str, Any]:
    state = {"python": random.getstate(), "numpy": np.random.get_state(), "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


class Trainer:
    """Runs ``task`` on batches from ``data`` for ``n_iterations`` updates.

    Args:
        task, data: See the module docstring.
        out_dir: Receives ``checkpoints/``, ``tensorboard/``.
        config: Loop settings.
        n_iterations: Length of the run (the model's schedule).
        progress: Show a progress bar.
        validate: Optional ``(task, iteration) -> dict[str, float]`` run every
            ``validation_interval`` iterations (e.g. converting dev utterances and measuring MCD).
        snapshot: Optional ``(iteration, train_seconds)`` callback run every
            ``snapshot_interval`` iterations, before that iteration's checkpoint (so a run
            resumed from a checkpoint has every snapshot before it), e.g. writing a bundle.
        group: This process's place in a data-parallel run (:mod:`vcgan.train.distributed`):
            only rank 0 validates and writes; every rank's random state goes into each
            checkpoint, and every rank stops at the same iteration when one is interrupted.
    """

    def __init__(self, task: Task, data: BatchSource, out_dir: str | os.PathLike, config: TrainerConfig,
                 n_iterations: int, validate: Callable[[Task, int], dict[str, float]] | None = None,
                 progress: bool = True, group: distributed.ProcessGroup = distributed.SINGLE,
                 snapshot: Callable[[int, float], None] | None = None):
        self.task, self.data, self.config, self.group = task, data, config, group
        self.validate = validate if group.is_main else None
        self.snapshot = snapshot if group.is_main and config.snapshot_interval > 0 else None
        self.n_iterations, self.progress = n_iterations, progress
        self.out_dir = Path(out_dir)
        self.checkpoint_dir = self.out_dir / "checkpoints"
        self.iteration = 0
        self.last_checkpoint: Path | None = None
        self._writer = None
        self.best_validation: dict[str, float] = {}
        self.validation_history: list[dict[str, float]] = []
        self.train_seconds = 0.0  # wall time of the steps so far, over resumptions

    # -- checkpoints -----------------------------------------------------------------------------
    def _rank_states(self) -> list[dict[str, Any]]:
        """Every rank's random states, in rank order (a collective: every rank calls it at once)."""
        task_rng = self.task.random_state() if hasattr(self.task, "random_state") else None
        return distributed.gather({"rng": rng_state(), "task_rng": task_rng}, self.group)

    def state_dict(self) -> dict[str, Any]:
        """The checkpoint: rank 0's task, batches and RNGs, and every rank's random states
        (``ranks``; call it on every rank at once in a data-parallel run)."""
        ranks = self._rank_states()
        return {"iteration": self.iteration, "task": self.task.state_dict(), "data": self.data.state_dict(),
                "rng": rng_state(), "ranks": ranks, "best_validation": dict(self.best_validation),
                "validation_history": list(self.validation_history), "train_seconds": self.train_seconds}

    def save(self) -> Path:
        """Write this iteration's checkpoint (rank 0; the other ranks only hand it their states)."""
        if self.group.is_main:
            save_checkpoint(self.checkpoint_dir, self.iteration, self.state_dict(), self.config.keep_checkpoints)
            logger.info("iteration %d: checkpoint %s", self.iteration, checkpoint_path(self.checkpoint_dir, self.iteration))
        else:
            self._rank_states()
        self.last_checkpoint = checkpoint_path(self.checkpoint_dir, self.iteration)
        return self.last_checkpoint

    def resume(self, path: str | os.PathLike | None = None) -> bool:
        """Load ``path`` or else the newest checkpoint of ``out_dir`` that loads (newer broken
        ones are skipped with a warning); False when there is none.

        Raises:
            CheckpointError: ``path``, or every checkpoint found, does not load.
        """
        if path:
            path = Path(path)
            state = load_checkpoint(path)
        else:
            found = load_latest_checkpoint(self.checkpoint_dir, warn=logger.warning)
            if found is None:
                return False
            path, state = found
        self.task.load_state_dict(state["task"])
        self.data.load_state_dict(state["data"])
        self.iteration = int(state["iteration"])
        self.best_validation = dict(state.get("best_validation", {}))
        self.validation_history = [e for e in state.get("validation_history", []) if e["iteration"] <= self.iteration]
        self.train_seconds = float(state.get("train_seconds", 0.0))
        ranks = state.get("ranks") or [{"rng": state["rng"], "task_rng": None}]
        if len(ranks) == self.group.world_size:
            set_rng_state(ranks[self.group.rank]["rng"])
            if ranks[self.group.rank]["task_rng"] is not None and hasattr(self.task, "set_random_state"):
                self.task.set_random_state(ranks[self.group.rank]["task_rng"])
        else:  # another process count: the batches continue exactly, the in-step randomness anew
            logger.warning("%s was written by %d process(es), this run has %d: the random streams inside "
                           "the steps restart (the batches continue as they were)", path, len(ranks),
                           self.group.world_size)
            seed_everything(distributed.rank_seed(self.iteration, self.group.rank))
        self.last_checkpoint = path
        logger.info("resumed from %s (iteration %d of %d)", path, self.iteration, self.n_iterations)
        return True

    def _save_on_interrupt(self) -> None:
        """The checkpoint of an interrupted run (unless this iteration's was just written)."""
        if self.last_checkpoint is None or self.last_checkpoint.name != checkpoint_path(".", self.iteration).name:
            self.save()
        logger.warning("interrupted after iteration %d of %d; last checkpoint: %s",
                       self.iteration, self.n_iterations, self.last_checkpoint)

    # -- logging ---------------------------------------------------------------------------------
    def _scalars(self, logs: dict[str, float], prefix: str = "") -> None:
        if not self.group.is_main:
            return
        if self._writer is None:
            from torch.utils.tensorboard import SummaryWriter
            self._writer = SummaryWriter(str(self.out_dir / "tensorboard"))
        for k, v in logs.items():
            self._writer.add_scalar(prefix + k, v, self.iteration)

    # -- the loop --------------------------------------------------------------------------------
    def run(self) -> None:
        cfg = self.config
        bar = tqdm(total=self.n_iterations, initial=self.iteration, desc="train", unit="it",
                   disable=not (self.progress and self.group.is_main), dynamic_ncols=True)

        def on_signal(signum: int) -> None:
            logger.warning("stop requested: finishing iteration %d and writing a checkpoint "
                           "(signal again to stop at once, without it)", self.iteration + 1)
        stop = DeferredInterrupts(on_signal).install()
        try:
            while self.iteration < self.n_iterations:
                started = time.perf_counter()
                logs = self.task.train_step(iteration=self.iteration, **self.data.next())
                self.train_seconds += time.perf_counter() - started
                bad = {k: v for k, v in logs.items() if not math.isfinite(v)}
                if bad:
                    raise NonFiniteLossError(
                        f"non-finite loss at iteration {self.iteration}: "
                        + ", ".join(f"{k}={v}" for k, v in bad.items())
                        + f"; last good checkpoint: {self.last_checkpoint or 'none (no checkpoint written yet)'}"
                    )
                self.iteration += 1
                bar.update(1)
                if self.iteration % cfg.log_interval == 0 or self.iteration == self.n_iterations:
                    self._scalars(logs, "train/")
                    bar.set_postfix({k.split("/")[-1][:8]: f"{v:.3g}" for k, v in logs.items() if "total" in k})
                if self.validate and (self.iteration % cfg.validation_interval == 0
                                      or self.iteration == self.n_iterations):
                    vlogs = self.validate(self.task, self.iteration)
                    self._scalars(vlogs, "valid/")
                    logger.info("iteration %d: %s", self.iteration,
                                ", ".join(f"{k} {v:.3f}" for k, v in vlogs.items()))
                    for warning in validation_jumps(self.best_validation, vlogs, cfg.validation_jump_db):
                        logger.warning("iteration %d: %s", self.iteration, warning)
                    self.validation_history.append({"iteration": self.iteration, "seconds": self.train_seconds,
                                                    **vlogs})
                    plot_validation_curve(self.out_dir / "validation_curve.png", self.validation_history)
                if self.snapshot and self.iteration % cfg.snapshot_interval == 0:
                    self.snapshot(self.iteration, self.train_seconds)
                if self.iteration % cfg.checkpoint_interval == 0 or self.iteration == self.n_iterations:
                    self.save()
                if distributed.any_rank(stop.requested, self.group):
                    self._save_on_interrupt()
                    stop.raise_if_requested()
                    raise Terminated(signal.SIGTERM)  # another rank was stopped: stop here too
            stop.raise_if_requested()  # asked during the last iteration: its checkpoint is written
        finally:
            stop.restore()
            bar.close()
            if self._writer is not None:
                self._writer.close()
