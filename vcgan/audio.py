"""Reading, validating, resampling and writing audio.

Audio goes through soundfile (torchaudio's own ``load``/``save`` need torchcodec). Every
problem with an input file raises :class:`AudioError` naming the file and the problem;
conversions that are safe to do (downmixing stereo, resampling to the configured rate) are
done and reported with a :class:`AudioWarning`.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import soundfile as sf

from vcgan.utils.io import atomic_path

#: Peak amplitude below which a file counts as silent (about -80 dBFS).
SILENCE_PEAK = 1e-4


class AudioError(ValueError):
    """A file that cannot be used as speech input. ``str()`` names the file and the problem."""

    def __init__(self, path: str | os.PathLike, problem: str):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class AudioWarning(UserWarning):
    """A file that was usable after a conversion (downmix, resample)."""


def read_wav(
    path: str | os.PathLike,
    sample_rate: int | None = None,
    *,
    min_samples: int = 1,
    resample: bool = True,
) -> tuple[np.ndarray, int]:
    """Read a speech file as mono float64 in [-1, 1].

    Args:
        path: Any format libsndfile reads (wav, flac, ogg, ...), any bit depth.
        sample_rate: Wanted rate in Hz. A file at another rate is resampled (with a warning)
            when ``resample`` is true, otherwise it is an error. ``None`` keeps the file's rate.
        min_samples: Fewer samples (after resampling) is an error ("too short"); callers pass
            the length of one analysis window.
        resample: Allow resampling to ``sample_rate``.

    Returns:
        ``(x, fs)``: samples of shape ``(samples,)`` and the rate in Hz.

    Raises:
        AudioError: missing, empty, not audio/corrupt, NaN or inf samples, silent, too short,
            or at the wrong rate with ``resample=False``.
    """
    path = Path(path)
    if not path.is_file():
        raise AudioError(path, "file does not exist")
    if path.stat().st_size == 0:
        raise AudioError(path, "file is empty (0 bytes)")
    try:
        x, fs = sf.read(str(path), dtype="float64", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, TypeError) as e:
        raise AudioError(path, f"not a readable audio file or corrupt ({e})") from None
    if x.shape[0] == 0:
        raise AudioError(path, "contains no samples")
    if not np.all(np.isfinite(x)):
        n_bad = int(np.sum(~np.isfinite(x)))
        raise AudioError(path, f"contains {n_bad} NaN or infinite samples")
    if x.shape[1] > 1:
        warnings.warn(f"{path}: {x.shape[1]} channels, downmixed to mono by averaging", AudioWarning, stacklevel=2)
    x = x.mean(axis=1)
    if np.max(np.abs(x)) < SILENCE_PEAK:
        raise AudioError(path, f"silent (peak amplitude {np.max(np.abs(x)):.2e} < {SILENCE_PEAK:g})")
    if sample_rate is not None and fs != sample_rate:
        if not resample:
            raise AudioError(path, f"sample rate is {fs} Hz, expected {sample_rate} Hz")
        warnings.warn(f"{path}: resampled from {fs} Hz to {sample_rate} Hz", AudioWarning, stacklevel=2)
        x = resample_audio(x, fs, sample_rate)
        fs = sample_rate
    if len(x) < min_samples:
        raise AudioError(
            path, f"too short: {len(x)} samples ({1000 * len(x) / fs:.1f} ms), need at least {min_samples}"
        )
    return x, int(fs)


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
