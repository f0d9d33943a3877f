"""Train a voice conversion model on a speaker pair of a feature dump (resumable).

  vcgan train --config conf/cyclegan_vc2.yaml --train-dump dump/train \
      --speakers SF3 TM1 --out exp/cyclegan_vc2_SF3_TM1 [--dev-dump dump/dev] [--resume]

The config YAML has `task: cyclegan`, a `model:` section (vcgan.models.cyclegan_config:
architecture overrides, losses, optimiser, schedule, iterations, crop length in frames) whose
unset fields keep the paper's values, and a `trainer:` section (checkpoint, log and
validation intervals in iterations, checkpoints kept). Mel-cepstra are normalised with the
per-speaker statistics in TRAIN_DUMP/stats (run `vcgan stats` first).

OUT receives config.yaml (the resolved config), train.log, checkpoints/ (written atomically;
the last K kept), tensorboard/, validation/ plots, and at the end bundle/, the self-contained
model for `vcgan convert`. A run that was stopped continues with --resume exactly where its
last checkpoint left it, and `--resume --iterations M` extends a run to M iterations (the
schedule is recomputed for the new total); --export-bundle CKPT writes a bundle from any checkpoint.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import torch

from vcgan.conversion import resolve_device
from vcgan.data.dump import FeatureDump
from vcgan.train.checkpoint import latest_checkpoint, load_checkpoint
from vcgan.train.cyclegan import (TrainingConfig, Validator, build_batches, check_dump, make_bundle,
                                  speaker_stats)
from vcgan.train.trainer import Trainer, TrainerConfig, seed_everything
from vcgan.utils.argtypes import positive_int
from vcgan.utils.config import load_yaml, save_yaml
from vcgan.utils.io import check_output_path

logger = logging.getLogger("vcgan.train")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", required=True, help="training config YAML (see above)")
    p.add_argument("--train-dump", required=True, help="feature dump with stats/ (vcgan extract + stats)")
    p.add_argument("--speakers", nargs=2, required=True, metavar=("A", "B"),
                   help="the speaker pair; A->B is the default conversion direction")
    p.add_argument("--out", required=True, help="experiment directory")
    p.add_argument("--dev-dump", default=None, help="dump with dev utterances for validation MCD")
    p.add_argument("--resume", action="store_true", help="continue from the latest checkpoint in OUT")
    p.add_argument("--device", default="auto", help="cpu, cuda, cuda:N or auto (default: auto)")
    p.add_argument("--iterations", type=positive_int, default=None,
                   help="override model.n_iterations; decay_start and identity_iterations are scaled in "
                        "proportion (with --resume: extend or shorten a run)")
    p.add_argument("--seed", type=int, default=None, help="override model.seed")
    p.add_argument("--export-bundle", metavar="CKPT", default=None,
                   help="only write OUT/bundle from checkpoint CKPT ('latest' for the newest)")
    p.add_argument("--mixed-precision", action="store_true",
                   help="bfloat16 autocast for forward passes on a CUDA device (ignored on CPU)")
    p.add_argument("--threads", type=positive_int, default=None,
                   help="CPU threads of torch (default: torch's choice, one per physical core)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar (logs only)")


# The settings --iterations changes; a run may be resumed with other values of these only.
SCHEDULE_KEYS = ("n_iterations", "decay_start", "identity_iterations")


def same_run(saved: dict, record: dict) -> bool:
    """Whether ``record`` (the settings of this invocation) continues the run saved as ``saved``:
    equal except for the length of the schedule."""
    def without_schedule(d: dict) -> dict:
        return {**d, "model": {k: v for k, v in d.get("model", {}).items() if k not in SCHEDULE_KEYS}}
    return without_schedule(saved) == without_schedule(record)


def resolved_config(args: argparse.Namespace) -> TrainingConfig:
    data = load_yaml(args.config)
    cfg = TrainingConfig.from_dict(data, where=args.config)
    overrides = {k: v for k, v in (("n_iterations", args.iterations), ("seed", args.seed)) if v is not None}
    if overrides:
        model = cfg.model_config().to_dict()
        if "n_iterations" in overrides:  # keep the config's proportions (the paper's by default)
            scale = overrides["n_iterations"] / model["n_iterations"]
            for key in SCHEDULE_KEYS[1:]:
                model[key] = round(model[key] * scale)
        model.update(overrides)
        cfg.model = model
    return cfg


def check_speakers(speakers: list[str]) -> None:
    """Refuse ``--speakers A A``: a model that converts a speaker into itself learns nothing."""
    if len(set(speakers)) != len(speakers):
        raise ValueError(f"--speakers: give two different speakers, got {' '.join(speakers)}")


def run(args: argparse.Namespace) -> int:
    check_speakers(list(args.speakers))
    if args.seed is not None and not 0 <= args.seed < 2 ** 32:
        raise ValueError(f"--seed: must be in [0, 2**32), got {args.seed}")
    out = check_output_path(args.out, directory=True, what="--out")
    cfg = resolved_config(args)
    model_cfg = cfg.model_config(args.config)
    device = torch.device(resolve_device(args.device))
    speakers = list(args.speakers)
    dump = FeatureDump(args.train_dump)
    check_dump(dump, speakers, model_cfg)
    stats = speaker_stats(dump, speakers)

    out.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(out / "train.log")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logging.getLogger("vcgan").addHandler(handler)
    try:
        return _train(args, out, cfg, model_cfg, device, speakers, dump, stats)
    finally:
        logging.getLogger("vcgan").removeHandler(handler)
        handler.close()


def _train(args, out, cfg, model_cfg, device, speakers, dump, stats) -> int:
    from vcgan.models.cyclegan_task import CycleGANTask

    record = {**cfg.to_dict(), "speakers": speakers, "train_dump": str(args.train_dump),
              "dev_dump": args.dev_dump and str(args.dev_dump)}
    saved = out / "config.yaml"
    has_checkpoints = latest_checkpoint(out / "checkpoints") is not None
    if args.export_bundle:
        ckpt = latest_checkpoint(out / "checkpoints") if args.export_bundle == "latest" else Path(args.export_bundle)
        if ckpt is None:
            raise FileNotFoundError(f"{out}/checkpoints: no checkpoint to export")
        task = CycleGANTask(model_cfg, device)
        state = load_checkpoint(ckpt, device)
        task.load_state_dict(state["task"])
        path = make_bundle(task, speakers, dump, stats, int(state["iteration"])).save(out / "bundle")
        logger.info("bundle of %s (iteration %d) written to %s", ckpt, state["iteration"], path)
        return 0
    if has_checkpoints and not args.resume:
        raise ValueError(f"{out} already has checkpoints; add --resume to continue, or choose another --out")
    if has_checkpoints and saved.is_file():
        before = load_yaml(saved)
        if not same_run(before, record):
            raise ValueError(f"{saved}: this experiment was started with other settings; "
                             "resume with the same config and data (only --iterations may change), "
                             "or choose another --out")
        changed = {k: (before["model"].get(k), record["model"][k]) for k in SCHEDULE_KEYS
                   if before["model"].get(k) != record["model"][k]}
        if changed:
            logger.info("schedule changed on resume: %s",
                        ", ".join(f"{k} {a} -> {b}" for k, (a, b) in changed.items()))
    save_yaml(saved, record)

    if args.threads:
        torch.set_num_threads(args.threads)
    n_params = {}
    seed_everything(model_cfg.seed)
    amp = args.mixed_precision and device.type == "cuda"
    if args.mixed_precision and not amp:
        logger.warning("--mixed-precision is for CUDA devices; training on %s in float32", device)
    task = CycleGANTask(model_cfg, device, mixed_precision=amp)
    for name, module in task.modules().items():
        n_params[name] = sum(p.numel() for p in module.parameters())
    logger.info("%s on %s; parameters: %s", model_cfg.model, device,
                ", ".join(f"{k} {v / 1e6:.2f}M" for k, v in n_params.items()))
    batches = build_batches(dump, speakers, stats, model_cfg, device)
    validate = None
    if args.dev_dump:
        dev = FeatureDump(args.dev_dump)
        validate = Validator(dev, speakers, stats, cfg.trainer.validation_utterances, out / "validation")
        validate = validate if validate.items else None
    loop = cfg.trainer
    trainer = Trainer(task, batches, out, TrainerConfig(
        n_iterations=model_cfg.n_iterations, checkpoint_interval=loop.checkpoint_interval,
        keep_checkpoints=loop.keep_checkpoints, log_interval=loop.log_interval,
        validation_interval=loop.validation_interval, progress_bar=not args.no_progress,
    ), validate=validate)
    if args.resume:
        trainer.resume()
    trainer.run()
    path = make_bundle(task, speakers, dump, stats, trainer.iteration).save(out / "bundle")
    logger.info("training done (%d iterations); bundle: %s", trainer.iteration, path)
    return 0
