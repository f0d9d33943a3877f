"""Reading and writing audio: every kind of bad input gets a clear error naming the file."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import soundfile as sf

from vcgan.audio import AudioError, AudioWarning, read_wav, write_wav


def _tone(fs=16000, seconds=0.5, f=220.0, amp=0.3):
    t = np.arange(int(fs * seconds)) / fs
    return amp * np.sin(2 * np.pi * f * t)


def _expect_error(path, problem, **kw):
    with pytest.raises(AudioError) as e:
        read_wav(path, **kw)
    assert str(path) in str(e.value)
    assert problem in str(e.value)


def test_missing_file(tmp_path):
    _expect_error(tmp_path / "nope.wav", "does not exist")


def test_empty_file(tmp_path):
    p = tmp_path / "empty.wav"
    p.write_bytes(b"")
    _expect_error(p, "empty")


def test_corrupt_and_non_audio(tmp_path):
    corrupt = tmp_path / "corrupt.wav"
    good = tmp_path / "good.wav"
    sf.write(good, _tone(), 16000)
    corrupt.write_bytes(good.read_bytes()[:30])  # header cut in the middle
    _expect_error(corrupt, "corrupt")
    text = tmp_path / "notes.wav"
    text.write_text("this is not audio at all\n" * 20)
    _expect_error(text, "not a readable audio file")


def test_header_only_has_no_samples(tmp_path):
    p = tmp_path / "zero.wav"
    sf.write(p, np.zeros(0), 16000)
    _expect_error(p, "no samples")


def test_silent(tmp_path):
    p = tmp_path / "silent.wav"
    sf.write(p, np.zeros(16000), 16000)
    _expect_error(p, "silent")


def test_nan_samples(tmp_path):
    p = tmp_path / "nan.wav"
    x = _tone()
    x[100:105] = np.nan
    sf.write(p, x, 16000, subtype="FLOAT")
    _expect_error(p, "5 NaN")


def test_too_short(tmp_path):
    p = tmp_path / "short.wav"
    sf.write(p, _tone(seconds=0.01), 16000)
    _expect_error(p, "too short", min_samples=1024)


def test_stereo_is_downmixed_with_warning(tmp_path):
    p = tmp_path / "stereo.wav"
    left, right = _tone(f=220), _tone(f=330, amp=0.1)
    sf.write(p, np.stack([left, right], axis=1), 16000, subtype="FLOAT")
    with pytest.warns(AudioWarning, match="downmixed"):
        x, fs = read_wav(p)
    np.testing.assert_allclose(x, (left + right) / 2, atol=1e-6)
    assert fs == 16000


def test_other_rate_is_resampled_or_refused(tmp_path):
    p = tmp_path / "r48k.wav"
    sf.write(p, _tone(fs=48000, seconds=1.0), 48000)
    with pytest.warns(AudioWarning, match="resampled from 48000 Hz to 16000 Hz"):
        x, fs = read_wav(p, 16000)
    assert fs == 16000 and len(x) == 16000
    # The 220 Hz tone survives resampling: the spectrum peaks at 220 Hz.
    spec = np.abs(np.fft.rfft(x))
    assert abs(np.argmax(spec) * fs / len(x) - 220) < 2
    _expect_error(p, "sample rate is 48000 Hz, expected 16000 Hz", sample_rate=16000, resample=False)


@pytest.mark.parametrize("subtype", ["PCM_16", "PCM_24", "PCM_32", "FLOAT", "PCM_U8"])
def test_bit_depths_read_to_the_same_signal(tmp_path, subtype):
    p = tmp_path / f"{subtype}.wav"
    x = _tone()
    sf.write(p, x, 16000, subtype=subtype)
    y, _ = read_wav(p)
    tol = 1e-2 if subtype == "PCM_U8" else 1e-4
    np.testing.assert_allclose(y, x, atol=tol)


def test_write_is_atomic_and_scales_overloud(tmp_path):
    p = tmp_path / "out" / "x.wav"
    with pytest.warns(AudioWarning, match="scaled"):
        write_wav(p, 2.0 * _tone(amp=1.0), 16000)
    y, fs = sf.read(p)
    assert fs == 16000 and 0.98 < np.max(np.abs(y)) <= 0.99 + 1e-4
    assert [f.name for f in p.parent.iterdir()] == ["x.wav"]  # no temp file left behind
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a normal-level signal is written as it is
        write_wav(p, _tone(amp=0.5), 16000)
    y, _ = sf.read(p)
    assert abs(np.max(np.abs(y)) - 0.5) < 1e-3


def test_failed_write_leaves_old_file(tmp_path):
    p = tmp_path / "x.wav"
    write_wav(p, _tone(), 16000)
    before = p.read_bytes()
    with pytest.raises(ValueError, match="NaN"):
        write_wav(p, np.full(100, np.nan), 16000)
    assert p.read_bytes() == before
