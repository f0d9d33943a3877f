#!/usr/bin/env python
"""Benchmark of data-parallel training: samples/s of `vcgan train` at 1 and more processes.
Prints figures, asserts nothing.

  tools/venv/bin/python tools/bench_ddp.py --dump egs/demo/cyclegan_vc2/dump/train \\
      --dev-dump egs/demo/cyclegan_vc2/dump/dev --speakers kalM sltF --iterations 150
  tools/venv/bin/python tools/bench_ddp.py ... --device cuda --processes 1 2 4 --config conf/paper.yaml

Each run is the real command (``vcgan train``, under ``torchrun --standalone`` for more than one
process) on the config given (default: the demo CycleGAN-VC2 config), the same global batch at
every process count. The rate is taken between the checkpoints at 1/3 and 2/3 of the run, from
the train.log timestamps, so start-up, the first steps and the final validation are not counted.
On CPU, ``--threads-total`` torch threads are shared out between the processes (2 processes on
2 cores: 1 thread each), so the comparison is at equal CPU. The last validation's dev MCD of
each run is printed beside its rate: data parallelism must not change what training reaches.
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
DEMO_CONFIG = ROOT / "egs/demo/cyclegan_vc2/conf/cyclegan_vc2.yaml"
STAMP = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+) .*iteration (\d+): checkpoint")
MCD = re.compile(r"iteration (\d+): (.*mcd.*)$")


def run(args, processes: int, out: Path) -> dict:
    cfg = yaml.safe_load(Path(args.config).read_text())
    third = max(1, args.iterations // 3)
    cfg["trainer"] = {**cfg.get("trainer", {}), "checkpoint_interval": third, "keep_checkpoints": 3,
                      "validation_interval": 10 * args.iterations, "log_interval": third}
    config = out / "config_in.yaml"
    out.mkdir(parents=True)
    config.write_text(yaml.safe_dump(cfg))
    threads = max(1, args.threads_total // processes) if args.device == "cpu" else 1
    launcher = [sys.executable, "-m", "vcgan"] if processes == 1 else [
        sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", str(processes), "-m", "vcgan"]
    cmd = [*launcher, "train", "--config", str(config), "--train-dump", args.dump, "--out", str(out / "exp"),
           "--iterations", str(args.iterations), "--device", args.device, "--threads", str(threads), "--no-progress"]
    if args.dev_dump:
        cmd += ["--dev-dump", args.dev_dump]
    if args.speakers:
        cmd += ["--speakers", *args.speakers]
    env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if r.returncode:
        sys.exit(f"{' '.join(cmd)} failed:\n{r.stdout[-2000:]}{r.stderr[-2000:]}")
    log = (out / "exp" / "train.log").read_text().splitlines()
    stamps = {int(m.group(2)): datetime.datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S,%f")
              for m in map(STAMP.match, log) if m}
    a, b = sorted(stamps)[0], sorted(stamps)[1]
    seconds = (stamps[b] - stamps[a]).total_seconds()
    mcd = [m.group(2) for m in map(MCD.search, log) if m]
    return {"processes": processes, "threads": threads, "s_per_it": seconds / (b - a),
            "samples_per_s": (b - a) * cfg["model"].get("batch_size", 1) / seconds,
            "validation": mcd[-1] if mcd else "-"}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--config", default=str(DEMO_CONFIG), help="training YAML (default: the demo CycleGAN-VC2's)")
    p.add_argument("--dump", required=True, help="training feature dump (with stats/)")
    p.add_argument("--dev-dump", default=None, help="dev dump: the final validation's MCD is printed")
    p.add_argument("--speakers", nargs="+", default=None)
    p.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    p.add_argument("--iterations", type=int, default=150, help="iterations per run (rate over the middle third)")
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads-total", type=int, default=os.cpu_count() or 1,
                   help="CPU threads shared out between the processes of a run")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rows = [run(args, n, Path(tmp) / f"np{n}") for n in args.processes]
    print(f"{'processes':>9} {'threads/proc':>12} {'s/iteration':>12} {'samples/s':>10}  final validation")
    for r in rows:
        print(f"{r['processes']:>9} {r['threads']:>12} {r['s_per_it']:>12.3f} {r['samples_per_s']:>10.2f}  "
              f"{r['validation']}")


if __name__ == "__main__":
    main()
