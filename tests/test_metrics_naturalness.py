"""DNSMOS naturalness proxy from the speechmos wheel (skipped only if the package is absent)."""

from __future__ import annotations

import numpy as np
import pytest

from vcgan.metrics import naturalness

pytestmark = pytest.mark.skipif(
    not naturalness.available(),
    reason="optional packages speechmos + onnxruntime not installed (see README, Evaluation)",
)


def test_noise_lowers_the_proxy(arctic):
    x, fs = arctic
    clean = naturalness.dnsmos_proxy(x, fs)
    assert set(clean) == set(naturalness.DNSMOS_KEYS)
    assert all(1.0 <= v <= 5.0 for v in clean.values())
    noisy = naturalness.dnsmos_proxy(x + 0.05 * np.random.default_rng(0).standard_normal(len(x)), fs)
    assert noisy["bak"] < clean["bak"] - 1.0
    assert noisy["ovrl"] < clean["ovrl"] - 0.5
    assert naturalness.dnsmos_proxy(x, fs) == clean  # deterministic


def test_other_rates_are_resampled(arctic):
    from vcgan.audio import resample_audio

    x, fs = arctic
    y = resample_audio(x, fs, 22050)
    a, b = naturalness.dnsmos_proxy(x, fs), naturalness.dnsmos_proxy(y, 22050)
    assert abs(a["ovrl"] - b["ovrl"]) < 0.2
