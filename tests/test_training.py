"""Training loop, resume, bundles and `vcgan convert`, on a tiny CycleGAN-VC2 (reduced widths,
32-frame crops, a few iterations: a CI-sized config, not the paper's)."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
import torch
import yaml

from conftest import REPO, make_two_speaker_wavs, write_data_dir
from vcgan.bin.cli import main
from vcgan.bundle import Bundle
from vcgan.conversion import ConversionChain, convert_streams
from vcgan.data.crops import CropSampler
from vcgan.features import FeatureConfig
from vcgan.tasks.cyclegan import CycleGANTask
from vcgan.train.checkpoint import list_checkpoints, load_checkpoint

TINY = {
    "task": "cyclegan",
    "model": {"model": "cyclegan_vc2", "generator": {"base_channels": 8, "res_channels": 8,
              "n_res_blocks": 1}, "discriminator": {"base_channels": 8}, "crop_frames": 32, "n_iterations": 6,
              "decay_start": 3, "identity_iterations": 2},
    "trainer": {"checkpoint_interval": 3, "keep_checkpoints": 2, "log_interval": 1, "validation_interval": 3,
                "validation_utterances": 1},
}


@pytest.fixture(scope="module")
def dumps(tmp_path_factory, arctic):
    x, fs = arctic
    root = tmp_path_factory.mktemp("train")
    utts = make_two_speaker_wavs(root, x, fs)
    train = write_data_dir(root / "data_train", {u: v for u, v in utts.items() if not u.endswith("_2")})
    dev = write_data_dir(root / "data_dev", {u: v for u, v in utts.items() if u.endswith("_2")})
    FeatureConfig(sample_rate=16000, mcep_dim=24, f0_method="dio").save(root / "feature.yaml")
    for name, data in (("train", train), ("dev", dev)):
        assert main(["extract", "--data-dir", str(data), "--out-dir", str(root / f"dump_{name}"),
                     "--config", str(root / "feature.yaml")]) == 0
    assert main(["stats", "--dump-dir", str(root / "dump_train")]) == 0
    (root / "tiny.yaml").write_text(yaml.safe_dump(TINY))
    return {"root": root, "train": root / "dump_train", "dev": root / "dump_dev", "config": root / "tiny.yaml",
            "wavs": {u: p for u, (_, p) in utts.items()}}


def _train(dumps, out, *extra):
    return main(["train", "--config", str(dumps["config"]), "--train-dump", str(dumps["train"]),
                 "--dev-dump", str(dumps["dev"]), "--speakers", "low", "high", "--out", str(out),
                 "--device", "cpu", "--no-progress", *extra])


@pytest.fixture(scope="module")
def trained(dumps, tmp_path_factory):
    out = tmp_path_factory.mktemp("exp") / "run"
    assert _train(dumps, out) == 0
    return out


def test_crop_sampler_windows_lie_inside_utterances():
    utts = [np.arange(10 * 2, dtype=np.float32).reshape(10, 2), 100 + np.arange(3 * 2, dtype=np.float32).reshape(3, 2)]
    s = CropSampler(utts, crop_frames=4, seed=0)
    batch = s.sample(500)
    assert batch.shape == (500, 2, 4)
    rows = batch[:, 0, :].numpy()
    first = rows[:, 0]
    long, short = rows[first < 100], rows[first >= 100]
    # A window of the long utterance is 4 consecutive frames (column 0 steps by 2) ...
    assert np.all(np.diff(long, axis=1) == 2)
    # ... and every valid start (0..6) is drawn; none runs past the utterance's end.
    assert set(long[:, 0] / 2) == set(range(7))
    # The 3-frame utterance is repeated to reach the crop length: windows continue cyclically.
    assert len(short) > 0
    for row in short:
        k = int(row[0] - 100) // 2
        assert list(row) == [100 + 2 * ((k + i) % 3) for i in range(4)]
    again = CropSampler(utts, crop_frames=4, seed=0).sample(500)
    torch.testing.assert_close(again, batch, rtol=0, atol=0)  # seeded: reproducible


def test_training_writes_checkpoints_logs_and_bundle(trained):
    ckpts = list_checkpoints(trained / "checkpoints")
    assert [i for i, _ in ckpts] == [3, 6]  # keep_checkpoints: 2
    assert not list((trained / "checkpoints").glob("*.tmp*"))
    assert (trained / "config.yaml").is_file() and "cyclegan_vc2" in (trained / "train.log").read_text()
    assert list((trained / "tensorboard").iterdir())
    assert sorted(p.name for p in (trained / "validation").iterdir()) == ["mcep_00000003.png", "mcep_00000006.png"]
    bundle = Bundle.load(trained / "bundle")
    assert bundle.speakers == ["low", "high"] and bundle.iteration == 6
    assert set(bundle.stats) == {"low", "high"} and bundle.feature_config.sample_rate == 16000
    state = load_checkpoint(ckpts[-1][1])
    for d in ("a2b", "b2a"):
        for k, v in bundle.converter.weights[d].items():
            torch.testing.assert_close(v, state["task"]["modules"][f"generator_{d}"][k], rtol=0, atol=0)


def test_interrupted_run_resumes_to_the_same_result(dumps, trained, tmp_path, monkeypatch):
    out = tmp_path / "killed"
    original = CycleGANTask.train_step

    def dies_at_4(self, *a, iteration, **k):
        if iteration == 4:
            raise KeyboardInterrupt  # the run is killed after the checkpoint of iteration 3
        return original(self, *a, iteration=iteration, **k)
    monkeypatch.setattr(CycleGANTask, "train_step", dies_at_4)
    assert _train(dumps, out) == 130
    assert [i for i, _ in list_checkpoints(out / "checkpoints")] == [3]
    monkeypatch.setattr(CycleGANTask, "train_step", original)
    assert _train(dumps, out) == 2  # without --resume an existing run is not overwritten
    assert _train(dumps, out, "--resume") == 0
    a = load_checkpoint(list_checkpoints(trained / "checkpoints")[-1][1])
    b = load_checkpoint(list_checkpoints(out / "checkpoints")[-1][1])
    for name, sd in a["task"]["modules"].items():
        for k in sd:
            torch.testing.assert_close(b["task"]["modules"][name][k], sd[k], rtol=0, atol=0)
    assert a["task"]["optimizers"]["generator"]["param_groups"][0]["lr"] == \
        b["task"]["optimizers"]["generator"]["param_groups"][0]["lr"]


def test_iterations_override_scales_schedule_and_resume_extends_a_run(dumps, tmp_path):
    """--iterations keeps the config's proportions (decay start, identity-loss span); a finished
    run resumed with more iterations continues from its checkpoint under the longer schedule,
    while any other change of settings is refused."""
    from vcgan.train.config import TrainingConfig
    from vcgan.train.run import with_overrides
    cfg = with_overrides(TrainingConfig.from_yaml(dumps["config"]), 600)
    m = cfg.model_config()
    assert (m.n_iterations, m.decay_start, m.identity_iterations) == (600, 300, 200)  # from 6, 3, 2

    out = tmp_path / "extended"
    assert _train(dumps, out, "--iterations", "3") == 0
    assert [i for i, _ in list_checkpoints(out / "checkpoints")] == [3]
    assert _train(dumps, out, "--resume", "--seed", "5", "--iterations", "6") == 2  # another seed: refused
    assert _train(dumps, out, "--resume", "--iterations", "6") == 0
    assert [i for i, _ in list_checkpoints(out / "checkpoints")] == [3, 6]
    assert yaml.safe_load((out / "config.yaml").read_text())["model"]["n_iterations"] == 6
    assert "n_iterations 3 -> 6" in (out / "train.log").read_text()
    state = load_checkpoint(list_checkpoints(out / "checkpoints")[-1][1])
    assert state["iteration"] == 6 and Bundle.load(out / "bundle").iteration == 6
    # The 3-iteration schedule ended at learning rate 0; only the recomputed one trains on.
    first = load_checkpoint(list_checkpoints(out / "checkpoints")[0][1])["task"]["modules"]["generator_a2b"]
    last = state["task"]["modules"]["generator_a2b"]
    assert any(not torch.equal(first[k], last[k]) for k in first if k.endswith("weight"))


def test_a_run_saved_before_newer_settings_existed_still_resumes(dumps, tmp_path):
    out = tmp_path / "older"
    assert _train(dumps, out, "--iterations", "3") == 0
    record = yaml.safe_load((out / "config.yaml").read_text())
    del record["model"]["energy"], record["trainer"]["precision"], record["trainer"]["compile"]
    (out / "config.yaml").write_text(yaml.safe_dump(record))  # as an older vcgan wrote it
    assert _train(dumps, out, "--resume", "--iterations", "4") == 0
    assert [i for i, _ in list_checkpoints(out / "checkpoints")][-1] == 4
    record["model"]["lambda_cycle"] = 1.0  # a real difference is still refused
    (out / "config.yaml").write_text(yaml.safe_dump(record))
    assert _train(dumps, out, "--resume", "--iterations", "5") == 2


def test_non_finite_loss_stops_with_iteration_and_checkpoint(dumps, tmp_path, monkeypatch, capsys):
    original = CycleGANTask.train_step

    def nan_at_4(self, *a, iteration, **k):
        logs = original(self, *a, iteration=iteration, **k)
        if iteration == 4:
            logs["generator/cycle"] = float("nan")
        return logs
    monkeypatch.setattr(CycleGANTask, "train_step", nan_at_4)
    with pytest.raises(Exception) as e:
        _train(dumps, tmp_path / "nan")
    msg = str(e.value)
    assert "non-finite loss at iteration 4" in msg and "generator/cycle=nan" in msg
    assert "checkpoint-00000003.pt" in msg


def test_convert_cli_file_directory_and_bad_input(dumps, trained, tmp_path):
    bundle = trained / "bundle"
    wav = dumps["wavs"]["low_2"]
    assert main(["convert", "--model", str(bundle), wav, str(tmp_path / "one.wav")]) == 0
    y, fs = sf.read(tmp_path / "one.wav")
    x, _ = sf.read(wav)
    assert fs == 16000 and abs(len(y) - len(x)) <= 80 and np.isfinite(y).all() and np.max(np.abs(y)) > 0.01
    indir = tmp_path / "in"
    indir.mkdir()
    for u in ("low_0", "low_1", "low_2"):
        (indir / f"{u}.wav").write_bytes(open(dumps["wavs"][u], "rb").read())
    (indir / "broken.wav").write_bytes(b"RIFF0000WAVE")
    assert main(["convert", "--model", str(bundle), "-j", "2", str(indir), str(tmp_path / "out2")]) == 1
    assert sorted(p.name for p in (tmp_path / "out2").iterdir()) == ["low_0.wav", "low_1.wav", "low_2.wav"]
    assert main(["convert", "--model", str(bundle), "-j", "1", str(indir), str(tmp_path / "out1")]) == 1
    # Workers run torch with one thread, the main process with several: float sums differ in
    # order, so outputs agree to the last bit or two of 16-bit PCM, not bit for bit.
    for name in ("low_0.wav", "low_1.wav", "low_2.wav"):
        np.testing.assert_allclose(sf.read(tmp_path / "out1" / name)[0], sf.read(tmp_path / "out2" / name)[0],
                                   rtol=0, atol=2.5 / 32768)
    assert main(["convert", "--model", str(bundle), "--src-spk", "low", "--tgt-spk", "nobody", wav,
                 str(tmp_path / "x.wav")]) == 2


def test_conversion_denormalizes_with_target_statistics(trained):
    conv = ConversionChain(trained / "bundle")
    low, high = conv.bundle.stats["low"], conv.bundle.stats["high"]
    # Source features exactly at the source mean normalise to 0; with an identity "network"
    # they must come out at the *target* mean, and log F0 at the target's geometric mean.
    feats = {"mcep": np.tile(low.mean["mcep"], (16, 1)), "f0": np.full(16, np.exp(low.logf0_mean)),
             "cap": np.zeros((16, 1))}
    out = convert_streams(feats, low, high, mcep_map=lambda z: z)
    np.testing.assert_allclose(out["mcep"], np.tile(high.mean["mcep"], (16, 1)), atol=1e-5)
    np.testing.assert_allclose(out["f0"], np.exp(high.logf0_mean), rtol=1e-5)
    assert high.logf0_mean > low.logf0_mean + 0.5
    # The bundle's converter goes through the generator and the same denormalisation.
    real = conv.convert_features(feats, "low", "high")
    z = (real["mcep"] - high.mean["mcep"]) / high.std["mcep"]
    gen_out = conv.converter.mcep_map("low", "high")(np.zeros((16, 24), dtype=np.float32))
    np.testing.assert_allclose(z, gen_out, atol=1e-4)


def test_features_only_then_synthesize_equals_direct_conversion(dumps, trained, tmp_path):
    bundle = trained / "bundle"
    wav = dumps["wavs"]["low_1"]
    assert main(["convert", "--model", str(bundle), "--features-only", wav, str(tmp_path / "feats") + "/"]) == 0
    feats = dict(np.load(tmp_path / "feats" / "low_1.npz"))
    assert set(feats) == {"f0", "mcep", "cap"}
    assert main(["synthesize", "--features", str(tmp_path / "feats"), "--out", str(tmp_path / "wav"),
                 "--config", str(bundle / "feature_config.yaml")]) == 0
    assert main(["convert", "--model", str(bundle), wav, str(tmp_path / "direct.wav")]) == 0
    np.testing.assert_array_equal(sf.read(tmp_path / "wav" / "low_1.wav")[0], sf.read(tmp_path / "direct.wav")[0])


def test_baseline_moves_f0_to_target_and_differs_from_model(dumps, trained, tmp_path):
    bundle = trained / "bundle"
    wav = dumps["wavs"]["low_1"]
    assert main(["convert", "--model", str(bundle), "--baseline", "--features-only", wav,
                 str(tmp_path / "base") + "/"]) == 0
    assert main(["convert", "--model", str(bundle), "--features-only", wav, str(tmp_path / "model") + "/"]) == 0
    base, model = dict(np.load(tmp_path / "base" / "low_1.npz")), dict(np.load(tmp_path / "model" / "low_1.npz"))
    np.testing.assert_array_equal(base["f0"], model["f0"])  # same log-F0 transform
    np.testing.assert_array_equal(base["cap"], model["cap"])  # aperiodicity passes through
    assert not np.allclose(base["mcep"], model["mcep"])
    high = Bundle.load(bundle).stats["high"]
    f0 = base["f0"][base["f0"] > 0]
    assert abs(np.log(f0).mean() - high.logf0_mean) < 0.1


def test_cyclegan_vc1_recipe_config_trains_and_converts_short_input(dumps, tmp_path):
    """The demo's tiny CycleGAN-VC config (1D generator, FC discriminator fixed to the crop)
    trains through the same loop and bundle; an input shorter than the generator's frame
    multiple and than a crop still converts (padded, then cropped back)."""
    conf = yaml.safe_load(open(REPO / "egs/demo/cyclegan_vc/conf/cyclegan_vc_tiny.yaml"))
    conf["model"].update(n_iterations=3, decay_start=2)
    conf["trainer"].update(checkpoint_interval=3, validation_interval=3)
    (tmp_path / "vc1.yaml").write_text(yaml.safe_dump(conf))
    out = tmp_path / "vc1"
    assert main(["train", "--config", str(tmp_path / "vc1.yaml"), "--train-dump", str(dumps["train"]),
                 "--speakers", "high", "low", "--out", str(out), "--device", "cpu", "--no-progress"]) == 0
    assert Bundle.load(out / "bundle").converter.config["model"] == "cyclegan_vc"
    x, fs = sf.read(dumps["wavs"]["high_0"])
    short = x[4000:4000 + 1500]  # 94 ms: 19 frames
    sf.write(tmp_path / "short.wav", short, fs)
    assert main(["convert", "--model", str(out / "bundle"), str(tmp_path / "short.wav"),
                 str(tmp_path / "short_out.wav")]) == 0
    y, _ = sf.read(tmp_path / "short_out.wav")
    assert abs(len(y) - len(short)) <= 80 and np.isfinite(y).all()


def test_convert_threads_option_sets_torch_threads(dumps, trained, tmp_path):
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        assert main(["convert", "--model", str(trained / "bundle"), "--threads", "1",
                     dumps["wavs"]["low_2"], str(tmp_path / "out.wav")]) == 0
        assert torch.get_num_threads() == 1 and (tmp_path / "out.wav").is_file()
    finally:
        torch.set_num_threads(before)


def test_convert_streams_with_source_energy_keeps_each_frames_power_and_maps_c1_on():
    from vcgan.features.mcep import frame_power
    from vcgan.features.stats import SpeakerStats
    rng = np.random.default_rng(0)
    mcep = (0.3 * rng.standard_normal((50, 6))).astype(np.float32)
    feats = {"mcep": mcep, "f0": np.full(50, 120.0, np.float32), "cap": np.zeros((50, 1), np.float32)}

    def stats(mean, std):
        return SpeakerStats("spk", mean={"mcep": np.full(6, mean)}, std={"mcep": np.full(6, std)},
                            logf0_mean=5.0, logf0_std=0.2)
    src, tgt = stats(0.1, 0.5), stats(-0.2, 0.3)
    seen = []

    def negate(z):
        seen.append(z.shape)
        return -z

    def power(m):
        return frame_power(m, alpha=0.41, fft_size=512)
    out = convert_streams(feats, src, tgt, negate, energy="source", frame_power=power)
    assert seen == [(50, 5)]  # the network sees c1..c5 only
    np.testing.assert_allclose(out["mcep"][:, 1:], tgt.denormalize(-src.normalize(mcep))[:, 1:], rtol=1e-5)
    np.testing.assert_allclose(power(out["mcep"]), power(mcep), rtol=1e-4)  # the input's power, frame by frame
    assert np.abs(out["mcep"][:, 0] - mcep[:, 0]).max() > 0.05  # ... which is not keeping c0
    papers = convert_streams(feats, src, tgt, negate)  # energy: convert, every row mapped
    assert seen[-1] == (50, 6)
    np.testing.assert_allclose(papers["mcep"], tgt.denormalize(-src.normalize(mcep)), rtol=1e-5)
    with pytest.raises(ValueError, match="frame_power"):
        convert_streams(feats, src, tgt, negate, energy="source")


def test_source_energy_trains_on_c1_on_and_converts_at_the_input_level(dumps, tmp_path):
    conf = {**TINY, "model": {**TINY["model"], "energy": "source"}}
    (tmp_path / "source.yaml").write_text(yaml.safe_dump(conf))
    out = tmp_path / "source"
    assert main(["train", "--config", str(tmp_path / "source.yaml"), "--train-dump", str(dumps["train"]),
                 "--dev-dump", str(dumps["dev"]), "--speakers", "low", "high", "--out", str(out),
                 "--device", "cpu", "--no-progress", "--iterations", "3"]) == 0
    assert Bundle.load(out / "bundle").converter.config["energy"] == "source"
    seen = []
    chain = ConversionChain(out / "bundle", device="cpu")
    chain.converter.generators["a2b"].register_forward_hook(lambda m, i, o: seen.append(i[0].shape[-2]))
    wav = dumps["wavs"]["low_2"]
    assert main(["convert", "--model", str(out / "bundle"), "--src-spk", "low", "--tgt-spk", "high",
                 wav, str(tmp_path / "out.wav")]) == 0
    x, _ = sf.read(wav)
    y, _ = sf.read(tmp_path / "out.wav")
    chain.convert_file(wav, tmp_path / "again.wav", "low", "high")
    assert seen and seen[0] == 23  # the generator sees c1..c23 of the 24 coefficients

    def level_db(s):
        return 10 * np.log10(np.mean(s ** 2))
    assert abs(level_db(y) - level_db(x)) < 3.0  # the input's level, whatever 3 iterations learned
    assert np.abs(y).max() < 1.0


def test_trim_silence_leaves_out_leading_and_trailing_silence_and_keeps_the_speech(arctic, tmp_path):
    from vcgan.data.dump import FeatureDump
    from vcgan.features.stats import load_all_stats
    from vcgan.tasks.cyclegan import CycleGANConfig
    from vcgan.tasks.cyclegan.data import build_batches

    x, fs = arctic
    rng = np.random.default_rng(0)
    pad = int(0.5 * fs)  # 0.5 s = 100 frames of 5 ms, at about -100 dB
    padded = np.concatenate([1e-5 * rng.standard_normal(pad), x, 1e-5 * rng.standard_normal(pad)])
    FeatureConfig(sample_rate=fs, mcep_dim=24, f0_method="dio").save(tmp_path / "feature.yaml")
    frames = {}
    for name, sig in (("plain", x), ("padded", padded)):
        root = tmp_path / name
        root.mkdir()
        data = write_data_dir(root / "data", make_two_speaker_wavs(root, sig, fs, n_parts=1))
        assert main(["extract", "--data-dir", str(data), "--out-dir", str(root / "dump"),
                     "--config", str(tmp_path / "feature.yaml")]) == 0
        assert main(["stats", "--dump-dir", str(root / "dump")]) == 0
        dump = FeatureDump(root / "dump")
        stats = load_all_stats(dump.stats_dir)
        for trim in (None, -30.0):
            cfg = CycleGANConfig.from_dict({**TINY["model"], "trim_silence_db": trim})
            batches = build_batches(dump, ["low", "high"], stats, cfg, torch.device("cpu"))
            frames[name, trim] = (len(batches.a.frames), len(batches.b.frames))
    for k in range(2):  # both speakers
        assert frames["padded", None][k] - frames["plain", None][k] in range(199, 202)
        assert frames["plain", -30.0][k] <= frames["plain", None][k]
        # The added second of silence goes, and no speech with it: up to 5 frames (25 ms) differ
        # where WORLD's analysis window (~50 ms at the 60 Hz F0 floor) reaches over the joins.
        assert abs(frames["padded", -30.0][k] - frames["plain", -30.0][k]) <= 5
    with pytest.raises(Exception, match="trim_silence_db"):
        CycleGANConfig.from_dict({"model": "cyclegan_vc2", "trim_silence_db": "loud"}, where="x.yaml")


@pytest.mark.parametrize("family", ["cyclegan", "stargan"])
def test_an_unknown_energy_mode_is_refused_naming_the_file(family):
    from vcgan.tasks.cyclegan import CycleGANConfig
    from vcgan.tasks.stargan import StarGANConfig
    from vcgan.utils.config import ConfigError
    cls = {"cyclegan": CycleGANConfig, "stargan": StarGANConfig}[family]
    with pytest.raises(ConfigError, match=r"train\.yaml.*energy.*convert, source"):
        cls.from_dict({"energy": "keep"}, where="train.yaml", key="model")


class _OneWeightTask:
    """The smallest task the loop takes: one weight pulled towards 1."""

    def __init__(self):
        self.w = torch.nn.Parameter(torch.zeros(1))
        self.opt = torch.optim.SGD([self.w], lr=0.1)

    def train_step(self, *, iteration: int, x: torch.Tensor) -> dict[str, float]:
        loss = ((self.w - x) ** 2).sum()
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return {"loss": loss.item()}

    def modules(self):
        return {"w": torch.nn.ParameterList([self.w])}

    def state_dict(self):
        return {"w": self.w.detach().clone(), "opt": self.opt.state_dict()}

    def load_state_dict(self, state):
        with torch.no_grad():
            self.w.copy_(state["w"])
        self.opt.load_state_dict(state["opt"])


class _Ones:
    def next(self):
        return {"x": torch.ones(1)}

    def state_dict(self):
        return {}

    def load_state_dict(self, state):
        pass


def test_validation_with_source_energy_scores_the_frames_conversion_gives(dumps, tmp_path):
    """energy: source: the validator solves c0 for the source frame's power as conversion does,
    so its MCD (and the frames it counts) are those of the features `vcgan convert` writes."""
    from vcgan.conversion.streams import convert_streams
    from vcgan.data.dump import FeatureDump, parallel_utterances
    from vcgan.features.mcep import envelope_power_of
    from vcgan.features.stats import load_all_stats
    from vcgan.metrics.mcd import utterance_mcd
    from vcgan.train.validation import McepValidator
    dev, stats = FeatureDump(dumps["dev"]), load_all_stats(FeatureDump(dumps["train"]).stats_dir)
    squash = lambda task, z, src, tgt: 0.5 * z  # noqa: E731  (any map that moves the envelope's power)
    validator = McepValidator(dev, {"a2b": ("low", "high")}, stats, 1, tmp_path, squash, energy="source")
    (su, tu), = parallel_utterances(dev, "low", "high")[:1]
    conv = convert_streams(dev.load(su), stats["low"], stats["high"], lambda z: 0.5 * z, "source",
                           envelope_power_of(dev.config))["mcep"]
    ref = dev.load(tu)["mcep"]
    expected = utterance_mcd(ref, conv, ref_keep=validator.speech(ref), conv_keep=validator.speech(conv)).mcd
    assert validator(None, 0)["mcd_a2b_db"] == pytest.approx(expected, rel=1e-6)
    # converting every row (energy: convert) keeps the network's c0: another figure
    every_row = McepValidator(dev, {"a2b": ("low", "high")}, stats, 1, tmp_path, squash)
    assert every_row(None, 0)["mcd_a2b_db"] != pytest.approx(expected, rel=1e-3)


def test_validation_warns_when_a_direction_jumps_far_above_its_best(tmp_path, caplog):
    from vcgan.train.trainer import Trainer, TrainerConfig, validation_jumps
    best = {}
    assert validation_jumps(best, {"mcd_a2b_db": 10.0, "mcd_b2a_db": 9.0, "other": 50.0}, 3.0) == []
    assert validation_jumps(best, {"mcd_a2b_db": 12.9, "mcd_b2a_db": 12.1}, 3.0) == [
        "validation mcd_b2a_db 12.10 dB is 3.10 dB above its best 9.00 dB: this direction may be going unstable"]
    assert best == {"mcd_a2b_db": 10.0, "mcd_b2a_db": 9.0}

    scripted = iter([10.0, 8.0, 12.5, 9.0, 11.5])
    cfg = TrainerConfig(checkpoint_interval=1, keep_checkpoints=5, log_interval=1, validation_interval=1)

    def run(n, resume=False):
        trainer = Trainer(_OneWeightTask(), _Ones(), tmp_path, cfg, n, progress=False,
                          validate=lambda task, it: {"mcd_b2a_db": next(scripted)})
        if resume:
            trainer.resume()
        with caplog.at_level("WARNING", logger="vcgan.train"):
            trainer.run()
        return trainer
    trainer = run(4)
    jumps = [r.getMessage() for r in caplog.records if "going unstable" in r.getMessage()]
    assert jumps == ["iteration 3: validation mcd_b2a_db 12.50 dB is 4.50 dB above its best 8.00 dB: "
                     "this direction may be going unstable"]
    assert trainer.best_validation == {"mcd_b2a_db": 8.0}
    caplog.clear()
    run(5, resume=True)  # the best so far comes back with the checkpoint: 11.5 is 3.5 above 8.0
    assert any("11.50 dB is 3.50 dB above its best 8.00" in r.getMessage() for r in caplog.records)
    # the curve of the whole run, drawn again after the resumption from the kept history
    resumed = load_checkpoint(list_checkpoints(tmp_path / "checkpoints")[-1][1])
    assert [(e["iteration"], e["mcd_b2a_db"]) for e in resumed["validation_history"]] == \
        [(1, 10.0), (2, 8.0), (3, 12.5), (4, 9.0), (5, 11.5)]
    seconds = [e["seconds"] for e in resumed["validation_history"]]
    assert seconds == sorted(seconds) and seconds[0] > 0
    from PIL import Image
    with Image.open(tmp_path / "validation_curve.png") as image:
        assert image.format == "PNG" and image.size[0] > 300


def test_snapshots_are_bundles_of_their_iteration_and_progress_scores_each_once(dumps, trained, tmp_path, capsys):
    """trainer.snapshot_interval writes a bundle of iterations 3 and 6 with the training time up
    to each; `vcgan progress` converts and scores each, does not redo a snapshot it scored,
    and scores one again when its bundle changed."""
    import json
    import shutil

    from vcgan.train.run import list_snapshots
    config = tmp_path / "snap.yaml"
    config.write_text(yaml.safe_dump({**TINY, "trainer": {**TINY["trainer"], "snapshot_interval": 3}}))
    out = tmp_path / "run"

    def train(*extra):
        return main(["train", "--config", str(config), "--train-dump", str(dumps["train"]), "--speakers", "low",
                     "high", "--out", str(out), "--device", "cpu", "--no-progress", *extra])
    assert train() == 0
    snaps = list_snapshots(out)
    assert [it for it, _, _ in snaps] == [3, 6] and 0 < snaps[0][1] < snaps[1][1]
    final = Bundle.load(out / "bundle")
    for it, _, path in snaps:
        snap = Bundle.load(path)
        assert snap.iteration == it and snap.speakers == final.speakers
        # The same weights as that iteration's checkpoint (6: also the final bundle's).
        state = load_checkpoint(out / "checkpoints" / f"checkpoint-{it:08d}.pt")
        for d in ("a2b", "b2a"):
            for k, v in snap.converter.weights[d].items():
                torch.testing.assert_close(v, state["task"]["modules"][f"generator_{d}"][k], rtol=0, atol=0)
    # Without the training record a snapshot is one cut short: not listed.
    (snaps[1][2].parent / "training.yaml").rename(tmp_path / "kept.yaml")
    assert [it for it, _, _ in list_snapshots(out)] == [3]
    (tmp_path / "kept.yaml").rename(snaps[1][2].parent / "training.yaml")

    ref, src = tmp_path / "ref", tmp_path / "src"
    ref.mkdir(), src.mkdir()
    for part in ("0", "1"):  # references named as the outputs: <source utterance>.wav
        (ref / f"low_{part}.wav").symlink_to(dumps["wavs"][f"high_{part}"])
        (src / f"low_{part}.wav").symlink_to(dumps["wavs"][f"low_{part}"])
        (tmp_path / "in").mkdir(exist_ok=True)
        (tmp_path / "in" / f"low_{part}.wav").symlink_to(dumps["wavs"][f"low_{part}"])
    prog = tmp_path / "progress"
    assert main(["evaluate", "--ref", str(ref), "--conv", str(src), "--metrics", "mcd",
                 "--json", str(tmp_path / "none.json")]) == 0
    args = ["progress", "--exp", str(out), "--input", str(tmp_path / "in"), "--ref", str(ref), "--src", str(src),
            "--src-spk", "low", "--tgt-spk", "high", "--metrics", "mcd,f0", "--reference",
            f"none={tmp_path / 'none.json'}", "--out", str(prog)]
    with pytest.raises(SystemExit):  # an unknown metric is refused before any conversion
        main([*args, "--metrics", "mcd,bogus"])
    assert not prog.exists()
    capsys.readouterr()
    for option, role in (("--ref", "reference"), ("--src", "source")):  # a wrong directory: before any conversion
        wrong = [*args[:args.index(option) + 1], str(tmp_path / "nowhere"), *args[args.index(option) + 2:]]
        assert main(wrong) == 2
        assert f"{role} directory {tmp_path / 'nowhere'} does not exist" in capsys.readouterr().err
        assert not prog.exists()
    assert main(args) == 0
    table = capsys.readouterr().out
    rows = json.loads((prog / "progress.json").read_text())
    assert [r["iteration"] for r in rows["snapshots"]] == [3, 6] and set(rows["references"]) == {"none"}
    lines = table.splitlines()
    assert "MCD (dB)" in lines[0] and "F0 RMSE (cents)" in lines[0]
    assert [line.split()[0] for line in lines[1:]] == ["none", "snapshot", "snapshot"]
    assert [line.split()[1] for line in lines[2:]] == ["3", "6"]
    for r in rows["snapshots"]:
        scored = json.loads((prog / f"iteration-{r['iteration']:08d}.json").read_text())
        assert len(scored["results"]["utterances"]) == 2 and np.isfinite(r["summary"]["mcd_db"]["mean"])
        assert scored["results"]["summary"] == r["summary"]
    # Iteration 6's snapshot is the final model: its score is the final bundle's.
    assert main(["convert", "--model", str(out / "bundle"), "--src-spk", "low", "--tgt-spk", "high",
                 str(tmp_path / "in"), str(tmp_path / "final")]) == 0
    assert main(["evaluate", "--ref", str(ref), "--conv", str(tmp_path / "final"), "--metrics", "mcd",
                 "--json", str(tmp_path / "final.json")]) == 0
    assert json.loads((tmp_path / "final.json").read_text())["summary"]["mcd_db"]["mean"] == pytest.approx(
        rows["snapshots"][1]["summary"]["mcd_db"]["mean"], abs=1e-6)
    from PIL import Image
    with Image.open(prog / "progress.png") as image:
        assert image.format == "PNG" and image.size[1] > 300

    # Again: nothing converted or scored anew.
    stamps = {p: p.stat().st_mtime_ns for p in prog.rglob("iteration-*") if p.is_file()}
    assert main(args) == 0
    assert stamps == {p: p.stat().st_mtime_ns for p in prog.rglob("iteration-*") if p.is_file()}
    # A run trained again from scratch with another seed: its snapshots are converted again.
    shutil.rmtree(out)
    assert train("--seed", "7") == 0
    assert main(args) == 0
    again = json.loads((prog / "progress.json").read_text())["snapshots"]
    assert all(stamps[p] != p.stat().st_mtime_ns for p in stamps if p.suffix in (".json", ".wav"))
    assert [r["summary"]["mcd_db"]["mean"] for r in again] != [r["summary"]["mcd_db"]["mean"] for r in rows["snapshots"]]
