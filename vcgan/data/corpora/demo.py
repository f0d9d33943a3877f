"""The offline demo corpus built by ``tools/make_demo_corpus.py``.

Reads ``<corpus>/wav/<spk>/<spk>_sNNN.wav``, ``sentences.txt`` ("sNNN text") and
``speakers.txt``. With the full 100 sentences and default sizes (10 % held out for each):
eval = s091-s100, dev = s081-s090 (parallel), and for non-parallel training the remaining
s001-s080 are halved: the source speakers train on s001-s040 and the target speakers on
s041-s080. With ``parallel`` every speaker trains on all of s001-s080 (for parallel
models: the DNN front end of the GAN post-filter recipe).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

from vcgan.data.corpora.common import (CorpusError, Utterance, check_speakers, require_dir,
                                       run_cli, speaker_list, split_keys, write_splits)


def default_held_out(n_sentences: int) -> int:
    """Sentences for dev and for eval each: 10 % of the corpus, at least 1."""
    return max(1, round(0.1 * n_sentences))


def prepare(corpus_dir: Path, data_dir: Path, src_spks: Sequence[str], trg_spks: Sequence[str],
            n_dev: int | None = None, n_eval: int | None = None, parallel: bool = False) -> dict[str, Path]:
    """Build train/dev/eval data directories for the given source and target speakers.

    Args:
        corpus_dir: the demo corpus (output of ``tools/make_demo_corpus.py``).
        data_dir: where ``train``, ``dev``, ``eval`` and ``<split>_<spk>`` are written.
        src_spks, trg_spks: source and target speakers (disjoint, non-empty).
        n_dev, n_eval: parallel held-out sentences (default: 10 % of the corpus each).
        parallel: every speaker trains on every training sentence (default: halved, non-parallel).
    """
    corpus_dir = require_dir(Path(corpus_dir), "demo corpus",
                             "build it with tools/make_demo_corpus.py (recipe stage 0)")
    sentences_file = corpus_dir / "sentences.txt"
    if not sentences_file.is_file():
        raise CorpusError(f"demo corpus incomplete: {sentences_file} is missing "
                          "(re-run tools/make_demo_corpus.py)")
    text = dict(line.split(maxsplit=1) for line in
                sentences_file.read_text(encoding="utf-8").splitlines() if line.strip())
    if not src_spks or not trg_spks or set(src_spks) & set(trg_spks):
        raise CorpusError("give non-empty, disjoint source and target speaker lists "
                          f"(source: {list(src_spks)}, target: {list(trg_spks)})")
    wav_root = require_dir(corpus_dir / "wav", "demo corpus wav directory")
    check_speakers([*src_spks, *trg_spks], [p.name for p in wav_root.iterdir() if p.is_dir()],
                   wav_root)
    files: dict[str, dict[str, Path]] = {}
    for spk in [*src_spks, *trg_spks]:
        files[spk] = {}
        for key in sorted(text):
            wav = wav_root / spk / f"{spk}_{key}.wav"
            if not wav.is_file():
                raise CorpusError(f"demo corpus incomplete: {wav} is missing "
                                  "(re-run tools/make_demo_corpus.py; it resumes)")
            files[spk][key] = wav.resolve()
    held = default_held_out(len(text))
    splits = split_keys({s: list(f) for s, f in files.items()},
                        n_dev=held if n_dev is None else n_dev,
                        n_eval=held if n_eval is None else n_eval,
                        src_spks=src_spks, trg_spks=trg_spks, nonparallel=not parallel)
    utts = [Utterance(split, spk, key, str(files[spk][key]), text[key])
            for spk, by_split in splits.items() for split, keys in by_split.items()
            for key in keys]
    return write_splits(Path(data_dir), utts)


def _add_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--src-spks", "--src_spks", required=True, help="source speakers, e.g. 'kalM espM'")
    p.add_argument("--trg-spks", "--trg_spks", required=True, help="target speakers, e.g. 'sltF espF'")
    p.add_argument("--n-dev", "--n_dev", type=int, default=None,
                   help="parallel dev sentences (default: 10%% of the corpus)")
    p.add_argument("--n-eval", "--n_eval", type=int, default=None,
                   help="parallel eval sentences (default: 10%% of the corpus)")
    p.add_argument("--parallel", action="store_true",
                   help="parallel training sets: every speaker trains on every training sentence "
                        "(default: sources on the first half, targets on the second)")


def main(argv: list[str] | None = None) -> int:
    return run_cli(__doc__.split("\n\n")[0], _add_args,
                   lambda a: prepare(a.corpus_dir, a.data_dir, speaker_list(a.src_spks),
                                     speaker_list(a.trg_spks), a.n_dev, a.n_eval, a.parallel),
                   argv=argv)


if __name__ == "__main__":
    sys.exit(main())
