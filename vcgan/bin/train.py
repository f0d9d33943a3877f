"""Train a model of any family on the speakers of a feature dump (resumable).

  vcgan train --config conf/cyclegan_vc2.yaml --train-dump dump/train \
      --speakers SF3 TM1 --out exp/cyclegan_vc2_SF3_TM1 [--dev-dump dump/dev] [--resume]

The config YAML names the model family (`task:`, e.g. `cyclegan`), its settings (`model:`,
unset fields keep the paper's values; see the family's config under vcgan/tasks/) and the loop's
(`trainer:`: checkpoint, log and validation intervals in iterations, checkpoints kept). The
feature dimensions come from the dump's feature config. --speakers defaults to every speaker
of the dump; each family says how many it trains on (CycleGAN: a pair, the first speaker is
the default source). Features are normalised with the per-speaker statistics in
TRAIN_DUMP/stats (run `vcgan stats` first).

OUT receives config.yaml (the resolved config), train.log, checkpoints/ (written atomically;
the last K kept), tensorboard/, validation/ plots, and at the end bundle/, the self-contained
model for `vcgan convert`. A run that was stopped continues with --resume exactly where its
last checkpoint left it, and `--resume --iterations M` extends a run to M iterations (the
schedule is recomputed for the new total); --export-bundle CKPT writes a bundle from any checkpoint.
Results are deterministic for a seed on one device with one thread count (--threads).

A post-filter (task: ganpf) trains on the output of another model: --front-end BUNDLE names
it, and --speakers SRC TGT the direction whose output it repairs (the front end converts the
dump's SRC utterances; TGT's are the natural examples).

Data-parallel: the same command under torchrun, e.g. `torchrun --nproc-per-node 2 -m vcgan
train ...` (one process per GPU, or CPU processes with --device cpu); the config's batch_size is
the global batch, split over the processes; only rank 0 writes (see vcgan.train.distributed).
"""

from __future__ import annotations

import argparse
import logging

from vcgan.train.config import TrainingConfig
from vcgan.train.precision import PRECISIONS
from vcgan.train.run import train_model, with_overrides
from vcgan.utils.argtypes import positive_int
from vcgan.utils.io import check_output_path

logger = logging.getLogger("vcgan.train")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", required=True, help="training config YAML (see above)")
    p.add_argument("--train-dump", required=True, help="feature dump with stats/ (vcgan extract + stats)")
    p.add_argument("--speakers", nargs="+", default=None, metavar="SPK",
                   help="speakers to train on (default: all of the dump); for a pair, A B makes A->B "
                        "the default conversion direction")
    p.add_argument("--out", required=True, help="experiment directory")
    p.add_argument("--dev-dump", default=None, help="dump with parallel dev utterances for validation MCD")
    p.add_argument("--front-end", metavar="BUNDLE", default=None,
                   help="for a post-filter (task: ganpf): the bundle of the model whose output it learns to "
                        "repair; its SPK1 -> SPK2 conversion of the training dump is the post-filter's input")
    p.add_argument("--resume", action="store_true", help="continue from the latest checkpoint in OUT")
    p.add_argument("--device", default="auto", help="cpu, cuda, cuda:N or auto (default: auto)")
    p.add_argument("--iterations", type=positive_int, default=None,
                   help="override the model's n_iterations; the family's other schedule settings (e.g. "
                        "decay_start, identity_iterations) are scaled in proportion (with --resume: extend "
                        "or shorten a run)")
    p.add_argument("--seed", type=int, default=None, help="override model.seed")
    p.add_argument("--export-bundle", metavar="CKPT", default=None,
                   help="only write OUT/bundle from checkpoint CKPT ('latest' for the newest)")
    p.add_argument("--precision", choices=PRECISIONS, default=None,
                   help="fp32, bf16 (bfloat16 autocast of forward passes; weights stay float32) or auto "
                        "(bf16 where the CPU or GPU has native bfloat16, else fp32); default: the "
                        "config's trainer.precision (auto)")
    p.add_argument("--compile", action="store_true",
                   help="torch.compile the networks (trainer.compile): a few minutes of compiling before "
                        "the first steps; pays off on long runs where it is faster (tools/bench_train.py)")
    p.add_argument("--threads", type=positive_int, default=None,
                   help="CPU threads of torch (default: torch's choice, one per physical core)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar (logs only)")


def run(args: argparse.Namespace) -> int:
    if args.speakers and len(set(args.speakers)) != len(args.speakers):
        raise ValueError(f"--speakers: a speaker given twice: {' '.join(args.speakers)}")
    if args.seed is not None and not 0 <= args.seed < 2 ** 32:
        raise ValueError(f"--seed: must be in [0, 2**32), got {args.seed}")
    out = check_output_path(args.out, directory=True, what="--out")
    cfg = with_overrides(TrainingConfig.from_yaml(args.config), args.iterations, args.seed,
                         precision=args.precision, compile=args.compile or None)
    train_model(cfg, args.train_dump, out, speakers=args.speakers, dev_dump=args.dev_dump, resume=args.resume,
                device=args.device, threads=args.threads,
                progress=not args.no_progress, export_checkpoint=args.export_bundle,
                front_end=args.front_end)
    return 0
