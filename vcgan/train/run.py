"""One training run of any family: checks, experiment directory, resume, the loop, the bundle.

    >>> from vcgan.train.config import TrainingConfig
    >>> from vcgan.train.run import train_model
    >>> cfg = TrainingConfig.from_yaml("egs/demo/cyclegan_vc2/conf/cyclegan_vc2.yaml")   # doctest: +SKIP
    >>> train_model(cfg, "dump/train", "exp/run", speakers=["kalM", "sltF"])             # doctest: +SKIP

The family (``cfg.task``) builds its task, batches and validation from a
:class:`~vcgan.tasks.base.TrainingContext`; everything else is the same for every family.

``OUT`` receives ``config.yaml`` (the resolved config, speakers and dumps: a resumed run must
match it but for the schedule's length), ``train.log``, ``checkpoints/`` (atomic, the last K
kept), ``tensorboard/``, ``validation/`` and at the end ``bundle/``.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import os
from pathlib import Path
from typing import Any

import torch

from vcgan.bundle import Bundle
from vcgan.data.dump import FeatureDump
from vcgan.features.stats import SpeakerStats, load_all_stats
from vcgan.tasks.base import TrainingContext, check_speaker_count
from vcgan.train import distributed
from vcgan.train.checkpoint import latest_checkpoint, load_checkpoint
from vcgan.train.config import TrainingConfig
from vcgan.train.precision import describe, resolve_precision
from vcgan.train.trainer import Trainer, seed_everything
from vcgan.utils.config import ConfigError, load_yaml, save_yaml
from vcgan.utils.device import resolve_device

logger = logging.getLogger("vcgan.train")


def with_overrides(cfg: TrainingConfig, n_iterations: int | None = None, seed: int | None = None,
                   **trainer: Any) -> TrainingConfig:
    """``cfg`` with another run length (the family's other schedule settings scaled in
    proportion, so the paper's shape is kept), another seed and/or other loop settings
    (``precision="bf16"``, ``compile=True``; ``None`` keeps the config's)."""
    trainer = {k: v for k, v in trainer.items() if v is not None}
    if n_iterations is None and seed is None and not trainer:
        return cfg
    model = cfg.model_config()
    changes: dict[str, Any] = {}
    if n_iterations is not None:
        keys = cfg.family.schedule_keys
        scale = n_iterations / getattr(model, keys[0])
        changes = {k: round(getattr(model, k) * scale) for k in keys[1:]}
        changes[keys[0]] = n_iterations
    if seed is not None:
        changes["seed"] = seed
    new = dataclasses.replace(cfg, model=dataclasses.replace(model, **changes).to_dict(),
                              trainer=dataclasses.replace(cfg.trainer, **trainer))
    new._where = getattr(cfg, "_where", "training config")
    return new


def speaker_stats(dump: FeatureDump, speakers: list[str]) -> dict[str, SpeakerStats]:
    """The statistics of ``speakers`` in ``dump/stats`` (``vcgan stats``)."""
    stats = load_all_stats(dump.stats_dir)
    missing = [s for s in speakers if s not in stats]
    if missing:
        raise ValueError(f"{dump.stats_dir}: no statistics for {missing} (run `vcgan stats --dump-dir "
                         f"{dump.root}`); known speakers: {sorted(stats)}")
    return {s: stats[s] for s in speakers}


def choose_speakers(family, dump: FeatureDump, speakers: list[str] | None) -> list[str]:
    """``speakers`` checked against the dump and the family, or every speaker of the dump."""
    chosen = list(speakers) if speakers else list(dump.speakers)
    unknown = [s for s in chosen if s not in dump.speakers]
    if unknown:
        raise ValueError(f"{dump.root}: speaker(s) {unknown} not in the dump; it has {dump.speakers}")
    check_speaker_count(family, chosen)
    return chosen


def same_run(saved: dict, record: dict, schedule_keys: tuple[str, ...]) -> bool:
    """Whether ``record`` (this invocation's settings) continues the run saved as ``saved``:
    equal except for the schedule's length."""
    def without_schedule(d: dict) -> dict:
        return {**d, "model": {k: v for k, v in d.get("model", {}).items() if k not in schedule_keys}}
    return without_schedule(saved) == without_schedule(record)


def train_model(cfg: TrainingConfig, train_dump: str | os.PathLike, out: str | os.PathLike, *,
                speakers: list[str] | None = None, dev_dump: str | os.PathLike | None = None,
                resume: bool = False, device: str = "auto",
                threads: int | None = None, progress: bool = True,
                export_checkpoint: str | os.PathLike | None = None,
                front_end: str | os.PathLike | None = None) -> Path:
    """Train (or resume, or only export a bundle of a checkpoint); returns the bundle's path.

    Args:
        cfg: The training config (family, model settings, loop settings).
        train_dump: Feature dump with ``stats/``.
        out: Experiment directory.
        speakers: Speakers to train on (default: every speaker of the dump); the family says
            how many it takes.
        dev_dump: Dump of parallel dev utterances for validation.
        resume: Continue from the newest checkpoint that loads.
        device: ``cpu``, ``cuda``, ``cuda:N`` or ``auto``.
        threads: torch CPU threads (default: torch's choice).
        progress: Show a progress bar.
        export_checkpoint: Only write ``out/bundle`` from this checkpoint (``"latest"``: the newest).
        front_end: For a post-filter family: the bundle whose output it learns to repair.

    Under ``torchrun`` (``WORLD_SIZE`` > 1) this is one rank of a data-parallel run
    (:mod:`vcgan.train.distributed`): the config's ``batch_size`` is the global batch, and
    only rank 0 writes into ``out``.

    Raises:
        ValueError: bad speakers, a config that differs from the run in ``out``, checkpoints
            in ``out`` without ``resume``, a batch the processes cannot share, ... (each
            naming what and where).
    """
    family, model_cfg = cfg.family, cfg.model_config()
    group = distributed.from_environment() if export_checkpoint is None else distributed.SINGLE
    if group.distributed and hasattr(model_cfg, "batch_size"):  # refused before any work
        distributed.local_batch_size(model_cfg.batch_size, group)
    if front_end is not None and family.role != "postfilter":
        raise ValueError(f"--front-end is for post-filter families; {cfg.task!r} trains a {family.role}")
    out = Path(out)
    dump = FeatureDump(train_dump)
    speakers = choose_speakers(family, dump, speakers)
    stats = speaker_stats(dump, speakers)
    torch_device = torch.device(resolve_device(device))
    out.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(out / "train.log") if group.is_main else logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logging.getLogger("vcgan").addHandler(handler)
    try:
        record = {**cfg.to_dict(), "speakers": speakers, "train_dump": str(train_dump),
                  "dev_dump": dev_dump and str(dev_dump)}
        if front_end is not None:
            record["front_end"] = str(front_end)
        if export_checkpoint is None:
            _check_resume(out, record, resume, family.schedule_keys)
            if group.is_main:
                save_yaml(out / "config.yaml", record)
        if threads:
            torch.set_num_threads(threads)
        torch_device = distributed.start(group, torch_device)
        seed_everything(distributed.rank_seed(model_cfg.seed, group.rank))
        autocast_dtype = resolve_precision(cfg.trainer.precision, torch_device)
        context = TrainingContext(dump=dump, speakers=speakers, stats=stats, device=torch_device,
                                  autocast_dtype=autocast_dtype, dev_dump=FeatureDump(dev_dump) if dev_dump else None,
                                  validation_utterances=cfg.trainer.validation_utterances, out_dir=out,
                                  front_end=Path(front_end) if front_end is not None else None)
        setup = family.setup(model_cfg, context)
        n_params = {name: sum(p.numel() for p in m.parameters()) for name, m in setup.task.modules().items()}
        logger.info("%s (%s) on %s, %s; speakers %s; parameters: %s", cfg.task, getattr(model_cfg, "model", cfg.task),
                    torch_device, describe(autocast_dtype), ", ".join(speakers),
                    ", ".join(f"{k} {v / 1e6:.2f}M" for k, v in n_params.items()))
        if export_checkpoint is not None:
            return _export(out, family.role, setup, export_checkpoint, speakers, dump, stats, torch_device)
        batches = setup.batches
        if cfg.trainer.compile:
            if not hasattr(setup.task, "compile"):
                raise ValueError(f"model family {cfg.task!r} cannot compile its networks (its task has no compile())")
            setup.task.compile()
            logger.info("networks compiled with torch.compile: the first steps are slow")
        if group.distributed:
            if not hasattr(setup.task, "distribute"):
                raise ValueError(f"model family {cfg.task!r} does not support data-parallel training "
                                 "(its task has no distribute(); see vcgan.train.gan.GANTask)")
            setup.task.distribute(functools.partial(distributed.wrap_for_data_parallel, device=torch_device),
                                  distributed.rank_seed(model_cfg.seed, group.rank))
            batches = distributed.ShardedBatches(batches, group)

        def snapshot(iteration: int, train_seconds: float) -> None:
            path = _bundle(family.role, setup.export(), speakers, dump, stats, iteration).save(
                snapshot_path(out, iteration) / "bundle")
            save_yaml(snapshot_path(out, iteration) / SNAPSHOT_RECORD,
                      {"iteration": iteration, "train_seconds": round(train_seconds, 3)})
            logger.info("iteration %d: snapshot %s", iteration, path)

        trainer = Trainer(setup.task, batches, out, cfg.trainer, model_cfg.n_iterations,
                          validate=setup.validate, progress=progress, group=group, snapshot=snapshot)
        if resume:
            trainer.resume()
        trainer.run()
        path = out / "bundle"
        if group.is_main:
            path = _bundle(family.role, setup.export(), speakers, dump, stats, trainer.iteration).save(path)
            logger.info("training done (%d iterations); bundle: %s", trainer.iteration, path)
        return path
    finally:
        logging.getLogger("vcgan").removeHandler(handler)
        handler.close()
        distributed.stop(group)


#: What ``<out>/snapshots/iteration-<N>/`` holds beside ``bundle/``: its iteration and the
#: wall time of the training steps up to it (s, over resumptions), written after the bundle.
SNAPSHOT_RECORD = "training.yaml"


def snapshot_path(out: str | os.PathLike, iteration: int) -> Path:
    """Directory of the snapshot of iteration ``iteration`` of the run in ``out``."""
    return Path(out) / "snapshots" / f"iteration-{iteration:08d}"


def list_snapshots(out: str | os.PathLike) -> list[tuple[int, float, Path]]:
    """``(iteration, train_seconds, bundle)`` of every complete snapshot of the run in ``out``,
    in iteration order (one whose record is missing was cut short and is left out)."""
    found = []
    for d in sorted((Path(out) / "snapshots").glob("iteration-*")):
        record = d / SNAPSHOT_RECORD
        if record.is_file() and (d / "bundle").is_dir():
            r = load_yaml(record)
            found.append((int(r["iteration"]), float(r["train_seconds"]), d / "bundle"))
    return sorted(found)


def with_defaults(record: dict) -> dict:
    """A saved run record with the settings added since it was saved at their defaults, so
    that an experiment started by an older vcgan still resumes."""
    try:
        parsed = TrainingConfig.from_dict({k: record[k] for k in ("task", "model", "trainer") if k in record})
    except ConfigError:
        return record  # compared as it is: the mismatch is reported
    return {**record, **parsed.to_dict()}


def _check_resume(out: Path, record: dict, resume: bool, schedule_keys: tuple[str, ...]) -> None:
    saved = out / "config.yaml"
    if latest_checkpoint(out / "checkpoints") is None:
        return
    if not resume:
        raise ValueError(f"{out} already has checkpoints; add --resume to continue, or choose another --out")
    if not saved.is_file():
        return
    before = with_defaults(load_yaml(saved))
    if not same_run(before, record, schedule_keys):
        raise ValueError(f"{saved}: this experiment was started with other settings; "
                         "resume with the same config, speakers and data (only --iterations may change), "
                         "or choose another --out")
    changed = {k: (before["model"].get(k), record["model"][k]) for k in schedule_keys
               if before["model"].get(k) != record["model"][k]}
    if changed:
        logger.info("schedule changed on resume: %s", ", ".join(f"{k} {a} -> {b}" for k, (a, b) in changed.items()))


def _bundle(role: str, component, speakers, dump, stats, iteration) -> Bundle:
    """A bundle holding ``component`` in the role its family trains for."""
    parts = {"converter": {"converter": component}, "postfilter": {"postfilters": [component]},
             "vocoder": {"vocoder": component}}[role]
    return Bundle(speakers=list(speakers), stats=stats, feature_config=dump.config, iteration=iteration, **parts)


def _export(out, role, setup, checkpoint, speakers, dump, stats, device) -> Path:
    ckpt = latest_checkpoint(out / "checkpoints") if checkpoint == "latest" else Path(checkpoint)
    if ckpt is None:
        raise FileNotFoundError(f"{out}/checkpoints: no checkpoint to export")
    state = load_checkpoint(ckpt, device)
    setup.task.load_state_dict(state["task"])
    path = _bundle(role, setup.export(), speakers, dump, stats, int(state["iteration"])).save(out / "bundle")
    logger.info("bundle of %s (iteration %d) written to %s", ckpt, state["iteration"], path)
    return path
