"""MCD: closed forms, self-distance on real speech, SPTK/WORLD analysis, presets; also the
summary statistics and the over-smoothing measures that share its frames."""

from __future__ import annotations

import math

import numpy as np
import pysptk
import pyworld
import pytest

from vcgan.features.mcep import sp_to_mcep
from vcgan.metrics import (
    MCD_SCALE, analyze, get_settings, global_variance, gv_ratio_db, mcd_per_frame, mean_ci,
    modulation_spectrum, ms_distance_db, speech_mask, utterance_mcd,
)
from vcgan.metrics.mcd import sptk_mcep
from vcgan.metrics.presets import SettingsError


@pytest.fixture(scope="module")
def mcep(arctic):
    x, fs = arctic
    f0, t = pyworld.dio(x, fs, frame_period=5.0)
    sp = pyworld.cheaptrick(x, f0, t, fs)
    return sp, pysptk.sp2mc(sp, 34, 0.41)


def test_scale_constant():
    assert MCD_SCALE == pytest.approx(10 / math.log(10) * math.sqrt(2))
    assert MCD_SCALE == pytest.approx(6.1418, abs=1e-4)


@pytest.mark.parametrize("coef,delta", [(1, 0.1), (5, -0.25), (34, 0.01)])
def test_constant_offset_gives_closed_form(mcep, coef, delta):
    _, mc = mcep
    other = mc.copy()
    other[:, coef] += delta
    expected = 10 / math.log(10) * math.sqrt(2 * delta ** 2)
    np.testing.assert_allclose(mcd_per_frame(mc, other), expected, rtol=1e-10)
    res = utterance_mcd(mc, other, align="none")
    assert res.mcd == pytest.approx(expected, rel=1e-10)


def test_c0_is_excluded_unless_asked(mcep):
    _, mc = mcep
    louder = mc.copy()
    louder[:, 0] += 1.0
    np.testing.assert_array_equal(mcd_per_frame(mc, louder), 0.0)
    np.testing.assert_allclose(mcd_per_frame(mc, louder, include_c0=True), MCD_SCALE)


def test_two_offsets_add_in_quadrature(mcep):
    _, mc = mcep
    other = mc.copy()
    other[:, 2] += 0.3
    other[:, 7] -= 0.4
    np.testing.assert_allclose(mcd_per_frame(mc, other), MCD_SCALE * 0.5, rtol=1e-10)


def test_shape_mismatch_is_an_error(mcep):
    _, mc = mcep
    with pytest.raises(ValueError, match="same shape"):
        mcd_per_frame(mc, mc[:-1])


def test_fast_sp2mc_equals_pysptk(mcep):
    sp, mc = mcep
    np.testing.assert_allclose(sp_to_mcep(sp, 35, 0.41), mc, atol=1e-9)


def test_utterance_against_itself_is_zero(arctic):
    x, fs = arctic
    settings = get_settings("vcgan", fs, f0_method="dio")
    a = analyze(x, settings)
    keep = speech_mask(a.power_db, settings.threshold)
    res = utterance_mcd(a.mcep, a.mcep, ref_keep=keep, conv_keep=keep)
    assert res.mcd == 0.0
    np.testing.assert_array_equal(res.ref_frames, res.conv_frames)
    assert res.n_frames == keep.sum() < len(keep)  # some silence was dropped


def test_mcd_grows_with_noise_and_dtw_absorbs_a_delay(arctic):
    x, fs = arctic
    s = get_settings("vcgan", fs, f0_method="dio")
    rng = np.random.default_rng(0)
    ref = analyze(x, s)
    keep_ref = speech_mask(ref.power_db, s.threshold)

    def mcd_of(y):
        c = analyze(y, s)
        return utterance_mcd(ref.mcep, c.mcep, ref_keep=keep_ref, conv_keep=speech_mask(c.power_db, s.threshold)).mcd

    low = mcd_of(x + 0.002 * rng.standard_normal(len(x)))
    high = mcd_of(x + 0.02 * rng.standard_normal(len(x)))
    assert 0 < low < high
    # A 100 ms delay: the frames are the same speech, only shifted; DTW must find them.
    delayed = np.concatenate([1e-5 * rng.standard_normal(1600), x])
    assert mcd_of(delayed) < min(low, 0.5)


def test_silence_frames_are_dropped(arctic):
    x, fs = arctic
    s = get_settings("vcgan", fs, f0_method="dio")
    padded = np.concatenate([1e-4 * np.random.default_rng(1).standard_normal(fs // 2), x])
    a = analyze(padded, s)
    keep = speech_mask(a.power_db, s.threshold)
    assert not keep[: int(0.45 * 1000 / s.frame_period)].any()  # the first 450 ms is the added pause
    assert speech_mask(a.power_db, None).all()


def test_sptk_analysis_follows_espnet_framing(arctic):
    x, fs = arctic
    mc, power = sptk_mcep(x, 24, 0.42, 1024, 256)
    assert mc.shape == ((len(x) - 1024) // 256 + 1, 24)
    assert power.shape == (len(mc),)
    k = 10
    frame = x[k * 256: k * 256 + 1024] * 32768.0 * pysptk.sptk.hamming(1024)
    np.testing.assert_allclose(mc[k], pysptk.mcep(frame, 23, 0.42, eps=1e-6, etype=1))


def test_presets_record_their_conventions():
    v = get_settings("vcgan", 16000)
    assert (v.mcep_source, v.include_c0, v.dtw, v.silence, v.mcep_dim) == ("world", False, "exact", "drop", 25)
    assert v.alpha == pytest.approx(pysptk.util.mcepalpha(16000))
    e = get_settings("espnet", 22050)
    assert (e.mcep_source, e.include_c0, e.silence, e.mcep_dim, e.alpha, e.hop_length) == ("sptk", True, "none", 35, 0.45, 256)
    s = get_settings("sprocket", 16000)
    assert (s.mcep_dim, s.alpha, s.silence_threshold_db, s.f0_floor, s.f0_ceil) == (25, 0.42, -15.0, 40.0, 700.0)


def test_overrides_are_recorded_and_validated():
    s = get_settings("espnet", 16000, dtw="exact", include_c0=False)
    assert s.overrides == ("dtw", "include_c0") and s.dtw == "exact" and not s.include_c0
    assert get_settings("vcgan", 16000, silence="none").threshold is None
    with pytest.raises(SettingsError, match="no settings for 44100 Hz"):
        get_settings("sprocket", 44100)
    assert get_settings("sprocket", 44100, mcep_dim=40, alpha=0.53).mcep_dim == 40
    with pytest.raises(SettingsError, match="unknown preset"):
        get_settings("kaldi", 16000)
    with pytest.raises(SettingsError, match="alpha"):
        get_settings("vcgan", 16000, alpha=1.5)


def test_feature_config_rate_must_match_files():
    from vcgan.features.config import FeatureConfig

    with pytest.raises(SettingsError, match="22050 Hz but the files are at 16000 Hz"):
        get_settings("vcgan", 16000, FeatureConfig(sample_rate=22050))
    s = get_settings("vcgan", 22050, FeatureConfig(sample_rate=22050, mcep_dim=40, mcep_alpha=0.46))
    assert (s.mcep_dim, s.alpha) == (40, 0.46)


# ----------------------------------------------------------------------------- summary statistics
def test_mean_ci_uses_student_t():
    s = mean_ci([1.0, 2.0, 3.0])
    # t_{0.975, 2} = 4.302653; s = 1; CI half-width = t / sqrt(3)
    assert (s.n, s.mean, s.std) == (3, 2.0, 1.0)
    assert s.ci == pytest.approx(4.302653 / math.sqrt(3), rel=1e-6)
    assert mean_ci([5.0, None, float("nan")]).n == 1
    assert math.isnan(mean_ci([5.0]).ci) and mean_ci([5.0]).to_dict()["ci"] is None
    assert mean_ci([]).n == 0


# ----------------------------------------------------------------------------- over-smoothing
def test_gv_and_ms_scale_exactly(mcep):
    _, mc = mcep
    doubled = 2 * mc
    assert gv_ratio_db(global_variance(doubled), global_variance(mc)) == pytest.approx(10 * math.log10(4))
    # Doubling a trajectory multiplies its modulation power by 4 in every bin: +6.02 dB.
    assert ms_distance_db(modulation_spectrum(doubled), modulation_spectrum(mc)) == pytest.approx(10 * math.log10(4))
    assert ms_distance_db(modulation_spectrum(mc), modulation_spectrum(mc)) == 0.0


def test_smoothing_lowers_gv_and_modulation_power(mcep):
    from scipy.ndimage import uniform_filter1d

    _, mc = mcep
    smooth = uniform_filter1d(mc, size=9, axis=0)
    assert gv_ratio_db(global_variance(smooth), global_variance(mc)) < -1.0
    ms, ms_s = modulation_spectrum(mc), modulation_spectrum(smooth)
    assert ms.shape == (33, 35)
    assert np.mean(ms_s[16:] - ms[16:]) < -10  # fast modulations (>50 Hz) are removed
