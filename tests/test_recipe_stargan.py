"""End to end: egs/demo/stargan_vc2 and egs/demo/stargan_vc, one model of four speakers,
from nothing to the source x target matrices, on a reduced corpus with the tiny CI configs."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from test_recipe_demo import ROOT, _run, copy_recipe

pytestmark = [pytest.mark.slow]

SPEAKERS = ["kalM", "espM", "sltF", "espF"]
# Two ordered pairs per model keep CI short (each is three `vcgan evaluate` runs) and still
# make a matrix with empty cells; the recipe's default is all 12 (the demo run of README.md).
PAIRS = {"stargan_vc2": ["kalM:sltF", "sltF:espM"], "stargan_vc": ["espF:kalM", "kalM:sltF"]}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    """A tree where copies of the demo recipes reach the repository's recipes/ and share one corpus."""
    top = tmp_path_factory.mktemp("stargan_e2e")
    (top / "recipes").symlink_to(ROOT / "recipes")
    for name in ("cyclegan_vc2", "stargan_vc2", "stargan_vc"):
        copy_recipe(ROOT / "egs" / "demo" / name, top / "egs" / "demo" / name)
    return top


def test_unknown_speaker_in_pairs_stops_before_work(workspace: Path) -> None:
    recipe = workspace / "egs" / "demo" / "stargan_vc2"
    r = _run(recipe, "--stage", "4", "--stop_stage", "4", "--pairs", "kalM:nobody")
    assert r.returncode != 0 and "pair kalM:nobody is in no training set" in r.stderr
    assert not (recipe / "exp" / "stages").exists()


def _reuse_features(recipe: Path, done: Path) -> bool:
    """Give ``recipe`` the data, features and stage markers 0-3 of the finished run ``done``
    (same corpus, options and feature config, so the markers match and stages 0-3 are skipped,
    as when a user re-runs a recipe): CI extracts the corpus once for both models."""
    if not (done / "exp" / "stages" / "3_stats.done").is_file():
        return False
    for d in ("data", "dump"):
        shutil.copytree(done / d, recipe / d, symlinks=True)
    (recipe / "exp" / "stages").mkdir(parents=True)
    for marker in (done / "exp" / "stages").glob("[0-3]_*.done"):
        shutil.copy(marker, recipe / "exp" / "stages" / marker.name)
    return True


# The first runs every stage; the second reuses its features (stages 0-3 skipped): together
# they cover both models end to end in CI time.
@pytest.mark.parametrize("model", ["stargan_vc2", "stargan_vc"])
def test_recipe_trains_one_model_and_prints_matrices(workspace: Path, model: str) -> None:
    pairs = PAIRS[model]
    recipe = workspace / "egs" / "demo" / model
    corpus = workspace / "corpus"
    reused = model != "stargan_vc2" and _reuse_features(recipe, workspace / "egs" / "demo" / "stargan_vc2")
    r = _run(recipe, "--n_sentences", "6", "--corpus", str(corpus), "--train_conf", f"conf/{model}_tiny.yaml",
             "--device", "cpu", "--pairs", " ".join(pairs), "--metrics", "mcd,f0")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert r.stdout.count("already done") == (4 if reused else 0)

    exp = recipe / "exp" / f"{model}_{'_'.join(SPEAKERS)}"
    manifest = (exp / "bundle" / "manifest.yaml").read_text()
    assert all(s in manifest for s in SPEAKERS)  # one bundle, every speaker's statistics
    assert len(list(recipe.glob("exp/*/bundle"))) == 1  # one model for all pairs
    n_eval = len((recipe / "data" / "eval_kalM" / "wav.scp").read_text().splitlines())
    for pair in pairs:
        src, tgt = pair.split(":")
        for system in ("model", "baseline"):
            assert len(list((exp / "convert" / f"{src}_{tgt}" / system / "wav").glob("*.wav"))) == n_eval > 0
        for system in ("none", "baseline", "model"):
            res = json.loads((exp / "eval" / f"{src}_{tgt}" / f"{system}.json").read_text())
            assert len(res["utterances"]) == n_eval

    matrices = json.loads((exp / "eval" / "matrix.json").read_text())
    assert matrices["systems"] == ["none", "baseline", model]
    # The matrices span the speakers of the pairs evaluated (three here), rows = sources.
    assert sorted(matrices["speakers"]) == sorted({s for p in pairs for s in p.split(":")})
    mcd = matrices["matrices"]["mcd_db"]
    shown = matrices["speakers"]
    index = {s: k for k, s in enumerate(shown)}
    for system in matrices["systems"]:
        filled = {(a, b) for a in shown for b in shown if mcd[system][index[a]][index[b]] is not None}
        assert filled == {tuple(p.split(":")) for p in pairs}, system
        assert matrices["means"]["mcd_db"][system]["n_pairs"] == len(pairs)
    assert (exp / "eval" / "matrix.png").stat().st_size > 0
    assert "source x target" in r.stdout and "MCD" in (exp / "eval" / "matrix.txt").read_text()
    # The model's page: the heat maps and a working link to each pair's listening page.
    page = (exp / "eval" / "report" / "index.html").read_text()
    links = re.findall(r'<a href="([^"]+)">', page)
    assert "img/matrices.png" in page and len(links) == len(pairs)
    assert all((exp / "eval" / "report" / link).is_file() for link in links)
