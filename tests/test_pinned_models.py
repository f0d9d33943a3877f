"""CycleGAN-VC, CycleGAN-VC2, StarGAN-VC and StarGAN-VC2 compute what they computed when these
figures were pinned.

For a fixed seed, the tiny demo configs, float32, one torch thread and a small dump of a real
recording, `vcgan train` must give the same loss trace (TensorBoard scalars every 5 iterations)
and the same final weights, and `vcgan convert` the same converted features, as the code at the
time of pinning (tests/data/models_pinned.json). Refactoring may move code; it must not change these.

What is compared, and how closely: every logged loss within 1e-3 of its pinned value; per
network, the sum and the absolute sum of all its weights and buffers, and for the converted
features their sum and absolute sum, each within 1e-3 of the pinned absolute sum. The same code
on another CPU (other SIMD kernels, other summation orders) moved the losses of these short
runs by up to 1.4e-4 and whole networks by under 1e-4; a weight that gets almost no
gradient (an affine bias whose offset the next normalisation removes) is walked by Adam at up to
the full learning rate in whichever direction rounding gives, so single small tensors are not
compared on their own. Changes of the computation move these figures by much more: 2 % more
generator learning rate, 1 % less cycle-loss weight or another seed put figures 1.8 to 1800
times the tolerance off (`--sensitivity` below prints these ratios for every model).

Regenerate only for a deliberate change of what a model computes, only that model's figures,
and say so in the commit (a new model is pinned the same way):
    tools/venv/bin/python tests/test_pinned_models.py --write stargan_vc2
and to see how far the tolerance is from the drift and from real changes:
    tools/venv/bin/python tests/test_pinned_models.py --sensitivity
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from conftest import REPO, make_two_speaker_wavs, write_data_dir  # noqa: E402

PINNED = HERE / "data" / "models_pinned.json"
CONFIGS = {
    "cyclegan_vc": REPO / "egs/demo/cyclegan_vc/conf/cyclegan_vc_tiny.yaml",
    "cyclegan_vc2": REPO / "egs/demo/cyclegan_vc2/conf/cyclegan_vc2_tiny.yaml",
    "stargan_vc": REPO / "egs/demo/stargan_vc/conf/stargan_vc_tiny.yaml",
    "stargan_vc2": REPO / "egs/demo/stargan_vc2/conf/stargan_vc2_tiny.yaml",
}
RTOL = 1e-3


def make_dump(root: Path) -> dict[str, Path]:
    import pysptk
    import soundfile as sf

    from vcgan.bin.cli import main
    from vcgan.features import FeatureConfig
    x, fs = sf.read(pysptk.util.example_audio_file(), dtype="float64")
    utts = make_two_speaker_wavs(root, x, fs)
    data = write_data_dir(root / "data", {u: v for u, v in utts.items() if not u.endswith("_2")})
    FeatureConfig(sample_rate=16000, mcep_dim=24, f0_method="dio").save(root / "feature.yaml")
    assert main(["extract", "--data-dir", str(data), "--out-dir", str(root / "dump"),
                 "--config", str(root / "feature.yaml")]) == 0
    assert main(["stats", "--dump-dir", str(root / "dump")]) == 0
    return {"dump": root / "dump", "test_wav": Path(utts["low_2"][1])}


def scalars(tensorboard_dir: Path) -> dict[str, list[list[float]]]:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    acc = EventAccumulator(str(tensorboard_dir))
    acc.Reload()
    return {tag: [[e.step, e.value] for e in acc.Scalars(tag)] for tag in sorted(acc.Tags()["scalars"])}


def figures(name: str, work: Path, data: dict[str, Path], config: Path | None = None) -> dict:
    """Loss trace, weight sums per tensor, converted features: what the pin compares."""
    import torch

    from vcgan.bin.cli import main
    from vcgan.train.checkpoint import latest_checkpoint, load_checkpoint
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        exp = work / name
        assert main(["train", "--config", str(config or CONFIGS[name]), "--train-dump", str(data["dump"]),
                     "--speakers", "low", "high", "--out", str(exp), "--device", "cpu", "--precision", "fp32",
                     "--no-progress"]) == 0
        state = load_checkpoint(latest_checkpoint(exp / "checkpoints"))["task"]["modules"]
        weights = {f"{m}.{k}": [float(v.double().sum()), float(v.double().abs().sum())]
                   for m, sd in sorted(state.items()) for k, v in sorted(sd.items()) if v.is_floating_point()}
        out = work / f"{name}_converted.npz"
        assert main(["convert", "--model", str(exp / "bundle"), "--src-spk", "low", "--tgt-spk", "high",
                     "--features-only", str(data["test_wav"]), str(out)]) == 0
        conv = np.load(out)
        converted = {k: [float(np.sum(conv[k], dtype=np.float64)), float(np.abs(conv[k]).sum(dtype=np.float64))]
                     for k in ("mcep", "f0")}
    finally:
        torch.set_num_threads(threads)
    return {"scalars": scalars(exp / "tensorboard"), "weights": weights, "converted": converted}


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> dict[str, Path]:
    return make_dump(tmp_path_factory.mktemp("pinned"))


def per_network(weights: dict[str, list[float]]) -> dict[str, list[float]]:
    """[sum, absolute sum] of every tensor of a network, added up per network."""
    totals: dict[str, list[float]] = {}
    for key, (total, absolute) in weights.items():
        acc = totals.setdefault(key.split(".", 1)[0], [0.0, 0.0])
        acc[0] += total
        acc[1] += absolute
    return totals


def deviations(got: dict, want: dict) -> list[tuple[float, str]]:
    """(|difference| / tolerance, what) for every compared figure; above 1 is a mismatch."""
    out = []
    for tag, trace in want["scalars"].items():
        for (step, value), (got_step, got_value) in zip(trace, got["scalars"][tag]):
            assert got_step == step, f"{tag}: logged at iteration {got_step}, pinned at {step}"
            out.append((abs(got_value - value) / (RTOL * abs(value) + 1e-6),
                        f"loss {tag} at iteration {step}: {got_value:.6g}, pinned {value:.6g}"))
    sums = [(f"weights of {net}", v, per_network(got["weights"])[net])
            for net, v in per_network(want["weights"]).items()]
    sums += [(f"converted {key}", v, got["converted"][key]) for key, v in want["converted"].items()]
    for what, (total, absolute), (got_total, got_absolute) in sums:
        tolerance = RTOL * absolute
        out.append((abs(got_total - total) / tolerance, f"{what}: sum {got_total:.7g}, pinned {total:.7g}"))
        out.append((abs(got_absolute - absolute) / tolerance,
                    f"{what}: absolute sum {got_absolute:.7g}, pinned {absolute:.7g}"))
    return out


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_training_and_conversion_match_the_pinned_figures(name, data, tmp_path):
    want = json.loads(PINNED.read_text())[name]
    got = figures(name, tmp_path, data)
    assert sorted(got["scalars"]) == sorted(want["scalars"])
    assert sorted(got["weights"]) == sorted(want["weights"]), "the networks' tensors differ"
    assert [len(got["scalars"][t]) for t in sorted(want["scalars"])] == \
        [len(want["scalars"][t]) for t in sorted(want["scalars"])]
    off = [what for ratio, what in deviations(got, want) if not ratio <= 1.0]
    assert not off, f"{len(off)} figure(s) off by more than {RTOL:g}:\n" + "\n".join(off)


if __name__ == "__main__" and "--write" in sys.argv[1:2]:
    import tempfile
    names = sys.argv[2:]
    if not names or not set(names) <= set(CONFIGS):
        sys.exit(f"usage: {sys.argv[0]} --write NAME...  (names: {', '.join(sorted(CONFIGS))})")
    result = json.loads(PINNED.read_text()) if PINNED.is_file() else {}
    with tempfile.TemporaryDirectory() as tmp:
        d = make_dump(Path(tmp))
        result.update({name: figures(name, Path(tmp), d) for name in names})
    PINNED.parent.mkdir(exist_ok=True)
    PINNED.write_text(json.dumps(dict(sorted(result.items())), indent=1) + "\n")
    print(f"wrote {', '.join(names)} into {PINNED}")


if __name__ == "__main__" and "--sensitivity" in sys.argv[1:2]:
    import tempfile

    import yaml
    # Small deliberate changes of the computation, next to none: each must be far over 1.
    CHANGES = {"none": lambda m: {}, "lr_generator x1.02": lambda m: {"lr_generator": 1.02 * m.lr_generator},
               "lambda_cycle x0.99": lambda m: {"lambda_cycle": 0.99 * m.lambda_cycle},
               "seed + 1": lambda m: {"seed": m.seed + 1}}
    from vcgan.train.config import TrainingConfig
    pinned = json.loads(PINNED.read_text())
    with tempfile.TemporaryDirectory() as tmp:
        d = make_dump(Path(tmp))
        for name in sorted(CONFIGS):
            base = yaml.safe_load(CONFIGS[name].read_text())
            model = TrainingConfig.from_yaml(CONFIGS[name]).model_config()
            for i, (label, change) in enumerate(CHANGES.items()):
                cfg = {**base, "model": {**base["model"], **change(model)}}
                path = Path(tmp) / f"{name}_{i}.yaml"
                path.write_text(yaml.safe_dump(cfg))
                ratio, what = max(deviations(figures(name, Path(tmp) / f"{name}_{i}", d, path), pinned[name]))
                print(f"{name:13s} {label:20s} worst figure {ratio:9.3g} x tolerance: {what}", flush=True)
