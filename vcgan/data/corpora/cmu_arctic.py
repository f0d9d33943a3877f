"""CMU ARCTIC (Kominek & Black, 2003), http://festvox.org/cmu_arctic/.

One archive per speaker, extracted into ``CORPUS``::

    CORPUS/cmu_us_<spk>_arctic/wav/arctic_a0001.wav ... arctic_b0539.wav   (16 kHz)
    CORPUS/cmu_us_<spk>_arctic/etc/txt.done.data    lines: ( arctic_a0001 "Text ..." )

Speakers: bdl, rms, jmk, awb, ksp (male), slt, clb (female), among others. All speakers
read the same 1132 sentences. ``eval`` is the last ``n_eval`` and ``dev`` the ``n_dev``
before them of the sentences every selected speaker has (parallel); with non-parallel
training (default) source speakers train on the first and target speakers on the second
half of the remaining sentences. ``text`` comes from ``txt.done.data``.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Sequence

from vcgan.data.corpora.common import (CorpusError, Utterance, check_speakers, keyed_files,
                                       require_dir, run_cli, speaker_list, split_keys,
                                       write_splits)
from vcgan.data.download import Resource, fetch

_BASE = "http://festvox.org/cmu_arctic/packed"
# SHA-256 of the festvox.org archives as published in torchaudio's CMUARCTIC dataset.
SHA256 = {
    "awb": "d74a950c9739a65f7bfc4dfa6187f2730fa03de5b8eb3f2da97a51b74df64d3c",
    "bdl": "26b91aaf48b2799b2956792b4632c2f926cd0542f402b5452d5adecb60942904",
    "clb": "3f16dc3f3b97955ea22623efb33b444341013fc660677b2e170efdcc959fa7c6",
    "jmk": "3a37c0e1dfc91e734fdbc88b562d9e2ebca621772402cdc693bbc9b09b211d73",
    "ksp": "8029cafce8296f9bed3022c44ef1e7953332b6bf6943c14b929f468122532717",
    "rms": "c6dc11235629c58441c071a7ba8a2d067903dfefbaabc4056d87da35b72ecda4",
    "slt": "7c173297916acf3cc7fcab2713be4c60b27312316765a90934651d367226b4ea",
}
_LINE = re.compile(r'^\(\s*(\S+)\s+"(.*)"\s*\)\s*$')


def resource(spk: str) -> Resource:
    """The archive of one speaker (checksum None for speakers not in :data:`SHA256`)."""
    name = f"cmu_us_{spk}_arctic.tar.bz2"
    return Resource(f"{_BASE}/{name}", name, SHA256.get(spk))


def download(dest: Path, speakers: Sequence[str]) -> Path:
    """Download and extract the archives of ``speakers`` into ``dest``."""
    for spk in speakers:
        fetch(resource(spk), Path(dest))
    return Path(dest)


def read_transcripts(path: Path) -> dict[str, str]:
    """``txt.done.data`` -> {utterance name: text}; malformed lines are errors."""
    out = {}
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        m = _LINE.match(line.strip())
        if m is None:
            raise CorpusError(f"{path} line {lineno}: expected ( name \"text\" ), got: {line!r}")
        out[m.group(1)] = m.group(2)
    return out


def prepare(corpus_dir: Path, data_dir: Path, src_spks: Sequence[str] = ("bdl",),
            trg_spks: Sequence[str] = ("slt",), n_dev: int = 50, n_eval: int = 50,
            nonparallel: bool = True) -> dict[str, Path]:
    """Build train/dev/eval data directories (see the module docstring for the split)."""
    corpus_dir = require_dir(Path(corpus_dir), "CMU ARCTIC corpus directory",
                             "download it with the recipe's stage 0, or point --db_root (recipe) / --corpus-dir at it")
    speakers = [*src_spks, *trg_spks]
    found = [p.name[len("cmu_us_"):-len("_arctic")] for p in corpus_dir.glob("cmu_us_*_arctic")
             if p.is_dir()]
    check_speakers(speakers, found, corpus_dir)
    files, texts = {}, {}
    for spk in speakers:
        root = corpus_dir / f"cmu_us_{spk}_arctic"
        files[spk] = keyed_files(require_dir(root / "wav", f"wav directory of {spk}"), "*.wav",
                                 lambda p: p.stem)
        txt = root / "etc" / "txt.done.data"
        if not txt.is_file():
            raise CorpusError(f"transcripts of {spk} not found: {txt}")
        texts[spk] = read_transcripts(txt)
        no_text = [k for k in files[spk] if k not in texts[spk]]
        if no_text:
            raise CorpusError(f"{txt} has no transcript for {len(no_text)} wav file(s), "
                              f"e.g. {no_text[:3]}")
    splits = split_keys({s: list(f) for s, f in files.items()}, n_dev, n_eval,
                        src_spks, trg_spks, nonparallel)
    utts = [Utterance(split, s, k, str(files[s][k]), texts[s][k])
            for s in speakers for split, keys in splits[s].items() for k in keys]
    return write_splits(Path(data_dir), utts)


def _add_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--src-spks", "--src_spks", default="bdl", help="source speakers")
    p.add_argument("--trg-spks", "--trg_spks", default="slt", help="target speakers")
    p.add_argument("--n-dev", "--n_dev", type=int, default=50, help="parallel dev sentences")
    p.add_argument("--n-eval", "--n_eval", type=int, default=50, help="parallel eval sentences")
    p.add_argument("--parallel", action="store_true",
                   help="train every speaker on all training sentences (default: halves)")


def main(argv: list[str] | None = None) -> int:
    return run_cli(__doc__.split("\n\n")[0], _add_args,
                   lambda a: prepare(a.corpus_dir, a.data_dir, speaker_list(a.src_spks),
                                     speaker_list(a.trg_spks), a.n_dev, a.n_eval, not a.parallel),
                   download=lambda a: download(a.dest, speaker_list(a.speakers or "bdl slt clb rms")),
                   argv=argv)


if __name__ == "__main__":
    sys.exit(main())
