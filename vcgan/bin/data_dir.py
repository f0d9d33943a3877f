"""Make a Kaldi data directory from a folder of speaker folders, for training on your own corpus.

  vcgan data-dir my_corpus/train data/train      # my_corpus/train/<speaker>/<sentence>.wav
  vcgan data-dir my_corpus/dev data/dev          # same sentence names across speakers (parallel)

Writes OUT/wav.scp (absolute paths), OUT/utt2spk and OUT/spk2utt with utterance ids
<speaker>_<file name without extension>. Training sets may be non-parallel. For validation
(`vcgan train --dev-dump`) and the recipes' evaluation the set must be parallel: every speaker
has a file of the same name for the same sentence, since that is how a converted utterance is
paired with its reference. Then: `vcgan extract --data-dir OUT ...` (see the README, "Train on
your own corpus").
"""

from __future__ import annotations

import argparse
import logging

from vcgan.data.folders import AUDIO_EXTENSIONS, scan_speaker_folders
from vcgan.data.kaldi import write_data_dir

logger = logging.getLogger("vcgan.data_dir")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("root", help="folder with one sub-folder of audio files per speaker")
    p.add_argument("out", help="data directory to write (wav.scp, utt2spk, spk2utt)")
    p.add_argument("--speakers", nargs="+", default=None, help="only these speaker folders (default: all)")
    p.add_argument("--ext", nargs="+", default=list(AUDIO_EXTENSIONS),
                   help=f"file endings to take (default: {' '.join(AUDIO_EXTENSIONS)})")


def run(args: argparse.Namespace) -> int:
    data, notes = scan_speaker_folders(args.root, args.ext, args.speakers)
    for note in notes:
        logger.warning("%s", note)
    write_data_dir(args.out, data)
    counts = {spk: len(utts) for spk, utts in data.spk2utt.items()}
    logger.info("%s: %d utterances of %d speakers (%s)", args.out, len(data), len(counts),
                ", ".join(f"{s} {n}" for s, n in counts.items()))
    return 0
