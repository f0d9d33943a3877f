#!/usr/bin/env python
"""Benchmark of conversion quality against training time: prints figures, asserts nothing.

  cd egs/demo/cyclegan_vc2 && ./run.sh --stop_stage 3          # corpus, features, statistics
  tools/venv/bin/python tools/bench_quality.py --recipe egs/demo/cyclegan_vc2 \
      [--pair kalM:sltF] [--budgets 50 100 200 400 800] [--config conf/cyclegan_vc2.yaml] [--out DIR]

Given a recipe directory after stage 3 (``data/``, ``dump/train`` with ``stats/``, ``dump/dev``),
trains one CycleGAN model with ``vcgan train`` (``--iterations`` = the largest budget, the
recipe's training config otherwise, its decay start and identity-loss span scaled in proportion:
the schedule is that of the largest budget, e.g. exactly the demo default for ``--budgets ...
200``), keeping a checkpoint at every budget. For each budget it then exports a bundle of that checkpoint (``vcgan train
--export-bundle``), converts the evaluation set of the source speaker (``vcgan convert``) and
scores it against the target speaker's utterances of the same sentences (``vcgan evaluate``
with the settings of the recipe's stage 7: ``--src``, ``--config dump/train/feature_config.yaml``).
The statistical baseline (``vcgan convert --baseline``) and no conversion (source vs target) are
scored the same way.

Prints a table per system: iterations, training wall time (s, from the start of ``vcgan
train`` to the checkpoint's write, validation included), eval MCD (dB) mean and 95 % CI, GV
ratio (dB, 0 = as varied as the target, negative = over-smoothed), F0 RMSE (cents) and the
dev-set validation MCD that training logged; saves ``OUT/mcd_vs_time.png`` (eval MCD against
wall time, baseline and no conversion as horizontal lines) and ``OUT/results.json``.

With ``--checkpoints DIR --train-log EXP/train.log`` nothing is trained: the checkpoints of an
existing run (a recipe keeps only its last 3, so copy them while it trains) are evaluated, with
wall times from that run's log; ``--iterations`` of the export is then the largest budget given.

Every step is skipped when its output exists, so an interrupted run continues (delete OUT to
start again). Why one run with checkpoints rather than separate runs extended with ``--resume
--iterations``: an extended run's learning-rate schedule is recomputed for its new length, so
its early checkpoints are not those of a run planned for that length from the start; the
checkpoints of one run at the largest budget all share one schedule.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def vcgan(*args: str, cwd: Path, log: Path) -> float:
    """Run ``vcgan ARGS`` in ``cwd`` (output appended to ``log``); returns its wall time (s)."""
    exe = Path(sys.executable).with_name("vcgan")
    cmd = [str(exe) if exe.exists() else "vcgan", *args]
    t0 = time.perf_counter()
    with open(log, "a") as f:
        f.write(f"\n$ {' '.join(cmd)}\n")
        f.flush()
        rc = subprocess.call(cmd, cwd=cwd, stdout=f, stderr=subprocess.STDOUT)
    if rc != 0:
        raise SystemExit(f"command failed (exit {rc}): {' '.join(cmd)}; see {log}")
    return time.perf_counter() - t0


def training_config(src: Path, dst: Path, budgets: list[int]) -> None:
    """Copy the training YAML ``src`` to ``dst`` with a checkpoint at every budget, all kept."""
    cfg = yaml.safe_load(src.read_text())
    step = math.gcd(*budgets)
    trainer = cfg.setdefault("trainer", {})
    trainer["checkpoint_interval"] = step
    trainer["keep_checkpoints"] = max(budgets) // step + 1
    dst.write_text(yaml.safe_dump(cfg, sort_keys=False))


def train(args, recipe: Path, out: Path, budgets: list[int]) -> float:
    """Train to the largest budget (resuming an interrupted run); returns the start time (epoch s)."""
    exp = out / "exp"
    start_file = out / "train_start"
    if (exp / "bundle").is_dir() and start_file.is_file():
        return float(start_file.read_text())
    conf = out / "train_conf.yaml"
    if not conf.is_file():
        training_config(recipe / args.config, conf, budgets)
    if not start_file.is_file():
        start_file.write_text(repr(time.time()))
    print(f"training {args.src} <-> {args.tgt} to {max(budgets)} iterations (log: {exp}/train.log)", flush=True)
    vcgan("train", *train_args(args, recipe, out), "--device", args.device,
          "--no-progress", "--resume", "--dev-dump", str(recipe / "dump/dev"), cwd=recipe, log=out / "commands.log")
    return float(start_file.read_text())


def train_args(args, recipe: Path, out: Path) -> list[str]:
    """Arguments shared by training and bundle export (the largest budget as ``--iterations``)."""
    return ["--config", str(out / "train_conf.yaml"), "--train-dump", str(recipe / "dump/train"),
            "--speakers", args.src, args.tgt, "--out", str(out / "exp"), "--iterations", str(max(args.budgets))]


def export(args, recipe: Path, out: Path, ckpt: Path) -> None:
    """``OUT/exp/bundle`` from checkpoint ``ckpt`` (``vcgan train --export-bundle``)."""
    vcgan("train", *train_args(args, recipe, out), "--export-bundle", str(ckpt), cwd=recipe, log=out / "commands.log")


def link_by_sentence(wav_scp: Path, spk: str, src: str, out: Path) -> None:
    """Symlink each utterance of ``spk`` as ``<src>_<sentence>.wav`` so evaluate pairs them by name
    (the recipe's ``vc_link_by_sentence``)."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    for line in wav_scp.read_text().splitlines():
        utt, path = line.split(maxsplit=1)
        (out / f"{src}_{utt[len(spk) + 1:]}.wav").symlink_to(Path(path).resolve())


def evaluate(args, recipe: Path, out: Path, name: str, conv: Path) -> dict:
    """Scores of ``conv`` (cached in ``OUT/eval/NAME.json``), as the recipe's stage 7 computes them."""
    js = out / "eval" / f"{name}.json"
    if not js.is_file():
        vcgan("evaluate", "--ref", str(out / "eval/ref"), "--conv", str(conv), "--src", str(out / "eval/src"),
              "--metrics", args.metrics, "--config", str(recipe / "dump/train/feature_config.yaml"),
              "-j", str(args.nj), "--no-progress", "--json", str(js), cwd=recipe, log=out / "commands.log")
    return json.loads(js.read_text())["summary"]


def convert(args, recipe: Path, out: Path, bundle: Path, dst: Path, baseline: bool = False) -> None:
    """``vcgan convert`` of the source speaker's evaluation set into ``dst`` (skipped if done)."""
    if (dst.parent / "done").is_file():
        return
    extra = ["--baseline"] if baseline else []
    vcgan("convert", "--model", str(bundle), "--src-spk", args.src, "--tgt-spk", args.tgt, "-j", str(args.nj),
          "--overwrite", *extra, str(recipe / f"data/{args.eval_set}_{args.src}/wav.scp"), str(dst),
          cwd=recipe, log=out / "commands.log")
    (dst.parent / "done").write_text("")


def checkpoints(ckpt_dir: Path) -> dict[int, Path]:
    """Iteration -> checkpoint file in ``ckpt_dir``."""
    from vcgan.train.checkpoint import list_checkpoints
    return dict(list_checkpoints(ckpt_dir))


def checkpoint_times(ckpt_dir: Path, start: float) -> dict[int, float]:
    """Iteration -> seconds from ``start`` (epoch s) to the write (mtime) of its checkpoint."""
    return {it: p.stat().st_mtime - start for it, p in checkpoints(ckpt_dir).items()}


def log_start(log: Path) -> float:
    """Epoch seconds of the first line of a ``train.log`` (the start of that training run)."""
    from datetime import datetime
    stamp = " ".join(log.read_text().split(maxsplit=2)[:2])
    return datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f").timestamp()


def validation_mcd(log: Path) -> dict[int, float]:
    """Iteration -> mean dev-set MCD (dB, both directions) logged in ``log`` (a train.log)."""
    found = {}
    for m in re.finditer(r"iteration (\d+): (mcd_a2b_db [\d.]+.*)", log.read_text() if log.is_file() else ""):
        vals = [float(v) for v in re.findall(r"mcd_\w+_db ([\d.]+)", m.group(2))]
        found[int(m.group(1))] = sum(vals) / len(vals)
    return found


def row(summary: dict, key: str) -> tuple[float, float]:
    s = summary.get(key) or {}
    return s.get("mean", float("nan")), s.get("ci", float("nan"))


def print_header() -> None:
    print(f"{'system':<10} {'iters':>6} {'wall s':>8} {'eval MCD (dB)':>15} {'GV ratio dB':>11} "
          f"{'F0 RMSE ct':>10} {'dev MCD':>8}", flush=True)


def print_rows(rows: list[dict]) -> None:
    """One line per system: iterations, wall time (s), MCD (dB) ± CI, GV ratio (dB), F0 RMSE (cents)."""
    for r in rows:
        mcd, ci = row(r["summary"], "mcd_db")
        gv, _ = row(r["summary"], "gv_ratio_db")
        f0, _ = row(r["summary"], "f0_rmse_cents")
        its = "" if r["iterations"] is None else str(r["iterations"])
        wall = "" if r["wall_s"] is None else f"{r['wall_s']:.0f}"
        dev = "" if r.get("dev_mcd") is None else f"{r['dev_mcd']:.2f}"
        print(f"{r['system']:<10} {its:>6} {wall:>8} {mcd:8.3f} ±{ci:5.3f} {gv:11.2f} {f0:10.1f} {dev:>8}",
              flush=True)


def plot(rows: list[dict], path: Path, title: str) -> None:
    """Eval MCD (with CI) against training wall time; reference systems as horizontal lines."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    model = [r for r in rows if r["system"] == "model"]
    fig, ax = plt.subplots(figsize=(7, 4))
    x = [r["wall_s"] / 60 for r in model]
    y = [row(r["summary"], "mcd_db")[0] for r in model]
    e = [row(r["summary"], "mcd_db")[1] for r in model]
    ax.errorbar(x, y, yerr=e, marker="o", capsize=3, label="CycleGAN-VC2")
    for xi, yi, r in zip(x, y, model):
        ax.annotate(str(r["iterations"]), (xi, yi), textcoords="offset points", xytext=(4, 4), fontsize=8)
    for r, style in zip([r for r in rows if r["system"] != "model"], ("--", ":")):
        ax.axhline(row(r["summary"], "mcd_db")[0], linestyle=style, color="gray", label=r["system"])
    ax.set_xlabel("training wall time (min)")
    ax.set_ylabel("eval MCD (dB)")
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def reference_rows(args, recipe: Path, out: Path, ckpt: Path) -> list[dict]:
    """Rows of no conversion (source vs target) and of the statistical baseline (which needs a
    bundle for its statistics: exported from ``ckpt`` if there is none yet)."""
    rows = [{"system": "none", "iterations": None, "wall_s": None,
             "summary": evaluate(args, recipe, out, "none", out / "eval/src")}]
    if not (out / "exp/bundle").is_dir():
        export(args, recipe, out, ckpt)
    convert(args, recipe, out, out / "exp/bundle", out / "conv/baseline/wav", baseline=True)
    rows.append({"system": "baseline", "iterations": None, "wall_s": None,
                 "summary": evaluate(args, recipe, out, "baseline", out / "conv/baseline/wav")})
    return rows


def model_rows(args, recipe: Path, out: Path, ckpt_dir: Path, budgets: list[int],
               times: dict[int, float], dev: dict[int, float]) -> list[dict]:
    """One row per budget: export that checkpoint's bundle, convert, evaluate (printed as it goes)."""
    rows = []
    for it in budgets:
        dst = out / f"conv/it{it:06d}/wav"
        if not (dst.parent / "done").is_file():
            export(args, recipe, out, checkpoints(ckpt_dir)[it])
            convert(args, recipe, out, out / "exp/bundle", dst)
        rows.append({"system": "model", "iterations": it, "wall_s": times.get(it), "dev_mcd": dev.get(it),
                     "summary": evaluate(args, recipe, out, f"model_it{it:06d}", dst)})
        print_rows(rows[-1:])
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--recipe", type=Path, default=ROOT / "egs/demo/cyclegan_vc2", help="recipe directory after stage 3")
    p.add_argument("--config", default="conf/cyclegan_vc2.yaml", help="training YAML, relative to the recipe")
    p.add_argument("--pair", default="kalM:sltF", help="source:target speakers")
    p.add_argument("--budgets", type=int, nargs="+", default=[50, 100, 200, 400, 800], help="iterations")
    p.add_argument("--out", type=Path, default=None, help="work directory (default RECIPE/exp/bench_quality_SRC_TGT)")
    p.add_argument("--eval-set", default="eval", help="data/<eval-set>_<spk> is converted and scored")
    p.add_argument("--metrics", default="mcd,f0,gv", help="vcgan evaluate --metrics (the recipe adds sim,mos)")
    p.add_argument("--nj", type=int, default=2, help="parallel processes of convert and evaluate")
    p.add_argument("--device", default="cpu", help="training device")
    p.add_argument("--checkpoints", type=Path, default=None,
                   help="evaluate the checkpoints of an existing run in this directory instead of training "
                        "(e.g. copies of a recipe run's EXP/checkpoints; with --train-log)")
    p.add_argument("--train-log", type=Path, default=None,
                   help="that run's train.log: start time and dev MCD (with --checkpoints)")
    args = p.parse_args()
    args.src, args.tgt = args.pair.split(":")
    recipe = args.recipe.resolve()
    out = (args.out or recipe / f"exp/bench_quality_{args.src}_{args.tgt}").resolve()
    out.mkdir(parents=True, exist_ok=True)
    budgets = sorted(set(args.budgets))

    link_by_sentence(recipe / f"data/{args.eval_set}_{args.tgt}/wav.scp", args.tgt, args.src, out / "eval/ref")
    link_by_sentence(recipe / f"data/{args.eval_set}_{args.src}/wav.scp", args.src, args.src, out / "eval/src")
    if args.checkpoints:  # an existing run: evaluate its checkpoints, no training
        ckpt_dir, log = args.checkpoints.resolve(), args.train_log.resolve()
        shutil.copy(recipe / args.config, out / "train_conf.yaml")
        budgets = [b for b in budgets if b in checkpoints(ckpt_dir)]
        start = log_start(log)
    else:
        ckpt_dir, log = out / "exp/checkpoints", out / "exp/train.log"
        start = train(args, recipe, out, budgets)
    rows = reference_rows(args, recipe, out, checkpoints(ckpt_dir)[budgets[-1]])
    print_header()
    print_rows(rows)
    rows += model_rows(args, recipe, out, ckpt_dir, budgets, checkpoint_times(ckpt_dir, start), validation_mcd(log))
    print(f"\n== eval-set quality vs training: {args.src} -> {args.tgt}, {args.config}, budgets {budgets}, "
          f"{os.cpu_count()} CPUs (wall time from the start of vcgan train; validation included)")
    print_header()
    print_rows(rows)
    (out / "results.json").write_text(json.dumps(rows, indent=1))
    plot(rows, out / "mcd_vs_time.png", f"{args.src} -> {args.tgt}: eval MCD vs training time")
    print(f"plot: {out / 'mcd_vs_time.png'}; results: {out / 'results.json'}")

if __name__ == "__main__":
    main()
