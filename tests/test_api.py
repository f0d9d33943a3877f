"""The Python API as the README and docs call it: vcgan.load / convert / convert_file /
vcgan.evaluate, NumPy in and out, with the CLI's errors."""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest
import soundfile as sf
import yaml

import vcgan
from vcgan.audio import AudioError, AudioWarning
from vcgan.bin.cli import main

pytestmark = pytest.mark.usefixtures("single_torch_thread")


@pytest.fixture(scope="module")
def bundle(dump3, tmp_path_factory):
    """A tiny DNN converter low -> high of the shared three-speaker dump."""
    out = tmp_path_factory.mktemp("api")
    cfg = out / "dnn.yaml"
    cfg.write_text(yaml.safe_dump({"task": "dnn_vc", "model": {
        "network": {"hidden": 16, "n_layers": 2}, "batch_size": 4, "crop_frames": 32, "n_iterations": 6,
        "decay_start": 3}, "trainer": {"checkpoint_interval": 6, "log_interval": 3}}))
    assert main(["train", "--config", str(cfg), "--train-dump", str(dump3["dump"]), "--speakers", "low", "high",
                 "--out", str(out / "exp"), "--no-progress", "--threads", "1"]) == 0
    return out / "exp" / "bundle"


def test_import_vcgan_is_light_and_exposes_the_api():
    code = "import sys, vcgan; assert 'torch' not in sys.modules; vcgan.load; assert 'torch' not in sys.modules"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0  # the API module imports torch lazily
    assert set(vcgan.__all__) == {"load", "evaluate", "VoiceConverter"}
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        vcgan.nothing  # noqa: B018


def test_convert_an_array_as_the_cli_converts_the_file(bundle, dump3, tmp_path):
    vc = vcgan.load(bundle)
    assert vc.speakers == ["low", "high"] and vc.sample_rate == 16000
    x, fs = sf.read(dump3["wav"])
    y, sr = vc.convert(x, fs, tgt="high")  # the source defaults to the other speaker
    assert sr == 16000 and y.dtype == np.float32 and y.ndim == 1 and abs(len(y) - len(x)) < 0.02 * len(x)
    out = vc.convert_file(dump3["wav"], tmp_path / "out.wav", src="low", tgt="high")
    z, _ = sf.read(out)
    np.testing.assert_allclose(z, y, atol=2 / 32768)  # the file is the array at 16 bits
    # Stereo at 32 kHz: downmixed and resampled, each said.
    stereo = np.stack([x, x], axis=1)
    from vcgan.audio import resample_audio
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        y2, sr2 = vc.convert(resample_audio(stereo[:, 0], 16000, 32000)[:, None].repeat(2, axis=1), 32000)
    messages = " ".join(str(w.message) for w in caught if issubclass(w.category, AudioWarning))
    assert "downmixed" in messages and "resampled from 32000 Hz to 16000 Hz" in messages
    assert sr2 == 16000 and abs(len(y2) - len(y)) < 0.02 * len(y)


def test_api_errors_are_as_clear_as_the_cli(bundle, dump3):
    vc = vcgan.load(bundle)
    x, fs = sf.read(dump3["wav"])
    with pytest.raises(ValueError, match="unknown speaker.*this model knows: low, high"):
        vc.convert(x, fs, src="nobody", tgt="high")
    with pytest.raises(AudioError, match="input array: contains 1 NaN"):
        vc.convert(np.where(np.arange(len(x)) == 5, np.nan, x), fs)
    with pytest.raises(AudioError, match="sample rate must be a positive integer"):
        vc.convert(x, None)
    with pytest.raises(AudioError, match="input array: too short"):
        vc.convert(x[:10], fs)
    # The chain itself defaults and checks the speakers too (it used to raise a bare KeyError).
    assert vc.chain.convert_waveform(x, None, None).ndim == 1
    with pytest.raises(FileNotFoundError, match="not a model bundle"):
        vcgan.load(dump3["dump"])


def test_evaluate_returns_what_the_cli_writes(dump3, tmp_path):
    ref, conv = tmp_path / "ref", tmp_path / "conv"
    ref.mkdir()
    conv.mkdir()
    x, fs = sf.read(dump3["wav"])
    for d, sig in ((ref, x), (conv, 0.5 * x)):
        sf.write(d / "u1.wav", sig, fs)
    results = vcgan.evaluate(ref, conv, metrics=("mcd",))
    assert results["summary"]["mcd_db"]["n"] == 1 and results["summary"]["mcd_db"]["mean"] < 0.5  # c0 excluded
    assert main(["evaluate", "--ref", str(ref), "--conv", str(conv), "--metrics", "mcd", "--json",
                 str(tmp_path / "r.json"), "--no-progress"]) == 0
    import json
    assert json.loads((tmp_path / "r.json").read_text())["summary"]["mcd_db"]["mean"] == pytest.approx(
        results["summary"]["mcd_db"]["mean"], abs=1e-9)
    with pytest.raises(ValueError, match="unknown metric"):
        vcgan.evaluate(ref, conv, metrics=("mcd", "pesq"))
