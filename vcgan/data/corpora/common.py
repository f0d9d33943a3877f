"""Shared pieces of the corpus preparers: splits, checks, writing the data directories."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from vcgan.data.kaldi import DataDir, DataDirError, write_data_dir

SPLITS = ("train", "dev", "eval")


class CorpusError(ValueError):
    """The corpus directory is missing, incomplete or does not have the expected layout."""


@dataclass(frozen=True)
class Utterance:
    """One utterance of a prepared split.

    Attributes:
        split: ``train``, ``dev`` or ``eval``.
        spk: speaker id.
        key: sentence key, shared by parallel utterances of different speakers.
        wav: absolute path of the audio file.
        text: transcript, or None when the corpus has none.
    """

    split: str
    spk: str
    key: str
    wav: str
    text: str | None = None

    @property
    def utt_id(self) -> str:
        return f"{self.spk}_{self.key}"


def require_dir(path: Path, what: str, hint: str = "") -> Path:
    """Return ``path`` if it is a directory, else raise :class:`CorpusError` naming it."""
    if not path.is_dir():
        raise CorpusError(f"{what} not found: {path} does not exist or is not a directory"
                          + (f"; {hint}" if hint else ""))
    return path


def check_speakers(wanted: Iterable[str], available: Iterable[str], where: Path) -> None:
    """Raise :class:`CorpusError` when a requested speaker is not in the corpus."""
    available = sorted(set(available))
    unknown = [s for s in wanted if s not in available]
    if unknown:
        raise CorpusError(f"unknown speaker(s) {' '.join(unknown)} in {where}; "
                          f"speakers found there: {' '.join(available) or '(none)'}")


def split_keys(keys_by_spk: dict[str, Sequence[str]], n_dev: int, n_eval: int,
               src_spks: Sequence[str] = (), trg_spks: Sequence[str] = (),
               nonparallel: bool = False,
               parallel_keys: Sequence[str] | None = None) -> dict[str, dict[str, list[str]]]:
    """Assign each speaker's sentence keys to train / dev / eval.

    ``eval`` takes the last ``n_eval`` and ``dev`` the ``n_dev`` before them of the keys
    every speaker has (or of ``parallel_keys``), so both are parallel. The remaining keys
    are for training; with ``nonparallel`` the training keys shared by all speakers are
    halved: source speakers keep the first half, target speakers the second (speakers in
    neither role keep all), so a source/target pair never trains on the same sentence.

    Returns:
        ``{spk: {"train": [...], "dev": [...], "eval": [...]}}`` (keys sorted).
    """
    if not keys_by_spk:
        raise CorpusError("no speakers to split")
    common = sorted(set.intersection(*(set(k) for k in keys_by_spk.values())))
    held_pool = sorted(parallel_keys) if parallel_keys is not None else common
    if n_dev + n_eval > len(held_pool):
        raise CorpusError(f"cannot take {n_dev} dev + {n_eval} eval sentences from the "
                          f"{len(held_pool)} sentences shared by speakers "
                          f"{' '.join(sorted(keys_by_spk))}; lower --n-dev/--n-eval")
    eval_keys = held_pool[len(held_pool) - n_eval:] if n_eval else []
    dev_keys = held_pool[len(held_pool) - n_eval - n_dev:len(held_pool) - n_eval] if n_dev else []
    held = set(eval_keys) | set(dev_keys)
    shared_train = [k for k in common if k not in held]
    half = len(shared_train) // 2
    out: dict[str, dict[str, list[str]]] = {}
    for spk, keys in keys_by_spk.items():
        train = [k for k in sorted(keys) if k not in held]
        if nonparallel and (spk in src_spks or spk in trg_spks):
            drop = set(shared_train[half:]) if spk in src_spks else set(shared_train[:half])
            train = [k for k in train if k not in drop]
        out[spk] = {"train": train, "dev": list(dev_keys), "eval": list(eval_keys)}
    return out


def write_splits(data_dir: Path, utts: Sequence[Utterance],
                 splits: Sequence[str] = SPLITS) -> dict[str, Path]:
    """Write ``data/<split>`` and ``data/<split>_<spk>`` for every split and speaker.

    Raises:
        CorpusError: a split, or a speaker within a split, has no utterances.

    Returns:
        Data directory name -> path.
    """
    speakers = sorted({u.spk for u in utts})
    if not speakers:
        raise CorpusError("no utterances found to prepare")
    written: dict[str, Path] = {}
    for split in splits:
        part = [u for u in utts if u.split == split]
        empty = [s for s in speakers if not any(u.spk == s for u in part)]
        if empty:
            raise CorpusError(f"split '{split}' has no utterances for speaker(s) "
                              f"{' '.join(empty)}")
        for name, sub in [(split, part)] + [(f"{split}_{s}", [u for u in part if u.spk == s])
                                            for s in speakers]:
            has_text = all(u.text is not None for u in sub)
            data = DataDir(wav_scp={u.utt_id: u.wav for u in sub},
                           utt2spk={u.utt_id: u.spk for u in sub},
                           text={u.utt_id: u.text for u in sub} if has_text else None)
            try:
                written[name] = write_data_dir(data_dir / name, data)
            except DataDirError as e:
                raise CorpusError(str(e)) from e
    return written


def keyed_files(directory: Path, pattern: str, key: Callable[[Path], str]) -> dict[str, Path]:
    """Files matching ``pattern`` in ``directory``, by ``key(path)`` (sorted)."""
    return {key(p): p.resolve() for p in sorted(directory.glob(pattern))}


def speaker_list(value: str | Sequence[str] | None) -> list[str]:
    """Speakers from a space/comma separated string or a sequence."""
    if value is None:
        return []
    if isinstance(value, str):
        return [s for s in value.replace(",", " ").split() if s]
    return list(value)


def run_cli(description: str, add_prepare_args: Callable[[argparse.ArgumentParser], None],
            prepare: Callable[[argparse.Namespace], dict[str, Path]],
            download: Callable[[argparse.Namespace], None] | None = None,
            argv: list[str] | None = None) -> int:
    """Command line shared by the corpus modules: ``prepare`` and (if any) ``download``."""
    parser = argparse.ArgumentParser(description=description)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare", help="build Kaldi data directories from the corpus")
    p.add_argument("--corpus-dir", "--corpus_dir", type=Path, required=True,
                   help="root of the extracted corpus")
    p.add_argument("--data-dir", "--data_dir", type=Path, default=Path("data"),
                   help="where to write the data directories (default: data)")
    add_prepare_args(p)
    if download is not None:
        d = sub.add_parser("download", help="download and extract the corpus (resumable)")
        d.add_argument("--dest", type=Path, required=True,
                       help="download directory; archives are kept and extracted here")
        d.add_argument("--speakers", default=None,
                       help="speakers to fetch, where the corpus is split by speaker")
    args = parser.parse_args(argv)
    try:
        if args.command == "download":
            download(args)
        else:
            written = prepare(args)
            for name, path in written.items():
                if "_" not in name:
                    n = sum(1 for _ in open(path / "utt2spk"))
                    print(f"{path}: {n} utterances")
    except (CorpusError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0
