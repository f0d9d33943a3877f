"""Griffin-Lim phase reconstruction (Griffin & Lim, IEEE TASSP 1984) for the spectrograms of
:mod:`vcgan.features.spectrogram`, through torchaudio.

The momentum variant ("fast Griffin-Lim", Perraudin et al., WASPAA 2013, momentum 0.99) is
torchaudio's default and converges in far fewer iterations than the original algorithm.
"""

from __future__ import annotations

import numpy as np
import torch
import torchaudio

from vcgan.features.config import FeatureConfig
from vcgan.features.spectrogram import LOG_FLOOR, mel_filterbank


def griffin_lim(
    log_magnitude: np.ndarray, config: FeatureConfig, n_iter: int = 100, momentum: float = 0.99, seed: int = 0
) -> np.ndarray:
    """``(frames, n_fft // 2 + 1)`` natural-log STFT magnitude -> ``(samples,)`` waveform.

    ``seed`` fixes the random initial phase, so the output is deterministic.
    """
    mag = torch.exp(torch.as_tensor(np.asarray(log_magnitude, dtype=np.float64)).T) - LOG_FLOOR
    mag = mag.clamp(min=0.0)
    transform = torchaudio.transforms.GriffinLim(
        n_fft=config.n_fft, n_iter=n_iter, win_length=config.win_samples, hop_length=config.hop_samples,
        window_fn=torch.hann_window, power=1.0, momentum=momentum, rand_init=True,
    ).to(torch.float64)
    with torch.random.fork_rng(devices=[]), torch.no_grad():  # the seed must not touch the caller's RNG
        torch.manual_seed(seed)
        return transform(mag).numpy()


def istft_with_phase(log_magnitude: np.ndarray, phase: np.ndarray, config: FeatureConfig) -> np.ndarray:
    """``(frames, n_fft // 2 + 1)`` natural-log STFT magnitude and a phase of the same shape
    (radians; e.g. the input's, :func:`vcgan.features.spectrogram.phase_spectrogram`) ->
    ``(samples,)`` waveform by one inverse STFT (overlap-add of the same Hann window).

    Raises:
        ValueError: the two differ in shape (a converter that changed the number of frames).
    """
    log_magnitude, phase = np.asarray(log_magnitude, dtype=np.float64), np.asarray(phase, dtype=np.float64)
    if log_magnitude.shape != phase.shape:
        raise ValueError(f"magnitude {log_magnitude.shape} and phase {phase.shape} differ in shape: the input's "
                         "phase fits only a conversion that keeps every STFT frame")
    mag = np.clip(np.exp(log_magnitude) - LOG_FLOOR, 0.0, None)
    spec = torch.as_tensor((mag * np.exp(1j * phase)).T)
    window = torch.hann_window(config.win_samples, dtype=torch.float64)
    return torch.istft(spec, n_fft=config.n_fft, hop_length=config.hop_samples, win_length=config.win_samples,
                       window=window, center=True).numpy()


def mel_to_log_magnitude(log_mel: np.ndarray, config: FeatureConfig) -> np.ndarray:
    """``(frames, n_mels)`` log mel -> ``(frames, n_fft // 2 + 1)`` log linear magnitude.

    Non-negative least squares through the pseudo-inverse of the mel filterbank, clamped at 0:
    the usual approximation; it cannot restore detail the mel bands averaged away.
    """
    mel = np.exp(np.asarray(log_mel, dtype=np.float64)) - LOG_FLOOR
    fb = mel_filterbank(config).numpy()  # (freqs, mels)
    lin = np.clip(mel @ np.linalg.pinv(fb), 0.0, None)
    return np.log(lin + LOG_FLOOR)


def griffin_lim_mel(log_mel: np.ndarray, config: FeatureConfig, n_iter: int = 100, seed: int = 0) -> np.ndarray:
    """``(frames, n_mels)`` log mel spectrogram -> ``(samples,)`` waveform."""
    return griffin_lim(mel_to_log_magnitude(log_mel, config), config, n_iter=n_iter, seed=seed)
