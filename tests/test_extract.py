"""`vcgan extract` and `vcgan stats` on a small data directory made from real speech."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
import yaml

from conftest import make_two_speaker_wavs, write_data_dir
from vcgan.bin.cli import main
from vcgan.data.dump import FeatureDump
from vcgan.features import FeatureConfig, SpeakerStats

CFG = FeatureConfig(sample_rate=16000, mcep_dim=24, f0_method="dio")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, arctic):
    """Two speakers: the real male recording cut in 3 parts, and the same parts re-synthesised
    by WORLD an octave higher (a clearly higher-pitched "speaker"); plus two bad files."""
    x, fs = arctic
    root = tmp_path_factory.mktemp("corpus")
    utts = make_two_speaker_wavs(root, x, fs)
    (root / "empty.wav").write_bytes(b"")
    sf.write(root / "silent.wav", np.zeros(fs), fs)
    good = write_data_dir(root / "data_good", utts)
    bad = write_data_dir(root / "data_bad", {**utts, "low_empty": ("low", str(root / "empty.wav")),
                                             "high_silent": ("high", str(root / "silent.wav"))})
    cfg_path = root / "feature.yaml"
    CFG.save(cfg_path)
    return {"good": good, "bad": bad, "config": cfg_path, "root": root}


def _extract(data, out, cfg, *extra):
    return main(["extract", "--data-dir", str(data), "--out-dir", str(out), "--config", str(cfg), *extra])


def test_bad_files_reported_others_finish(corpus, tmp_path, caplog):
    out = tmp_path / "dump"
    assert _extract(corpus["bad"], out, corpus["config"], "-j", "2") == 1
    text = caplog.text
    assert "2 bad file(s)" in text
    assert "empty.wav: file is empty" in text and "silent.wav: silent" in text
    dump = FeatureDump(out)
    assert len(dump.utterances) == 6 and "low_empty" not in dump.scp
    assert sorted(FeatureDump(out).speakers) == ["high", "low"]
    assert (out / "bad_files.txt").read_text().count("\n") == 2
    # --skip-bad: same report, exit 0; nothing left to extract.
    assert _extract(corpus["bad"], out, corpus["config"], "--skip-bad") == 0


def test_dump_contents_and_speaker_ranges(corpus, tmp_path):
    out = tmp_path / "dump"
    assert _extract(corpus["good"], out, corpus["config"], "-j", "2") == 0
    dump = FeatureDump(out)
    feats = dict(np.load(out / "feats" / "low_0.npz"))  # one line of NumPy
    assert set(feats) == {"f0", "mcep", "cap"}
    assert feats["mcep"].shape == (len(feats["f0"]), 24)
    ranges = yaml.safe_load((out / "f0_range.yaml").read_text())
    assert ranges["high"][0] > ranges["low"][0] and ranges["high"][1] > ranges["low"][1]
    assert dump.config.speaker_f0_range == ranges  # saved with the dump for conversion time
    assert (out / "f0_histogram.png").stat().st_size > 1000
    assert dump.config.replace(speaker_f0_range={}) == CFG


def test_parallel_equals_serial(corpus, tmp_path):
    assert _extract(corpus["good"], tmp_path / "j1", corpus["config"], "-j", "1") == 0
    assert _extract(corpus["good"], tmp_path / "j2", corpus["config"], "-j", "2") == 0
    d1, d2 = FeatureDump(tmp_path / "j1"), FeatureDump(tmp_path / "j2")
    assert d1.utterances == d2.utterances
    for utt in d1.utterances:
        a, b = d1.load(utt), d2.load(utt)
        for k in a:
            np.testing.assert_array_equal(a[k], b[k])


def test_resume_skips_complete_and_redoes_missing(corpus, tmp_path):
    out = tmp_path / "dump"
    assert _extract(corpus["good"], out, corpus["config"]) == 0
    mtimes = {p.name: p.stat().st_mtime_ns for p in (out / "feats").iterdir()}
    (out / "feats" / "high_1.npz").unlink()
    assert _extract(corpus["good"], out, corpus["config"]) == 0
    after = {p.name: p.stat().st_mtime_ns for p in (out / "feats").iterdir()}
    assert set(after) == set(mtimes)
    changed = sorted(n for n in after if after[n] != mtimes.get(n))
    assert changed == ["high_1.npz"]
    assert not [p for p in out.rglob("*.tmp*")]


def test_changed_settings_need_overwrite(corpus, tmp_path, capsys):
    out = tmp_path / "dump"
    assert _extract(corpus["good"], out, corpus["config"]) == 0
    other = tmp_path / "other.yaml"
    CFG.replace(mcep_dim=30).save(other)
    assert _extract(corpus["good"], out, other) == 2
    assert "other settings (mcep_dim)" in capsys.readouterr().err
    assert _extract(corpus["good"], out, other, "--overwrite") == 0
    assert FeatureDump(out).load("low_0")["mcep"].shape[1] == 30


def test_stats_per_speaker(corpus, tmp_path):
    out = tmp_path / "dump"
    assert _extract(corpus["good"], out, corpus["config"]) == 0
    assert main(["stats", "--dump-dir", str(out)]) == 0
    low, high = SpeakerStats.load(out / "stats" / "low.npz"), SpeakerStats.load(out / "stats" / "high.npz")
    # The "high" speaker is the same speech an octave up: log-F0 mean differs by log 2.
    assert high.logf0_mean - low.logf0_mean == pytest.approx(np.log(2.0), abs=0.05)
    dump = FeatureDump(out)
    mc = np.concatenate([dump.load(u)["mcep"] for u in dump.utterances_of("low")])
    np.testing.assert_allclose(low.mean["mcep"], mc.mean(0), rtol=1e-4, atol=1e-5)
    summary = yaml.safe_load((out / "stats" / "summary.yaml").read_text())
    assert summary["low"]["utterances"] == 3
    assert (out / "stats" / "f0_histogram.png").is_file()


def test_missing_inputs_are_clear_errors(tmp_path, corpus, capsys):
    assert _extract(tmp_path / "nowhere", tmp_path / "dump", corpus["config"]) == 2
    err = capsys.readouterr().err
    assert "vcgan extract: error:" in err and "nowhere" in err
    assert _extract(corpus["good"], tmp_path / "dump", tmp_path / "none.yaml") == 2
    assert "none.yaml: config file does not exist" in capsys.readouterr().err
