"""Feature dumps: the on-disk output of ``vcgan extract``.

Layout of a dump directory::

    feature_config.yaml    the FeatureConfig used (per-speaker F0 ranges filled in)
    feats.scp              "<utt-id> <path>" per line, sorted; paths relative to the dump dir
    feats/<utt-id>.npz     one utterance: arrays f0, mcep, cap|ap [, spec, mel] (see
                           vcgan.features.extract), float32, one row per frame
    utt2spk, spk2utt       Kaldi tables of the utterances in feats.scp
    wav.scp                each utterance's audio as extracted (absolute paths, or the data
                           directory's pipe entries): waveform-domain families read it
    f0_range.yaml          per-speaker F0 search range (Hz) found by the first pass
    f0_histogram.png       per-speaker F0 histograms with those ranges
    stats/<spk>.npz        per-speaker statistics (``vcgan stats``)

One utterance loads in one line of NumPy: ``dict(np.load("dump/train/feats/UTT.npz"))``.
:meth:`FeatureDump.load` also checks it: a missing, empty or damaged file, a missing stream
or NaN/infinite frames raise :class:`DumpError` naming the utterance and the file.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from vcgan.data.kaldi import read_table
from vcgan.features.config import FeatureConfig
from vcgan.utils.io import atomic_path
from vcgan.utils.npz import CorruptFileError, load_npz

FEATS_DIR = "feats"
FEATS_SCP = "feats.scp"
CONFIG_FILE = "feature_config.yaml"
WAV_SCP = "wav.scp"
STATS_DIR = "stats"
#: Streams every dump utterance has (see vcgan.features.extract).
REQUIRED_STREAMS = ("f0", "mcep")
# How many bad utterances one error message lists; the count is always given.
_MAX_LISTED = 5


class DumpError(ValueError):
    """An unusable dump or dump utterance; the message names the dump or the file and utterance.
    ``problem`` is the message without the advice on what to do (for summaries of many)."""

    def __init__(self, problem: str, advice: str = ""):
        self.problem = problem
        super().__init__(f"{problem}; {advice}" if advice else problem)


# What to do about an unusable utterance.
_REDO = "delete the file and run `vcgan extract` again (it redoes missing utterances)"
_REDO_OR_DROP = f"{_REDO}, or remove the utterance from {FEATS_SCP}"


def write_features(path: str | os.PathLike, feats: dict[str, np.ndarray]) -> None:
    """Save one utterance's feature dict as ``.npz``, atomically."""
    with atomic_path(path, suffix=".tmp.npz") as tmp:
        np.savez(tmp, **feats)


def read_features(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """One feature dict from ``.npz`` (see :func:`vcgan.utils.npz.load_npz` for the errors)."""
    return load_npz(path)


def check_features(feats: dict[str, np.ndarray], streams: tuple[str, ...] = REQUIRED_STREAMS) -> str | None:
    """The first problem of a feature dict as one phrase, or None when it is usable.

    Problems: a stream of ``streams`` missing; a stream with no frames; frames (rows) with
    NaN or infinite values (counted per stream).
    """
    missing = [k for k in streams if k not in feats]
    if missing:
        return f"no {', '.join(repr(k) for k in missing)} stream (has {', '.join(sorted(feats)) or 'none'})"
    non_finite = []
    for name, x in sorted(feats.items()):
        if x.ndim == 0 or len(x) == 0:
            return f"stream {name!r} has no frames (shape {x.shape})"
        if np.issubdtype(x.dtype, np.number):
            bad = ~np.isfinite(x.reshape(len(x), -1)).all(axis=1)
            if bad.any():
                non_finite.append(f"{int(bad.sum())} of {len(x)} frames of {name!r} "
                                  f"(first: frame {int(np.argmax(bad))})")
    return "NaN or infinite values in " + ", ".join(non_finite) if non_finite else None


class FeatureDump:
    """Read access to a dump directory written by ``vcgan extract``."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)
        scp = self.root / FEATS_SCP
        if not scp.is_file():
            raise FileNotFoundError(f"{self.root}: not a feature dump (no {FEATS_SCP}); run `vcgan extract` first")
        for name in ("utt2spk", CONFIG_FILE):
            if not (self.root / name).is_file():
                raise DumpError(f"{self.root}: incomplete feature dump (no {name})", "run `vcgan extract` again")
        self.scp = read_table(scp)
        self.utt2spk = read_table(self.root / "utt2spk")
        missing = sorted(set(self.scp) - set(self.utt2spk))
        if missing:
            raise ValueError(f"{self.root}/utt2spk: no speaker for {len(missing)} utterance(s), e.g. {missing[:3]}")
        self.config = FeatureConfig.from_yaml(self.root / CONFIG_FILE)
        self._wav_scp: dict[str, str] | None = None

    @property
    def utterances(self) -> list[str]:
        return sorted(self.scp)

    @property
    def speakers(self) -> list[str]:
        return sorted(set(self.utt2spk[u] for u in self.scp))

    def utterances_of(self, speaker: str) -> list[str]:
        return [u for u in self.utterances if self.utt2spk[u] == speaker]

    def path(self, utt: str) -> Path:
        p = Path(self.scp[utt])
        return p if p.is_absolute() else self.root / p

    def load(self, utt: str, streams: tuple[str, ...] = REQUIRED_STREAMS) -> dict[str, np.ndarray]:
        """Features of ``utt``, checked (:func:`check_features` with ``streams``).

        Raises:
            DumpError: naming the file and the utterance: missing, empty, damaged, or a
                problem found by :func:`check_features`.
        """
        path = self.path(utt)
        try:
            feats = read_features(path)
        except FileNotFoundError:
            raise DumpError(f"{path}: utterance {utt}: listed in {FEATS_SCP} but the file does not exist",
                            "run `vcgan extract` again (it redoes missing utterances)") from None
        except CorruptFileError as e:
            raise DumpError(f"{path}: utterance {utt}: {e.problem}", _REDO) from None
        problem = check_features(feats, streams)
        if problem:
            raise DumpError(f"{path}: utterance {utt}: {problem}", _REDO_OR_DROP)
        return feats

    def load_all(self, utts: list[str], streams: tuple[str, ...] = REQUIRED_STREAMS,
                 keep: tuple[str, ...] | None = None) -> dict[str, dict[str, np.ndarray]]:
        """:meth:`load` of every utterance of ``utts``: utterance -> feature dict, with only the
        streams ``keep`` when given (spectrogram streams of a whole corpus are large).

        Raises:
            DumpError: after trying them all, listing the bad ones (count, the first few with
                their problem).
        """
        out, bad = {}, []
        for utt in utts:
            try:
                feats = self.load(utt, streams)
            except DumpError as e:
                bad.append(e.problem)
                continue
            out[utt] = feats if keep is None else {k: feats[k] for k in keep if k in feats}
        if bad:
            more = f"\n  (and {len(bad) - _MAX_LISTED} more)" if len(bad) > _MAX_LISTED else ""
            raise DumpError(f"{self.root}: {len(bad)} of {len(utts)} utterance(s) unusable:\n  "
                            + "\n  ".join(bad[:_MAX_LISTED]) + more + "\nFor each, " + _REDO_OR_DROP)
        return out

    def require_utterances(self) -> None:
        """Raise :class:`DumpError` when the dump lists no utterance at all."""
        if not self.scp:
            bad = self.root / "bad_files.txt"
            why = f"; every file was bad, see {bad}" if bad.is_file() else ""
            raise DumpError(f"{self.root}: the dump has no utterances ({FEATS_SCP} is empty{why})",
                            "run `vcgan extract` on a data directory with usable audio")

    def audio_entry(self, utt: str) -> str:
        """The audio ``utt`` was extracted from: a path or a Kaldi pipe entry, as
        :func:`vcgan.audio.read_wav` reads it.

        Raises:
            DumpError: the dump has no ``wav.scp`` (extracted by an older vcgan) or does not
                list ``utt``.
        """
        if self._wav_scp is None:
            scp = self.root / WAV_SCP
            if not scp.is_file():
                raise DumpError(f"{self.root}: no {WAV_SCP} (the audio of each utterance)",
                                "run `vcgan extract` again: it writes wav.scp without redoing the features")
            self._wav_scp = read_table(scp)
        try:
            return self._wav_scp[utt]
        except KeyError:
            raise DumpError(f"{self.root}/{WAV_SCP}: no entry for utterance {utt}",
                            "run `vcgan extract` again") from None

    @property
    def stats_dir(self) -> Path:
        return self.root / STATS_DIR


def parallel_utterances(dump: FeatureDump, src: str, tgt: str) -> list[tuple[str, str]]:
    """``(src_utt, tgt_utt)`` of the same sentence, matched on the id after ``<speaker>_``
    (the convention of parallel dev/eval sets, see :mod:`vcgan.data.folders`)."""
    def by_sentence(spk: str) -> dict[str, str]:
        return {u[len(spk) + 1:] if u.startswith(spk + "_") else u: u for u in dump.utterances_of(spk)}
    s, t = by_sentence(src), by_sentence(tgt)
    return [(s[k], t[k]) for k in sorted(set(s) & set(t))]
