"""`vcgan evaluate`: pairing errors, bad files, JSON contents, and -j independence."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from vcgan.bin.cli import main

FAST = ["--f0-method", "dio", "--no-progress"]  # Harvest is the default; DIO keeps the tests short


@pytest.fixture(scope="module")
def dirs(tmp_path_factory, arctic) -> Path:
    """ref/ (crops of the ARCTIC recording), conv/ (WORLD resynthesis 1 semitone up, noisy), src/."""
    import pyworld

    x, fs = arctic
    root = tmp_path_factory.mktemp("eval")
    f0, sp, ap = pyworld.wav2world(x, fs)
    y = pyworld.synthesize(f0 * 2 ** (1 / 12), sp, ap, fs)[: len(x)]
    rng = np.random.default_rng(0)
    crops = {"utt_a": (0.0, 2.2), "utt_b": (0.8, 3.2), "utt_c": (1.5, 4.0)}
    for d in ("ref", "conv", "src"):
        (root / d).mkdir()
    for name, (t0, t1) in crops.items():
        seg = slice(int(t0 * fs), int(t1 * fs))
        sf.write(root / "ref" / f"{name}.wav", x[seg], fs)
        sf.write(root / "src" / f"{name}.wav", x[seg], fs)
        noisy = y[seg] + 0.002 * rng.standard_normal(len(y[seg]))
        sf.write(root / "conv" / f"{name}.flac", noisy, fs)  # another format: pairing is by name
    return root


def _copy(dirs: Path, dst: Path) -> Path:
    shutil.copytree(dirs, dst)
    return dst


def _run(caplog, *argv) -> tuple[int, str]:
    caplog.clear()
    with caplog.at_level(logging.INFO):
        code = main(["evaluate", *map(str, argv)])
    return code, caplog.text


def test_results_do_not_depend_on_jobs(dirs, tmp_path, caplog, capsys):
    out1, out2 = tmp_path / "j1.json", tmp_path / "j2.json"
    base = ["--ref", dirs / "ref", "--conv", dirs / "conv", "--metrics", "mcd,f0,gv", *FAST]
    assert _run(caplog, *base, "-j", "1", "--json", out1)[0] == 0
    table = capsys.readouterr().out
    assert _run(caplog, *base, "-j", "2", "--json", out2)[0] == 0
    r1, r2 = json.loads(out1.read_text()), json.loads(out2.read_text())
    assert r1["utterances"] == r2["utterances"]
    assert r1["summary"] == r2["summary"] and r1["gv"] == r2["gv"]
    assert sorted(r1["utterances"]) == ["utt_a", "utt_b", "utt_c"]
    u = r1["utterances"]["utt_a"]
    assert 1.0 < u["mcd_db"] < 15.0 and u["mcd_frames"] > 100
    assert 50 < u["f0_rmse_cents"] < 1200  # one semitone up, plus F0 estimation errors
    assert 0 <= u["vuv_error_pct"] <= 100
    s = r1["summary"]["mcd_db"]
    assert s["n"] == 3 and s["ci"] > 0
    assert s["mean"] == pytest.approx(np.mean([v["mcd_db"] for v in r1["utterances"].values()]))
    assert "MCD (dB)" in table and "F0 RMSE (cents)" in table and "±" in table


def test_self_evaluation_is_perfect_and_settings_are_recorded(dirs, tmp_path, caplog):
    out = tmp_path / "self.json"
    code, _ = _run(caplog, "--ref", dirs / "ref", "--conv", dirs / "ref", "--json", out, "--mcep-dim", "30", *FAST)
    assert code == 0
    r = json.loads(out.read_text())
    for u in r["utterances"].values():
        assert u["mcd_db"] == 0.0 and u["f0_rmse_cents"] == 0.0 and u["vuv_error_pct"] == 0.0
        assert u["gv_ratio_db"] == 0.0 and u["ms_distance_db"] == 0.0
    st = r["settings"]
    assert st["preset"] == "vcgan" and st["mcep_dim"] == 30 and st["sample_rate"] == 16000
    assert st["include_c0"] is False and st["silence"] == "drop" and st["silence_threshold_db"] == -20.0
    assert st["dtw"] == "exact" and st["mcep_source"] == "world" and st["f0_method"] == "dio"
    assert st["alpha"] == pytest.approx(0.41, abs=0.01)
    assert set(st["overrides"]) == {"mcep_dim", "f0_method"}
    assert len(r["gv"]["ref"]) == 29 and r["gv"]["dims"][0] == 1


def test_espnet_preset_and_all_frames(dirs, tmp_path, caplog):
    out = tmp_path / "espnet.json"
    code, _ = _run(caplog, "--ref", dirs / "ref", "--conv", dirs / "conv", "--preset", "espnet", "--dtw", "exact",
                   "--metrics", "mcd", "--json", out, *FAST)
    assert code == 0
    st = json.loads(out.read_text())["settings"]
    assert (st["mcep_source"], st["include_c0"], st["silence"], st["mcep_dim"], st["hop_length"]) == ("sptk", True, "none", 24, 256)
    out2 = tmp_path / "all.json"
    assert _run(caplog, "--ref", dirs / "ref", "--conv", dirs / "conv", "--all-frames", "--metrics", "mcd",
                "--json", out2, *FAST)[0] == 0
    r = json.loads(out2.read_text())
    assert r["settings"]["silence"] == "none" and "silence" in r["settings"]["overrides"]


def test_missing_file_on_either_side_is_listed(dirs, tmp_path, caplog):
    root = _copy(dirs, tmp_path / "d")
    (root / "conv" / "utt_b.flac").unlink()
    (root / "ref" / "utt_c.wav").rename(root / "ref" / "utt_z.wav")
    code, log = _run(caplog, "--ref", root / "ref", "--conv", root / "conv", *FAST)
    assert code == 2
    assert "references without a converted file" in log and "utt_b" in log and "utt_z" in log
    assert "converted files without a reference" in log and "utt_c" in log


def test_missing_source_file_is_listed(dirs, tmp_path, caplog):
    root = _copy(dirs, tmp_path / "d")
    (root / "src" / "utt_a.wav").unlink()
    code, log = _run(caplog, "--ref", root / "ref", "--conv", root / "conv", "--src", root / "src", *FAST)
    assert code == 2 and "without a source file" in log and "utt_a" in log


def test_empty_or_missing_directory(dirs, tmp_path, caplog):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("not audio")
    code, log = _run(caplog, "--ref", dirs / "ref", "--conv", tmp_path / "empty", *FAST)
    assert code == 2 and "has no audio files" in log and "empty" in log
    code, log = _run(caplog, "--ref", tmp_path / "nope", "--conv", dirs / "conv", *FAST)
    assert code == 2 and "does not exist" in log


def test_sample_rate_mismatch_is_an_error_not_a_resample(dirs, tmp_path, caplog):
    root = _copy(dirs, tmp_path / "d")
    x, fs = sf.read(root / "conv" / "utt_b.flac")
    sf.write(root / "conv" / "utt_b.flac", x[::2], fs // 2)
    code, log = _run(caplog, "--ref", root / "ref", "--conv", root / "conv", *FAST)
    assert code == 2 and "differ in sample rate" in log and "utt_b (16000 Hz reference, 8000 Hz converted)" in log
    code, log = _run(caplog, "--ref", dirs / "ref", "--conv", dirs / "conv", "--sample-rate", "22050", *FAST)
    assert code == 2 and "22050" in log


def test_duplicate_names_are_an_error(dirs, tmp_path, caplog):
    root = _copy(dirs, tmp_path / "d")
    shutil.copy(root / "ref" / "utt_a.wav", root / "ref" / "utt_a.flac")
    code, log = _run(caplog, "--ref", root / "ref", "--conv", root / "conv", *FAST)
    assert code == 2 and "utt_a.flac and utt_a.wav" in log


def test_bad_file_is_reported_and_others_finish(dirs, tmp_path, caplog):
    root = _copy(dirs, tmp_path / "d")
    x, fs = sf.read(root / "conv" / "utt_c.flac")
    sf.write(root / "conv" / "utt_c.flac", np.zeros_like(x), fs)  # silent output
    out = tmp_path / "bad.json"
    code, log = _run(caplog, "--ref", root / "ref", "--conv", root / "conv", "--json", out, "--metrics", "mcd", *FAST)
    assert code == 1
    r = json.loads(out.read_text())
    assert sorted(r["utterances"]) == ["utt_a", "utt_b"]
    assert "utt_c.flac" in r["errors"]["utt_c"] and "silent" in r["errors"]["utt_c"]
    assert "could not be scored" in log and r["summary"]["mcd_db"]["n"] == 2


def test_config_and_plot(dirs, tmp_path, caplog):
    from vcgan.features.config import FeatureConfig

    cfg = tmp_path / "feature_config.yaml"
    FeatureConfig(sample_rate=16000, mcep_dim=30, f0_method="dio").save(cfg)
    png = tmp_path / "eval.png"
    out = tmp_path / "cfg.json"
    code, _ = _run(caplog, "--ref", dirs / "ref", "--conv", dirs / "conv", "--src", dirs / "src", "--config", cfg,
                   "--metrics", "mcd", "--json", out, "--plot", png, "--plot-utt", "utt_b", "--no-progress")
    assert code == 0
    st = json.loads(out.read_text())["settings"]
    assert st["mcep_dim"] == 30 and st["f0_method"] == "dio" and st["overrides"] == []
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    cfg22 = tmp_path / "c22.yaml"
    FeatureConfig(sample_rate=22050).save(cfg22)
    code, log = _run(caplog, "--ref", dirs / "ref", "--conv", dirs / "conv", "--config", cfg22, *FAST)
    assert code == 2 and "22050 Hz but the files are at 16000 Hz" in log


def test_similarity_against_target_and_source(dirs, tmp_path, caplog):
    from vcgan.metrics import similarity

    if not similarity.available():
        pytest.skip("optional packages resemblyzer + webrtcvad-wheels not installed")
    out = tmp_path / "sim.json"
    code, _ = _run(caplog, "--ref", dirs / "ref", "--conv", dirs / "conv", "--src", dirs / "src",
                   "--metrics", "sim", "--json", out, "-j", "2", "--no-progress")
    assert code == 0
    r = json.loads(out.read_text())
    for u in r["utterances"].values():
        assert set(u) == {"sim_target", "sim_source", "src_sim_target"}
        # src/ holds the reference speech itself: it is closer to the target than the
        # re-synthesised, pitch-shifted, noisy conversion.
        assert u["src_sim_target"] > u["sim_target"] > 0.3
    assert set(r["summary"]) == {"sim_target", "sim_source", "src_sim_target"}
