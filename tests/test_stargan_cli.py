"""StarGAN-VC and StarGAN-VC2 through the CLI: `vcgan train` on every speaker of a dump (or the
--speakers given), one bundle with every speaker's statistics, `vcgan convert` for any ordered
pair, and an unknown speaker refused with the list of known ones."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
import yaml

from vcgan.bin.cli import main
from vcgan.bundle import Bundle
from vcgan.data.dump import read_features

pytestmark = pytest.mark.usefixtures("single_torch_thread")

TINY = {
    "stargan_vc2": {"generator": {"base_channels": 8, "res_channels": 8, "n_blocks": 2},
                    "discriminator": {"base_channels": 8}},
    "stargan_vc": {"generator": {"encoder_channels": [4, 8, 8, 8, 5], "decoder_channels": [8, 8, 8, 4]},
                   "discriminator": {"channels": [4, 4, 4, 4]}, "classifier": {"channels": [4, 4, 4, 4]}},
}


def _config(path, model: str):
    path.write_text(yaml.safe_dump({
        "task": "stargan",
        "model": {"model": model, "crop_frames": 32, "batch_size": 2, "n_iterations": 6, "decay_start": 3,
                  "identity_iterations": 3, **TINY[model]},
        "trainer": {"checkpoint_interval": 3, "log_interval": 3, "validation_interval": 3}}))
    return path


@pytest.mark.parametrize("model", sorted(TINY))
def test_train_all_speakers_and_convert_every_direction(dump3, tmp_path, capsys, model):
    out = tmp_path / "exp"
    assert main(["train", "--config", str(_config(tmp_path / "c.yaml", model)), "--train-dump", str(dump3["dump"]),
                 "--dev-dump", str(dump3["dump"]), "--out", str(out), "--device", "cpu", "--no-progress"]) == 0
    bundle = Bundle.load(out / "bundle")
    assert bundle.converter.family == "stargan" and bundle.converter.config["model"] == model
    assert bundle.speakers == ["high", "low", "mid"] and set(bundle.stats) == {"high", "low", "mid"}
    logged = (out / "train.log").read_text()
    assert all(f"mcd_{a}_{b}_db" in logged for a in ("high", "low", "mid") for b in ("high", "low", "mid") if a != b)

    x, fs = sf.read(dump3["wav"])
    feats = {}
    for tgt in ("mid", "high"):
        conv = tmp_path / f"low_{tgt}.npz"
        assert main(["convert", "--model", str(out / "bundle"), "--src-spk", "low", "--tgt-spk", tgt,
                     "--features-only", dump3["wav"], str(conv)]) == 0
        feats[tgt] = read_features(conv)["mcep"]
        assert feats[tgt].shape[1] == 24 and np.isfinite(feats[tgt]).all()
    assert not np.allclose(feats["mid"], feats["high"])  # the target code matters
    wav = tmp_path / "mid_low.wav"
    assert main(["convert", "--model", str(out / "bundle"), "--src-spk", "mid", "--tgt-spk", "low",
                 dump3["wav"], str(wav)]) == 0
    y, fs_out = sf.read(wav)
    assert fs_out == fs and abs(len(y) - len(x)) < fs // 50

    capsys.readouterr()
    assert main(["convert", "--model", str(out / "bundle"), "--src-spk", "low", "--tgt-spk", "nobody",
                 dump3["wav"], str(tmp_path / "x.wav")]) == 2
    assert "unknown speaker(s) ['nobody']; this model knows: high, low, mid" in capsys.readouterr().err


def test_speakers_option_chooses_the_model_speakers(dump3, tmp_path, capsys):
    out = tmp_path / "exp"
    cfg = _config(tmp_path / "c.yaml", "stargan_vc2")
    assert main(["train", "--config", str(cfg), "--train-dump", str(dump3["dump"]), "--out", str(out),
                 "--speakers", "mid", "low", "--device", "cpu", "--no-progress"]) == 0
    assert Bundle.load(out / "bundle").speakers == ["mid", "low"]
    capsys.readouterr()
    assert main(["train", "--config", str(cfg), "--train-dump", str(dump3["dump"]), "--out", str(tmp_path / "one"),
                 "--speakers", "mid", "--device", "cpu"]) == 2
    assert "at least 2 speakers" in capsys.readouterr().err
