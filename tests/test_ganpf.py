"""GAN post-filters and their DNN front end: band splitting, networks, alignment, the loss
terms, training through the CLI, and the post-filter chain after two converter families."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

from vcgan.bin.cli import main
from vcgan.features.bands import band_edges, band_weights, merge_bands, split_bands

pytestmark = pytest.mark.usefixtures("single_torch_thread")


# -- bands -------------------------------------------------------------------------------------

@pytest.mark.parametrize("n_bins, n_bands, overlap", [(257, 1, 0), (257, 4, 16), (513, 4, 32), (100, 3, 7),
                                                      (64, 8, 1), (31, 2, 0), (1025, 6, 64)])
def test_merging_unfiltered_bands_gives_the_input_back(n_bins, n_bands, overlap):
    x = np.random.default_rng(n_bins).normal(size=(37, n_bins)).astype(np.float32)
    edges = band_edges(n_bins, n_bands, overlap)
    assert len(edges) == n_bands and edges[0][0] == 0 and edges[-1][1] == n_bins
    for (lo, hi), (lo2, hi2) in zip(edges, edges[1:]):
        assert hi - lo2 == overlap  # neighbours share exactly `overlap` bins
    np.testing.assert_allclose(band_weights(edges, n_bins).sum(axis=0), 1.0, rtol=1e-12)
    np.testing.assert_allclose(merge_bands(split_bands(x, edges), edges, n_bins), x, rtol=1e-6, atol=1e-6)


def test_merge_cross_fades_processed_bands_and_refuses_bad_bands():
    edges = band_edges(40, 2, 8)  # [0, 24) and [16, 40): 8 shared bins
    assert edges == [(0, 24), (16, 40)]
    merged = merge_bands([np.zeros((3, 24)), np.ones((3, 24))], edges, 40)
    assert np.all(merged[:, :16] == 0) and np.all(merged[:, 24:] == 1)
    ramp = merged[0, 16:24]
    assert np.all(np.diff(ramp) > 0) and 0 < ramp[0] < 0.5 < ramp[-1] < 1  # a fade, not a step
    with pytest.raises(ValueError, match="too narrow"):
        band_edges(40, 4, 10)
    with pytest.raises(ValueError, match="band 1 has 20 bins"):
        merge_bands([np.zeros((3, 24)), np.zeros((3, 20))], edges, 40)


# -- networks ----------------------------------------------------------------------------------

@pytest.mark.parametrize("rows, frames", [(23, 1), (23, 37), (70, 128), (5, 3)])
def test_post_filter_networks_take_any_size(rows, frames):
    from vcgan.models import build_discriminator, build_generator
    gen = build_generator("gan_postfilter", channels=[8, 8], zero_init_output=False).eval()
    disc = build_discriminator("gan_postfilter", channels=[4, 8])
    y = torch.randn(2, rows, frames)
    assert gen(y).shape == y.shape
    assert disc(y).shape[:2] == (2, 1)


def test_an_untrained_post_filter_is_the_identity_and_noise_matters_once_trained():
    from vcgan.models import build_generator
    y, z1, z2 = torch.randn(3, 1, 10, 40).unbind(0)
    gen = build_generator("gan_postfilter", channels=[8, 8]).eval()
    assert torch.equal(gen(y, z1), y)  # zero-initialised output conv, residual
    torch.nn.init.normal_(gen.output.weight, std=0.1)
    assert not torch.allclose(gen(y, z1), gen(y, z2))
    plain = build_generator("gan_postfilter", channels=[8, 8], residual=False).eval()
    assert torch.all(plain(y, z1) == 0)


# -- the front end's alignment -----------------------------------------------------------------

def test_front_end_alignment_pairs_each_frame_with_its_time_stretched_copy():
    from vcgan.tasks.dnn_vc.data import aligned_frames
    rng = np.random.default_rng(0)
    x = np.cumsum(rng.normal(size=(60, 6)), axis=0)  # distinct frames, smooth in time
    stretch = np.sort(np.concatenate([np.arange(60), rng.choice(60, 25, replace=False)]))  # 85 frames
    y = x[stretch] * 2.0 + 1.0  # another "speaker": same content, other scale
    xa, ya = aligned_frames(x, y, x, x[stretch])  # aligned on the content
    assert len(xa) == len(ya) >= 85
    np.testing.assert_array_equal(ya, xa * 2.0 + 1.0)  # every pair is a frame and its copy


# -- the loss terms ----------------------------------------------------------------------------

def _task(**model):
    from vcgan.tasks.ganpf.config import GANPFConfig
    from vcgan.tasks.ganpf.task import GANPFTask
    cfg = GANPFConfig.from_dict({"generator": {"channels": [4, 4], "zero_init_output": False},
                                 "discriminator": {"channels": [4, 4]}, "batch_size": 2, "crop_frames": 16, **model})
    return GANPFTask(cfg, [(0, 10)] if cfg.n_bands == 1 else band_edges(20, cfg.n_bands, cfg.band_overlap), "cpu")


def _step(task, seed=0):
    g = torch.Generator().manual_seed(seed)
    rows = task.edges[-1][1]
    task.train_step(synthetic=torch.randn(2, rows, 16, generator=g), natural=torch.randn(2, rows, 16, generator=g),
                    iteration=0)
    return {k: v.clone() for k, v in task.modules()["generator_band0"].state_dict().items()}


def test_the_content_term_and_the_adversarial_term_both_move_the_generator():
    base = _step(_task())
    content = _step(_task(lambda_content=10.0))
    assert any(not torch.equal(base[k], content[k]) for k in base)  # lambda_content is used
    # The adversarial term alone moves the generator (a zero gradient would leave it at init).
    init = {k: v.clone() for k, v in _task().modules()["generator_band0"].state_dict().items()}
    assert any(not torch.equal(base[k], init[k]) for k in base if "running" not in k and "num_batches" not in k)


def test_bands_get_their_own_networks_and_unfiltered_bands_none():
    task = _task(stream="spec", n_bands=3, band_overlap=2, filtered_bands=[0, 2])
    assert sorted(task.modules()) == ["discriminator_band0", "discriminator_band2", "generator_band0",
                                      "generator_band2"]
    logs = task.train_step(synthetic=torch.randn(2, 20, 16), natural=torch.randn(2, 20, 16), iteration=0)
    assert {"discriminator/band0", "discriminator/band2"} <= set(logs) and "discriminator/band1" not in logs


def test_post_filter_learns_to_restore_the_variance_a_smoother_removed():
    """Natural: rough trajectories; synthetic: the same kind, smoothed (lower GV). 300 updates
    of a small post-filter raise the GV of its output clearly toward the natural one."""
    from vcgan.tasks.ganpf.config import GANPFConfig
    from vcgan.tasks.ganpf.task import GANPFTask
    torch.manual_seed(0)

    def rough(n):
        return torch.randn(n, 6, 32)

    def smooth(x):
        return torch.nn.functional.avg_pool1d(x, 5, stride=1, padding=2, count_include_pad=False)
    cfg = GANPFConfig.from_dict({"generator": {"channels": [16, 16]}, "discriminator": {"channels": [8, 16]},
                                 "batch_size": 8, "crop_frames": 32, "lr_generator": 1e-3, "lr_discriminator": 1e-3,
                                 "n_iterations": 300, "decay_start": 300})
    task = GANPFTask(cfg, [(0, 6)], "cpu")
    for i in range(300):
        task.train_step(synthetic=smooth(rough(8)), natural=rough(8), iteration=i)
    test = smooth(rough(16))
    gen = task.modules()["generator_band0"].eval()
    with torch.no_grad():
        out = gen(test, torch.randn_like(test))
    gv_syn, gv_out = test.var(dim=2).mean().item(), out.var(dim=2).mean().item()
    assert gv_out > gv_syn + 0.5 * (1.0 - gv_syn), (gv_syn, gv_out)  # natural GV is 1


# -- through the CLI ---------------------------------------------------------------------------

def _config(path: Path, task: str, **model) -> Path:
    trainer = {"checkpoint_interval": 4, "log_interval": 2, "validation_interval": 1000}
    path.write_text(yaml.safe_dump({"task": task, "model": model, "trainer": trainer}))
    return path


@pytest.fixture(scope="module")
def pf_dump(tmp_path_factory, arctic):
    """``low`` and ``high`` (an octave up), 3 parallel parts, with log STFT magnitudes."""
    from conftest import make_two_speaker_wavs, write_data_dir
    from vcgan.features import FeatureConfig
    x, fs = arctic
    root = tmp_path_factory.mktemp("ganpf")
    data = write_data_dir(root / "data", make_two_speaker_wavs(root, x, fs, n_parts=3))
    FeatureConfig(sample_rate=fs, mcep_dim=24, f0_method="dio", spectrogram=True, n_fft=256).save(root / "f.yaml")
    assert main(["extract", "--data-dir", str(data), "--out-dir", str(root / "dump"), "--config", str(root / "f.yaml")]) == 0
    assert main(["stats", "--dump-dir", str(root / "dump")]) == 0
    return root


def _train(root: Path, cfg: Path, out: Path, *extra: str) -> Path:
    assert main(["train", "--config", str(cfg), "--train-dump", str(root / "dump"), "--speakers", "low", "high",
                 "--out", str(out), "--no-progress", "--threads", "1", *extra]) == 0
    return out / "bundle"


@pytest.fixture(scope="module")
def front_ends(pf_dump):
    root = pf_dump
    tiny = {"network": {"hidden": 16, "n_layers": 2}, "batch_size": 4, "crop_frames": 32, "n_iterations": 8,
            "decay_start": 4}
    return {
        "dnn_mcep": _train(root, _config(root / "dnn_mcep.yaml", "dnn_vc", stream="mcep", energy="source", **tiny),
                           root / "exp" / "dnn_mcep"),
        "dnn_spec": _train(root, _config(root / "dnn_spec.yaml", "dnn_vc", stream="spec", **tiny),
                           root / "exp" / "dnn_spec"),
        "cyclegan": _train(root, _config(root / "cg.yaml", "cyclegan", model="cyclegan_vc2", crop_frames=64,
                                         generator={"base_channels": 8, "n_res_blocks": 1},
                                         discriminator={"base_channels": 8}, n_iterations=4, decay_start=2,
                                         identity_iterations=2), root / "exp" / "cg"),
    }


def _pf_config(root: Path, name: str, **model) -> Path:
    settings = {"generator": {"channels": [4, 4], "zero_init_output": False}, "discriminator": {"channels": [4, 4]},
                "batch_size": 2, "crop_frames": 32, "n_iterations": 4, "decay_start": 2, **model}
    return _config(root / f"{name}.yaml", "ganpf", **settings)


@pytest.mark.parametrize("front_end, stream, vocoder", [("dnn_mcep", "mcep", "world"), ("cyclegan", "mcep", "world"),
                                                        ("dnn_spec", "spec", "griffin-lim")])
def test_post_filter_trains_on_a_front_end_and_converts_after_it(pf_dump, front_ends, front_end, stream, vocoder,
                                                                 tmp_path):
    """The chain model -> post-filter -> vocoder for two converter families and both streams:
    the post-filter changes the filtered rows only, the same way every time."""
    import soundfile as sf
    from vcgan.conversion.chain import ConversionChain
    from vcgan.data.dump import FeatureDump
    root = pf_dump
    bands = {"n_bands": 3, "band_overlap": 8} if stream == "spec" else {}
    pf = _train(root, _pf_config(root, f"pf_{front_end}", stream=stream, **bands), tmp_path / "pf",
                "--front-end", str(front_ends[front_end]))
    plain = ConversionChain(front_ends[front_end])
    chain = ConversionChain(front_ends[front_end], postfilters=[pf], vocoder=vocoder)
    assert "GANPostFilter" in chain.describe()
    feats = FeatureDump(root / "dump").load("low_1", streams=("f0", "mcep", "spec"))
    before = plain.convert_features(feats, "low", "high")
    after = chain.convert_features(feats, "low", "high")
    assert after[stream].shape == before[stream].shape
    changed = np.abs(after[stream] - before[stream]).max(axis=0) > 1e-6
    if stream == "mcep":  # c1.. filtered; c0 re-solved for the frame's power, F0 untouched
        assert changed[1:].any() and np.array_equal(after["f0"], before["f0"])
    else:
        assert changed.any()
    for k in after:
        np.testing.assert_array_equal(after[k], chain.convert_features(feats, "low", "high")[k])
    out = tmp_path / "out.wav"
    assert main(["convert", "--model", str(front_ends[front_end]), "--postfilter", str(pf), "--vocoder", vocoder,
                 "--src-spk", "low", "--tgt-spk", "high", str(root / "low_1.wav"), str(out)]) == 0
    y, fs = sf.read(out)
    assert fs == 16000 and len(y) > 0.5 * sf.info(root / "low_1.wav").frames and np.abs(y).max() > 0.01


def test_the_stft_chain_can_rebuild_the_waveform_with_the_input_phase(pf_dump, front_ends, tmp_path):
    """``--vocoder input-phase``: the chain analyses the input's STFT phase, which converter and
    post-filter pass through, for one inverse STFT of the post-filtered magnitude."""
    import soundfile as sf
    from vcgan.conversion.chain import ConversionChain
    root = pf_dump
    pf = _train(root, _pf_config(root, "pf_phase", stream="spec", n_bands=2, band_overlap=4), tmp_path / "pf",
                "--front-end", str(front_ends["dnn_spec"]))
    chain = ConversionChain(front_ends["dnn_spec"], postfilters=[pf], vocoder="input-phase")
    x, fs = sf.read(root / "low_1.wav")
    feats = chain.analyze(x, "low")
    assert feats["phase"].shape == feats["spec"].shape
    converted = chain.convert_features(feats, "low", "high")
    np.testing.assert_array_equal(converted["phase"], feats["phase"])
    y = chain.synthesize(converted, "high")
    assert abs(len(y) - len(x)) < 256 and np.isfinite(y).all() and np.abs(y).max() > 0.01
    assert "phase" not in ConversionChain(front_ends["dnn_spec"], vocoder="griffin-lim").analyze(x, "low")


def test_an_interrupted_post_filter_run_resumes_to_the_same_bundle(pf_dump, front_ends, tmp_path, monkeypatch):
    from vcgan.tasks.ganpf.task import GANPFTask
    root, fe = pf_dump, str(front_ends["dnn_mcep"])
    cfg = _pf_config(root, "pf_resume", n_iterations=8, decay_start=4)
    whole = torch.load(_train(root, cfg, tmp_path / "whole", "--front-end", fe) / "postfilter-0.pt")
    original = GANPFTask.train_step

    def dies_at_5(self, *, iteration, **batch):
        if iteration == 5:
            raise KeyboardInterrupt  # killed after the checkpoint of iteration 4
        return original(self, iteration=iteration, **batch)
    monkeypatch.setattr(GANPFTask, "train_step", dies_at_5)
    args = ["train", "--config", str(cfg), "--train-dump", str(root / "dump"), "--speakers", "low", "high",
            "--out", str(tmp_path / "split"), "--no-progress", "--threads", "1", "--front-end", fe]
    assert main(args) == 130
    monkeypatch.setattr(GANPFTask, "train_step", original)
    assert main([*args, "--resume"]) == 0
    resumed = torch.load(tmp_path / "split" / "bundle" / "postfilter-0.pt")
    for k, v in whole["generator_band0"].items():
        assert torch.equal(v, resumed["generator_band0"][k]), k


def test_mistakes_are_named(pf_dump, front_ends, tmp_path, capsys):
    root = pf_dump
    cfg = _pf_config(root, "pf_err")
    assert main(["train", "--config", str(cfg), "--train-dump", str(root / "dump"), "--speakers", "low", "high",
                 "--out", str(tmp_path / "a")]) != 0
    assert "--front-end BUNDLE" in capsys.readouterr().err
    assert main(["train", "--config", str(root / "dnn_mcep.yaml"), "--train-dump", str(root / "dump"),
                 "--speakers", "low", "high", "--out", str(tmp_path / "b"), "--front-end",
                 str(front_ends["dnn_mcep"])]) != 0
    assert "--front-end is for post-filter families" in capsys.readouterr().err
    # A post-filter of spectra after a front end that gives none; one trained for another target.
    pf = _train(root, _pf_config(root, "pf_spec_err", stream="spec", n_bands=2, band_overlap=4), tmp_path / "pf",
                "--front-end", str(front_ends["dnn_spec"]))
    from vcgan.conversion.chain import ConversionChain
    from vcgan.data.dump import FeatureDump
    chain = ConversionChain(front_ends["dnn_mcep"], postfilters=[pf])
    feats = FeatureDump(root / "dump").load("low_1")
    with pytest.raises(ValueError, match="no 'spec' stream to post-filter"):
        chain.convert_features({k: v for k, v in feats.items() if k != "spec"}, "low", "high")
    with pytest.raises(ValueError, match="trained on conversions to high, not low"):
        chain.postfilters[0](feats, "low")
    with pytest.raises(ValueError, match="converts low to high only"):
        chain.converter.check_pair("high", "low")
