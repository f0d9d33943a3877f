"""Reading, validating, resampling and writing audio.

Audio goes through soundfile (torchaudio's own ``load``/``save`` need torchcodec). Every
problem with an input file raises :class:`AudioError` naming the file and the problem;
conversions that are safe to do (downmixing stereo, resampling to the configured rate) are
done and reported with a :class:`AudioWarning`, as is a file shorter than its header says
(truncated by an interrupted copy or download).

Besides file paths, :func:`read_wav` accepts Kaldi ``wav.scp`` pipe entries
(``"sox in.flac -t wav - |"``): the command runs through the shell, as Kaldi's readers do,
and its standard output is read as the audio file.
"""

from __future__ import annotations

import contextlib
import io
import os
import struct
import subprocess
import warnings
from pathlib import Path
from typing import BinaryIO

import numpy as np
import soundfile as sf

from vcgan.data.kaldi import is_pipe_entry
from vcgan.utils.io import atomic_path

#: Peak amplitude below which a file counts as silent (about -80 dBFS).
SILENCE_PEAK = 1e-4
#: Characters of a failing pipe command's standard error quoted in its error message.
PIPE_STDERR_TAIL = 500


class AudioError(ValueError):
    """A file that cannot be used as speech input. ``str()`` names the file and the problem."""

    def __init__(self, path: str | os.PathLike, problem: str):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class AudioWarning(UserWarning):
    """A file that was usable after a conversion (downmix, resample) or despite a problem
    (shorter than its header declares)."""


def read_wav(
    path: str | os.PathLike,
    sample_rate: int | None = None,
    *,
    min_samples: int = 1,
    resample: bool = True,
) -> tuple[np.ndarray, int]:
    """Read a speech file as mono float64 in [-1, 1].

    Args:
        path: Any format libsndfile reads (wav, flac, ogg, ...), any bit depth; or a Kaldi
            pipe entry, a string ending in ``|`` (see :func:`run_pipe`).
        sample_rate: Wanted rate in Hz. A file at another rate is resampled (with a warning)
            when ``resample`` is true, otherwise it is an error. ``None`` keeps the file's rate.
        min_samples: Fewer samples (after resampling) is an error ("too short"); callers pass
            the length of one analysis window.
        resample: Allow resampling to ``sample_rate``.

    Returns:
        ``(x, fs)``: samples of shape ``(samples,)`` and the rate in Hz.

    Raises:
        AudioError: missing, empty, not audio/corrupt, NaN or inf samples, silent, too short,
            at the wrong rate with ``resample=False``, or a pipe command that failed.

    Warns:
        AudioWarning: downmixed, resampled, or shorter than its header declares (truncated;
            the samples that are there are used: they are intact, and a recording cut short
            is still speech, so this is not an error).
    """
    if isinstance(path, str) and is_pipe_entry(path):
        path = path.strip()
        source: str | io.BytesIO = io.BytesIO(run_pipe(path))
    else:
        path = Path(path)
        if not path.is_file():
            raise AudioError(path, "file does not exist")
        if path.stat().st_size == 0:
            raise AudioError(path, "file is empty (0 bytes)")
        source = str(path)
    try:
        with sf.SoundFile(source) as f:
            fs, header_frames = f.samplerate, f.frames
            x = f.read(dtype="float64", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, TypeError) as e:
        # libsndfile's own message starts "Error opening <file>: ", which the error names already.
        reason = getattr(e, "error_string", None) or str(e)
        raise AudioError(path, f"not a readable audio file or corrupt ({reason})") from None
    with open(source, "rb") if isinstance(source, str) else contextlib.nullcontext(source) as f:
        declared = _declared_seconds(f, fs, len(x))
    if declared is None and len(x) < header_frames:
        declared = header_frames / fs
    if x.shape[0] == 0:
        raise AudioError(path, "contains no samples" + (f" (header declares {declared:.2f} s; truncated?)"
                                                         if declared else ""))
    if declared is not None:
        warnings.warn(f"{path}: header declares {declared:.2f} s, file holds {len(x) / fs:.2f} s; truncated? "
                      "(using the part that is there)", AudioWarning, stacklevel=2)
    return check_samples(x, fs, path, sample_rate, min_samples=min_samples, resample=resample, stacklevel=3)


def check_samples(x: np.ndarray, fs: int, name: str | os.PathLike, sample_rate: int | None = None, *,
                  min_samples: int = 1, resample: bool = True, stacklevel: int = 2) -> tuple[np.ndarray, int]:
    """The checks and safe conversions of :func:`read_wav`, for samples already in memory.

    Args:
        x: ``(samples,)`` or ``(samples, channels)`` floats in [-1, 1].
        fs: Their rate (Hz).
        name: What to call them in messages (a file name, ``"input array"``).
        sample_rate, min_samples, resample: As for :func:`read_wav`.

    Returns:
        ``(x, fs)``: mono ``(samples,)`` float64 at ``sample_rate`` (or ``fs``).

    Raises:
        AudioError: naming ``name``: no samples, NaN or inf, silent, too short, another rate
            with ``resample=False``, a rate that is not a positive integer, more than 2 axes.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2:
        raise AudioError(name, f"expected (samples,) or (samples, channels) audio, got shape {x.shape}")
    if not (isinstance(fs, (int, np.integer)) and fs > 0):
        raise AudioError(name, f"sample rate must be a positive integer (Hz), got {fs!r}")
    if x.shape[0] == 0:
        raise AudioError(name, "contains no samples")
    if not np.all(np.isfinite(x)):
        n_bad = int(np.sum(~np.isfinite(x)))
        raise AudioError(name, f"contains {n_bad} NaN or infinite samples")
    if x.shape[1] > 1:
        warnings.warn(f"{name}: {x.shape[1]} channels, downmixed to mono by averaging", AudioWarning,
                      stacklevel=stacklevel)
    x = x.mean(axis=1)
    if np.max(np.abs(x)) < SILENCE_PEAK:
        raise AudioError(name, f"silent (peak amplitude {np.max(np.abs(x)):.2e} < {SILENCE_PEAK:g})")
    if sample_rate is not None and fs != sample_rate:
        if not resample:
            raise AudioError(name, f"sample rate is {fs} Hz, expected {sample_rate} Hz")
        warnings.warn(f"{name}: resampled from {fs} Hz to {sample_rate} Hz", AudioWarning, stacklevel=stacklevel)
        x = resample_audio(x, fs, sample_rate)
        fs = sample_rate
    if len(x) < min_samples:
        raise AudioError(
            name, f"too short: {len(x)} samples ({1000 * len(x) / fs:.1f} ms), need at least {min_samples}"
        )
    return x, int(fs)


def run_pipe(entry: str) -> bytes:
    """Standard output of a Kaldi ``wav.scp`` pipe entry (``"sox in.flac -t wav - |"``).

    The command (the entry without its final ``|``) runs through ``/bin/sh`` in the current
    directory, as Kaldi's ``popen`` does, with no standard input (a command waiting for input
    would otherwise hang the batch).

    Raises:
        AudioError: naming the entry: the command could not start, exited with a non-zero
            status (the tail of its standard error is quoted), or wrote nothing.
    """
    command = entry.strip()[:-1].strip()
    try:
        done = subprocess.run(command, shell=True, stdin=subprocess.DEVNULL, capture_output=True)
    except OSError as e:
        raise AudioError(entry, f"cannot run the command ({e})") from None
    if done.returncode != 0:
        how = (f"killed by signal {-done.returncode}" if done.returncode < 0
               else f"exit status {done.returncode}")
        tail = done.stderr.decode("utf-8", "replace").strip()[-PIPE_STDERR_TAIL:]
        raise AudioError(entry, f"command failed ({how})" + (f": {tail}" if tail else ", nothing on stderr"))
    if not done.stdout:
        raise AudioError(entry, "command wrote nothing to its standard output")
    return done.stdout


# A streamed WAV (written to a pipe, length unknown) declares a data size of 0 or a value
# near 2^31/2^32 (sox: 0x7ffff000, others 0xffffffff); such sizes say nothing about truncation.
_UNKNOWN_WAV_SIZE = 0x7FFF0000


def _declared_seconds(f: BinaryIO, fs: int, held_frames: int) -> float | None:
    """Duration (s) the header of a WAV or AIFF file ``f`` declares, when it is more than
    the file holds.

    libsndfile clamps the frame count of these formats to the data present and says so only
    in its log, so the header is read here. ``held_frames`` is what libsndfile read at
    ``fs`` Hz. Returns None for complete files, other formats and unknown lengths.
    """
    size = f.seek(0, os.SEEK_END)
    f.seek(0)
    head = f.read(12)
    if len(head) < 12:
        return None
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        byte_rate = 0
        for cid, csize, pos in _chunks(f, size, "<"):
            if cid == b"fmt " and csize >= 12:
                f.seek(pos)
                byte_rate = struct.unpack("<I", f.read(12)[8:12])[0]
            elif cid == b"data":
                available = size - pos
                if csize <= available or csize >= _UNKNOWN_WAV_SIZE or not byte_rate:
                    return None
                return csize / byte_rate
    elif head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        for cid, csize, pos in _chunks(f, size, ">"):
            if cid == b"COMM" and csize >= 6:
                f.seek(pos + 2)
                frames = struct.unpack(">I", f.read(4))[0]
                return frames / fs if frames > held_frames else None
    return None


def _chunks(f: BinaryIO, size: int, endian: str):
    """``(id, declared size, data offset)`` of the chunks of a RIFF/IFF file after its
    12-byte header; sizes are as declared (possibly beyond the end of a truncated file)."""
    pos = 12
    while pos + 8 <= size:
        f.seek(pos)
        cid, csize = struct.unpack(endian + "4sI", f.read(8))
        yield cid, csize, pos + 8
        pos += 8 + csize + (csize & 1)  # chunks are padded to an even size


def resample_audio(x: np.ndarray, orig_sr: int, target_sr: int) -> np.ndarray:
    """Band-limited resampling (polyphase, Kaiser window) of a ``(samples,)`` signal."""
    if orig_sr == target_sr:
        return x
    from scipy.signal import resample_poly
    g = np.gcd(int(orig_sr), int(target_sr))
    return resample_poly(x, int(target_sr) // g, int(orig_sr) // g)


def write_wav(path: str | os.PathLike, x: np.ndarray, sample_rate: int, *, subtype: str = "PCM_16") -> None:
    """Write a mono signal atomically (temp file + rename).

    Samples beyond [-1, 1] would wrap around in 16-bit PCM, so the signal is scaled down to a
    0.99 peak when it exceeds it (with a warning); quieter signals are written as they are.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"{path}: expected a mono signal of shape (samples,), got {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{path}: refusing to write a signal with NaN or infinite samples")
    peak = np.max(np.abs(x)) if len(x) else 0.0
    if peak > 1.0:
        warnings.warn(f"{path}: peak {peak:.2f} > 1, scaled to 0.99 to avoid clipping", AudioWarning, stacklevel=2)
        x = x * (0.99 / peak)
    with atomic_path(path) as tmp:
        sf.write(str(tmp), x, int(sample_rate), subtype=subtype, format=_format_for(path))


def _format_for(path: str | os.PathLike) -> str:
    ext = Path(path).suffix.lower().lstrip(".")
    return {"wav": "WAV", "flac": "FLAC", "ogg": "OGG"}.get(ext, "WAV")
