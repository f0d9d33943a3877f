"""CSTR VCTK corpus (Yamagishi et al.), version 0.92, DataShare 10283/3443.

Layout of the extracted ``VCTK-Corpus-0.92.zip`` in ``CORPUS``::

    CORPUS/wav48_silence_trimmed/<spk>/<spk>_<NNN>_mic1.flac   (and _mic2; 48 kHz)
    CORPUS/txt/<spk>/<spk>_<NNN>.txt                           one transcript per file
    CORPUS/speaker-info.txt

The older 0.80 layout (``CORPUS/wav48/<spk>/<spk>_<NNN>.wav``) is read too. Speakers are
``p225`` ... ``p376`` (and ``s5``). Utterance ids are ``<spk>_<NNN>`` (microphone suffix
dropped; ``--mic`` chooses it). Each speaker reads mostly different newspaper sentences,
so training is non-parallel as is; ``dev`` and ``eval`` take sentences whose number *and*
transcript are shared by every selected speaker (the rainbow passage and elicitation
paragraph), so they are parallel. FLAC paths go into ``wav.scp`` as they are (readable
by soundfile).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

from vcgan.data.corpora.common import (CorpusError, Utterance, check_speakers, require_dir,
                                       run_cli, speaker_list, split_keys, write_splits)
from vcgan.data.download import Resource, fetch

# SHA-256 as published in torchaudio's VCTK_092 dataset.
RESOURCE = Resource("https://datashare.ed.ac.uk/bitstream/handle/10283/3443/VCTK-Corpus-0.92.zip",
                    "VCTK-Corpus-0.92.zip",
                    "f96258be9fdc2cbff6559541aae7ea4f59df3fcaf5cf963aae5ca647357e359c")


def download(dest: Path) -> Path:
    """Download (about 11 GB) and extract VCTK 0.92 into ``dest``."""
    return fetch(RESOURCE, Path(dest))


def _audio_files(corpus_dir: Path, spk: str, mic: str) -> dict[str, Path]:
    new = corpus_dir / "wav48_silence_trimmed" / spk
    if new.is_dir():
        suffix = f"_{mic}"
        return {p.stem[:-len(suffix)]: p.resolve() for p in sorted(new.glob(f"*{suffix}.flac"))}
    return {p.stem: p.resolve() for p in sorted((corpus_dir / "wav48" / spk).glob("*.wav"))}


def prepare(corpus_dir: Path, data_dir: Path,
            speakers: Sequence[str] = ("p225", "p226", "p227", "p228"),
            n_dev: int = 5, n_eval: int = 10, mic: str = "mic1") -> dict[str, Path]:
    """Build train/dev/eval data directories for ``speakers`` (many-to-many VC)."""
    corpus_dir = require_dir(Path(corpus_dir), "VCTK corpus directory",
                             "download it with the recipe's stage 0, or point --db_root (recipe) / --corpus-dir at it")
    audio_root = corpus_dir / "wav48_silence_trimmed"
    if not audio_root.is_dir():
        audio_root = require_dir(corpus_dir / "wav48", "VCTK audio directory "
                                 f"({corpus_dir}/wav48_silence_trimmed or {corpus_dir}/wav48)")
    check_speakers(speakers, [p.name for p in audio_root.iterdir() if p.is_dir()], audio_root)
    files, texts = {}, {}
    for spk in speakers:
        files[spk] = _audio_files(corpus_dir, spk, mic)
        if not files[spk]:
            raise CorpusError(f"no {mic} audio files for speaker {spk} in {audio_root / spk}")
        txt_dir = corpus_dir / "txt" / spk
        texts[spk] = {k: (txt_dir / f"{k}.txt").read_text(encoding="utf-8").strip()
                      for k in files[spk] if (txt_dir / f"{k}.txt").is_file()}
    # Keys are "<spk>_<NNN>"; the sentence number is what speakers share.
    numbers = {s: {k.split("_", 1)[1]: k for k in f} for s, f in files.items()}
    shared = [n for n in sorted(set.intersection(*(set(v) for v in numbers.values())))
              if len({texts[s].get(numbers[s][n]) for s in speakers} - {None}) == 1
              and all(numbers[s][n] in texts[s] for s in speakers)]
    splits = split_keys({s: list(v) for s, v in numbers.items()}, n_dev, n_eval,
                        parallel_keys=shared)
    utts = [Utterance(split, s, n, str(files[s][numbers[s][n]]), texts[s].get(numbers[s][n]))
            for s in speakers for split, nums in splits[s].items() for n in nums]
    return write_splits(Path(data_dir), utts)


def _add_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--speakers", default="p225 p226 p227 p228", help="speakers to prepare")
    p.add_argument("--n-dev", "--n_dev", type=int, default=5, help="parallel dev sentences")
    p.add_argument("--n-eval", "--n_eval", type=int, default=10, help="parallel eval sentences")
    p.add_argument("--mic", choices=["mic1", "mic2"], default="mic1",
                   help="microphone of VCTK 0.92 (default mic1)")


def main(argv: list[str] | None = None) -> int:
    return run_cli(__doc__.split("\n\n")[0], _add_args,
                   lambda a: prepare(a.corpus_dir, a.data_dir, speaker_list(a.speakers),
                                     a.n_dev, a.n_eval, a.mic),
                   download=lambda a: download(a.dest), argv=argv)


if __name__ == "__main__":
    sys.exit(main())
