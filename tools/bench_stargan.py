#!/usr/bin/env python
"""Benchmark of many-to-many conversion on the demo corpus: prints figures, asserts nothing.

  cd egs/demo/stargan_vc2 && ./run.sh; cd ../stargan_vc && ./run.sh; cd ../cyclegan_vc2 && ./run.sh
  tools/venv/bin/python tools/bench_stargan.py                     # quality table of those runs
  tools/venv/bin/python tools/bench_stargan.py --throughput        # + iterations/s (paper and demo)

Quality: for each recipe directory of ``--recipes`` (default: the demo StarGAN-VC2, StarGAN-VC
and CycleGAN-VC2 recipes, after their stage 7), every experiment ``exp/<model>_<speakers>`` with
evaluation results is read (``eval/<src>_<tgt>/{none,baseline,model}.json`` for a model of
several pairs, ``eval/{none,baseline,model}.json`` for a pair model). Printed per system (no
conversion, statistical baseline, the model), over the pairs the model converts: the mean of the
per-pair means (every pair counts once, as ``vcgan report --matrix``) of MCD (dB), F0 RMSE
(cents) and speaker similarity to the target, the number of pairs, and the model's training
wall time (first line to ``training done`` of its ``train.log``; a resumed run counts from its
first start) with its iterations and iterations/s. A second table restricts every model to
the pairs that all of them convert (e.g. StarGAN's ``kalM -> sltF`` cell against the one
CycleGAN-VC2 pair), so that models of different pair sets compare on the same pairs.

Throughput (``--throughput``): ``tools/bench_train.py``'s train-step timing of both StarGAN
models at the papers' configurations and at the demo recipes', with ``--threads``.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO_RECIPES = [ROOT / "egs/demo" / r for r in ("stargan_vc2", "stargan_vc", "cyclegan_vc2")]
METRICS = (("mcd_db", "MCD dB"), ("f0_rmse_cents", "F0 RMSE ct"), ("sim_target", "sim"))
STAMP = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),(\d+) ")


def pair_results(exp: Path) -> dict[tuple[str, str], dict[str, dict]]:
    """``(src, tgt)`` -> system -> result of ``vcgan evaluate`` for one experiment directory."""
    out: dict[tuple[str, str], dict[str, dict]] = {}
    eval_dir = exp / "eval"
    speakers = exp.name.split("_")
    for sub in sorted(p for p in eval_dir.glob("*_*") if p.is_dir()):
        src, _, tgt = sub.name.partition("_")
        out[(src, tgt)] = _systems(sub)
    if not out and (eval_dir / "model.json").is_file() and len(speakers) >= 2:
        # A pair model converting one pair keeps the pair layout; the recipe names its
        # experiment after that pair, source first (recipes/vc_stages.sh, vc_plan).
        out[(speakers[-2], speakers[-1])] = _systems(eval_dir)
    return {k: v for k, v in out.items() if v}


def _systems(d: Path) -> dict[str, dict]:
    return {s: json.loads((d / f"{s}.json").read_text()) for s in ("none", "baseline", "model")
            if (d / f"{s}.json").is_file()}


def training_time(exp: Path) -> tuple[float | None, int | None]:
    """``(wall seconds, iterations)`` of the training in ``exp/train.log`` (None when unknown)."""
    log = exp / "train.log"
    if not log.is_file():
        return None, None
    lines = log.read_text().splitlines()
    stamps = [STAMP.match(line) for line in lines]
    done = [i for i, line in enumerate(lines) if "training done (" in line]
    if not stamps or not stamps[0] or not done or not stamps[done[-1]]:
        return None, None

    def when(m: re.Match) -> float:
        return datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S").timestamp() + int(m.group(2)) / 1000
    iterations = int(re.search(r"training done \((\d+) iterations", lines[done[-1]]).group(1))
    return when(stamps[done[-1]]) - when(stamps[0]), iterations


def mean_of(results: dict, pairs: list[tuple[str, str]], system: str, key: str) -> float | None:
    vals = [results[p][system]["summary"][key]["mean"] for p in pairs
            if system in results[p] and key in results[p][system].get("summary", {})
            and results[p][system]["summary"][key].get("mean") is not None]
    return sum(vals) / len(vals) if len(vals) == len(pairs) and vals else None


def table(rows: list[tuple[str, dict, list]], title: str) -> None:
    print(f"\n== {title}")
    print(f"{'experiment':<38} {'system':<9} {'pairs':>5} " + " ".join(f"{label:>10}" for _, label in METRICS)
          + f" {'train s':>8} {'iters':>6} {'it/s':>6}")
    for name, info, pairs in rows:
        wall, iters = info["time"]
        for system in ("none", "baseline", "model"):
            vals = [mean_of(info["results"], pairs, system, k) for k, _ in METRICS]
            cells = " ".join(f"{v:10.3f}" if v is not None else f"{'-':>10}" for v in vals)
            timing = ""
            if system == "model" and wall:
                timing = f" {wall:8.0f} {iters:>6} {iters / wall:6.2f}"
            print(f"{name:<38} {system:<9} {len(pairs):>5} {cells}{timing}")


def quality(recipes: list[Path]) -> None:
    found = {}
    for recipe in recipes:
        for exp in sorted((recipe / "exp").glob("*_*")):
            results = pair_results(exp)
            if results:
                found[f"{recipe.name}/{exp.name}"] = {"results": results, "time": training_time(exp)}
    if not found:
        sys.exit("no evaluated experiments found; run the recipes to stage 7 first (see --help)")
    table([(n, i, sorted(i["results"])) for n, i in found.items()], "each model on the pairs it converts")
    common = sorted(set.intersection(*(set(i["results"]) for i in found.values())))
    if common and len(found) > 1:
        shown = ", ".join(f"{s}->{t}" for s, t in common)
        table([(n, i, common) for n, i in found.items()], f"every model on the pairs all of them convert: {shown}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--recipes", type=Path, nargs="+", default=DEMO_RECIPES, help="recipe directories (after stage 7)")
    p.add_argument("--throughput", action="store_true", help="also time the train step (tools/bench_train.py)")
    p.add_argument("--threads", default="1 2", help="torch CPU thread counts of --throughput (space separated)")
    args = p.parse_args()
    quality(args.recipes)
    if args.throughput:
        subprocess.run([sys.executable, str(ROOT / "tools/bench_train.py"), "--configs", "stargan_vc", "stargan_vc2",
                        "demo_stargan_vc", "demo_stargan_vc2", "--threads", *args.threads.split(),
                        "--profile-config", "none"], check=True)


if __name__ == "__main__":
    main()
