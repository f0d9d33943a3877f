"""F0 RMSE in cents, log-F0 correlation and V/UV error: closed forms and real speech."""

from __future__ import annotations

import math

import numpy as np
import pytest

from vcgan.metrics import analyze, cents, f0_scores, get_settings


def _contour(n=200, seed=0):
    rng = np.random.default_rng(seed)
    f0 = 120 * 2 ** (np.cumsum(rng.normal(0, 0.01, n)))
    f0[:20] = 0.0
    f0[90:110] = 0.0
    return f0


def test_cents():
    assert cents(np.array([440.0, 220.0]), np.array([220.0, 220.0])).tolist() == pytest.approx([1200.0, 0.0])


def test_constant_ratio_gives_its_cents():
    ref = _contour()
    conv = ref * 2 ** (100 / 1200)  # one semitone up, voicing unchanged
    s = f0_scores(ref, conv)
    assert s.rmse_cents == pytest.approx(100.0)
    assert s.corr == pytest.approx(1.0)
    assert s.vuv_error == 0.0
    assert s.n_voiced == int(np.sum(ref > 0)) and s.n_frames == len(ref)


def test_vuv_error_counts_disagreeing_frames():
    ref = _contour()
    conv = ref.copy()
    conv[30:40] = 0.0      # 10 voiced frames made unvoiced
    conv[:5] = 150.0       # 5 unvoiced frames made voiced
    s = f0_scores(ref, conv)
    assert s.vuv_error == pytest.approx(15 / len(ref))
    assert s.rmse_cents == 0.0  # the frames voiced in both are untouched


def test_scores_follow_the_path():
    ref = np.array([100.0, 200.0, 0.0, 300.0])
    conv = np.array([300.0, 0.0, 200.0, 100.0])
    path = np.array([[0, 3], [1, 2], [2, 1], [3, 0]])  # reversed alignment: all pairs equal
    s = f0_scores(ref, conv, path)
    assert (s.rmse_cents, s.vuv_error, s.n_voiced) == (0.0, 0.0, 3)
    with pytest.raises(ValueError, match="same length"):
        f0_scores(ref, conv[:3])


def test_undefined_scores_are_nan():
    s = f0_scores(np.array([0.0, 100.0, 0.0]), np.array([0.0, 100.0, 100.0]))
    assert math.isnan(s.rmse_cents) and math.isnan(s.corr)
    assert s.vuv_error == pytest.approx(1 / 3)


def test_octave_error_is_1200_cents():
    ref = _contour()
    conv = ref.copy()
    voiced = np.flatnonzero(ref > 0)
    conv[voiced[:10]] *= 2.0
    s = f0_scores(ref, conv)
    assert s.rmse_cents == pytest.approx(1200 * math.sqrt(10 / len(voiced)))


def test_real_speech_against_itself_and_shifted(arctic):
    import pyworld

    x, fs = arctic
    settings = get_settings("vcgan", fs, f0_method="dio")
    a = analyze(x, settings)
    same = f0_scores(a.f0, a.f0)
    assert (same.rmse_cents, same.vuv_error) == (0.0, 0.0) and same.corr == pytest.approx(1.0)
    # WORLD resynthesis one semitone higher: most voiced frames must measure about +100 cents.
    f0, sp, ap = pyworld.wav2world(x, fs)
    y = pyworld.synthesize(f0 * 2 ** (100 / 1200), sp, ap, fs)
    b = analyze(y[: len(x)], settings)
    n = min(len(a.f0), len(b.f0))
    both = (a.f0[:n] > 0) & (b.f0[:n] > 0)
    assert np.median(cents(b.f0[:n][both], a.f0[:n][both])) == pytest.approx(100, abs=15)
    shifted = f0_scores(a.f0[:n], b.f0[:n])
    assert shifted.rmse_cents > 80 and shifted.corr > 0.8
