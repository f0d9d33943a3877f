"""Nothing lost, nothing hidden: output permissions, refused data loss, output paths checked
before any work, and interrupted commands (SIGTERM, SIGKILL, corrupt checkpoints)."""

from __future__ import annotations

import logging
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import yaml

from conftest import REPO
from test_training import TINY, _train, dumps, trained  # noqa: F401  (module fixtures, reused)
from vcgan.bin.cli import main
from vcgan.train.checkpoint import list_checkpoints, load_checkpoint

pytestmark = pytest.mark.usefixtures("single_torch_thread")


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def _env() -> dict[str, str]:
    return {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}


def _wait_for(condition, timeout_s: float, what: str) -> None:
    """Poll ``condition()`` every 0.05 s until true; fail after ``timeout_s`` (a bound, not a timing)."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


# ----------------------------------------------------------------------------- permissions
@pytest.mark.parametrize("umask, file_mode, dir_mode", [(0o022, 0o644, 0o755), (0o077, 0o600, 0o700)],
                         ids=["umask022", "umask077"])
def test_outputs_get_the_mode_of_a_plain_open(trained, tmp_path, umask, file_mode, dir_mode):  # noqa: F811
    from vcgan.audio import write_wav
    from vcgan.bundle import Bundle
    from vcgan.data.dump import write_features
    from vcgan.train.checkpoint import save_checkpoint
    from vcgan.utils.config import save_yaml

    bundle = Bundle.load(trained / "bundle")
    previous = os.umask(umask)
    try:
        write_wav(tmp_path / "a.wav", np.zeros(1600), 16000)
        save_yaml(tmp_path / "a.yaml", {"a": 1})
        write_features(tmp_path / "a.npz", {"f0": np.ones(3, np.float32), "mcep": np.ones((3, 4), np.float32)})
        ckpt = save_checkpoint(tmp_path / "ckpt", 1, {"iteration": 1}, keep=1)
        bundle.save(tmp_path / "bundle")
    finally:
        os.umask(previous)
    for f in ("a.wav", "a.yaml", "a.npz"):
        assert _mode(tmp_path / f) == file_mode, f
    assert _mode(ckpt) == file_mode
    assert _mode(tmp_path / "bundle") == dir_mode
    assert _mode(tmp_path / "bundle" / "converter.pt") == file_mode
    assert _mode(tmp_path / "bundle" / "manifest.yaml") == file_mode
    assert _mode(tmp_path / "bundle" / "stats") == dir_mode


# ----------------------------------------------------------------------------- data loss
def _convert(capsys, *argv) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["convert", *map(str, argv)])
    return code, capsys.readouterr().err


def test_convert_never_replaces_its_inputs(dumps, trained, tmp_path, capsys):  # noqa: F811
    bundle = trained / "bundle"
    indir = tmp_path / "in"
    indir.mkdir()
    for u in ("low_0", "low_1"):
        shutil.copy(dumps["wavs"][u], indir / f"{u}.wav")
    before = {p.name: p.read_bytes() for p in indir.iterdir()}

    code, err = _convert(capsys, "--model", bundle, "--overwrite", indir, indir)
    assert code == 2 and "is the input directory" in err
    code, err = _convert(capsys, "--model", bundle, "--overwrite", indir, f"{tmp_path}/./in/")
    assert code == 2 and "is the input directory" in err
    code, err = _convert(capsys, "--model", bundle, "--overwrite", indir / "low_0.wav", indir / "low_0.wav")
    assert code == 2 and "would replace the input" in err
    os.symlink(indir / "low_1.wav", tmp_path / "link.wav")
    code, err = _convert(capsys, "--model", bundle, "--overwrite", indir / "low_1.wav", tmp_path / "link.wav")
    assert code == 2 and "would replace the input" in err
    assert {p.name: p.read_bytes() for p in indir.iterdir()} == before


def test_single_file_onto_an_existing_output_follows_overwrite(dumps, trained, tmp_path, capsys):  # noqa: F811
    bundle, wav = trained / "bundle", dumps["wavs"]["low_2"]
    out = tmp_path / "out.wav"
    out.write_bytes(b"an older result")
    code, err = _convert(capsys, "--model", bundle, wav, out)
    assert code == 2 and f"{out} exists" in err and "--overwrite" in err
    assert out.read_bytes() == b"an older result"
    assert _convert(capsys, "--model", bundle, "--overwrite", wav, out)[0] == 0
    assert out.read_bytes()[:4] == b"RIFF"


# ----------------------------------------------------------------------------- output paths
def test_output_paths_are_checked_before_any_work(arctic_path, tmp_path, capsys, caplog, monkeypatch):
    """A bundle that does not exist, data that are never read: the output's problem is found first."""
    afile = tmp_path / "afile"
    afile.write_text("a regular file")
    code, err = _convert(capsys, "--model", tmp_path / "no_bundle", arctic_path, afile / "out.wav")
    assert code == 2 and f"{afile} is a file, not a directory" in err
    indir = tmp_path / "in"
    indir.mkdir()
    shutil.copy(arctic_path, indir / "a.wav")
    code, err = _convert(capsys, "--model", tmp_path / "no_bundle", indir, afile)
    assert code == 2 and f"output directory {afile}: exists and is not a directory" in err

    import vcgan.metrics.evaluate as ev

    def no_scoring(*a, **k):
        raise AssertionError("scored before the outputs were checked")
    monkeypatch.setattr(ev, "evaluate_pairs", no_scoring)
    for option, path, problem in (("--json", afile / "r.json", "is a file, not a directory"),
                                  ("--plot", tmp_path, "is a directory")):
        caplog.clear()
        with caplog.at_level(logging.INFO):
            code = main(["evaluate", "--ref", str(indir), "--conv", str(indir), "--no-progress", option, str(path)])
        assert code == 2 and f"{option} {path}" in caplog.text and problem in caplog.text

    (tmp_path / "feats").mkdir()
    (tmp_path / "feats" / "x.npz").write_bytes(b"never read")
    capsys.readouterr()
    code = main(["synthesize", "--features", str(tmp_path / "feats"), "--out", str(afile / "wav"),
                 "--config", str(REPO / "egs/demo/cyclegan_vc2/conf/feature.yaml")])
    assert code == 2 and f"--out {afile / 'wav'}" in capsys.readouterr().err
    code = main(["extract", "--data-dir", str(tmp_path / "none"), "--out-dir", str(afile),
                 "--config", str(REPO / "egs/demo/cyclegan_vc2/conf/feature.yaml")])
    assert code == 2 and f"--out-dir {afile}: exists and is not a directory" in capsys.readouterr().err
    data = tmp_path / "data"
    data.mkdir()
    (data / "utt2spk").write_text("u s\n")
    code = main(["extract", "--data-dir", str(data), "--out-dir", f"{data}/.",
                 "--config", str(REPO / "egs/demo/cyclegan_vc2/conf/feature.yaml")])
    assert code == 2 and "is the data directory" in capsys.readouterr().err
    assert (data / "utt2spk").read_text() == "u s\n"


def test_check_output_path_accepts_what_can_be_created(tmp_path):
    from vcgan.utils.io import OutputPathError, check_output_path

    assert check_output_path(tmp_path / "new" / "deeper" / "x.json") == tmp_path / "new" / "deeper" / "x.json"
    assert check_output_path(tmp_path, directory=True) == tmp_path
    assert not (tmp_path / "new").exists()  # nothing is created
    (tmp_path / "f").write_text("")
    with pytest.raises(OutputPathError, match="is a file, not a directory"):
        check_output_path(tmp_path / "f" / "a" / "b.wav")
    if os.geteuid() != 0:  # root may write anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        with pytest.raises(OutputPathError, match="no permission"):
            check_output_path(locked / "x.wav")


# ----------------------------------------------------------------------------- interruptions
# A batch command in miniature: SIGTERM raises KeyboardInterrupt as `vcgan` arranges it
# (tested on its own below), the jobs outlast the test.
SLOW_POOL = """
import os, signal, sys, time
from pathlib import Path
from vcgan.utils.parallel import parallel_map

def job(args):
    folder, i = args
    (Path(folder) / f"{os.getpid()}.pid").write_text("")
    time.sleep(120)  # a long file: the worker is busy when its parent goes
    return i

def on_sigterm(signum, frame):
    raise KeyboardInterrupt

if __name__ == "__main__":
    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        for _ in parallel_map(job, [(sys.argv[1], i) for i in range(8)], 2, "slow", progress=False):
            pass
    except KeyboardInterrupt:
        sys.exit(128 + signal.SIGTERM)
"""


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting for its reaper does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_pool_workers_die_with_their_parent(tmp_path, sig):
    script = tmp_path / "slow_pool.py"
    script.write_text(SLOW_POOL)
    pids_dir = tmp_path / "pids"
    pids_dir.mkdir()
    parent = subprocess.Popen([sys.executable, str(script), str(pids_dir)], env=_env(), stderr=subprocess.PIPE)
    workers: list[int] = []
    try:
        _wait_for(lambda: len(list(pids_dir.glob("*.pid"))) == 2, 60, "two busy workers")
        workers = [int(p.stem) for p in pids_dir.glob("*.pid")]
        parent.send_signal(sig)
        _wait_for(lambda: parent.poll() is not None, 10, "the parent to exit")
        assert parent.returncode == (-signal.SIGKILL if sig == signal.SIGKILL else 128 + signal.SIGTERM)
        _wait_for(lambda: not any(_alive(p) for p in workers), 10, f"workers {workers} to end")
    finally:
        if parent.poll() is None:
            parent.kill()
        for p in workers:  # orphans of a failed run must not outlive the test
            if _alive(p):
                os.kill(p, signal.SIGKILL)


def test_sigterm_of_a_command_is_an_interrupt_with_its_exit_code(tmp_path):
    code = ("import signal, sys\n"
            "import vcgan.bin.stats as stats\n"
            "stats.run = lambda args: signal.raise_signal(signal.SIGTERM)\n"
            "from vcgan.bin.cli import main\n"
            f"sys.exit(main(['stats', '--dump-dir', {str(tmp_path)!r}]))\n")
    r = subprocess.run([sys.executable, "-c", code], env=_env(), capture_output=True, text=True, timeout=120)
    assert r.returncode == 128 + signal.SIGTERM, r.stderr
    assert "vcgan stats: interrupted" in r.stderr


def test_sigterm_of_training_checkpoints_and_resume_continues(dumps, tmp_path):  # noqa: F811
    conf = yaml.safe_load(yaml.safe_dump(TINY))
    # Long enough never to finish here, no checkpoint or validation of its own before the signal.
    conf["model"].update(n_iterations=100_000, decay_start=50_000, identity_iterations=20_000)
    conf["trainer"].update(checkpoint_interval=100_000, validation_interval=100_000, log_interval=1)
    (tmp_path / "long.yaml").write_text(yaml.safe_dump(conf))
    out = tmp_path / "exp"
    argv = ["train", "--config", str(tmp_path / "long.yaml"), "--train-dump", str(dumps["train"]),
            "--speakers", "low", "high", "--out", str(out), "--device", "cpu", "--no-progress", "--threads", "1"]
    proc = subprocess.Popen([sys.executable, "-m", "vcgan.bin.cli", *argv], env=_env(),
                            stderr=subprocess.PIPE, text=True)
    try:
        # TensorBoard's directory appears with the first iteration's scalars: the loop runs.
        _wait_for(lambda: (out / "tensorboard").is_dir() or proc.poll() is not None, 120, "training to start")
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 128 + signal.SIGTERM, err
    ckpts = list_checkpoints(out / "checkpoints")
    assert len(ckpts) == 1 and ckpts[0][0] >= 1, err
    stopped_at = ckpts[0][0]
    assert load_checkpoint(ckpts[0][1])["iteration"] == stopped_at
    assert f"interrupted after iteration {stopped_at} of 100000" in err
    assert f"vcgan train: interrupted; to continue from the last checkpoint, run: vcgan {shlex.join(argv)} --resume" in err
    # The printed command is the one that continues (shortened here to two more iterations).
    assert main([*argv, "--resume", "--iterations", str(stopped_at + 2)]) == 0
    assert [i for i, _ in list_checkpoints(out / "checkpoints")][-1] == stopped_at + 2
    assert f"resumed from {ckpts[0][1]} (iteration {stopped_at} of" in (out / "train.log").read_text()


@pytest.mark.parametrize("damage", ["empty", "truncated", "not a checkpoint"])
def test_resume_skips_a_corrupt_latest_checkpoint(dumps, trained, tmp_path, caplog, damage):  # noqa: F811
    import torch

    out = tmp_path / "run"
    shutil.copytree(trained, out)
    (older, _), (latest_it, latest) = list_checkpoints(out / "checkpoints")[-2:]
    data = latest.read_bytes()
    if damage == "not a checkpoint":
        torch.save({"something": "else"}, latest)
    else:
        latest.write_bytes(b"" if damage == "empty" else data[: len(data) // 3])
    with caplog.at_level(logging.INFO):
        assert _train(dumps, out, "--resume") == 0
    assert f"{latest}: not a" in caplog.text and "trying the previous checkpoint" in caplog.text
    assert f"resumed from {out / 'checkpoints' / f'checkpoint-{older:08d}.pt'}" in caplog.text
    assert load_checkpoint(latest)["iteration"] == latest_it  # trained again and rewritten


def test_resume_with_only_corrupt_checkpoints_says_so(dumps, trained, tmp_path, capsys):  # noqa: F811
    out = tmp_path / "run"
    shutil.copytree(trained, out)
    for _, p in list_checkpoints(out / "checkpoints"):
        p.write_bytes(b"")
    capsys.readouterr()
    assert _train(dumps, out, "--resume") == 2
    err = capsys.readouterr().err
    assert "no checkpoint loads" in err and str(out / "checkpoints") in err
