"""STFT log-magnitude and log-mel spectrograms (torch / torchaudio).

Settings that an inversion needs (window, hop, centre padding, mel scale and norm, log floor)
are fixed here or taken from the :class:`~vcgan.features.config.FeatureConfig`, so that
:mod:`vcgan.vocoders.griffin_lim` inverts exactly what was computed.
"""

from __future__ import annotations

import numpy as np
import torch
import torchaudio

from vcgan.features.config import FeatureConfig

#: Floor added inside the log so silent bins stay finite: log(mag + LOG_FLOOR).
LOG_FLOOR = 1e-5
#: Mel scale and filter normalisation (librosa's defaults, so results compare with librosa).
MEL_SCALE = "slaney"
MEL_NORM = "slaney"


def _window(config: FeatureConfig) -> torch.Tensor:
    return torch.hann_window(config.win_samples, dtype=torch.float64)


def stft(x: np.ndarray, config: FeatureConfig) -> torch.Tensor:
    """``(samples,)`` -> ``(n_fft // 2 + 1, frames)`` complex STFT (float64, centred frames)."""
    return torch.stft(
        torch.as_tensor(np.asarray(x, dtype=np.float64)),
        n_fft=config.n_fft, hop_length=config.hop_samples, win_length=config.win_samples,
        window=_window(config), center=True, pad_mode="reflect", return_complex=True,
    )


def magnitude(x: np.ndarray, config: FeatureConfig) -> torch.Tensor:
    """``(samples,)`` -> ``(n_fft // 2 + 1, frames)`` linear STFT magnitude (float64, centred frames)."""
    return stft(x, config).abs()


def phase_spectrogram(x: np.ndarray, config: FeatureConfig) -> np.ndarray:
    """``(samples,)`` -> ``(frames, n_fft // 2 + 1)`` STFT phase in radians (float32), the frames
    of :func:`log_magnitude_spectrogram`."""
    return torch.angle(stft(x, config)).T.numpy().astype(np.float32)


def mel_filterbank(config: FeatureConfig) -> torch.Tensor:
    """``(n_fft // 2 + 1, n_mels)`` mel filterbank matrix (float64)."""
    return torchaudio.functional.melscale_fbanks(
        n_freqs=config.n_fft // 2 + 1, f_min=config.fmin,
        f_max=config.fmax if config.fmax is not None else config.sample_rate / 2,
        n_mels=config.n_mels, sample_rate=config.sample_rate, norm=MEL_NORM, mel_scale=MEL_SCALE,
    ).to(torch.float64)


def log_magnitude_spectrogram(x: np.ndarray, config: FeatureConfig) -> np.ndarray:
    """``(samples,)`` -> ``(frames, n_fft // 2 + 1)`` natural-log STFT magnitude (float32)."""
    return torch.log(magnitude(x, config) + LOG_FLOOR).T.numpy().astype(np.float32)


def log_mel_spectrogram(x: np.ndarray, config: FeatureConfig) -> np.ndarray:
    """``(samples,)`` -> ``(frames, n_mels)`` natural-log mel magnitude spectrogram (float32)."""
    mel = magnitude(x, config).T @ mel_filterbank(config)
    return torch.log(mel + LOG_FLOOR).numpy().astype(np.float32)
