"""Shared recipe scripts: Kaldi option parsing, the local job runner, stage markers."""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path

import pytest

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


# --- Stages 4-7 for speaker sets (issue 9): which models are trained, which model converts
# each pair, where results go, and what makes a stage run again.

def _sets_script(tmp_path: Path, pairs: str, train_sets: str, body: str) -> Path:
    """A script that sources vc_stages.sh with these options and runs ``body``."""
    return _script(tmp_path, f"""
        model_name=m
        pairs="{pairs}"
        train_sets="{train_sets}"
        . {RECIPES}/vc_stages.sh
        """ + textwrap.dedent(body))


def _lines(r: subprocess.CompletedProcess) -> list[str]:
    assert r.returncode == 0, r.stderr
    return r.stdout.splitlines()


def test_default_sets_one_per_unordered_pair_in_first_seen_order(tmp_path: Path) -> None:
    pairs = "kalM:sltF sltF:kalM espM:espF kalM:espF espF:espM"
    s = _sets_script(tmp_path, pairs, "", """
        vc_train_sets; echo ---
        vc_expdir sltF kalM; vc_expdir espF espM; vc_expdir kalM espF
        """)
    out = _lines(_run([str(s)]))
    sets, dirs = out[:out.index("---")], out[out.index("---") + 1:]
    # A reversed pair reuses the set of the first-seen direction, written in that order.
    assert sets == ["kalM:sltF", "espM:espF", "kalM:espF"]
    assert dirs == ["exp/m_kalM_sltF", "exp/m_espM_espF", "exp/m_kalM_espF"]


def test_explicit_sets_names_lookup_and_layout(tmp_path: Path) -> None:
    """Each pair uses the first set holding both speakers; several pairs of one model go one
    level down, a model of one pair keeps the pair layout that test_recipe_demo.py checks."""
    s = _sets_script(tmp_path, "a:b b:c d:a c:d a:c", "a:b:c a:d c:d:a", """
        vc_train_sets; echo ---
        for p in a:b b:c d:a c:d a:c; do vc_set_of_pair ${p%:*} ${p#*:}; done; echo ---
        vc_set_dir a:b:c; echo ---
        for p in a:b d:a c:d; do vc_pair_dir ${p%:*} ${p#*:} convert; vc_pair_dir ${p%:*} ${p#*:} eval; done
        """)
    out = "\n".join(_lines(_run([str(s)]))).split("\n---\n")
    assert out[0].split() == ["a:b:c", "a:d", "c:d:a"]
    assert out[1].split() == ["a:b:c", "a:b:c", "a:d", "c:d:a", "a:b:c"]
    assert out[2] == "exp/m_a_b_c"
    assert out[3].split() == ["exp/m_a_b_c/convert/a_b", "exp/m_a_b_c/eval/a_b",
                              "exp/m_a_d/convert", "exp/m_a_d/eval",
                              "exp/m_c_d_a/convert", "exp/m_c_d_a/eval"]


@pytest.mark.parametrize(("pairs", "train_sets", "message"), [
    ("a:b x:y", "a:b c:x", 'pair x:y is in no training set (--train_sets "a:b c:x")'),
    ("a:b a", "", "--pairs takes source:target speaker pairs, got 'a'"),
    ("a:b:c", "", "--pairs takes source:target speaker pairs, got 'a:b:c'"),
    ("a:a", "", "--pairs: 'a:a' converts a to itself"),
    ("a:b a:b", "", "--pairs: 'a:b' is listed twice"),
    ("a:b", "a", "--train_sets takes speaker sets spk1:spk2[:spk3...], got 'a'"),
    ("a:b", "a::b", "--train_sets takes speaker sets spk1:spk2[:spk3...], got 'a::b'"),
    ("a:b", "a:b:a", "--train_sets: 'a:b:a' lists a twice"),
    ("a:b", "a:b:c c:b:a", "--train_sets: 'c:b:a' has the same speakers as 'a:b:c'"),
    ("a:b", "a:b x_y:z x:y_z", "--train_sets: 'x:y_z' and 'x_y:z' would share exp/m_x_y_z"),
    ("", "", "nothing to train"),
])
def test_bad_pairs_and_sets_stop_before_any_work(tmp_path: Path, pairs: str, train_sets: str,
                                                 message: str) -> None:
    # vc_later_stages checks before its first stage: no stage marker, no log, no command.
    s = _sets_script(tmp_path, pairs, train_sets, """
        stage=4 stop_stage=7 force=false conf=conf.yaml nj=1 train_conf=t.yaml device=cpu eval_set=eval metrics=mcd
        vcgan() { echo "vcgan $*" >> calls.txt; }
        vc_later_stages
        """)
    r = _run([str(s)], cwd=tmp_path)
    assert r.returncode != 0 and f"error: {message}" in r.stderr, r.stderr
    assert not (tmp_path / "exp").exists() and not (tmp_path / "calls.txt").exists()


def test_vc_all_pairs_every_ordered_pair(tmp_path: Path) -> None:
    import itertools
    spks = ["p225", "p226", "p227", "p228"]
    s = _sets_script(tmp_path, "", "", f'vc_all_pairs "{" ".join(spks)}"\n')
    out = _lines(_run([str(s)]))
    assert out == [f"{a}:{b}" for a, b in itertools.permutations(spks, 2)] and len(out) == 12


def test_stage_settings_follow_sets_postfilters_and_vocoder(tmp_path: Path) -> None:
    """Each stage's signature changes with the options it depends on, and only with those."""
    pf = tmp_path / "pf"
    pf.mkdir()
    (pf / "manifest.yaml").write_text("format: 2\n")
    s = _script(tmp_path, f"""
        model_name=m pairs="a:b" train_sets="" train_conf=t.yaml eval_set=eval metrics=mcd
        postfilters="" vocoder=world
        . {RECIPES}/vc_stages.sh
        show() {{ for n in 4 5 6 7; do vc_settings $n; done; echo ---; }}
        show
        train_sets="a:b:c"; show
        train_sets=""; pairs="a:b b:a"; show
        pairs="a:b"; postfilters="{pf}"; show
        echo "format: 2 # retrained" > {pf}/manifest.yaml; show
        vocoder=griffin-lim; show
        """)
    runs = [r.splitlines() for r in "\n".join(_lines(_run([str(s)], cwd=tmp_path))).split("---")[:-1]]
    runs = [[line for line in r if line] for r in runs]
    base, sets, pairs, postf, rebuilt, voc = runs

    def changed(a: list[str], b: list[str]) -> list[int]:
        return [n for n, x, y in zip((4, 5, 6, 7), a, b) if x != y]

    assert changed(base, sets) == [4, 5, 6, 7]
    assert changed(base, pairs) == [5, 6, 7]  # the same set a:b: no retraining
    assert changed(base, postf) == [5, 6, 7]
    assert changed(postf, rebuilt) == [5, 6, 7]  # the same path, another bundle
    assert changed(rebuilt, voc) == [6, 7]


# Test doubles at the command boundary: `vcgan` is a PATH shim and ${cuda_cmd} a script,
# both recording their arguments (no training, no audio); vc_check_data (which runs the
# Python validator) is replaced by a no-op.
FAKE_CUDA = """#!/usr/bin/env bash
echo "cuda_cmd $*" >> "$CALLS"
while [[ $1 == --* ]]; do shift 2; done
log=$1; shift
mkdir -p "$(dirname "$log")"
"$@" > "$log" 2>&1
"""
FAKE_VCGAN = """#!/usr/bin/env bash
echo "vcgan $*" >> "$CALLS"
if [ "$1" = train ]; then
    echo "training at iteration 20 of 20"
    if [ -n "${FAIL_TRAIN:-}" ]; then echo "RuntimeError: out of memory"; exit 3; fi
fi
# FAIL_EVAL=<status>:<json>: the evaluation writing <json> ends with <status> (1: some
# utterances not scored, the result file written; 2: unusable, nothing written).
if [ "$1" = evaluate ] && [ -n "${FAIL_EVAL:-}" ] && [[ " $* " == *" --json ${FAIL_EVAL#*:} "* ]]; then
    if [ "${FAIL_EVAL%%:*}" = 1 ]; then mkdir -p "$(dirname "${FAIL_EVAL#*:}")"; echo "{}" > "${FAIL_EVAL#*:}"; fi
    exit "${FAIL_EVAL%%:*}"
fi
exit 0
"""
LATER_STAGES = f"""
stage=4
stop_stage=7
force=false
conf=conf.yaml
nj=1
pairs="a:b"
train_sets=""
train_conf=t.yaml
model_name=m
device=cpu
threads=0
eval_set=eval
metrics=mcd
postfilters=""
vocoder=world
. {RECIPES}/parse_options.sh
. {RECIPES}/vc_stages.sh
vc_check_data() {{ :; }}
vc_later_stages
"""


@pytest.fixture
def later(tmp_path: Path):
    """Runs stages 4-7 in tmp_path with test doubles; returns (run, calls) callables."""
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    for name, text in (("fake_cuda", FAKE_CUDA), ("vcgan", FAKE_VCGAN)):
        (bin_ / name).write_text(text)
        (bin_ / name).chmod(0o755)
    for f in ("conf.yaml", "t.yaml"):
        (tmp_path / f).write_text("x: 1\n")
    for spk in "abc":
        d = tmp_path / "data" / f"eval_{spk}"
        d.mkdir(parents=True)
        (tmp_path / f"{spk}_s1.wav").write_text("")
        (d / "wav.scp").write_text(f"{spk}_s1 {tmp_path}/{spk}_s1.wav\n")
    s = _script(tmp_path, LATER_STAGES)
    calls = tmp_path / "calls.txt"
    env = {"PATH": f"{bin_}:/usr/bin:/bin", "CALLS": str(calls), "cuda_cmd": f"{bin_}/fake_cuda --gpu 1",
           "train_cmd": "false"}

    def run(*args: str, **extra: str) -> subprocess.CompletedProcess:
        calls.unlink(missing_ok=True)
        return subprocess.run([str(s), *args], cwd=tmp_path, capture_output=True, text=True,
                              env={**env, **extra}, timeout=120)

    def recorded() -> list[str]:
        return calls.read_text().splitlines() if calls.exists() else []

    return run, recorded


def test_later_stages_train_a_set_through_cuda_cmd_and_convert_its_pairs(later, tmp_path: Path) -> None:
    run, recorded = later
    pf = tmp_path / "pf"
    pf.mkdir()
    r = run("--pairs", "a:b b:a", "--postfilters", f"{pf}")
    assert r.returncode == 0, r.stdout + r.stderr
    calls = recorded()
    # One model for both directions, trained through ${cuda_cmd} with its own log.
    log = "exp/log/train_m_a_b.log"
    assert calls[0] == (f"cuda_cmd --gpu 1 {log} vcgan train --config t.yaml --train-dump dump/train "
                        "--speakers a b --out exp/m_a_b --device cpu --resume")
    assert calls[1].startswith("vcgan train --config t.yaml")
    assert sum(c.startswith("vcgan train") for c in calls) == 1
    assert f"tail -f {log}" in r.stdout and "exp/m_a_b/train.log" in r.stdout
    assert "training at iteration 20 of 20" in r.stdout  # the log's last lines, when done
    # Two pairs of one model: each pair one level down; post-filters on the model only.
    convert = [c for c in calls if c.startswith("vcgan convert")]
    model = [c for c in convert if "--baseline" not in c]
    baseline = [c for c in convert if "--baseline" in c]
    assert [c.split()[-1] for c in model] == ["exp/m_a_b/convert/a_b/model/feats",
                                              "exp/m_a_b/convert/b_a/model/feats"]
    assert all(f"--model exp/m_a_b/bundle --postfilter {pf} " in c for c in model)
    assert [c.split()[-1] for c in baseline] == ["exp/m_a_b/convert/a_b/baseline/feats",
                                                 "exp/m_a_b/convert/b_a/baseline/feats"]
    assert not any("--postfilter" in c for c in baseline)
    synth = [c for c in calls if c.startswith("vcgan synthesize")]
    assert len(synth) == 4 and all("--vocoder world" in c for c in synth)
    assert any("--json exp/m_a_b/eval/b_a/model.json" in c for c in calls)

    # Nothing changed: nothing runs. Another vocoder: stages 6-7 only.
    r = run("--pairs", "a:b b:a", "--postfilters", f"{pf}")
    assert r.returncode == 0 and r.stdout.count("already done") == 4 and recorded() == []
    r = run("--pairs", "a:b b:a", "--postfilters", f"{pf}", "--vocoder", "griffin-lim")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "stage 4: train: already done" in r.stdout and "stage 5: convert: already done" in r.stdout
    assert {c.split()[1] for c in recorded()} == {"synthesize", "evaluate", "report"}
    assert all("--vocoder griffin-lim" in c for c in recorded() if "synthesize" in c)


def test_later_stages_set_of_three_keeps_pair_layout_and_reports_training_failure(later) -> None:
    run, recorded = later
    r = run("--train_sets", "a:b:c")
    assert r.returncode == 0, r.stdout + r.stderr
    calls = recorded()
    assert "--speakers a b c --out exp/m_a_b_c" in calls[0]
    # One requested pair: today's layout (<expdir>/convert/model, <expdir>/eval/model.json).
    assert any(c.endswith("exp/m_a_b_c/convert/model/feats") for c in calls)
    assert any("--json exp/m_a_b_c/eval/model.json" in c for c in calls)
    assert not any("--postfilter" in c for c in calls)

    r = run("--train_sets", "b:c:a", FAIL_TRAIN="1")
    assert r.returncode != 0
    out = r.stdout + r.stderr  # vc_stage puts a stage's stderr into its log and on the screen
    assert "RuntimeError: out of memory" in out  # the end of the training log
    assert "error: training b, c, a failed; full log: exp/log/train_m_b_c_a.log" in out
    assert "stage 4: train FAILED" in r.stderr
    assert not any(c.startswith("vcgan convert") for c in recorded())


def test_partly_scored_evaluation_is_reported_and_the_other_pairs_finish(later) -> None:
    run, recorded = later
    partial = "exp/m_a_b/eval/a_b/model.json"
    r = run("--pairs", "a:b b:a", FAIL_EVAL=f"1:{partial}")
    assert r.returncode == 0, r.stdout + r.stderr
    assert any("--json exp/m_a_b/eval/b_a/model.json" in c for c in recorded())  # the next pair ran
    out = r.stdout + r.stderr  # a stage's stderr goes to its log and the screen
    assert "some utterances could not be scored" in out and f"  {partial}" in out
    assert any(c.startswith("vcgan report --matrix") for c in recorded())
    # An evaluation that cannot run at all stops the stage.
    r = run("--pairs", "a:b b:a", "--metrics", "mcd,f0", FAIL_EVAL=f"2:{partial}")
    assert r.returncode != 0 and "stage 7: evaluate FAILED" in r.stderr
    assert not any("--json exp/m_a_b/eval/b_a/model.json" in c for c in recorded())


def test_missing_postfilter_stops_before_training(later, tmp_path: Path) -> None:
    run, recorded = later
    r = run("--postfilters", "nowhere/pf")
    assert r.returncode != 0
    assert "error: post-filter bundle nowhere/pf not found (option --postfilters)" in r.stderr
    assert recorded() == [] and not (tmp_path / "exp").exists()


RECIPE_DIRS = sorted(p.parent for p in (ROOT / "egs").glob("*/*/run.sh"))


@pytest.mark.parametrize("recipe", RECIPE_DIRS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_recipe_run_sh_parses_and_lists_its_options(recipe: Path) -> None:
    r = _run(["bash", "-n", "run.sh"], cwd=recipe)
    assert r.returncode == 0, r.stderr
    r = _run(["./run.sh", "--help"], cwd=recipe)
    assert r.returncode == 0, r.stderr
    assert "--stage" in r.stdout and "--stop_stage" in r.stdout
    if "vc_later_stages" in (recipe / "run.sh").read_text():
        options = {line.split()[0]: line for line in r.stdout.splitlines() if line.startswith("  --")}
        for name in ("--train_sets", "--postfilters", "--vocoder", "--pairs"):
            # Every option has its help text after the current value.
            assert name in options and options[name].split("]", 1)[1].strip(), (name, r.stdout)


# --- Data-parallel training from the recipes (issue 13): --ngpu, --nnodes through ${cuda_cmd}.

@pytest.mark.parametrize(("options", "launcher"), [
    ("", "vcgan"),
    ("ngpu=2", "python -m torch.distributed.run --standalone --nproc-per-node 2 -m vcgan"),
    ("ngpu=4 nnodes=3 rdzv_endpoint=node1:29400",
     "python -m torch.distributed.run --nnodes 3 --nproc-per-node 4 --rdzv-backend c10d "
     "--rdzv-endpoint node1:29400 --rdzv-id m_a_b -m vcgan"),
])
def test_training_goes_through_cuda_cmd_with_the_processes_of_a_node(tmp_path: Path, options, launcher) -> None:
    (tmp_path / "train.yaml").write_text("task: cyclegan\n")
    s = _sets_script(tmp_path, "a:b", "", f"""
        {options}
        train_conf=train.yaml device=cpu
        fake_cmd() {{ echo "$*" >> calls.txt; }}
        cuda_cmd=fake_cmd
        vc_train > /dev/null || true
        """)
    r = _run([str(s)], cwd=tmp_path)
    call = (tmp_path / "calls.txt").read_text().strip()
    gpus = f"--gpu {options.split('ngpu=')[1].split()[0]} " if "ngpu" in options else ""  # else cmd.sh's own
    assert call.startswith(f"{gpus}exp/log/train_m_a_b.log {launcher} train --config train.yaml"), (call, r.stderr)
    assert "--speakers a b --out exp/m_a_b --device cpu --resume" in call


def test_several_nodes_need_a_rendezvous_endpoint(tmp_path: Path) -> None:
    (tmp_path / "train.yaml").write_text("task: cyclegan\n")
    s = _sets_script(tmp_path, "a:b", "", """
        nnodes=2 train_conf=train.yaml device=cpu cuda_cmd=echo
        vc_train
        """)
    r = _run([str(s)], cwd=tmp_path)
    assert r.returncode != 0 and "--nnodes 2 needs --rdzv_endpoint HOST:PORT" in r.stderr
