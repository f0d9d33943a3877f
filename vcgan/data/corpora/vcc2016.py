"""Voice Conversion Challenge 2016 (Toda et al., 2016), Edinburgh DataShare 10283/2211.

Layout after extracting the two official archives into ``CORPUS``::

    CORPUS/vcc2016_training/<SPK>/100001.wav ... 100162.wav   (162 parallel sentences)
    CORPUS/evaluation_all/<SPK>/200001.wav ... 200054.wav     (54 parallel sentences)

Speakers: sources SF1 SF2 SF3 SM1 SM2, targets TF1 TF2 TM1 TM2 TM3 (16 kHz). CycleGAN-VC
(Kaneko & Kameoka, 2017) converts SF1 and SM1 to TF2 and TM3 and, for non-parallel
training, gives the source speakers the first half of the training sentences and the
targets the other half; this is the default here. ``dev`` is the last ``n_dev`` training
sentences (parallel), ``eval`` is ``evaluation_all``. The archives have no transcripts,
so no ``text`` is written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

from vcgan.data.corpora.common import (CorpusError, Utterance, check_speakers, keyed_files,
                                       require_dir, run_cli, speaker_list, split_keys,
                                       write_splits)
from vcgan.data.download import Resource, fetch

_BASE = "https://datashare.ed.ac.uk/bitstream/handle/10283/2211"
# The archives' checksums are not published by DataShare and could not be verified here:
# None = used unverified (with a warning).
RESOURCES = [
    Resource(f"{_BASE}/vcc2016_training.zip", "vcc2016_training.zip", None),
    Resource(f"{_BASE}/evaluation_all.zip", "evaluation_all.zip", None),
]
SOURCES = ["SF1", "SF2", "SF3", "SM1", "SM2"]
TARGETS = ["TF1", "TF2", "TM1", "TM2", "TM3"]


def download(dest: Path) -> Path:
    """Download and extract both archives into ``dest`` (the corpus directory)."""
    for r in RESOURCES:
        fetch(r, Path(dest))
    return Path(dest)


def prepare(corpus_dir: Path, data_dir: Path, src_spks: Sequence[str] = ("SF1", "SM1"),
            trg_spks: Sequence[str] = ("TF2", "TM3"), n_dev: int = 10,
            nonparallel: bool = True) -> dict[str, Path]:
    """Build train/dev/eval data directories (see the module docstring for the split)."""
    corpus_dir = Path(corpus_dir)
    hint = "download it with the recipe's stage 0, or point --db_root (recipe) / --corpus-dir at it"
    train_root = require_dir(corpus_dir / "vcc2016_training", "VCC2016 training set", hint)
    eval_root = require_dir(corpus_dir / "evaluation_all", "VCC2016 evaluation set", hint)
    speakers = [*src_spks, *trg_spks]
    for root in (train_root, eval_root):
        check_speakers(speakers, [p.name for p in root.iterdir() if p.is_dir()], root)
    train_files = {s: keyed_files(train_root / s, "*.wav", lambda p: p.stem) for s in speakers}
    eval_files = {s: keyed_files(eval_root / s, "*.wav", lambda p: p.stem) for s in speakers}
    for name, files in (("training", train_files), ("evaluation", eval_files)):
        empty = [s for s, f in files.items() if not f]
        if empty:
            raise CorpusError(f"VCC2016 {name} set has no wav files for {' '.join(empty)}")
    splits = split_keys({s: list(f) for s, f in train_files.items()}, n_dev=n_dev, n_eval=0,
                        src_spks=src_spks, trg_spks=trg_spks, nonparallel=nonparallel)
    utts = [Utterance(split, s, k, str(train_files[s][k]))
            for s in speakers for split in ("train", "dev") for k in splits[s][split]]
    utts += [Utterance("eval", s, k, str(p)) for s in speakers for k, p in eval_files[s].items()]
    return write_splits(Path(data_dir), utts, ("train", "dev", "eval") if n_dev else ("train", "eval"))


def _add_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--src-spks", "--src_spks", default="SF1 SM1", help="source speakers")
    p.add_argument("--trg-spks", "--trg_spks", default="TF2 TM3", help="target speakers")
    p.add_argument("--n-dev", "--n_dev", type=int, default=10,
                   help="training sentences held out as a parallel dev set (default 10)")
    p.add_argument("--parallel", action="store_true",
                   help="train every speaker on all training sentences (default: halves)")


def main(argv: list[str] | None = None) -> int:
    return run_cli(__doc__.split("\n\n")[0], _add_args,
                   lambda a: prepare(a.corpus_dir, a.data_dir, speaker_list(a.src_spks),
                                     speaker_list(a.trg_spks), a.n_dev, not a.parallel),
                   download=lambda a: download(a.dest), argv=argv)


if __name__ == "__main__":
    sys.exit(main())
