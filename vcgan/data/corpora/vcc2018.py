"""Voice Conversion Challenge 2018 (Lorenzo-Trueba et al., 2018), DataShare 10283/3061.

Layout after extracting the official archives into ``CORPUS``::

    CORPUS/vcc2018_training/<SPK>/<NNNNN>.wav    81 training utterances per speaker
    CORPUS/vcc2018_evaluation/<SRC>/300NN.wav    35 evaluation sentences, source speakers
    CORPUS/vcc2018_reference/<TRG>/300NN.wav     the same 35 sentences, target speakers

Speakers (22.05 kHz): sources VCC2SF1-4, VCC2SM1-4 (1-2 hub task, parallel with the
targets; 3-4 spoke task, other sentences), targets VCC2TF1-2, VCC2TM1-2.
CycleGAN-VC2 (Kaneko et al., 2019) uses sources VCC2SF3, VCC2SM3 and targets VCC2TF1,
VCC2TM1 (spoke task: non-parallel by construction); that is the default here. Every
training utterance is used for training except the last ``n_dev`` of each speaker
(``dev``; ``--n-dev 0`` keeps all, as in the paper). ``eval`` takes each speaker's 35
sentences from the evaluation (sources) or reference (targets) directory. No ``text``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

from vcgan.data.corpora.common import (CorpusError, Utterance, check_speakers, keyed_files,
                                       require_dir, run_cli, speaker_list, write_splits)
from vcgan.data.download import Resource, fetch

_BASE = "https://datashare.ed.ac.uk/bitstream/handle/10283/3061"
# DataShare publishes no checksums for these archives; None = used unverified (warning).
RESOURCES = [
    Resource(f"{_BASE}/vcc2018_database_training.zip", "vcc2018_database_training.zip", None),
    Resource(f"{_BASE}/vcc2018_database_evaluation.zip", "vcc2018_database_evaluation.zip", None),
    Resource(f"{_BASE}/vcc2018_database_reference.zip", "vcc2018_database_reference.zip", None),
]
SOURCES = [f"VCC2S{g}{i}" for g in "FM" for i in range(1, 5)]
TARGETS = ["VCC2TF1", "VCC2TF2", "VCC2TM1", "VCC2TM2"]


def download(dest: Path) -> Path:
    """Download and extract the training, evaluation and reference archives into ``dest``."""
    for r in RESOURCES:
        fetch(r, Path(dest))
    return Path(dest)


def prepare(corpus_dir: Path, data_dir: Path,
            src_spks: Sequence[str] = ("VCC2SF3", "VCC2SM3"),
            trg_spks: Sequence[str] = ("VCC2TF1", "VCC2TM1"), n_dev: int = 5) -> dict[str, Path]:
    """Build train/dev/eval data directories (see the module docstring for the split)."""
    corpus_dir = Path(corpus_dir)
    hint = "download it with the recipe's stage 0, or point --db_root (recipe) / --corpus-dir at it"
    train_root = require_dir(corpus_dir / "vcc2018_training", "VCC2018 training set", hint)
    speakers = [*src_spks, *trg_spks]
    check_speakers(speakers, [p.name for p in train_root.iterdir() if p.is_dir()], train_root)
    utts: list[Utterance] = []
    for spk in speakers:
        files = keyed_files(train_root / spk, "*.wav", lambda p: p.stem)
        if len(files) <= n_dev:
            raise CorpusError(f"{train_root / spk}: {len(files)} wav files, need more than "
                              f"n_dev={n_dev}")
        keys = list(files)
        utts += [Utterance("dev" if i >= len(keys) - n_dev else "train", spk, k, str(files[k]))
                 for i, k in enumerate(keys)]
        eval_name = "vcc2018_evaluation" if spk in src_spks else "vcc2018_reference"
        eval_root = require_dir(corpus_dir / eval_name, f"VCC2018 {eval_name} set", hint)
        check_speakers([spk], [p.name for p in eval_root.iterdir() if p.is_dir()], eval_root)
        utts += [Utterance("eval", spk, k, str(p)) for k, p in
                 keyed_files(eval_root / spk, "*.wav", lambda p: p.stem).items()]
    return write_splits(Path(data_dir), utts, ("train", "dev", "eval") if n_dev else ("train", "eval"))


def _add_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--src-spks", "--src_spks", default="VCC2SF3 VCC2SM3", help="source speakers")
    p.add_argument("--trg-spks", "--trg_spks", default="VCC2TF1 VCC2TM1", help="target speakers")
    p.add_argument("--n-dev", "--n_dev", type=int, default=5,
                   help="last training utterances of each speaker held out as dev (default 5)")


def main(argv: list[str] | None = None) -> int:
    return run_cli(__doc__.split("\n\n")[0], _add_args,
                   lambda a: prepare(a.corpus_dir, a.data_dir, speaker_list(a.src_spks),
                                     speaker_list(a.trg_spks), a.n_dev),
                   download=lambda a: download(a.dest), argv=argv)


if __name__ == "__main__":
    sys.exit(main())
