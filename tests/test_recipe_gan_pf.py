"""End to end: egs/demo/gan_pf/run.sh on a reduced corpus with the tiny CI configs: both
front ends, both post-filters, conversion with and without them, evaluation and plots."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from test_recipe_demo import ROOT, _run, recipe_copy

RECIPE = ROOT / "egs" / "demo" / "gan_pf"

pytestmark = [pytest.mark.slow]


@pytest.fixture(scope="module")
def recipe(tmp_path_factory) -> Path:
    return recipe_copy(tmp_path_factory.mktemp("gan_pf"), RECIPE)


def test_recipe_end_to_end_with_tiny_configs(recipe: Path) -> None:
    corpus = recipe.parent.parent.parent / "corpora" / "demo"
    args = ["--n_sentences", "6", "--corpus", str(corpus), "--device", "cpu", "--metrics", "mcd,f0,gv",
            "--front_end_conf", "conf/dnn_vc_%s_tiny.yaml", "--postfilter_conf", "conf/ganpf_%s_tiny.yaml"]
    r = _run(recipe, *args)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    exp = recipe / "exp"
    for name in ("dnn_vc_mcep", "dnn_vc_spec", "ganpf_mcep", "ganpf_spec"):
        assert (exp / f"{name}_kalM_sltF" / "bundle" / "manifest.yaml").is_file(), name
    systems = ("baseline", "dnn_mcep", "dnn_mcep+ganpf", "dnn_spec", "dnn_spec+ganpf")
    n_eval = len((recipe / "data" / "eval_kalM" / "wav.scp").read_text().splitlines())
    out = exp / "gan_pf_kalM_sltF"
    for system in systems:
        assert len(list((out / "convert" / system).glob("*.wav"))) == n_eval > 0, system
        result = json.loads((out / "eval" / f"{system}.json").read_text())
        assert 0 < result["summary"]["mcd_db"]["mean"] < 30 and result["gv"] and result["ms"], system
    report = (out / "eval" / "report.txt").read_text().splitlines()
    assert report[0].split() == ["metric", *systems]
    for stream in ("mcep", "spec"):
        assert (out / "eval" / f"gv_ms_{stream}.png").stat().st_size > 10_000
    page = (out / "eval" / "report" / "index.html").read_text()
    assert page.count("<audio ") == (1 + len(systems) + 1) * n_eval and "gv_ms.png" in page
    # Run again: every stage is done and skipped.
    r = _run(recipe, *args)
    assert r.returncode == 0 and r.stdout.count("already done") == 8, r.stdout[-3000:]


def test_bad_options_stop_before_any_work(recipe: Path) -> None:
    r = _run(recipe, "--streams", "mcep mel")
    assert r.returncode != 0 and "'mel' is neither mcep nor spec" in r.stderr
    r = _run(recipe, "--postfilter_conf", "conf/nothing_%s.yaml")
    assert r.returncode != 0 and "conf/nothing_mcep.yaml not found" in r.stderr
