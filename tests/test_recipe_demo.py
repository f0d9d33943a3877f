"""End to end: egs/demo/cyclegan_vc2/run.sh from nothing to statistics on a reduced corpus."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RECIPE = ROOT / "egs" / "demo" / "cyclegan_vc2"

# tools/install.sh installs espeak-ng and festival; without them this test fails, not skips.
pytestmark = [pytest.mark.slow]


def _run(recipe: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PATH=f"{ROOT / 'tools' / 'venv' / 'bin'}:{os.environ['PATH']}")
    return subprocess.run(["./run.sh", *args], cwd=recipe, capture_output=True, text=True,
                          env=env, timeout=600)


# What a user's run of the recipe leaves beside its sources (see .gitignore): never copied,
# so the tests start from the recipe as committed whatever the user ran before.
RUN_OUTPUTS = ("data", "dump", "exp", "downloads", "conv", "corpora")


def copy_recipe(src: Path, dest: Path) -> None:
    """Copy a recipe's sources (links kept as links), without the outputs of earlier runs."""
    def outputs(directory: str, names: list[str]) -> list[str]:
        return [n for n in names if n in RUN_OUTPUTS] if Path(directory) == src else []
    shutil.copytree(src, dest, symlinks=True, ignore=outputs)


def recipe_copy(top: Path, recipe: Path) -> Path:
    """A clean copy of ``recipe`` (``egs/<corpus>/<name>``) below ``top``, whose relative links
    still reach the repository's recipes/."""
    (top / "recipes").symlink_to(ROOT / "recipes")
    dest = top / recipe.relative_to(ROOT)
    copy_recipe(recipe, dest)
    return dest


@pytest.fixture(scope="module")
def recipe(tmp_path_factory) -> Path:
    return recipe_copy(tmp_path_factory.mktemp("e2e"), RECIPE)


def test_copy_leaves_out_a_previous_run(tmp_path: Path) -> None:
    """A recipe that a user ran (outputs beside its sources) is copied as committed."""
    ran = tmp_path / "ran"
    copy_recipe(RECIPE, ran)
    for d in ("dump/train", "exp/stages", "data/train"):
        (ran / d).mkdir(parents=True)
    (ran / "conf" / "data").mkdir()  # a name that is an output only at the top is kept deeper
    copy_recipe(ran, tmp_path / "copy")
    assert (tmp_path / "copy" / "run.sh").is_file() and (tmp_path / "copy" / "conf" / "data").is_dir()
    assert not any((tmp_path / "copy" / d).exists() for d in RUN_OUTPUTS)


def test_missing_corpus_fails_fast(recipe: Path) -> None:
    r = _run(recipe, "--stage", "1", "--stop_stage", "3", "--corpus", "/nonexistent/demo")
    assert r.returncode != 0
    assert "demo corpus not found: /nonexistent/demo" in r.stdout + r.stderr
    assert not (recipe / "dump").exists()  # stopped before feature extraction


def test_run_to_statistics_and_rerun(recipe: Path) -> None:
    corpus = recipe.parent / "corpus"
    args = ["--stop_stage", "3", "--n_sentences", "6", "--corpus", str(corpus)]
    r = _run(recipe, *args)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    for split in ("train", "dev", "eval"):
        assert (recipe / "data" / split / "wav.scp").is_file()
        scp = (recipe / "dump" / split / "feats.scp").read_text().splitlines()
        assert len(scp) == len((recipe / "data" / split / "wav.scp").read_text().splitlines())
        # feats.scp paths are relative to the dump directory
        assert all((recipe / "dump" / split / line.split(maxsplit=1)[1]).is_file() for line in scp)
    for spk in ("kalM", "espM", "sltF", "espF"):
        assert (recipe / "data" / f"eval_{spk}" / "wav.scp").is_file()
        assert (recipe / "dump" / "train" / "stats" / f"{spk}.npz").is_file()
    for n, name in ((0, "corpus"), (1, "data_prep"), (2, "extract"), (3, "stats")):
        assert (recipe / "exp" / "stages" / f"{n}_{name}.done").is_file()
        assert (recipe / "exp" / "log" / f"stage{n}_{name}.log").is_file()
    assert (recipe / "exp" / "log" / "extract_train.log").is_file()

    # Re-running is a no-op that succeeds and changes nothing.
    before = {p: p.stat().st_mtime_ns for p in (recipe / "dump").rglob("*") if p.is_file()}
    r = _run(recipe, *args)
    assert r.returncode == 0 and r.stdout.count("already done") == 4
    assert before == {p: p.stat().st_mtime_ns for p in (recipe / "dump").rglob("*") if p.is_file()}


def test_train_convert_synthesize_evaluate(recipe: Path) -> None:
    """Stages 4-7 with the tiny CI config (20 iterations of an 8-channel model)."""
    if not (recipe / "exp" / "stages" / "3_stats.done").is_file():
        pytest.skip("needs the statistics of the previous test")
    r = _run(recipe, "--stage", "4", "--train_conf", "conf/cyclegan_vc2_tiny.yaml", "--device", "cpu")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    exp = recipe / "exp" / "cyclegan_vc2_kalM_sltF"
    assert (exp / "bundle" / "manifest.yaml").is_file() and (exp / "bundle" / "converter.pt").is_file()
    eval_utts = (recipe / "data" / "eval_kalM" / "wav.scp").read_text().splitlines()
    for system in ("model", "baseline"):
        wavs = sorted((exp / "convert" / system / "wav").glob("*.wav"))
        assert len(wavs) == len(eval_utts) > 0
    results = {s: json.loads((exp / "eval" / f"{s}.json").read_text()) for s in ("none", "baseline", "model")}
    mean = {s: {k: v["mean"] for k, v in res["summary"].items()} for s, res in results.items()}
    assert all(0 < m["mcd_db"] < 30 for m in mean.values()), mean
    assert all(len(res["utterances"]) == len(eval_utts) for res in results.values())
    # Male -> female: the source is about an octave (1200 cents) below the target; the
    # log-F0 transform of both converted systems brings F0 far closer.
    assert mean["none"]["f0_rmse_cents"] > 600, mean
    assert mean["baseline"]["f0_rmse_cents"] < 0.5 * mean["none"]["f0_rmse_cents"], mean
    report = (exp / "eval" / "report.txt").read_text().splitlines()
    assert report[0].split() == ["metric", "none", "baseline", "cyclegan_vc2"] and "MCD" in r.stdout
    # The listening page: per eval utterance source, the three systems and the target.
    page = (exp / "eval" / "report" / "index.html").read_text()
    players = re.findall(r'<audio [^>]*src="([^"]+)"', page)
    assert len(players) == 5 * len(eval_utts)
    assert all((exp / "eval" / "report" / p).is_file() for p in players)
    from test_report_html import chromium, open_in_chromium
    if chromium() is not None:  # tools/install.sh installs it; test_report_html says when it is missing
        check, _ = open_in_chromium(exp / "eval" / "report" / "index.html")
        assert check["audio_ok"] == check["audio"] == len(players) and check["images_ok"] == check["images"] > 0, check
    for n, name in ((4, "train"), (5, "convert"), (6, "synthesis"), (7, "evaluate"), (8, "progress")):
        assert (recipe / "exp" / "stages" / f"{n}_{name}.done").is_file()
    # Stage 8: both snapshots converted and scored as stage 7 scores the model; the last one
    # is the final model, so its scores are stage 7's (there through features and synthesis).
    progress = json.loads((exp / "eval" / "progress" / "progress.json").read_text())
    assert [s["iteration"] for s in progress["snapshots"]] == [10, 20]
    assert set(progress["references"]) == {"none", "baseline"}
    last = progress["snapshots"][-1]["summary"]
    for key in ("mcd_db", "f0_rmse_cents", "sim_target", "dnsmos_ovrl"):
        assert last[key]["mean"] == pytest.approx(mean["model"][key], abs=0.02), key
    assert (exp / "eval" / "progress" / "progress.png").stat().st_size > 10_000

    # A new bundle (here: exported from the first checkpoint) is what stages 5-6 use when
    # re-run: no converted file of the previous model survives.
    import numpy as np
    from vcgan.bin.cli import main
    from vcgan.train.checkpoint import list_checkpoints
    feats = sorted((exp / "convert" / "model" / "feats").glob("*.npz"))
    before = {f.name: np.load(f)["mcep"] for f in feats}
    first = list_checkpoints(exp / "checkpoints")[0][1]
    assert main(["train", "--config", str(recipe / "conf/cyclegan_vc2_tiny.yaml"), "--train-dump",
                 str(recipe / "dump/train"), "--speakers", "kalM", "sltF", "--out", str(exp),
                 "--export-bundle", str(first)]) == 0
    r = _run(recipe, "--stage", "5", "--stop_stage", "6", "--force", "true")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    for f in feats:
        assert not np.allclose(np.load(f)["mcep"], before[f.name]), f.name

    # Options the later stages read are part of their signatures: another --metrics re-runs
    # stage 7, and the same options again do nothing.
    args = ("--stage", "7", "--train_conf", "conf/cyclegan_vc2_tiny.yaml", "--metrics", "mcd")
    r = _run(recipe, *args)
    assert r.returncode == 0 and "already done" not in r.stdout, r.stdout[-3000:] + r.stderr[-3000:]
    assert set(json.loads((exp / "eval" / "model.json").read_text())["summary"]) == {"mcd_db"}
    r = _run(recipe, *args)
    assert r.returncode == 0 and "stage 7: evaluate: already done" in r.stdout


def test_missing_wav_stops_before_extraction(recipe: Path) -> None:
    data = recipe / "data" / "dev"
    if not data.is_dir():
        pytest.skip("needs the data directories of the previous test")
    wav = Path((data / "wav.scp").read_text().splitlines()[0].split(maxsplit=1)[1])
    hidden = wav.with_suffix(".hidden")
    wav.rename(hidden)
    try:
        r = _run(recipe, "--stage", "2", "--stop_stage", "2", "--force", "true")
    finally:
        hidden.rename(wav)
    assert r.returncode != 0
    out = r.stdout + r.stderr  # the stage's output is tee'd to the screen
    assert "do not exist" in out and str(wav) in out
    assert "FAILED" in r.stderr and "stage2_extract.log" in r.stderr
