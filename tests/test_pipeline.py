"""One pipeline for every family: a family registered from here (no shared module changed)
trains on N speakers, exports a bundle and converts through the CLI; post-filters chain after
any converter; format-1 bundles still convert; a newer format is refused by name."""

from __future__ import annotations

import dataclasses
import json
import shutil
from dataclasses import dataclass


import numpy as np
import pytest
import soundfile as sf
import torch
import yaml

from conftest import write_format1_bundle
from vcgan import tasks
from vcgan.bin.cli import main
from vcgan.bundle import Bundle, Component
from vcgan.conversion import ConversionChain, check_speakers
from vcgan.data.dump import read_features
from vcgan.tasks.base import TrainingContext, TrainingSetup
from vcgan.utils.config import from_dict, to_dict

pytestmark = pytest.mark.usefixtures("single_torch_thread")


# ----------------------------------------------------------------------------- a toy family
@dataclass
class ShiftConfig:
    n_iterations: int = 30
    seed: int = 0
    lr: float = 0.1

    def to_dict(self) -> dict:
        return to_dict(self)


class ShiftTask:
    """Learns one offset per speaker: the mean of its normalised mel-cepstra (about 0, but learnt)."""

    def __init__(self, cfg: ShiftConfig, n_speakers: int, dim: int):
        self.offsets = torch.nn.Embedding(n_speakers, dim)
        torch.nn.init.constant_(self.offsets.weight, 1.0)
        self.opt = torch.optim.SGD(self.offsets.parameters(), lr=cfg.lr)

    def train_step(self, *, iteration: int, frames: torch.Tensor, speaker: torch.Tensor) -> dict[str, float]:
        loss = ((self.offsets(speaker) - frames) ** 2).sum(1).mean()
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return {"loss": loss.item()}

    def modules(self):
        return {"offsets": self.offsets}

    def state_dict(self):
        return {"offsets": self.offsets.state_dict(), "opt": self.opt.state_dict()}

    def load_state_dict(self, state):
        self.offsets.load_state_dict(state["offsets"])
        self.opt.load_state_dict(state["opt"])


class FrameBatches:
    """Random frames of every speaker, with their speaker index."""

    def __init__(self, frames: list[np.ndarray], seed: int):
        self.frames = [torch.from_numpy(f) for f in frames]
        self.rng = torch.Generator().manual_seed(seed)

    def next(self):
        spk = torch.randint(len(self.frames), (8,), generator=self.rng)
        rows = torch.stack([self.frames[s][torch.randint(len(self.frames[s]), (1,), generator=self.rng)[0]]
                            for s in spk.tolist()])
        return {"frames": rows, "speaker": spk}

    def state_dict(self):
        return {"rng": self.rng.get_state()}

    def load_state_dict(self, state):
        self.rng.set_state(state["rng"])


class ShiftConverter:
    def __init__(self, offsets: torch.Tensor, speakers: list[str], stats):
        self.offsets, self.speakers, self.stats = offsets.numpy(), speakers, stats

    def check_pair(self, src, tgt):
        check_speakers(self.speakers, src, tgt)

    def convert(self, feats, src, tgt):
        i, j = self.speakers.index(src), self.speakers.index(tgt)
        z = self.stats[src].normalize(feats["mcep"]) - self.offsets[i] + self.offsets[j]
        return {**feats, "mcep": self.stats[tgt].denormalize(z).astype(np.float32)}


class ShiftFamily:
    name, role, speakers, schedule_keys = "toy_shift", "converter", (2, None), ("n_iterations",)

    def parse_config(self, data, where):
        return from_dict(ShiftConfig, dict(data), where=where, key="model")

    def setup(self, config: ShiftConfig, context: TrainingContext) -> TrainingSetup:
        dim = context.dump.config.n_mcep
        task = ShiftTask(config, len(context.speakers), dim)
        frames = [np.concatenate([context.stats[s].normalize(context.dump.load(u)["mcep"])
                                  for u in context.dump.utterances_of(s)]).astype(np.float32)
                  for s in context.speakers]

        def export():
            return Component(self.name, config.to_dict(), {"offsets": task.offsets.state_dict()})
        return TrainingSetup(task=task, batches=FrameBatches(frames, config.seed), export=export)

    def load(self, component, bundle, device):
        return ShiftConverter(component.weights["offsets"]["weight"], bundle.speakers, bundle.stats)


@dataclass
class ScalePostFilter:
    """A post-filter of either domain: multiplies mel-cepstra c1.. (features) or samples (waveform)."""

    domain: str
    factor: float

    def __call__(self, x, speaker):
        if self.domain == "waveform":
            return x * self.factor
        mcep = x["mcep"].copy()
        mcep[:, 1:] *= self.factor
        return {**x, "mcep": mcep}


class ScaleFamily:
    name, role, speakers, schedule_keys = "toy_scale", "postfilter", (1, None), ("n_iterations",)

    def parse_config(self, data, where):
        raise NotImplementedError  # built by hand below, never trained

    def setup(self, config, context):
        raise NotImplementedError

    def load(self, component, bundle, device):
        return ScalePostFilter(component.config["domain"], component.config["factor"])


@pytest.fixture
def toy_families():
    families = [tasks.register(ShiftFamily()), tasks.register(ScaleFamily())]
    yield families
    for f in families:
        tasks.unregister(f.name)


# ----------------------------------------------------------------------------- data (dump3: conftest.py)
def _toy_config(path, **model):
    path.write_text(yaml.safe_dump({"task": "toy_shift", "model": {"n_iterations": 30, **model},
                                    "trainer": {"checkpoint_interval": 10, "log_interval": 5,
                                                "validation_interval": 10}}))
    return path


# ----------------------------------------------------------------------------- tests
def test_a_family_registered_from_outside_trains_exports_and_converts(dump3, toy_families, tmp_path, capsys):
    cfg = _toy_config(tmp_path / "toy.yaml")
    out = tmp_path / "exp"
    assert main(["train", "--config", str(cfg), "--train-dump", str(dump3["dump"]), "--out", str(out),
                 "--device", "cpu", "--no-progress"]) == 0
    bundle = Bundle.load(out / "bundle")
    assert bundle.format == 2 and bundle.converter.family == "toy_shift"
    assert bundle.speakers == ["high", "low", "mid"]  # every speaker of the dump by default
    offsets = bundle.converter.weights["offsets"]["weight"]
    assert offsets.shape == (3, 24) and float(offsets.abs().max()) < 0.5  # trained away from 1.0
    manifest = yaml.safe_load((out / "bundle" / "manifest.yaml").read_text())
    assert manifest["components"]["converter"]["config"] == {"n_iterations": 30, "seed": 0, "lr": 0.1}

    conv = tmp_path / "conv.npz"
    assert main(["convert", "--model", str(out / "bundle"), "--src-spk", "low", "--tgt-spk", "mid",
                 "--features-only", dump3["wav"], str(conv)]) == 0
    chain = ConversionChain(out / "bundle")
    src = chain.analyze(sf.read(dump3["wav"])[0], "low")
    s, t = bundle.stats["low"], bundle.stats["mid"]
    want = t.denormalize(s.normalize(src["mcep"]) - offsets[1].numpy() + offsets[2].numpy())
    np.testing.assert_allclose(read_features(conv)["mcep"], want, rtol=1e-5, atol=1e-5)

    assert main(["convert", "--model", str(out / "bundle"), "--src-spk", "low", "--tgt-spk", "nobody",
                 dump3["wav"], str(tmp_path / "x.wav")]) == 2
    assert "unknown speaker(s) ['nobody']; this model knows: high, low, mid" in capsys.readouterr().err


def test_resume_of_a_toy_run_and_the_family_speaker_count(dump3, toy_families, tmp_path, capsys):
    cfg = _toy_config(tmp_path / "toy.yaml")
    out = tmp_path / "exp"
    common = ["train", "--config", str(cfg), "--train-dump", str(dump3["dump"]), "--out", str(out),
              "--device", "cpu", "--no-progress"]
    assert main([*common, "--iterations", "10"]) == 0
    assert main([*common, "--iterations", "30", "--resume"]) == 0
    assert Bundle.load(out / "bundle").iteration == 30
    # CycleGAN trains on a pair: all three speakers of the dump are refused, naming the option.
    vc2 = tmp_path / "vc2.yaml"
    vc2.write_text("task: cyclegan\nmodel: {model: cyclegan_vc2, crop_frames: 32}\n")
    assert main(["train", "--config", str(vc2), "--train-dump", str(dump3["dump"]), "--out", str(tmp_path / "v"),
                 "--device", "cpu"]) == 2
    err = capsys.readouterr().err
    assert "model family 'cyclegan' trains on exactly 2 speakers; got 3" in err and "--speakers" in err


def _bundle_with(dump3, tmp_path, toy_families, name="b", **extra) -> Bundle:
    """A toy converter bundle (offsets chosen here) plus ``extra`` parts."""
    from vcgan.data.dump import FeatureDump
    from vcgan.features.stats import load_all_stats
    dump = FeatureDump(dump3["dump"])
    stats = load_all_stats(dump.stats_dir)
    offsets = torch.linspace(-0.5, 0.5, 3 * 24).reshape(3, 24)
    bundle = Bundle(speakers=["high", "low", "mid"], stats=stats, feature_config=dump.config,
                    converter=Component("toy_shift", {"n_iterations": 1}, {"offsets": {"weight": offsets}}), **extra)
    bundle.save(tmp_path / name)
    return Bundle.load(tmp_path / name)


def test_postfilters_chain_after_the_converter(dump3, toy_families, tmp_path):
    model = _bundle_with(dump3, tmp_path, toy_families)
    x = sf.read(dump3["wav"])[0]
    plain = ConversionChain(model)
    feats = plain.convert_features(plain.analyze(x, "low"), "low", "mid")
    # A feature post-filter bundle (no converter of its own) after the model's converter...
    pf = Bundle(speakers=[], stats={}, feature_config=model.feature_config,
                postfilters=[Component("toy_scale", {"domain": "features", "factor": 1.5})])
    pf.save(tmp_path / "pf")
    chained = ConversionChain(model, postfilters=[tmp_path / "pf"])
    out = chained.convert_features(chained.analyze(x, "low"), "low", "mid")
    np.testing.assert_allclose(out["mcep"][:, 1:], 1.5 * feats["mcep"][:, 1:], rtol=1e-6)
    np.testing.assert_array_equal(out["mcep"][:, 0], feats["mcep"][:, 0])
    # ... and the bundle's own post-filters run first, in order.
    own = _bundle_with(dump3, tmp_path, toy_families, "own",
                       postfilters=[Component("toy_scale", {"domain": "features", "factor": 2.0})])
    both = ConversionChain(own, postfilters=[tmp_path / "pf"])
    np.testing.assert_allclose(both.convert_features(both.analyze(x, "low"), "low", "mid")["mcep"][:, 1:],
                               3.0 * feats["mcep"][:, 1:], rtol=1e-6)
    # A waveform post-filter runs after the vocoder; it cannot serve a features-only output.
    wave = Bundle(speakers=[], stats={}, feature_config=model.feature_config,
                  postfilters=[Component("toy_scale", {"domain": "waveform", "factor": 0.5})])
    wave.save(tmp_path / "wave")
    halved = ConversionChain(model, postfilters=[tmp_path / "wave"])
    np.testing.assert_allclose(halved.synthesize(feats, "mid"), 0.5 * plain.synthesize(feats, "mid"), rtol=1e-9)
    with pytest.raises(ValueError, match="waveform post-filters run after the vocoder"):
        halved.convert_file(dump3["wav"], tmp_path / "o.npz", "low", "mid", features_only=True)
    # Through the CLI, and a post-filter analysed differently is refused by name.
    assert main(["convert", "--model", str(tmp_path / "b"), "--postfilter", str(tmp_path / "pf"),
                 "--src-spk", "low", "--tgt-spk", "mid", "--features-only", dump3["wav"], str(tmp_path / "c.npz")]) == 0
    np.testing.assert_allclose(read_features(tmp_path / "c.npz")["mcep"][:, 1:], 1.5 * feats["mcep"][:, 1:], rtol=1e-5)
    other = dataclasses.replace(pf, feature_config=model.feature_config.replace(frame_period=10.0))
    other.save(tmp_path / "pf10")
    with pytest.raises(ValueError, match=r"analysed differently .*frame_period 5.0 vs 10.0"):
        ConversionChain(model, postfilters=[tmp_path / "pf10"])
    with pytest.raises(ValueError, match="has no converter component"):
        ConversionChain(tmp_path / "pf")


def test_vocoder_and_baseline_are_stages_of_the_same_chain(dump3, toy_families, tmp_path):
    model = _bundle_with(dump3, tmp_path, toy_families)
    base = ConversionChain(model, baseline=True)
    assert type(base.converter).__name__ == "StatisticalConverter" and "vocoder world" in base.describe()
    with pytest.raises(ValueError, match="unknown vocoder 'wavenet'; known: "):
        ConversionChain(model, vocoder="wavenet")
    gl = ConversionChain(model, vocoder="griffin-lim")
    with pytest.raises(KeyError, match="no 'spec' stream"):
        gl.convert_file(dump3["wav"], tmp_path / "o.wav", "low", "mid")


def test_format1_bundle_converts_like_its_format2_copy(dump3, tmp_path):
    """A bundle written the old way (model.pt, format 1) converts to the same features."""
    from vcgan.data.dump import FeatureDump
    from vcgan.features.stats import load_all_stats
    from vcgan.tasks.cyclegan import CycleGANConfig, CycleGANTask
    dump = FeatureDump(dump3["dump"])
    stats = {s: st for s, st in load_all_stats(dump.stats_dir).items() if s in ("low", "high")}
    cfg = CycleGANConfig.from_dict({"model": "cyclegan_vc2", "generator": {"base_channels": 4, "res_channels": 4,
                                                                          "n_res_blocks": 1}})
    task = CycleGANTask(cfg, 24)
    gens = {d: {k: v.clone() for k, v in task.modules()[f"generator_{d}"].state_dict().items()} for d in ("a2b", "b2a")}
    old = write_format1_bundle(tmp_path / "old", {**cfg.to_dict(), "mcep_dim": 24}, ["low", "high"], gens,
                               dump.config, stats, iteration=7)
    Bundle(speakers=["low", "high"], stats=stats, feature_config=dump.config,
           converter=Component("cyclegan", cfg.to_dict(), gens), iteration=7).save(tmp_path / "new")
    loaded = Bundle.load(old)
    assert (loaded.format, loaded.converter.family, loaded.iteration) == (1, "cyclegan", 7)
    for name in ("old", "new"):
        assert main(["convert", "--model", str(tmp_path / name), "--features-only", dump3["wav"],
                     str(tmp_path / f"{name}.npz")]) == 0
    a, b = read_features(tmp_path / "old.npz"), read_features(tmp_path / "new.npz")
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
    # A format-1 config whose feature dimension disagrees with its feature config is refused.
    bad = write_format1_bundle(tmp_path / "bad", {**cfg.to_dict(), "mcep_dim": 35}, ["low", "high"], gens,
                               dump.config, stats)
    with pytest.raises(ValueError, match="trained on 35 mel-cepstra but the bundle's feature config gives 24"):
        ConversionChain(bad)


def test_newer_format_and_damaged_manifest_are_named(dump3, toy_families, tmp_path):
    _bundle_with(dump3, tmp_path, toy_families)
    manifest = tmp_path / "b" / "manifest.yaml"
    data = yaml.safe_load(manifest.read_text())
    manifest.write_text(yaml.safe_dump({**data, "format": 3, "vcgan_version": "9.0"}))
    with pytest.raises(ValueError, match=r"manifest.yaml: bundle format 3 was written by vcgan 9.0; .* reads "
                                         r"formats 1 to 2: upgrade vcgan"):
        Bundle.load(tmp_path / "b")
    manifest.write_text(yaml.safe_dump({**data, "components": "converter"}))
    with pytest.raises(ValueError, match="'components' missing or not a dict"):
        Bundle.load(tmp_path / "b")
    manifest.write_text(json.dumps({**data, "components": {"converter": {"family": "nobody", "config": {}}}}))
    with pytest.raises(ValueError, match=r"unknown model family 'nobody'; known: \["):
        ConversionChain(tmp_path / "b")


def test_registry_refuses_a_second_family_of_one_name(toy_families):
    with pytest.raises(ValueError, match="model family 'toy_shift' is registered already"):
        tasks.register(ShiftFamily())
    assert "toy_shift" in tasks.known_families() and "cyclegan" in tasks.known_families()
    with pytest.raises(ValueError, match=r"unknown model family 'toy_nothing'; known: \["):
        tasks.get_family("toy_nothing")


def test_bundle_round_trip_keeps_components_and_checksums(dump3, toy_families, tmp_path):
    b = _bundle_with(dump3, tmp_path, toy_families, vocoder="griffin-lim",
                     postfilters=[Component("toy_scale", {"domain": "features", "factor": 1.0})])
    assert b.vocoder == "griffin-lim" and b.roles() == ["converter", "postfilter"]
    manifest = yaml.safe_load((tmp_path / "b" / "manifest.yaml").read_text())
    assert manifest["format"] == 2 and manifest["components"]["postfilters"][0]["family"] == "toy_scale"
    assert len(manifest["components"]["converter"]["sha256"]) == 64
    # The bundle is self-contained: a copy elsewhere converts the same.
    shutil.copytree(tmp_path / "b", tmp_path / "copy")
    x = sf.read(dump3["wav"])[0]
    f1 = ConversionChain(tmp_path / "b", vocoder="world").convert_waveform(x, "low", "mid")
    f2 = ConversionChain(tmp_path / "copy", vocoder="world").convert_waveform(x, "low", "mid")
    np.testing.assert_array_equal(f1, f2)


def test_family_fields_are_what_the_loop_reads(toy_families):
    """The Family shape the guide documents: name, role, speakers, schedule_keys first n_iterations."""
    for name in tasks.known_families():
        family = tasks.get_family(name)
        assert family.name == name and family.role in ("converter", "postfilter", "vocoder")
        assert family.schedule_keys[0] == "n_iterations"
        lo, hi = family.speakers
        assert lo >= 1 and (hi is None or hi >= lo)

