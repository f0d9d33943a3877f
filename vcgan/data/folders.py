"""A Kaldi data directory from a folder of speaker folders: ``ROOT/<speaker>/<sentence>.wav``.

The layout most corpora come in, or are easily put in. Utterance ids are
``<speaker>_<file stem>``: files with the same name in two speakers' folders are taken to be
the same sentence, which is how validation (``vcgan train --dev-dump``) and the recipes'
evaluation pair a converted utterance with its reference.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

from vcgan.data.kaldi import DataDir, DataDirError

#: File endings read by default (what libsndfile reads; mp3 needs a recent libsndfile).
AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg")


def scan_speaker_folders(root: str | os.PathLike, extensions: Iterable[str] = AUDIO_EXTENSIONS,
                         speakers: Iterable[str] | None = None) -> tuple[DataDir, list[str]]:
    """Every audio file one level below ``root``, as a data directory.

    Args:
        root: Folder whose sub-folders are speakers (the folder name is the speaker id).
        extensions: File endings to take, with the dot (case-insensitive).
        speakers: Only these speakers (all when ``None``); a name without a folder is an error.

    Returns:
        ``(data, notes)``: the data directory (absolute paths, so it works from any directory)
        and one line per thing left out (files in ``root`` itself, folders without audio).

    Raises:
        DataDirError: ``root`` missing, no audio at all, a wanted speaker without a folder, an id
            with white space, or two files of one speaker with the same stem (``a.wav``, ``a.flac``).
    """
    root = Path(root)
    if not root.is_dir():
        raise DataDirError(f"{root}: not a directory (expected ROOT/<speaker>/<sentence>.wav)")
    exts = {e.lower() if e.startswith(".") else f".{e.lower()}" for e in extensions}
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    notes = [f"{p}: not in a speaker folder, left out" for p in sorted(root.iterdir())
             if p.is_file() and p.suffix.lower() in exts]
    if speakers is not None:
        wanted = list(speakers)
        missing = [s for s in wanted if not (root / s).is_dir()]
        if missing:
            raise DataDirError(f"{root}: no folder for speaker(s) {missing}; "
                               f"speakers found: {[p.name for p in folders]}")
        folders = [root / s for s in wanted]
    wav_scp: dict[str, str] = {}
    utt2spk: dict[str, str] = {}
    for folder in folders:
        spk = folder.name
        files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in exts)
        if not files:
            notes.append(f"{folder}: no {'/'.join(sorted(exts))} files, speaker left out")
            continue
        for f in files:
            utt = f"{spk}_{f.stem}"
            if any(c.isspace() for c in utt):
                raise DataDirError(f"{f}: speaker or file name contains white space; Kaldi ids cannot (rename it)")
            if utt in wav_scp:
                raise DataDirError(f"{f}: same name as {wav_scp[utt]} (one file per sentence and speaker)")
            wav_scp[utt] = str(f.resolve())
            utt2spk[utt] = spk
    if not wav_scp:
        raise DataDirError(f"{root}: no audio files in speaker folders (expected ROOT/<speaker>/<sentence>.wav)")
    return DataDir(wav_scp, utt2spk, path=root), notes
