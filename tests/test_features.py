"""Feature extraction on real speech: WORLD, mel-cepstrum, spectrograms, F0, statistics."""

from __future__ import annotations

import numpy as np
import pytest

from vcgan.features import (
    FeatureConfig, SpeakerStats, compute_speaker_stats, convert_log_f0, estimate_f0_range, extract_features,
    mcep_to_sp, sp_to_mcep, world_analyze,
)
from vcgan.features.f0 import fraction_outside, warn_if_outside
from vcgan.features.spectrogram import log_magnitude_spectrogram, log_mel_spectrogram
from vcgan.utils.config import ConfigError

CFG16 = FeatureConfig(sample_rate=16000, mcep_dim=24)


def test_config_yaml_round_trip_and_errors(tmp_path):
    cfg = FeatureConfig(sample_rate=16000, f0_method="dio", speaker_f0_range={"bdl": [60.0, 250.0]})
    cfg.save(tmp_path / "f.yaml")
    again = FeatureConfig.from_yaml(tmp_path / "f.yaml")
    assert again == cfg
    (tmp_path / "bad.yaml").write_text("sample_rate: 16000\nmcep_order: 24\n")
    with pytest.raises(ConfigError, match="unknown key.*mcep_order"):
        FeatureConfig.from_yaml(tmp_path / "bad.yaml")
    with pytest.raises(ConfigError, match="f0_method"):
        FeatureConfig(f0_method="yin")
    with pytest.raises(ConfigError, match="f0_floor < f0_ceil"):
        FeatureConfig(f0_floor=500, f0_ceil=100)


def test_derived_settings():
    assert CFG16.alpha == pytest.approx(0.41)
    assert FeatureConfig(sample_rate=22050).alpha == pytest.approx(0.455)
    assert FeatureConfig(sample_rate=16000, mcep_alpha=0.42).alpha == 0.42
    assert CFG16.world_fft_size == 1024
    assert CFG16.hop_samples == 80  # 5 ms at 16 kHz


@pytest.mark.parametrize("method", ["harvest", "dio"])
def test_world_analysis_of_real_speech(arctic, method):
    x, fs = arctic
    w = world_analyze(x, CFG16.replace(f0_method=method))
    n = int(len(x) / fs * 1000 / 5) + 1
    assert w.f0.shape == (n,) and w.sp.shape == (n, 513) and w.ap.shape == (n, 513)
    voiced = w.f0[w.f0 > 0]
    # A male (bdl-like) ARCTIC voice: mostly voiced speech, median F0 in the male range.
    assert 0.3 < voiced.size / n < 0.9
    assert 80 < np.median(voiced) < 200


def test_mcep_round_trip_preserves_envelope(arctic):
    x, fs = arctic
    w = world_analyze(x, CFG16)
    mc = sp_to_mcep(w.sp, 40, CFG16.alpha)
    assert mc.shape == (len(w.f0), 40)
    sp = mcep_to_sp(mc, CFG16.alpha, 1024)
    err_db = 10 * np.abs(np.log10(sp) - np.log10(w.sp))
    assert np.median(err_db) < 1.5  # a 40-dim mel-cepstrum keeps the envelope to about a dB


def test_extract_features_streams(arctic):
    x, _ = arctic
    feats = extract_features(x, CFG16.replace(spectrogram=True))
    n = len(feats["f0"])
    assert feats["mcep"].shape == (n, 24) and feats["cap"].shape == (n, 1)
    assert all(v.dtype == np.float32 for v in feats.values())
    assert feats["spec"].shape[1] == 513 and feats["mel"].shape[1] == 80
    assert abs(len(feats["spec"]) - n) <= 1
    full = extract_features(x, CFG16.replace(ap_coding=False))
    assert "cap" not in full and full["ap"].shape == (n, 513)


def test_log_mel_matches_librosa(arctic):
    import librosa
    x, fs = arctic
    got = log_mel_spectrogram(x, CFG16)
    mel = librosa.feature.melspectrogram(y=x, sr=fs, n_fft=1024, hop_length=80, power=1.0, n_mels=80,
                                         center=True, pad_mode="reflect", htk=False, norm="slaney")
    np.testing.assert_allclose(got, np.log(mel.T + 1e-5), atol=2e-3)
    spec = log_magnitude_spectrogram(x, CFG16)
    ref = np.abs(librosa.stft(x, n_fft=1024, hop_length=80, center=True, pad_mode="reflect")).T
    np.testing.assert_allclose(spec, np.log(ref + 1e-5), atol=2e-3)


def test_f0_range_estimate_follows_percentiles():
    rng = np.random.default_rng(0)
    f0 = np.concatenate([rng.normal(120, 15, 2000), np.zeros(500)])  # male-like, 20% unvoiced
    lo, hi = estimate_f0_range(f0)
    voiced = f0[f0 > 0]
    assert lo == pytest.approx(0.72 * np.percentile(voiced, 35), abs=0.05)
    assert hi == pytest.approx(1.9 * np.percentile(voiced, 65), abs=0.05)
    with pytest.raises(ValueError, match="voiced frames"):
        estimate_f0_range(np.zeros(100))


def test_out_of_range_source_is_warned_about():
    f0 = np.array([0, 250, 260, 270, 0, 280], dtype=float)
    assert fraction_outside(f0, 60, 200) == 1.0
    with pytest.warns(UserWarning, match="100% of voiced frames.*outside"):
        assert warn_if_outside(f0, 60, 200, "female.wav")
    assert not warn_if_outside(f0, 200, 300, "female.wav")


def test_log_f0_conversion_maps_source_stats_to_target_stats():
    rng = np.random.default_rng(1)
    lf0 = rng.normal(np.log(120), 0.15, 5000)
    f0 = np.exp(lf0)
    f0[::7] = 0.0
    v = f0 > 0
    mu_s, sd_s = np.log(f0[v]).mean(), np.log(f0[v]).std()
    out = convert_log_f0(f0, mu_s, sd_s, np.log(220), 0.25)
    assert np.all(out[~v] == 0)
    assert np.log(out[v]).mean() == pytest.approx(np.log(220), abs=1e-9)
    assert np.log(out[v]).std() == pytest.approx(0.25, abs=1e-9)


def test_speaker_stats_match_numpy_and_round_trip(tmp_path):
    rng = np.random.default_rng(2)
    utts = [{"mcep": rng.normal(size=(n, 5)).astype(np.float32) * 3 + 1,
             "f0": np.where(rng.random(n) < 0.6, rng.uniform(90, 200, n), 0).astype(np.float32)}
            for n in (50, 80, 30)]
    stats = compute_speaker_stats("spk", utts, (70.0, 300.0))
    allm = np.concatenate([u["mcep"] for u in utts]).astype(np.float64)
    allf = np.concatenate([u["f0"] for u in utts]).astype(np.float64)
    np.testing.assert_allclose(stats.mean["mcep"], allm.mean(0), rtol=1e-5)
    np.testing.assert_allclose(stats.std["mcep"], allm.std(0), rtol=1e-5)
    assert stats.logf0_mean == pytest.approx(np.log(allf[allf > 0]).mean(), rel=1e-6)
    assert stats.logf0_std == pytest.approx(np.log(allf[allf > 0]).std(), rel=1e-5)
    assert stats.n_frames == 160 and stats.n_voiced == int((allf > 0).sum())
    z = stats.normalize(allm)
    np.testing.assert_allclose(z.mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(stats.denormalize(z), allm, atol=1e-4)
    stats.save(tmp_path / "spk.npz")
    again = SpeakerStats.load(tmp_path / "spk.npz")
    assert again.speaker == "spk" and again.f0_ceil == 300.0
    np.testing.assert_array_equal(again.mean["mcep"], stats.mean["mcep"])
    with pytest.raises(ValueError, match="no voiced frame"):
        compute_speaker_stats("mute", [{"mcep": np.ones((5, 2)), "f0": np.zeros(5)}])
