"""Vocoders: WORLD round trip of a real recording (through the CLI) and Griffin-Lim."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from vcgan.features import FeatureConfig, extract_features
from vcgan.features.spectrogram import log_magnitude_spectrogram, log_mel_spectrogram, magnitude
from vcgan.metrics.mcd import mcd_per_frame
from vcgan.vocoders.griffin_lim import griffin_lim, griffin_lim_mel

VCGAN = str(Path(sys.executable).with_name("vcgan"))

# Round-trip MCD (dB, c0 excluded, all frames) of WORLD analysis -> mel-cepstrum -> synthesis
# -> analysis of the CMU ARCTIC recording pysptk ships, measured 2026-11-23:
# 16 kHz harvest: 2.81 (24 dims), 3.09 (35 dims); dio: 3.19 / 3.41.
# The bounds are those figures plus a 0.2 dB margin.
ROUND_TRIP_BOUNDS = {("harvest", 24): 3.0, ("harvest", 35): 3.3, ("dio", 24): 3.4}


@pytest.mark.parametrize("method,dim", sorted(ROUND_TRIP_BOUNDS))
def test_world_round_trip_through_cli(arctic_path, tmp_path, method, dim):
    out = tmp_path / "rt.wav"
    proc = subprocess.run(
        [VCGAN, "analyze-synthesize", arctic_path, str(out), "--sample-rate", "16000",
         "--f0-method", method, "--mcep-dim", str(dim)],
        capture_output=True, text=True, check=True,
    )
    assert "round-trip MCD" in proc.stderr
    x, fs = sf.read(arctic_path)
    y, fs_out = sf.read(out)
    assert fs_out == fs == 16000 and abs(len(y) - len(x)) <= 80  # within one 5 ms frame
    assert 0.3 < np.max(np.abs(y)) / np.max(np.abs(x)) < 3  # a normal level, not rescaled
    cfg = FeatureConfig(sample_rate=16000, f0_method=method, mcep_dim=dim)
    a, b = extract_features(x, cfg), extract_features(y, cfg)
    n = min(len(a["mcep"]), len(b["mcep"]))
    mcd = float(np.mean(mcd_per_frame(a["mcep"][:n], b["mcep"][:n])))
    assert 0.5 < mcd < ROUND_TRIP_BOUNDS[(method, dim)]
    reported = float(proc.stderr.split("round-trip MCD ")[1].split(" dB")[0])
    assert reported == pytest.approx(mcd, abs=0.01)


def _spectral_convergence(y: np.ndarray, target_mag, cfg) -> float:
    """||  |STFT(y)| - target ||_F / || target ||_F (Sturmel & Daudet's inconsistency measure)."""
    got = magnitude(y, cfg)
    n = min(got.shape[1], target_mag.shape[1])
    return float(np.linalg.norm(got[:, :n] - target_mag[:, :n]) / np.linalg.norm(target_mag[:, :n]))


def test_griffin_lim_recovers_a_consistent_signal(arctic):
    x, fs = arctic
    cfg = FeatureConfig(sample_rate=fs, n_fft=512, hop_length=128)
    target = magnitude(x, cfg)
    few = griffin_lim(log_magnitude_spectrogram(x, cfg), cfg, n_iter=2)
    many = griffin_lim(log_magnitude_spectrogram(x, cfg), cfg, n_iter=60)
    assert abs(len(many) - len(x)) < cfg.hop_samples
    sc_few, sc_many = _spectral_convergence(few, target, cfg), _spectral_convergence(many, target, cfg)
    # Measured: 0.31 after 2 iterations, 0.062 after 60.
    assert sc_many < 0.1 and sc_many < 0.5 * sc_few
    again = griffin_lim(log_magnitude_spectrogram(x, cfg), cfg, n_iter=60)
    np.testing.assert_array_equal(many, again)  # seeded initial phase: deterministic


def test_griffin_lim_from_mel(arctic):
    x, fs = arctic
    cfg = FeatureConfig(sample_rate=fs, n_fft=512, hop_length=128, n_mels=80)
    y = griffin_lim_mel(log_mel_spectrogram(x, cfg), cfg, n_iter=60)
    # The mel round trip loses fine detail but keeps the mel spectrum close.
    a, b = log_mel_spectrogram(x, cfg), log_mel_spectrogram(y, cfg)
    n = min(len(a), len(b))
    loud = a[:n] > np.log(1e-2)
    assert np.mean(np.abs(a[:n][loud] - b[:n][loud])) < 0.15  # mean |log ratio| in loud bins; measured 0.064


def test_input_phase_vocoder_inverts_magnitude_and_phase_exactly(arctic):
    """The input's own STFT magnitude and phase give the input back (away from the edges, where
    the log floor and the reflected padding are), and the vocoder names what it lacks."""
    import torch
    from vcgan.features.spectrogram import phase_spectrogram
    from vcgan.vocoders import get_vocoder
    x, fs = arctic
    x = x[: fs]
    cfg = FeatureConfig(sample_rate=fs, n_fft=512, spectrogram=True)
    vocode = get_vocoder("input-phase", cfg)
    feats = {"spec": log_magnitude_spectrogram(x, cfg), "phase": phase_spectrogram(x, cfg)}
    y = vocode(feats)
    assert abs(len(y) - len(x)) < cfg.hop_samples
    n = min(len(x), len(y))
    err = y[512:n - 512] - x[512:n - 512]
    assert np.sqrt(np.mean(err ** 2)) < 1e-3 * np.sqrt(np.mean(x ** 2))
    # A wrong phase (here: random) makes another signal: the phase is really used.
    rng = torch.Generator().manual_seed(0)
    wrong = get_vocoder("input-phase", cfg)({**feats, "phase": torch.rand(feats["phase"].shape, generator=rng).numpy() * 6})
    assert np.sqrt(np.mean((wrong[:n] - x[:n]) ** 2)) > 0.3 * np.sqrt(np.mean(x ** 2))
    with pytest.raises(KeyError, match="no 'phase' stream"):
        vocode({"spec": feats["spec"]})
    with pytest.raises(ValueError, match="differ in shape"):
        vocode({"spec": feats["spec"][:-3], "phase": feats["phase"]})
