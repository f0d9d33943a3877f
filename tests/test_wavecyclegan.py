"""WaveCycleGAN / WaveCycleGAN2: networks (length, exact chunking), the losses' wiring, the
config's versions, training from a dump, and post-filtering through the CLI and the chain."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch

from vcgan.models import build_generator
from vcgan.models.wavecyclegan import postfilter_waveform
from vcgan.tasks.wavecyclegan.config import WaveCycleGANConfig
from vcgan.tasks.wavecyclegan.task import POSTFILTER, WaveCycleGANTask
from vcgan.utils.config import ConfigError

V1 = {"downsample_factors": [2, 2], "dilations": [1, 1, 1]}
V2 = {"downsample_factors": [], "dilations": [1, 2, 4]}
TINY = {"channels": 4}
TINY_TASK = {"generator": {"channels": 4, "dilations": [1, 2]}, "discriminator": {"channels": [4, 8]},
             "log_mel": {"discriminator": {"base_channels": 4, "n_downsample": 2}},
             "batch_size": 2, "segment_ms": 64, "n_iterations": 4, "decay_start": 2}


def _random_generator(layout: dict, seed: int = 0) -> torch.nn.Module:
    """A generator whose every weight, the zero-initialised output included, is random, so it
    is far from the identity and chunking errors would show."""
    torch.manual_seed(seed)
    g = build_generator("wavecyclegan", **TINY, **layout).eval()
    with torch.no_grad():
        for p in g.parameters():
            p.normal_(0, 0.3)
    return g


@pytest.mark.parametrize("layout", [V1, V2], ids=["v1", "v2"])
def test_output_length_equals_input_length_at_any_length(layout) -> None:
    g = _random_generator(layout)
    for n in (1, 3, 4, 5, 127, 1000, 4001):
        with torch.no_grad():
            y = g(torch.randn(2, n))
        assert y.shape == (2, n), n
        assert postfilter_waveform(g, np.random.randn(n), 100).shape == (n,)


@pytest.mark.parametrize("layout", [V1, V2], ids=["v1", "v2"])
def test_an_untrained_postfilter_is_the_identity(layout) -> None:
    g = build_generator("wavecyclegan", **TINY, **layout).eval()
    x = torch.randn(1, 999)
    with torch.no_grad():
        assert torch.equal(g(x), x)


@pytest.mark.parametrize("layout", [V1, V2], ids=["v1", "v2"])
def test_chunked_postfiltering_equals_the_whole_file(layout) -> None:
    """Tolerance 1e-5 of a ~1-scale output: float rounding only (a seam would be O(1))."""
    g = _random_generator(layout, seed=1)
    x = np.random.default_rng(0).standard_normal(9_001).astype(np.float32)
    with torch.no_grad():
        whole = g(torch.from_numpy(x)[None])[0].numpy()
    assert np.abs(whole - x).max() > 0.1  # not the identity: the test would be empty
    for chunk in (1, 333, 1000, 4096, 20_000):
        chunked = postfilter_waveform(g, x, chunk)
        assert np.abs(chunked - whole).max() < 1e-5 * max(1.0, np.abs(whole).max()), chunk


@pytest.mark.parametrize("layout", [V1, V2], ids=["v1", "v2"])
def test_receptive_radius_bounds_the_impulse_response(layout) -> None:
    g = _random_generator(layout, seed=2)
    n, at = 4_001, 2_000
    impulse = torch.zeros(1, n)
    impulse[0, at] = 1.0
    with torch.no_grad():
        diff = (g(impulse) - g(torch.zeros(1, n)))[0].abs().numpy()
    support = np.nonzero(diff > 0)[0]
    reach = max(at - support.min(), support.max() - at)
    assert 0 < reach <= g.receptive_radius() and reach > g.receptive_radius() // 2


def test_versions_set_their_layout_and_overrides_merge() -> None:
    v1, v2 = WaveCycleGANConfig.from_dict({"version": 1}), WaveCycleGANConfig.from_dict({})
    assert v1.generator["downsample_factors"] == [2, 2] and not v1.log_mel_discriminator
    assert v2.generator["downsample_factors"] == [] and v2.log_mel_discriminator
    assert v2.generator["dilations"] == [1, 2, 4, 8, 16, 32]
    mixed = WaveCycleGANConfig.from_dict({"version": 1, "generator": {"channels": 8}})
    assert mixed.generator == {"downsample_factors": [2, 2], "dilations": [1] * 6, "channels": 8}
    for bad, word in (({"version": 3}, "version"), ({"generator": {"kernel": 4}}, "odd kernel"),
                      ({"waveform_gain": 0}, "waveform_gain"), ({"segment_ms": 0}, "segment_ms"),
                      ({"discriminator": {"norm": "batch"}}, "norm")):
        with pytest.raises(ConfigError, match=word):
            WaveCycleGANConfig.from_dict(bad, where="w.yaml")


def _weights_after_a_step(seed_batch: int = 0, **over) -> dict[str, torch.Tensor]:
    cfg = WaveCycleGANConfig.from_dict({**TINY_TASK, **over})
    task = WaveCycleGANTask(cfg, 16000, torch.device("cpu"))
    # Away from the identity they start at: there the cycle and identity errors are exactly 0
    # and so are their gradients.
    torch.manual_seed(7)
    with torch.no_grad():
        for name, net in task.modules().items():
            if name.startswith("generator"):
                net.output.weight.normal_(0, 0.1)
    g = torch.Generator().manual_seed(seed_batch)
    n = cfg.segment_samples(16000)
    logs = task.train_step(synthetic=torch.randn(2, n, generator=g), natural=torch.randn(2, n, generator=g),
                           iteration=0)
    return {k: v.clone() for k, v in task.modules()[POSTFILTER].state_dict().items()}, logs


def _differ(a: dict, b: dict) -> bool:
    return any(not torch.equal(a[k], b[k]) for k in a)


def test_cycle_and_identity_losses_are_wired_into_the_update() -> None:
    """Dropping either term from the generator's loss makes the two updates equal: fails."""
    base, logs = _weights_after_a_step()
    assert logs["generator/identity"] > 0 and logs["generator/cycle"] > 0
    no_id, logs_no_id = _weights_after_a_step(lambda_identity=0.0)
    no_cycle, _ = _weights_after_a_step(lambda_cycle=0.0)
    again, _ = _weights_after_a_step()
    assert not _differ(base, again)  # deterministic, so a difference below is the term's
    assert _differ(base, no_id) and _differ(base, no_cycle)
    assert "generator/identity" not in logs_no_id
    # after identity_iterations the identity term is off: the same update as with weight 0
    late = WaveCycleGANConfig.from_dict({**TINY_TASK, "identity_iterations": 1})
    task = WaveCycleGANTask(late, 16000, torch.device("cpu"))
    logs = task.train_step(synthetic=torch.randn(2, 1024), natural=torch.randn(2, 1024), iteration=1)
    assert "generator/identity" not in logs


def test_log_mel_discriminators_are_trained_in_version_2_only() -> None:
    v2 = WaveCycleGANTask(WaveCycleGANConfig.from_dict(TINY_TASK), 16000, torch.device("cpu"))
    v1 = WaveCycleGANTask(WaveCycleGANConfig.from_dict({**TINY_TASK, "version": 1}), 16000, torch.device("cpu"))
    assert {"discriminator_log_mel_natural", "discriminator_log_mel_synthetic"} <= set(v2.modules())
    assert not any("log_mel" in k for k in v1.modules())
    before = {k: v.clone() for k, v in v2.modules()["discriminator_log_mel_natural"].state_dict().items()}
    logs = v2.train_step(synthetic=torch.randn(2, 1024), natural=torch.randn(2, 1024), iteration=0)
    assert "discriminator/log_mel_natural" in logs
    assert _differ(before, v2.modules()["discriminator_log_mel_natural"].state_dict())


@pytest.fixture(scope="module")
def trained(dump3, tmp_path_factory):
    """A tiny WaveCycleGAN2 trained on ``high``'s utterances of the dump, and its bundle."""
    import yaml

    from vcgan.bin.cli import main
    root = tmp_path_factory.mktemp("wcg")
    cfg = root / "wcg.yaml"
    cfg.write_text(yaml.safe_dump({"task": "wavecyclegan", "model": TINY_TASK,
                                   "trainer": {"checkpoint_interval": 2, "log_interval": 2}}))
    assert main(["train", "--config", str(cfg), "--train-dump", str(dump3["dump"]), "--speakers", "high",
                 "--out", str(root / "exp"), "--no-progress"]) == 0
    return {"root": root, "bundle": root / "exp" / "bundle", **dump3}


def test_training_splits_the_speakers_utterances_and_sets_the_level(trained) -> None:
    from vcgan.bundle import Bundle
    from vcgan.data.dump import FeatureDump
    from vcgan.tasks.wavecyclegan.data import natural_waveforms, split_utterances, unit_level_gain
    dump = FeatureDump(trained["dump"])
    synthetic, natural = split_utterances(dump, ["high"])
    assert synthetic and natural and not set(synthetic) & set(natural)
    assert set(synthetic) | set(natural) == set(dump.utterances_of("high"))
    component = Bundle.load(trained["bundle"]).postfilters[0]
    gain = component.config["waveform_gain"]
    assert component.family == "wavecyclegan" and list(component.weights) == [POSTFILTER]
    assert gain == pytest.approx(unit_level_gain(natural_waveforms(dump, natural)))
    rms = np.sqrt(np.mean(np.concatenate(natural_waveforms(dump, natural)) ** 2))
    assert gain * rms == pytest.approx(1.0)


def test_two_speakers_need_a_front_end(dump3, tmp_path) -> None:
    from vcgan.train.config import TrainingConfig
    from vcgan.train.run import train_model
    cfg = TrainingConfig.from_dict({"task": "wavecyclegan", "model": TINY_TASK})
    with pytest.raises(ValueError, match="--front-end BUNDLE"):
        train_model(cfg, dump3["dump"], tmp_path / "exp", speakers=["low", "high"], progress=False)


def test_postfilter_cli_any_length_and_a_bad_file(trained, tmp_path) -> None:
    from vcgan.bin.cli import main
    src = tmp_path / "in"
    src.mkdir()
    x, fs = sf.read(trained["wav"])
    lengths = {"short": 700, "long": len(x)}
    for name, n in lengths.items():
        sf.write(src / f"{name}.wav", x[:n], fs)
    (src / "broken.wav").write_bytes(b"not audio")
    out = tmp_path / "out"
    assert main(["postfilter", "--model", str(trained["bundle"]), str(src), str(out)]) == 1  # broken.wav
    for name, n in lengths.items():
        y, rate = sf.read(out / f"{name}.wav")
        assert rate == fs and len(y) == n
    assert not (out / "broken.wav").exists()
    # the whole file and its first 700 samples agree where the short one has full context
    long, short = sf.read(out / "long.wav")[0], sf.read(out / "short.wav")[0]
    assert np.abs(long[:300] - short[:300]).max() <= 2 / 32768


class _FeatureFilterFamily:
    """A family whose post-filter works on features (as the GAN post-filter's does)."""

    name, role, speakers, schedule_keys = "test_feature_filter", "postfilter", (1, 1), ("n_iterations",)

    def load(self, component, bundle, device):
        return type("FeatureFilter", (), {"domain": "features"})()


def test_postfilter_cli_refuses_a_feature_postfilter(trained, tmp_path) -> None:
    from vcgan.bin.postfilter import WaveformPostFilters
    from vcgan.bundle import Bundle, Component
    from vcgan.tasks import register, unregister
    register(_FeatureFilterFamily())
    try:
        b = Bundle.load(trained["bundle"])
        b.postfilters = [Component(family="test_feature_filter", config={}, weights={})]
        b.save(tmp_path / "feature_pf")
        with pytest.raises(ValueError, match="work on features, not audio"):
            WaveformPostFilters(str(tmp_path / "feature_pf"))
    finally:
        unregister("test_feature_filter")


def _model_bundle(trained, tmp_path, name="model", **analysis):
    """A converter-less bundle of the dump's ``low`` and ``high`` (the statistical baseline
    converts with it), with the analysis settings ``analysis`` changed."""
    from vcgan.bundle import Bundle
    from vcgan.data.dump import FeatureDump
    from vcgan.train.run import speaker_stats
    dump = FeatureDump(trained["dump"])
    return Bundle(speakers=["low", "high"], stats=speaker_stats(dump, ["low", "high"]),
                  feature_config=dump.config.replace(**analysis)).save(tmp_path / name)


def test_convert_with_a_waveform_postfilter_runs_it_after_the_vocoder(trained, tmp_path) -> None:
    """The chain's output with the post-filter is its output without, post-filtered."""
    from vcgan.bin.postfilter import WaveformPostFilters
    from vcgan.conversion.chain import ConversionChain
    from vcgan.features.extract import read_speech
    pf = trained["bundle"]
    plain = ConversionChain(_model_bundle(trained, tmp_path), "cpu", baseline=True)
    with_pf = ConversionChain(plain.bundle, "cpu", baseline=True, postfilters=[pf])
    x = read_speech(trained["wav"], plain.feature_config)
    y0 = plain.convert_waveform(x, "low", "high")
    y1 = with_pf.convert_waveform(x, "low", "high")
    assert len(y1) == len(y0) and np.abs(y1 - y0).max() > 0
    assert np.allclose(y1, WaveformPostFilters(str(pf)).apply(y0), atol=1e-6)
    assert "WavePostFilter" in with_pf.describe()


def test_a_waveform_postfilter_needs_the_models_rate_not_its_analysis(trained, tmp_path) -> None:
    from vcgan.conversion.chain import ConversionChain
    other_order = _model_bundle(trained, tmp_path, "m20", mcep_dim=20)
    ConversionChain(other_order, "cpu", baseline=True, postfilters=[trained["bundle"]])
    other_rate = _model_bundle(trained, tmp_path, "m8k", sample_rate=8000)
    with pytest.raises(ValueError, match="sample_rate"):
        ConversionChain(other_rate, "cpu", baseline=True, postfilters=[trained["bundle"]])


def test_dump_lists_each_utterances_audio(trained, tmp_path) -> None:
    from vcgan.data.dump import DumpError, FeatureDump
    dump = FeatureDump(trained["dump"])
    assert dump.audio_entry("low_1") == str(Path(trained["wav"]).resolve())
    old = tmp_path / "old_dump"
    shutil.copytree(trained["dump"], old)
    (old / "wav.scp").unlink()
    with pytest.raises(DumpError, match="no wav.scp"):
        FeatureDump(old).audio_entry("low_1")


def test_version_1_trains_and_postfilters_through_the_cli(dump3, tmp_path) -> None:
    import yaml

    from vcgan.bin.cli import main
    from vcgan.bundle import Bundle
    cfg = tmp_path / "wcg1.yaml"
    cfg.write_text(yaml.safe_dump({"task": "wavecyclegan", "model": {**TINY_TASK, "version": 1},
                                   "trainer": {"checkpoint_interval": 2, "log_interval": 2}}))
    assert main(["train", "--config", str(cfg), "--train-dump", str(dump3["dump"]), "--speakers", "high",
                 "--out", str(tmp_path / "exp"), "--no-progress"]) == 0
    component = Bundle.load(tmp_path / "exp" / "bundle").postfilters[0]
    assert component.config["version"] == 1 and component.config["generator"]["downsample_factors"] == [2, 2]
    x, fs = sf.read(dump3["wav"])
    sf.write(tmp_path / "in.wav", x[:12_345], fs)
    assert main(["postfilter", "--model", str(tmp_path / "exp" / "bundle"), str(tmp_path / "in.wav"),
                 str(tmp_path / "out.wav")]) == 0
    assert sf.info(tmp_path / "out.wav").frames == 12_345
