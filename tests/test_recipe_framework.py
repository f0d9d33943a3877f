"""Shared recipe scripts: Kaldi option parsing, the local job runner, stage markers."""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RECIPES = ROOT / "recipes"


def _script(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "script.sh"
    p.write_text("#!/usr/bin/env bash\nset -euo pipefail\n" + textwrap.dedent(body))
    p.chmod(0o755)
    return p


def _run(args: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=120)


OPTIONS = f"""
stage=0          # first stage to run
stop_stage=100   # last stage to run
frame_ms=5.0     # frame period (ms)
verbose=false    # true: print more
help_message="Usage: script.sh [options] <arg>"
. {RECIPES}/parse_options.sh
echo "stage=$stage stop_stage=$stop_stage frame_ms=$frame_ms verbose=$verbose rest=$*"
"""


def test_parse_options_sets_variables(tmp_path: Path) -> None:
    s = _script(tmp_path, OPTIONS)
    r = _run([str(s), "--stage", "2", "--stop_stage", "3", "--frame-ms=10", "--verbose", "true", "x y", "z"])
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "stage=2 stop_stage=3 frame_ms=10 verbose=true rest=x y z"
    r = _run([str(s)])
    assert r.stdout.strip() == "stage=0 stop_stage=100 frame_ms=5.0 verbose=false rest="


def test_parse_options_rejects_unknown_and_bad_values(tmp_path: Path) -> None:
    s = _script(tmp_path, OPTIONS)
    r = _run([str(s), "--stgae", "2"])
    assert r.returncode != 0 and "invalid option --stgae" in r.stderr
    r = _run([str(s), "--verbose", "yes"])
    assert r.returncode != 0 and "expects true or false" in r.stderr
    r = _run([str(s), "--stage"])
    assert r.returncode != 0 and "--stage needs a value" in r.stderr


def test_parse_options_help_lists_options(tmp_path: Path) -> None:
    s = _script(tmp_path, OPTIONS)
    r = _run([str(s), "--stage", "4", "--help"])
    assert r.returncode == 0
    assert r.stdout.startswith("Usage: script.sh [options] <arg>")
    assert "--stage" in r.stdout and "[4]" in r.stdout and "first stage to run" in r.stdout
    assert "--frame_ms" in r.stdout and "frame period (ms)" in r.stdout
    assert "help_message" not in r.stdout.split("Options", 1)[1]


def test_runner_array_job_parallel_with_logs(tmp_path: Path) -> None:
    # Each job waits until all three have started: this only finishes if they run at once
    # (a serial runner would hit the 20 s give-up and fail).
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    job = (f"touch {barrier}/JOB; for i in $(seq 200); do "
           f"[ $(ls {barrier} | wc -l) -ge 3 ] && break; sleep 0.1; done; "
           f"[ $(ls {barrier} | wc -l) -ge 3 ] && echo job JOB of 3")
    # A command with spaces stays one word: `bash -c "<script>"`, JOB replaced inside it.
    r = _run([str(RECIPES / "run_local.sh"), "--max-jobs-run", "3", "JOB=1:3",
              f"{tmp_path}/log/x.JOB.log", "bash", "-c", job])
    assert r.returncode == 0, r.stderr
    for j in (1, 2, 3):
        log = (tmp_path / "log" / f"x.{j}.log").read_text()
        assert f"job {j} of 3" in log and "# Ended (code 0)" in log


def test_runner_reports_failing_job_log(tmp_path: Path) -> None:
    r = _run([str(RECIPES / "run_local.sh"), "JOB=1:3", f"{tmp_path}/log/y.JOB.log",
              "echo", "running", "JOB", ";", "test", "JOB", "-ne", "2"])
    assert r.returncode != 0
    assert f"job 2 failed, log is in {tmp_path}/log/y.2.log" in r.stderr
    assert "job 1 failed" not in r.stderr and "1 / 3 failed" in r.stderr
    assert "# Ended (code 1)" in (tmp_path / "log" / "y.2.log").read_text()
    assert "running 3" in (tmp_path / "log" / "y.3.log").read_text()


def test_runner_single_job_and_usage_errors(tmp_path: Path) -> None:
    r = _run([str(RECIPES / "run_local.sh"), "--gpu", "1", f"{tmp_path}/one.log", "echo", "a  b"])
    assert r.returncode == 0
    assert "a  b" in (tmp_path / "one.log").read_text()
    r = _run([str(RECIPES / "run_local.sh"), "JOB=1:2", f"{tmp_path}/nojob.log", "true"])
    assert r.returncode == 2 and "must contain JOB" in r.stderr
    r = _run([str(RECIPES / "run_local.sh"), "JOB=3:1", f"{tmp_path}/JOB.log", "true"])
    assert r.returncode == 2 and "empty job range" in r.stderr


STAGES = f"""
stage=0
stop_stage=100
force=false
conf=conf.yaml
nj=1
. {RECIPES}/parse_options.sh
. {RECIPES}/vc_stages.sh
work() {{ echo "run $1" >> calls.txt; }}
vc_stage 0 first work 0
vc_stage 1 second work 1
vc_stage 2 broken bash -c 'echo partial >> calls.txt; exit ${{FAIL:-0}}'
"""


def test_stage_markers_rerun_and_failure(tmp_path: Path) -> None:
    s = _script(tmp_path, STAGES)
    (tmp_path / "conf.yaml").write_text("a: 1\n")
    r = _run([str(s)], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "calls.txt").read_text() == "run 0\nrun 1\npartial\n"
    assert (tmp_path / "exp" / "log" / "stage1_second.log").read_text() == ""  # work wrote to calls.txt
    r = _run([str(s)], cwd=tmp_path)  # everything done: a no-op
    assert r.returncode == 0 and r.stdout.count("already done") == 3
    assert (tmp_path / "calls.txt").read_text() == "run 0\nrun 1\npartial\n"
    # Redoing stage 1 invalidates stage 2; a failing stage stops with its log path.
    r = subprocess.run([str(s), "--stage", "1", "--force", "true"], cwd=tmp_path, capture_output=True,
                       text=True, env={"PATH": "/usr/bin:/bin", "FAIL": "3"}, timeout=60)
    assert r.returncode == 3
    assert "stage 2: broken FAILED (exit code 3); log: exp/log/stage2_broken.log" in r.stderr
    assert not (tmp_path / "exp" / "stages" / "2_broken.done").exists()
    # A changed configuration makes finished stages run again.
    (tmp_path / "conf.yaml").write_text("a: 2\n")
    r = _run([str(s), "--stop_stage", "0"], cwd=tmp_path)
    assert r.returncode == 0 and "already done" not in r.stdout
