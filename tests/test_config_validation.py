"""Bad configs (issue 16, issue 9): every YAML value is type- and range-checked on load, before any
work, and the error names the file, the dotted key, the expected type and the value given.
Bad `vcgan train` speaker pairs and crops longer than every utterance are refused before training.
"""

from __future__ import annotations

import glob

import numpy as np
import pytest
import yaml

from conftest import REPO
from vcgan.bin.cli import main
from vcgan.data.dump import CONFIG_FILE, FEATS_SCP, write_features
from vcgan.data.kaldi import write_table
from vcgan.features.config import FeatureConfig
from vcgan.tasks.cyclegan import CycleGANConfig
from vcgan.train.config import TrainingConfig
from vcgan.utils.config import ConfigError, from_dict, load_yaml

TINY_MODEL = {"model": "cyclegan_vc2", "generator": {"base_channels": 8, "res_channels": 8,
              "n_res_blocks": 1}, "discriminator": {"base_channels": 8}, "crop_frames": 32, "n_iterations": 4,
              "decay_start": 2, "identity_iterations": 2}


def _training_yaml(tmp_path, text: str):
    path = tmp_path / "train.yaml"
    path.write_text(text)
    return path


def _load_training(path) -> TrainingConfig:
    return TrainingConfig.from_dict(load_yaml(path), where=str(path))


# ------------------------------------------------------------------------- types
@pytest.mark.parametrize("text, shown", [
    ('mcep_dim: "24"', "'24' (text)"),        # was: "'<' not supported between 'str' and 'int'"
    ("mcep_dim: twenty", "'twenty' (text)"),  # was: the same, naming no key
    ("mcep_dim: 24.5", "24.5 (a number)"),    # was: accepted, then every file failed
    ("mcep_dim: true", "true (true/false)"),  # bool is an int in Python, not in a config
])
def test_feature_config_integer_refused_naming_file_key_type_and_value(tmp_path, text, shown):
    path = tmp_path / "feature.yaml"
    path.write_text(f"sample_rate: 16000\n{text}\n")
    with pytest.raises(ConfigError) as e:
        FeatureConfig.from_yaml(path)
    assert str(e.value) == f"{path}: mcep_dim: expected an integer or null, got {shown}"


@pytest.mark.parametrize("text, key, expected, shown", [
    ('trainer: {checkpoint_interval: "10"}', "trainer.checkpoint_interval", "an integer", "'10' (text)"),
    ("model: {generator: {n_res_blocks: two}}", "model.generator.n_res_blocks", "an integer", "'two' (text)"),
    ("model: {discriminator: {spectral_norm: 1}}", "model.discriminator.spectral_norm", "true or false",
     "1 (an integer)"),
    ("model: {crop_frames: 32.5}", "model.crop_frames", "an integer", "32.5 (a number)"),
    ('model: {lr_generator: "2e-4"}', "model.lr_generator", "a number", "'2e-4' (text)"),
    ("model: {batch_size: true}", "model.batch_size", "an integer", "true (true/false)"),
    ("model: {adam_betas: [0.5, high]}", "model.adam_betas[1]", "a number", "'high' (text)"),
    ("model: {adversarial_loss: 2}", "model.adversarial_loss", "text", "2 (an integer)"),
    ("trainer: 10", "trainer", "a mapping", "10 (an integer)"),
])
def test_training_config_type_errors_name_file_key_type_and_value(tmp_path, text, key, expected, shown):
    path = _training_yaml(tmp_path, f"task: cyclegan\n{text}\n")
    with pytest.raises(ConfigError) as e:
        _load_training(path)
    assert str(e.value) == f"{path}: {key}: expected {expected}, got {shown}"


def test_integers_are_fine_floats_and_become_floats(tmp_path):
    path = _training_yaml(tmp_path, "task: cyclegan\nmodel: {lr_generator: 1, lambda_cycle: 10, adam_betas: [0, 1]}\n")
    with pytest.raises(ConfigError, match=r"model\.adam_betas must be two values in \[0, 1\), got \[0\.0, 1\.0\]"):
        _load_training(path)
    path.write_text("task: cyclegan\nmodel: {lr_generator: 1, lambda_cycle: 10, adam_betas: [0, 0.9]}\n")
    cfg = _load_training(path).model_config()
    assert (cfg.lr_generator, cfg.lambda_cycle, cfg.adam_betas) == (1.0, 10.0, [0.0, 0.9])
    assert all(type(v) is float for v in (cfg.lr_generator, cfg.lambda_cycle, *cfg.adam_betas))
    feat = from_dict(FeatureConfig, {"f0_floor": 60, "speaker_f0_range": {"a": [70, 300]}})
    assert type(feat.f0_floor) is float and all(type(v) is float for v in feat.speaker_f0_range["a"])


def test_unquoted_exponent_numbers_load_as_floats(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("lr: 2e-4\nbig: 1E5\nneg: -3e+2\nlead: .5e-3\ndotted: 2.0e-4\nint: 10\nword: 1e\n")
    data = load_yaml(path)
    assert yaml.safe_load(path.read_text())["lr"] == "2e-4"  # what PyYAML alone (YAML 1.1) makes of it
    assert data == {"lr": 2e-4, "big": 1e5, "neg": -300.0, "lead": 5e-4, "dotted": 2e-4, "int": 10, "word": "1e"}
    assert type(data["lr"]) is float and type(data["int"]) is int
    path.write_text("task: cyclegan\nmodel: {lr_generator: 2e-4, lr_discriminator: 1e-4}\n")
    cfg = _load_training(path).model_config()
    assert (cfg.lr_generator, cfg.lr_discriminator) == (2e-4, 1e-4)


def test_unknown_keys_are_named_with_their_path(tmp_path):
    path = _training_yaml(tmp_path, "task: cyclegan\nmodel: {model: cyclegan_vc2, generator: {n_resblocks: 2}}\n")
    with pytest.raises(ConfigError) as e:
        _load_training(path)
    assert str(e.value).startswith(f"{path}: unknown key(s) ['model.generator.n_resblocks']; "
                                   "known keys of model.generator: [")
    assert "'n_res_blocks'" in str(e.value)
    path.write_text("task: cyclegan\ntrainer: {checkpoint_intervl: 5}\n")
    with pytest.raises(ConfigError, match=r"unknown key\(s\) \['trainer.checkpoint_intervl'\]"):
        _load_training(path)


def test_non_plain_yaml_values_refused(tmp_path):
    path = tmp_path / "feature.yaml"
    for text, message in (("fmax: .inf", "fmax: expected a finite number, got inf"),
                          ("speaker_f0_range: {1: [60, 200]}", "speaker_f0_range.1: keys must be text"),
                          ("f0_floor: 2024-01-01", "f0_floor: expected a number, text, true/false")):
        path.write_text(text + "\n")
        with pytest.raises(ConfigError, match=f"^{path}: {message}"):
            FeatureConfig.from_yaml(path)


def test_unknown_or_missing_family_is_named(tmp_path):
    path = _training_yaml(tmp_path, "task: stargan_vc9\nmodel: {}\n")
    with pytest.raises(ConfigError, match=r"task: unknown model family 'stargan_vc9'; known: \[.*'cyclegan'"):
        _load_training(path)
    path = _training_yaml(tmp_path, "model: {}\n")
    with pytest.raises(ConfigError, match="task: missing; name the model family"):
        _load_training(path)


# ------------------------------------------------------------------------- ranges
@pytest.mark.parametrize("text, message", [
    ("model: {model: cyclegan_vc2, crop_frames: 30}",
     "model.crop_frames: the cyclegan_vc2 generator needs a multiple of 4 frames of at least 8, got 30"),
    ("model: {crop_frames: 0}", "model.crop_frames must be at least 1, got 0"),
    ("model: {n_iterations: 0, decay_start: 0}", "model.n_iterations must be at least 1, got 0"),
    ("model: {mcep_dim: 24}", "model.mcep_dim: not a model setting; the number of mel-cepstra comes from the "
                              "feature config of the dump (its mcep_dim)"),
    ("model: {lr_discriminator: 0}", "model.lr_discriminator must be positive, got 0.0"),
    ("model: {seed: -1}", "model.seed must be in [0, 2**32), got -1"),
    ("model: {adversarial_loss: wgan}", "model.adversarial_loss: unknown adversarial loss 'wgan'"),
    ("model: {model: cyclegan_v}", "model.model: unknown model 'cyclegan_v'"),
    ("trainer: {checkpoint_interval: 0}", "trainer.checkpoint_interval must be at least 1, got 0"),
    ("trainer: {log_interval: -5}", "trainer.log_interval must be at least 1, got -5"),
    ("trainer: {snapshot_interval: -1}", "trainer.snapshot_interval must be at least 0 (0: no snapshots), got -1"),
])
def test_wasteful_values_refused_at_load(tmp_path, text, message):
    path = _training_yaml(tmp_path, f"task: cyclegan\n{text}\n")
    with pytest.raises(ConfigError) as e:
        _load_training(path)
    assert str(e.value).startswith(f"{path}: {message}")


def test_crop_must_fit_the_vc1_generator_and_discriminator(tmp_path):
    path = _training_yaml(tmp_path, "task: cyclegan\nmodel: {model: cyclegan_vc, crop_frames: 36, "
                                    "generator: {n_downsample: 3}}\n")
    with pytest.raises(ConfigError, match="needs a multiple of 8 frames of at least 16, got 36"):
        _load_training(path)
    path.write_text("task: cyclegan\nmodel: {model: cyclegan_vc, crop_frames: 64, discriminator: {n_frames: 128}}\n")
    with pytest.raises(ConfigError, match=r"model\.discriminator\.n_frames: .* equal crop_frames \(64\), got 128"):
        _load_training(path)


def test_feature_config_ranges_name_the_key(tmp_path):
    path = tmp_path / "feature.yaml"
    for text, message in (("n_fft: 0", "n_fft must be positive, got 0"),
                          ("hop_length: -80", "hop_length must be positive, got -80"),
                          ("mcep_alpha: 1.2", r"mcep_alpha must be in \(-1, 1\), got 1.2")):
        path.write_text(f"sample_rate: 16000\n{text}\n")
        with pytest.raises(ConfigError, match=f"^{path}: {message}$"):
            FeatureConfig.from_yaml(path)


# ------------------------------------------------------------------------- the recipes' configs
def _numbers(d: dict, prefix: str = "") -> dict[str, object]:
    """Every number (not bool) of a nested dict, by dotted key."""
    out = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(_numbers(v, f"{prefix}{k}."))
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            out[f"{prefix}{k}"] = v
    return out


def _lookup(obj, dotted: str):
    for part in dotted.split("."):
        obj = obj[part] if isinstance(obj, dict) else getattr(obj, part)
    return obj


@pytest.mark.parametrize("path", sorted(glob.glob(str(REPO / "egs/*/*/conf/*.yaml"))),
                         ids=lambda p: p.split("egs/")[1])
def test_every_recipe_config_still_loads_with_the_same_values(path):
    raw = yaml.safe_load(open(path, encoding="utf-8"))
    assert load_yaml(path) == raw  # no 1e-4 style numbers there: nothing changes meaning
    if "task" in raw:
        cfg = TrainingConfig.from_dict(load_yaml(path), where=path)
        model = cfg.model_config()
        for key, value in _numbers(raw).items():
            got = _lookup(model, key[len("model."):]) if key.startswith("model.") else _lookup(cfg, key)
            assert got == value and type(got) in (type(value), float), key
    else:
        cfg = FeatureConfig.from_yaml(path)
        for key, value in _numbers(raw).items():
            assert _lookup(cfg, key) == value, key


def test_paper_configs_and_round_trip_unchanged():
    for model in ("cyclegan_vc", "cyclegan_vc2"):
        cfg = CycleGANConfig.from_dict({"model": model})
        assert cfg == CycleGANConfig.paper(model)
        assert CycleGANConfig.from_dict(cfg.to_dict()) == cfg


# ------------------------------------------------------------------------- vcgan train
def _write_dump(root, lengths: dict[str, int]):
    """A dump written directly: utterance ``<spk>_<i>`` -> its number of frames."""
    rng = np.random.default_rng(0)
    for utt, n in lengths.items():
        f0 = np.where(np.arange(n) % 10 < 7, 120.0, 0.0).astype(np.float32)
        write_features(root / "feats" / f"{utt}.npz", {"f0": f0, "cap": np.zeros((n, 1), np.float32),
                                                       "mcep": rng.standard_normal((n, 24)).astype(np.float32)})
    write_table(root / FEATS_SCP, {u: f"feats/{u}.npz" for u in lengths})
    write_table(root / "utt2spk", {u: u.split("_")[0] for u in lengths})
    FeatureConfig(sample_rate=16000, mcep_dim=24, f0_method="dio").save(root / CONFIG_FILE)
    assert main(["stats", "--dump-dir", str(root)]) == 0
    return root


def _train(tmp_path, dump, model: dict, *speakers: str) -> int:
    config = tmp_path / "train.yaml"
    config.write_text(yaml.safe_dump({"task": "cyclegan", "model": model}))
    return main(["train", "--config", str(config), "--train-dump", str(dump), "--speakers", *speakers,
                 "--out", str(tmp_path / "exp"), "--device", "cpu", "--no-progress"])


def test_train_refuses_the_same_speaker_twice(tmp_path, capsys):
    # Nothing else is needed: the pair is checked before the config or the dump are read.
    assert _train(tmp_path, tmp_path / "no_dump", TINY_MODEL, "kalM", "kalM") == 2
    assert "vcgan train: error: --speakers: a speaker given twice: kalM kalM" in capsys.readouterr().err
    assert not (tmp_path / "exp").exists()


def test_train_unknown_speaker_lists_the_known_ones(tmp_path, capsys):
    dump = _write_dump(tmp_path / "dump", {"a_0": 40, "b_0": 40})
    assert _train(tmp_path, dump, TINY_MODEL, "a", "kalM") == 2
    assert f"{dump}: speaker(s) ['kalM'] not in the dump; it has ['a', 'b']" in capsys.readouterr().err


def test_train_bad_config_is_one_line_naming_file_and_key(tmp_path, capsys):
    config = tmp_path / "bad.yaml"
    config.write_text("task: cyclegan\nmodel: {generator: {n_res_blocks: two}}\n")
    code = main(["train", "--config", str(config), "--train-dump", str(tmp_path / "no_dump"),
                 "--speakers", "a", "b", "--out", str(tmp_path / "exp")])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert err.strip() == f"vcgan train: error: {config}: model.generator.n_res_blocks: expected an integer, got 'two' (text)"


def test_train_crop_longer_than_every_utterance_refused_before_training(tmp_path, capsys, single_torch_thread):
    dump = _write_dump(tmp_path / "dump", {"a_0": 40, "a_1": 70, "b_0": 300, "b_1": 90})
    code = _train(tmp_path, dump, {**TINY_MODEL, "crop_frames": 100_000}, "a", "b")
    err = capsys.readouterr().err
    assert code == 2
    assert (f"{dump}: model.crop_frames (100000) is longer than every utterance of speaker a: the longest, a_1, "
            f"has 70 frames (0.35 s); set model.crop_frames to at most 70") in err
    assert not (tmp_path / "exp" / "checkpoints").exists() or not any((tmp_path / "exp" / "checkpoints").iterdir())
    # One utterance long enough is enough (shorter ones are repeated to fill a crop).
    (tmp_path / "ok").mkdir()
    assert _train(tmp_path / "ok", dump, {**TINY_MODEL, "crop_frames": 64, "n_iterations": 1, "decay_start": 0,
                                          "identity_iterations": 0}, "a", "b") == 0
