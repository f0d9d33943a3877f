"""CycleGAN-VC, CycleGAN-VC2, StarGAN-VC and StarGAN-VC2 compute what they computed when these
figures were pinned.

For a fixed seed, the tiny demo configs, one torch thread and a small dump of a real recording,
`vcgan train` must give the same loss trace (TensorBoard scalars every 5 iterations) and the same
final weights, and `vcgan convert` the same converted features, as the code at the time of
pinning (tests/data/models_pinned.json). Refactoring may move code; it must not change these.

The tolerance (relative 1e-5) only absorbs the last bits that another order of floating-point
summation gives; any change of the computation (a loss term, an initialisation, a crop, the
order of random draws) moves these figures by far more.

Regenerate only for a deliberate change of what a model computes, only that model's figures,
and say so in the commit (a new model is pinned the same way):
    tools/venv/bin/python tests/test_pinned_models.py --write stargan_vc2
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
RTOL = 1e-5


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


def figures(name: str, work: Path, data: dict[str, Path]) -> dict:
    """Loss trace, weight sums per tensor, converted features: what the pin compares."""
    import torch

    from vcgan.bin.cli import main
    from vcgan.train.checkpoint import latest_checkpoint, load_checkpoint
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        exp = work / name
        assert main(["train", "--config", str(CONFIGS[name]), "--train-dump", str(data["dump"]),
                     "--speakers", "low", "high", "--out", str(exp), "--device", "cpu", "--no-progress"]) == 0
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


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_training_and_conversion_match_the_pinned_figures(name, data, tmp_path):
    want = json.loads(PINNED.read_text())[name]
    got = figures(name, tmp_path, data)
    assert sorted(got["scalars"]) == sorted(want["scalars"])
    for tag, trace in want["scalars"].items():
        np.testing.assert_allclose(got["scalars"][tag], trace, rtol=RTOL, atol=1e-7, err_msg=tag)
    assert sorted(got["weights"]) == sorted(want["weights"])
    for key, sums in want["weights"].items():
        np.testing.assert_allclose(got["weights"][key], sums, rtol=RTOL, atol=1e-6, err_msg=key)
    for key, sums in want["converted"].items():
        np.testing.assert_allclose(got["converted"][key], sums, rtol=RTOL, err_msg=key)


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
