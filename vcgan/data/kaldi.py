"""Kaldi-style data directories: ``wav.scp``, ``utt2spk``, ``spk2utt`` and optional ``text``.

A data directory lists the utterances of one set (``data/train``, ``data/eval_SF1``, ...):

``wav.scp``
    ``<utt-id> <path>``: one audio file per utterance, or, as in Kaldi, a shell command
    ending in ``|`` that writes the audio file to its standard output
    (``utt1 sox in.flac -t wav - |``, ``utt2 sph2pipe -f wav a.sph |``); vcgan's readers run
    it through ``/bin/sh`` (:func:`vcgan.audio.run_pipe`). Ark offsets (``a.ark:123``) are
    not supported. Relative paths, in paths and commands, are relative to the current
    directory (the recipe directory), as in Kaldi.
``utt2spk``
    ``<utt-id> <spk-id>``: the speaker of every utterance.
``spk2utt``
    ``<spk-id> <utt-id> <utt-id> ...``: derived from ``utt2spk``; written for Kaldi
    compatibility and checked against ``utt2spk`` when read.
``text`` (optional)
    ``<utt-id> <transcript>``.

Files are sorted by key (byte order, as Kaldi's ``LC_ALL=C sort``). Problems raise
:class:`DataDirError` whose message names the directory, the file, and the offending
line numbers or ids.

Run ``python -m vcgan.data.kaldi DIR [DIR ...]`` to validate directories from a shell
script (exit status 1 and a message on the first invalid one).
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from vcgan.utils.io import atomic_write_text

__all__ = ["DataDir", "DataDirError", "read_data_dir", "write_data_dir", "validate_data_dir", "read_table",
           "write_table", "is_pipe_entry"]

# How many offending ids/lines to quote in one message; the count is always given.
_MAX_LISTED = 5


class DataDirError(ValueError):
    """An invalid or incomplete Kaldi data directory (message says where and what)."""


def _listing(items: Iterable[str]) -> str:
    items = list(items)
    shown = ", ".join(items[:_MAX_LISTED])
    more = f" (and {len(items) - _MAX_LISTED} more)" if len(items) > _MAX_LISTED else ""
    return shown + more


@dataclass
class DataDir:
    """The contents of one Kaldi data directory.

    Attributes:
        wav_scp: utterance id -> audio file path.
        utt2spk: utterance id -> speaker id.
        text: utterance id -> transcript, or None when the directory has no ``text``.
        path: where the directory was read from (used in error messages), or None.
    """

    wav_scp: dict[str, str]
    utt2spk: dict[str, str]
    text: dict[str, str] | None = None
    path: Path | None = field(default=None, compare=False)

    @property
    def utt_ids(self) -> list[str]:
        """Utterance ids, sorted."""
        return sorted(self.utt2spk)

    @property
    def speakers(self) -> list[str]:
        """Speaker ids, sorted."""
        return sorted(set(self.utt2spk.values()))

    @property
    def spk2utt(self) -> dict[str, list[str]]:
        """Speaker id -> sorted utterance ids (derived from ``utt2spk``)."""
        out: dict[str, list[str]] = {}
        for utt in self.utt_ids:
            out.setdefault(self.utt2spk[utt], []).append(utt)
        return dict(sorted(out.items()))

    def __len__(self) -> int:
        return len(self.utt2spk)

    def _where(self) -> str:
        return f"data directory {self.path}" if self.path is not None else "data directory"

    def subset(self, utt_ids: Iterable[str]) -> "DataDir":
        """A new DataDir with only ``utt_ids`` (all must exist)."""
        wanted = list(utt_ids)
        unknown = [u for u in wanted if u not in self.utt2spk]
        if unknown:
            raise DataDirError(f"{self._where()}: subset asks for {len(unknown)} unknown "
                               f"utterance(s): {_listing(unknown)}")
        keep = set(wanted)
        return DataDir(
            wav_scp={u: p for u, p in self.wav_scp.items() if u in keep},
            utt2spk={u: s for u, s in self.utt2spk.items() if u in keep},
            text=None if self.text is None else {u: t for u, t in self.text.items() if u in keep},
        )

    def filter_speakers(self, speakers: Iterable[str]) -> "DataDir":
        """A new DataDir with only the utterances of ``speakers`` (all must exist)."""
        wanted = list(speakers)
        unknown = [s for s in wanted if s not in set(self.utt2spk.values())]
        if unknown:
            raise DataDirError(f"{self._where()}: unknown speaker(s) {_listing(unknown)}; "
                               f"speakers present: {_listing(self.speakers)}")
        keep = set(wanted)
        return self.subset(u for u, s in self.utt2spk.items() if s in keep)

    def validate(self, check_files: bool = True) -> None:
        """Check the directory is usable; raise :class:`DataDirError` naming the problem.

        Checks: not empty; ``wav.scp`` and ``utt2spk`` list the same utterances; ``text``
        (if any) has no utterance unknown to ``utt2spk``; no empty ids or paths, no
        ``| command`` entries (Kaldi's output pipes); and, with ``check_files``, every audio
        file exists (pipe entries are not run: that happens when they are read).
        """
        where = self._where()
        if not self.utt2spk and not self.wav_scp:
            raise DataDirError(f"{where}: no utterances (wav.scp and utt2spk are empty)")
        only_wav = sorted(set(self.wav_scp) - set(self.utt2spk))
        only_spk = sorted(set(self.utt2spk) - set(self.wav_scp))
        if only_wav:
            raise DataDirError(f"{where}: {len(only_wav)} utterance(s) in wav.scp but not in "
                               f"utt2spk: {_listing(only_wav)}")
        if only_spk:
            raise DataDirError(f"{where}: {len(only_spk)} utterance(s) in utt2spk but not in "
                               f"wav.scp: {_listing(only_spk)}")
        if self.text is not None:
            only_text = sorted(set(self.text) - set(self.utt2spk))
            if only_text:
                raise DataDirError(f"{where}: {len(only_text)} utterance(s) in text but not in "
                                   f"utt2spk: {_listing(only_text)}")
        no_spk = sorted(u for u, s in self.utt2spk.items() if not s.strip())
        if no_spk:
            raise DataDirError(f"{where}: utt2spk has no speaker for: {_listing(no_spk)}")
        for utt, wav in self.wav_scp.items():
            _check_wav_entry(wav, f"{where}: wav.scp entry {utt}")
        if check_files:
            missing = sorted(u for u, p in self.wav_scp.items()
                             if not is_pipe_entry(p) and not os.path.isfile(p))
            if missing:
                examples = [f"{u} -> {self.wav_scp[u]}" for u in missing]
                raise DataDirError(f"{where}: {len(missing)} of {len(self.wav_scp)} audio files "
                                   f"in wav.scp do not exist: {_listing(examples)}")


def is_pipe_entry(wav: str) -> bool:
    """Whether a ``wav.scp`` value is a command whose standard output is the audio
    (Kaldi's ``... |``) rather than a file path."""
    return wav.rstrip().endswith("|")


def _check_wav_entry(wav: str, what: str) -> None:
    if not wav.strip():
        raise DataDirError(f"{what}: empty path")
    if wav.lstrip().startswith("|"):
        # Kaldi reads '| cmd' as an output pipe (a writer's specifier), never as audio input.
        raise DataDirError(f"{what}: '{wav}' is an output pipe ('| command'); an input command "
                           "ends with '|' ('sox in.flac -t wav - |')")
    if is_pipe_entry(wav) and not wav.rstrip()[:-1].strip():
        raise DataDirError(f"{what}: pipe entry '{wav}' has no command")


def _read_table(directory: Path, name: str) -> dict[str, str]:
    """Read ``<key> <value>`` lines (value = rest of the line: a path or transcript may
    contain spaces); duplicate keys, empty lines and missing values are errors."""
    path = directory / name
    table: dict[str, str] = {}
    first_line: dict[str, int] = {}
    with open(path, encoding="utf-8") as f:
        for lineno, raw in enumerate(f, start=1):
            line = raw.rstrip("\n").rstrip("\r")
            if not line.strip():
                raise DataDirError(f"data directory {directory}: {name} line {lineno} is empty")
            parts = line.strip().split(maxsplit=1)
            if len(parts) < 2 and name == "spk2utt":
                raise DataDirError(f"data directory {directory}: spk2utt line {lineno}: "
                                   f"speaker '{parts[0]}' has no utterances")
            if len(parts) < 2 and name != "text":
                raise DataDirError(f"data directory {directory}: {name} line {lineno} has a key "
                                   f"but no value: '{line.strip()}'")
            key = parts[0]
            value = parts[1] if len(parts) > 1 else ""
            if key in table:
                raise DataDirError(f"data directory {directory}: {name} has duplicate id '{key}' "
                                   f"on lines {first_line[key]} and {lineno}")
            table[key] = value
            first_line[key] = lineno
    return table


def read_data_dir(path: str | os.PathLike, validate: bool = True,
                  check_files: bool = True) -> DataDir:
    """Read a Kaldi data directory.

    Args:
        path: the directory (must contain ``wav.scp`` and ``utt2spk``).
        validate: run :meth:`DataDir.validate` and check ``spk2utt`` (when present)
            against ``utt2spk``.
        check_files: with ``validate``, also check that every audio file exists.

    Returns:
        The :class:`DataDir`.

    Raises:
        DataDirError: the directory or a required file is missing, a line is malformed,
            an id is duplicated, or validation fails.
    """
    directory = Path(path)
    if not directory.is_dir():
        raise DataDirError(f"data directory {directory} does not exist")
    for required in ("wav.scp", "utt2spk"):
        if not (directory / required).is_file():
            raise DataDirError(f"data directory {directory}: missing file {required}")
    wav_scp = _read_table(directory, "wav.scp")
    utt2spk = _read_table(directory, "utt2spk")
    text = _read_table(directory, "text") if (directory / "text").is_file() else None
    data = DataDir(wav_scp=wav_scp, utt2spk=utt2spk, text=text, path=directory)
    if validate:
        data.validate(check_files=check_files)
        if (directory / "spk2utt").is_file():
            _check_spk2utt(data, _read_table(directory, "spk2utt"))
    return data


def _check_spk2utt(data: DataDir, spk2utt_raw: dict[str, str]) -> None:
    where = data._where()
    listed: dict[str, str] = {}
    for spk, utts in spk2utt_raw.items():
        for utt in utts.split():
            if utt in listed:
                raise DataDirError(f"{where}: spk2utt lists utterance '{utt}' twice "
                                   f"(speakers '{listed[utt]}' and '{spk}')")
            listed[utt] = spk
    if listed != data.utt2spk:
        diff = sorted(u for u in set(listed) | set(data.utt2spk)
                      if listed.get(u) != data.utt2spk.get(u))
        raise DataDirError(f"{where}: spk2utt disagrees with utt2spk for {len(diff)} "
                           f"utterance(s): {_listing(diff)} (regenerate spk2utt from utt2spk)")


def validate_data_dir(path: str | os.PathLike, check_files: bool = True) -> DataDir:
    """Read and fully validate a data directory (alias of ``read_data_dir(path)``)."""
    return read_data_dir(path, validate=True, check_files=check_files)


def _format(table: dict[str, str]) -> str:
    return "".join(f"{k} {table[k]}\n" for k in sorted(table))


def read_table(path: str | os.PathLike) -> dict[str, str]:
    """One Kaldi table file (``<key> <value>`` lines, e.g. ``feats.scp``, ``utt2spk``) as a dict;
    duplicate keys, empty lines and missing values raise :class:`DataDirError`."""
    path = Path(path)
    return _read_table(path.parent, path.name)


def write_table(path: str | os.PathLike, table: dict[str, str]) -> None:
    """Write a Kaldi table file sorted by key, atomically."""
    atomic_write_text(path, _format(table))


def write_data_dir(path: str | os.PathLike, data: DataDir, check_files: bool = True) -> Path:
    """Validate ``data`` and write it as a Kaldi data directory (sorted, atomic per file).

    Writes ``wav.scp``, ``utt2spk``, ``spk2utt`` and, when ``data.text`` is set,
    ``text``; a stale ``text`` from an earlier write is removed otherwise.

    Returns:
        The directory path.
    """
    directory = Path(path)
    DataDir(data.wav_scp, data.utt2spk, data.text, directory).validate(check_files=check_files)
    for utt, value in list(data.utt2spk.items()) + list(data.wav_scp.items()):
        if any(c in utt for c in " \t\n"):
            raise DataDirError(f"data directory {directory}: id '{utt}' contains whitespace")
        if "\n" in value:
            raise DataDirError(f"data directory {directory}: value for '{utt}' contains a newline")
    directory.mkdir(parents=True, exist_ok=True)
    atomic_write_text(directory / "wav.scp", _format(data.wav_scp))
    atomic_write_text(directory / "utt2spk", _format(data.utt2spk))
    spk2utt = {spk: " ".join(utts) for spk, utts in
               DataDir(data.wav_scp, data.utt2spk).spk2utt.items()}
    atomic_write_text(directory / "spk2utt", _format(spk2utt))
    if data.text is not None:
        atomic_write_text(directory / "text", _format(data.text))
    elif (directory / "text").exists():
        (directory / "text").unlink()
    return directory


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m vcgan.data.kaldi",
        description="Validate Kaldi data directories (wav.scp, utt2spk, spk2utt, text).")
    parser.add_argument("dirs", nargs="+", help="data directories to check")
    parser.add_argument("--no-check-files", action="store_true",
                        help="do not check that the audio files exist")
    parser.add_argument("--speakers", default=None,
                        help="space-separated speaker ids that must each have utterances "
                             "in every directory")
    args = parser.parse_args(argv)
    try:
        for d in args.dirs:
            data = read_data_dir(d, check_files=not args.no_check_files)
            if args.speakers:
                absent = [s for s in args.speakers.split() if s not in data.spk2utt]
                if absent:
                    raise DataDirError(f"data directory {d}: no utterances for speaker(s) "
                                       f"{_listing(absent)}; speakers present: "
                                       f"{_listing(data.speakers)}")
            print(f"{d}: {len(data)} utterances, {len(data.speakers)} speakers: ok")
    except DataDirError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
