"""Data-parallel training: `vcgan train` under torchrun, two gloo processes on CPU."""

import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
import torch
import yaml

from vcgan.bin.cli import main
from vcgan.data.dump import read_features

from vcgan.train import distributed
from vcgan.train.checkpoint import checkpoint_path, list_checkpoints, load_checkpoint

pytestmark = pytest.mark.usefixtures("single_torch_thread")

TINY = {
    "task": "cyclegan",
    "model": {"model": "cyclegan_vc2", "generator": {"base_channels": 8, "res_channels": 8, "n_res_blocks": 1},
              "discriminator": {"base_channels": 8}, "crop_frames": 32, "batch_size": 2, "n_iterations": 6,
              "decay_start": 3, "identity_iterations": 4},
    # fp32: one process and two must agree to float32 rounding (bf16 would round each rank's
    # half-batch products to 8 bits)
    "trainer": {"checkpoint_interval": 3, "keep_checkpoints": 3, "log_interval": 1, "validation_interval": 3,
                "validation_utterances": 1, "precision": "fp32"},
}


def _config(path, **model):
    path.write_text(yaml.safe_dump({**TINY, "model": {**TINY["model"], **model}}))
    return path


def _train(dump3, config, out, processes: int, *extra: str) -> subprocess.CompletedProcess:
    launcher = [sys.executable, "-m", "vcgan"] if processes == 1 else [
        sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", str(processes),
        "-m", "vcgan"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run([*launcher, "train", "--config", str(config), "--train-dump", str(dump3["dump"]),
                           "--dev-dump", str(dump3["dump"]), "--speakers", "low", "high", "--out", str(out),
                           "--device", "cpu", "--threads", "1", "--no-progress", *extra],
                          capture_output=True, text=True, env=env, timeout=600)


def _weights(path):
    return load_checkpoint(path)["task"]["modules"]


def _assert_same_weights(a, b, atol):
    assert a.keys() == b.keys()
    for net in a:
        for k in a[net]:
            torch.testing.assert_close(a[net][k], b[net][k], rtol=0, atol=atol, msg=f"{net}.{k}")


@pytest.fixture(scope="module")
def runs(dump3, tmp_path_factory):
    """One uninterrupted 2-process run, and a 1-process run of the same config."""
    root = tmp_path_factory.mktemp("ddp")
    config = _config(root / "tiny.yaml")
    done = {}
    for n in (1, 2):
        r = _train(dump3, config, root / f"np{n}", n)
        assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
        done[n] = root / f"np{n}"
    return {"root": root, "config": config, **done}


def _converted(bundle, wav, out):
    assert main(["convert", "--model", str(bundle), "--src-spk", "low", "--tgt-spk", "high", "--features-only",
                 wav, str(out)]) == 0
    return read_features(out)["mcep"]


def test_two_processes_reach_the_model_of_one_with_the_same_global_batch(runs, dump3, tmp_path):
    last = checkpoint_path(runs[1] / "checkpoints", 6)
    one, two = _weights(last), _weights(checkpoint_path(runs[2] / "checkpoints", 6))
    _assert_same_weights({k: v for k, v in one.items() if k.startswith("discriminator")},
                         {k: v for k, v in two.items() if k.startswith("discriminator")}, atol=2e-5)
    # The generators convert alike. Their weights are compared through what they compute
    # because a few of them (a norm's bias that the next instance norm cancels) have a zero
    # gradient: Adam turns its rounding noise into steps of +-lr whatever the process count.
    a = _converted(runs[1] / "bundle", dump3["wav"], tmp_path / "one.npz")
    b = _converted(runs[2] / "bundle", dump3["wav"], tmp_path / "two.npz")
    np.testing.assert_allclose(a, b, atol=1e-3 * np.abs(a).max())
    # ... and the tolerance is far below what training changes: the weights moved meanwhile.
    first = _weights(checkpoint_path(runs[1] / "checkpoints", 3))
    moved = max((one[n][k] - first[n][k]).abs().max().item() for n in one for k in one[n]
                if one[n][k].is_floating_point())
    assert moved > 2e-4


def test_rank_zero_alone_writes(runs):
    out = runs[2]
    events = list((out / "tensorboard").glob("events.out.tfevents.*"))
    assert len(events) == 1  # a second writer would leave a second event file
    assert [i for i, _ in list_checkpoints(out / "checkpoints")] == [3, 6]
    state = load_checkpoint(checkpoint_path(out / "checkpoints", 6))
    assert len(state["ranks"]) == 2  # every rank's random state, gathered by rank 0
    assert (out / "bundle").is_dir() and (out / "config.yaml").is_file()
    log = (out / "train.log").read_text()
    assert log.count("training done") == 1 and "rank 0 of 2" in log and "rank 1 of 2" not in log


def test_a_resumed_two_process_run_matches_an_uninterrupted_one(dump3, runs):
    resumed = runs["root"] / "resumed"
    (resumed / "checkpoints").mkdir(parents=True)
    shutil.copy(checkpoint_path(runs[2] / "checkpoints", 3), resumed / "checkpoints")
    shutil.copy(runs[2] / "config.yaml", resumed / "config.yaml")
    r = _train(dump3, runs["config"], resumed, 2, "--resume")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    _assert_same_weights(_weights(checkpoint_path(resumed / "checkpoints", 6)),
                         _weights(checkpoint_path(runs[2] / "checkpoints", 6)), atol=0)


def test_a_batch_the_processes_cannot_share_is_refused(dump3, tmp_path):
    r = _train(dump3, _config(tmp_path / "odd.yaml", batch_size=3), tmp_path / "odd", 2)
    assert r.returncode != 0
    assert "batch_size 3 (the global batch) cannot be split over 2 processes" in r.stdout + r.stderr
    assert not list((tmp_path / "odd").glob("checkpoints/*"))


def test_the_process_group_comes_from_torchrun_s_environment():
    g = distributed.from_environment({"WORLD_SIZE": "4", "RANK": "2", "LOCAL_RANK": "0"})
    assert (g.rank, g.world_size, g.local_rank, g.distributed, g.is_main) == (2, 4, 0, True, False)
    assert distributed.from_environment({}) == distributed.SINGLE and not distributed.SINGLE.distributed


def test_each_rank_keeps_its_own_slice_of_the_global_batch():
    class Source:
        def next(self):
            return {"x": torch.arange(8).reshape(4, 2), "spk": torch.tensor([0, 1, 2, 3])}

        def state_dict(self):
            return {}

        def load_state_dict(self, state):
            pass

    parts = [distributed.ShardedBatches(Source(), distributed.ProcessGroup(rank=r, world_size=2)).next()
             for r in range(2)]
    assert parts[0]["spk"].tolist() == [0, 1] and parts[1]["spk"].tolist() == [2, 3]
    assert torch.equal(torch.cat([p["x"] for p in parts]), Source().next()["x"])
    with pytest.raises(ValueError, match="batch_size 4 .* cannot be split over 3 processes"):
        distributed.local_batch_size(4, distributed.ProcessGroup(rank=0, world_size=3))


def test_rank_seeds_keep_rank_zero_s_and_differ_between_ranks():
    seeds = [distributed.rank_seed(7, r) for r in range(8)]
    assert seeds[0] == 7 and len(set(seeds)) == 8
    assert seeds == [distributed.rank_seed(7, r) for r in range(8)]
