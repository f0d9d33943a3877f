"""Defaults that follow the input's rate (issue 16): the mel-cepstral order of the feature
config and the ``vcgan`` MCD preset, and one-off commands analysing at the file's own rate."""

from __future__ import annotations

import json
import logging

import numpy as np
import pytest
import soundfile as sf
import yaml

from vcgan.features.config import MCEP_ORDER_BY_RATE, FeatureConfig, default_mcep_dim


def _cli(caplog, *argv) -> tuple[int, str]:
    from vcgan.bin.cli import main

    caplog.clear()
    with caplog.at_level(logging.INFO, logger="vcgan"):
        code = main([str(a) for a in argv])
    return code, caplog.text


# ----------------------------------------------------------------------------- the per-rate table
@pytest.mark.parametrize("rate, dim", [(8000, 14), (16000, 25), (22050, 35), (24000, 35), (32000, 37),
                                       (44100, 40), (48000, 40)])
def test_table_gives_the_field_conventions(rate, dim):
    assert default_mcep_dim(rate) == dim == MCEP_ORDER_BY_RATE[rate] + 1


def test_sprocket_rates_agree_with_the_sprocket_preset():
    from vcgan.metrics.presets import _SPROCKET_RATES

    for rate, (dim, _alpha) in _SPROCKET_RATES.items():
        assert default_mcep_dim(rate) == dim


@pytest.mark.parametrize("rate, listed", [(4000, 8000), (11025, 8000), (12000, 8000), (20000, 16000),
                                          (32000, 32000), (96000, 48000)])
def test_unlisted_rates_take_the_highest_listed_rate_at_or_below(rate, listed):
    assert default_mcep_dim(rate) == default_mcep_dim(listed)


def test_more_bandwidth_never_gets_fewer_coefficients():
    rates = sorted(MCEP_ORDER_BY_RATE)
    dims = [default_mcep_dim(r) for r in rates]
    assert dims == sorted(dims)


# ----------------------------------------------------------------------------- FeatureConfig
def test_mcep_dim_follows_the_rate_like_alpha():
    cfg = FeatureConfig(sample_rate=22050)
    assert cfg.mcep_dim is None and cfg.n_mcep == 35
    at16 = cfg.replace(sample_rate=16000)
    assert at16.n_mcep == 25 and at16.alpha == pytest.approx(0.41)
    assert FeatureConfig().n_mcep == 35  # the CycleGAN-VC2 default rate keeps its 35


def test_explicit_mcep_dim_wins_at_any_rate():
    cfg = FeatureConfig(sample_rate=16000, mcep_dim=24)
    assert cfg.n_mcep == 24 and cfg.replace(sample_rate=48000).n_mcep == 24
    with pytest.raises(ValueError, match="mcep_dim must be at least 2"):
        FeatureConfig(mcep_dim=1)


def test_saved_config_keeps_null_and_stays_rate_following(tmp_path):
    path = tmp_path / "feature.yaml"
    FeatureConfig(sample_rate=22050).save(path)
    assert yaml.safe_load(path.read_text())["mcep_dim"] is None
    loaded = FeatureConfig.from_yaml(path)
    assert loaded.n_mcep == 35 and loaded.replace(sample_rate=16000).n_mcep == 25
    FeatureConfig(sample_rate=16000, mcep_dim=30).save(path)
    assert yaml.safe_load(path.read_text())["mcep_dim"] == 30 and FeatureConfig.from_yaml(path).n_mcep == 30


def test_features_have_the_rate_default_number_of_coefficients(arctic):
    from vcgan.features.extract import extract_features

    x, fs = arctic
    feats = extract_features(x[: fs // 2], FeatureConfig(sample_rate=fs, f0_method="dio"))
    assert fs == 16000 and feats["mcep"].shape[1] == 25


def test_model_dimension_comes_from_the_feature_config_alone():
    """The model config holds no feature dimension (it would be a second place for it); the
    network is built for the feature config's number in force (25 at 16 kHz when unset)."""
    from vcgan.bundle import Bundle, Component
    from vcgan.conversion import ConversionChain
    from vcgan.features.stats import SpeakerStats
    from vcgan.tasks.cyclegan import CycleGANConfig, CycleGANTask
    from vcgan.utils.config import ConfigError

    with pytest.raises(ConfigError, match="mcep_dim: not a model setting"):
        CycleGANConfig.from_dict({"model": "cyclegan_vc2", "mcep_dim": 25})
    cfg = FeatureConfig(sample_rate=16000)
    model = CycleGANConfig.from_dict({"model": "cyclegan_vc2", "generator": {"base_channels": 4, "res_channels": 4,
                                                                            "n_res_blocks": 1}})
    task = CycleGANTask(model, cfg.n_mcep)
    gens = {d: task.modules()[f"generator_{d}"].state_dict() for d in ("a2b", "b2a")}
    stats = {s: SpeakerStats(s, mean={"mcep": np.zeros(25, np.float32)}, std={"mcep": np.ones(25, np.float32)})
             for s in "AB"}
    chain = ConversionChain(Bundle(["A", "B"], stats, cfg, converter=Component("cyclegan", model.to_dict(), gens)))
    z = chain.converter.mcep_map("A", "B")(np.zeros((16, 25), np.float32))
    assert z.shape == (16, 25)


# ----------------------------------------------------------------------------- analyze-synthesize
def test_analyze_synthesize_defaults_stay_at_the_files_rate(arctic_path, tmp_path, caplog):
    out, js = tmp_path / "out.wav", tmp_path / "out.json"
    code, log = _cli(caplog, "analyze-synthesize", arctic_path, out, "--json", js)
    assert code == 0
    assert sf.info(arctic_path).samplerate == 16000 and sf.info(str(out)).samplerate == 16000
    assert "resampled" not in log
    assert "16000 Hz (the input's rate), 25 mel-cepstral coefficients" in log
    st = json.loads(js.read_text())["settings"]
    assert (st["sample_rate"], st["mcep_dim"], st["f0_method"], st["frame_period"]) == (16000, 25, "harvest", 5.0)
    assert st["mcep_alpha"] == pytest.approx(0.41)


def test_analyze_synthesize_options_and_config_override_the_rate(arctic_path, tmp_path, caplog):
    out, js = tmp_path / "out.wav", tmp_path / "out.json"
    code, log = _cli(caplog, "analyze-synthesize", arctic_path, out, "--json", js,
                     "--sample-rate", "22050", "--mcep-dim", "30", "--f0-method", "dio")
    assert code == 0 and "resampled from 16000 Hz to 22050 Hz" in log
    st = json.loads(js.read_text())["settings"]
    assert (sf.info(str(out)).samplerate, st["sample_rate"], st["mcep_dim"]) == (22050, 22050, 30)
    cfg = tmp_path / "feature.yaml"
    FeatureConfig(sample_rate=22050, f0_method="dio").save(cfg)
    assert _cli(caplog, "analyze-synthesize", arctic_path, out, "--json", js, "--config", cfg)[0] == 0
    st = json.loads(js.read_text())["settings"]
    assert (sf.info(str(out)).samplerate, st["sample_rate"], st["mcep_dim"]) == (22050, 22050, 35)


def test_analyze_synthesize_missing_input_is_a_clear_error(tmp_path, capsys):
    from vcgan.bin.cli import main

    assert main(["analyze-synthesize", str(tmp_path / "nope.wav"), str(tmp_path / "out.wav")]) == 2
    assert "nope.wav: file does not exist" in capsys.readouterr().err
    assert not (tmp_path / "out.wav").exists()


# ----------------------------------------------------------------------------- evaluate preset
@pytest.mark.parametrize("rate, dim", [(16000, 25), (22050, 35), (44100, 40)])
def test_vcgan_preset_follows_the_rate(rate, dim):
    from vcgan.metrics.presets import get_settings

    s = get_settings("vcgan", rate)
    assert s.mcep_dim == dim and s.overrides == ()
    assert get_settings("vcgan", rate, mcep_dim=dim + 5).mcep_dim == dim + 5
    assert get_settings("vcgan", rate, FeatureConfig(sample_rate=rate, mcep_dim=20)).mcep_dim == 20


def test_evaluate_records_the_resolved_dimension(arctic_path, tmp_path, caplog):
    ref = tmp_path / "ref"
    ref.mkdir()
    x, fs = sf.read(arctic_path)
    sf.write(ref / "u.wav", x[: 2 * fs], fs)
    js = tmp_path / "eval.json"
    code, _ = _cli(caplog, "evaluate", "--ref", ref, "--conv", ref, "--metrics", "mcd", "--f0-method", "dio",
                   "--no-progress", "--json", js)
    assert code == 0
    st = json.loads(js.read_text())["settings"]
    assert (st["sample_rate"], st["mcep_dim"], st["overrides"]) == (16000, 25, ["f0_method"])


# ----------------------------------------------------------------------------- bundles
def test_bundle_keeps_its_rate_and_resamples_other_input(arctic_path, tmp_path):
    from vcgan.audio import AudioWarning
    from vcgan.bundle import Bundle
    from vcgan.conversion import ConversionChain
    from vcgan.features.extract import analyze_file
    from vcgan.features.stats import compute_speaker_stats

    cfg = FeatureConfig(sample_rate=22050, f0_method="dio")
    with pytest.warns(AudioWarning, match="resampled from 16000 Hz to 22050 Hz"):
        feats = analyze_file(arctic_path, cfg)
    stats = {s: compute_speaker_stats(s, [feats], (cfg.f0_floor, cfg.f0_ceil)) for s in ("A", "B")}
    Bundle(speakers=["A", "B"], stats=stats, feature_config=cfg).save(tmp_path / "bundle")
    bundle = Bundle.load(tmp_path / "bundle")
    assert bundle.feature_config.mcep_dim is None and bundle.feature_config.n_mcep == 35
    out = tmp_path / "conv.wav"
    with pytest.warns(AudioWarning, match="resampled from 16000 Hz to 22050 Hz"):
        ConversionChain(bundle, baseline=True).convert_file(arctic_path, out, "A", "B")
    assert sf.info(str(out)).samplerate == 22050
    assert np.isfinite(sf.read(str(out))[0]).all()
