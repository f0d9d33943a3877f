"""End to end: egs/demo/wavecyclegan2/run.sh on a reduced corpus with the tiny CI configs:
a CycleGAN-VC2 front end, the waveform post-filter, WORLD resynthesis and conversion with and
without it, evaluation, plots and the listening page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import soundfile as sf

from test_recipe_demo import ROOT, _run, recipe_copy

RECIPE = ROOT / "egs" / "demo" / "wavecyclegan2"
SYSTEMS = ("resynthesis", "resynthesis+wavecyclegan2", "cyclegan_vc2", "cyclegan_vc2+wavecyclegan2")

pytestmark = [pytest.mark.slow]


@pytest.fixture(scope="module")
def recipe(tmp_path_factory) -> Path:
    return recipe_copy(tmp_path_factory.mktemp("wavecyclegan2"), RECIPE)


def test_recipe_end_to_end_with_tiny_configs(recipe: Path) -> None:
    corpus = recipe.parent.parent.parent / "corpora" / "demo"
    args = ["--n_sentences", "6", "--corpus", str(corpus), "--device", "cpu", "--metrics", "mcd,f0,gv",
            "--front_end_conf", "conf/cyclegan_vc2_tiny.yaml", "--train_conf", "conf/wavecyclegan2_tiny.yaml"]
    r = _run(recipe, *args)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    exp = recipe / "exp"
    for name in ("cyclegan_vc2_kalM_sltF", "wavecyclegan2_kalM_sltF"):
        assert (exp / name / "bundle" / "manifest.yaml").is_file(), name
    out = exp / "wavecyclegan2_kalM_sltF"
    n_eval = len((recipe / "data" / "eval_kalM" / "wav.scp").read_text().splitlines())
    for system in SYSTEMS:
        wavs = sorted((out / "convert" / system).glob("*.wav"))
        assert len(wavs) == n_eval > 0, system
        result = json.loads((out / "eval" / f"{system}.json").read_text())
        assert 0 < result["summary"]["mcd_db"]["mean"] < 30 and result["gv"] and result["ms"], system
    for a, b in (("resynthesis", "resynthesis+wavecyclegan2"), ("cyclegan_vc2", "cyclegan_vc2+wavecyclegan2")):
        for wav in (out / "convert" / a).glob("*.wav"):  # the post-filter keeps every length
            assert sf.info(wav).frames == sf.info(out / "convert" / b / wav.name).frames
    for group in ("resynthesis", "cyclegan_vc2"):  # each system with and without the post-filter
        report = (out / "eval" / f"report_{group}.txt").read_text().splitlines()
        assert report[0].split() == ["metric", group, f"{group}+wavecyclegan2"]
        assert (out / "eval" / f"gv_ms_{group}.png").stat().st_size > 10_000
        page = (out / "eval" / f"report_{group}" / "index.html").read_text()
        assert page.count("<audio ") == (1 + 2 + 1) * n_eval, group  # source, 2 systems, target
    r = _run(recipe, *args)  # run again: every stage is done and skipped
    assert r.returncode == 0 and r.stdout.count("already done") == 8, r.stdout[-3000:]


def test_a_missing_front_end_bundle_is_named(recipe: Path) -> None:
    r = _run(recipe, "--stage", "4", "--stop_stage", "4", "--front_end", "nowhere/bundle")
    assert r.returncode != 0 and "--front_end nowhere/bundle: no bundle there" in r.stdout + r.stderr
