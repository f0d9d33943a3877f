#!/usr/bin/env python
"""Benchmark of the waveform post-filter (WaveCycleGAN2): prints figures, asserts nothing.

  cd egs/demo/wavecyclegan2 && ./run.sh                          # all stages
  tools/venv/bin/python tools/bench_wavepf.py --exp egs/demo/wavecyclegan2/exp/wavecyclegan2_kalM_sltF
  tools/venv/bin/python tools/bench_wavepf.py --steps            # seconds per update, demo and default sizes

Reads what the recipe's stages 5-7 wrote and prints, per system of the evaluation set (WORLD
``resynthesis`` of the target's natural speech and ``cyclegan_vc2`` conversion, each with and
without the post-filter): MCD (dB), F0 RMSE (cents), the DNSMOS OVRL proxy, speaker similarity
to the target, the GV ratio (dB; 0 = as varied as natural speech), the mean |log GV
difference| per dimension (dB) and the modulation-spectrum distance (dB); the training wall
time (s, from the newest checkpoint); and the post-filtering real-time factor (processing
time / audio duration) of the bundle over the resynthesised evaluation files, at 1 thread and
at every core, the two interleaved over 3 rounds (the median is printed).

With ``--steps``: seconds per training update of the demo config and of the family's default
(paper-size) config, float32 and bfloat16 autocast, interleaved, on random segments.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_postfilter import ROWS, gv_distance_db, train_seconds  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SYSTEMS = ("resynthesis", "resynthesis+wavecyclegan2", "cyclegan_vc2", "cyclegan_vc2+wavecyclegan2")


def table(exp: Path) -> None:
    results = {s: json.loads((exp / "eval" / f"{s}.json").read_text()) for s in SYSTEMS
               if (exp / "eval" / f"{s}.json").is_file()}
    rows = ROWS + (("similarity to target", "sim_target"),)
    print(f"{'metric':24s}" + "".join(f"{s:>28s}" for s in results))
    for label, key in rows:
        cells = [r["summary"].get(key, {}).get("mean") for r in results.values()]
        print(f"{label:24s}" + "".join(f"{c:28.3f}" if c is not None else f"{'-':>28s}" for c in cells))
    print(f"{'GV distance (dB)':24s}" + "".join(f"{gv_distance_db(r):28.3f}" for r in results.values()))


def realtime_factor(exp: Path, rounds: int = 3) -> None:
    import soundfile as sf

    from vcgan.bin.postfilter import WaveformPostFilters
    pf = WaveformPostFilters(str(exp / "bundle"))
    waves = [sf.read(w, dtype="float32")[0] for w in sorted((exp / "convert" / "resynthesis").glob("*.wav"))]
    seconds = sum(len(w) for w in waves) / pf.sample_rate
    threads = sorted({1, torch.get_num_threads()})
    times: dict[int, list[float]] = {t: [] for t in threads}
    for _ in range(rounds):
        for t in threads:
            torch.set_num_threads(t)
            t0 = time.perf_counter()
            for w in waves:
                pf.apply(w)
            times[t].append(time.perf_counter() - t0)
    for t in threads:
        print(f"post-filtering, {t} thread(s): {statistics.median(times[t]):.2f} s for {seconds:.1f} s of audio, "
              f"real-time factor {statistics.median(times[t]) / seconds:.4f}")
    print(f"training wall time: {train_seconds(exp):.0f} s")


def steps(reps: int = 3) -> None:
    import yaml

    from vcgan.tasks.wavecyclegan.config import WaveCycleGANConfig
    from vcgan.tasks.wavecyclegan.task import WaveCycleGANTask
    demo = yaml.safe_load((ROOT / "egs/demo/wavecyclegan2/conf/wavecyclegan2.yaml").read_text())["model"]
    configs = {"demo": WaveCycleGANConfig.from_dict(demo), "default": WaveCycleGANConfig.from_dict({})}
    times: dict[tuple[str, str], list[float]] = {}
    for name, cfg in configs.items():
        n = cfg.segment_samples(16000)
        batch = {"synthetic": 0.3 * torch.randn(cfg.batch_size, n), "natural": 0.3 * torch.randn(cfg.batch_size, n)}
        tasks = {p: WaveCycleGANTask(cfg, 16000, torch.device("cpu"), d)
                 for p, d in (("fp32", None), ("bf16", torch.bfloat16))}
        for task in tasks.values():
            task.train_step(**batch, iteration=0)  # warm-up
        for i in range(1 if name == "default" else reps):
            for p, task in tasks.items():
                t0 = time.perf_counter()
                task.train_step(**batch, iteration=i + 1)
                times.setdefault((name, p), []).append(time.perf_counter() - t0)
    for (name, p), ts in times.items():
        cfg = configs[name]
        print(f"{name:8s} {p}: {statistics.median(ts):.2f} s per update (batch {cfg.batch_size} x "
              f"{cfg.segment_ms:.0f} ms, {torch.get_num_threads()} threads)")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--exp", type=Path, help="the recipe's experiment directory exp/wavecyclegan2_<src>_<tgt>")
    p.add_argument("--steps", action="store_true", help="seconds per training update, demo and default configs")
    args = p.parse_args()
    if args.exp:
        table(args.exp)
        realtime_factor(args.exp)
    if args.steps:
        steps()
    if not args.exp and not args.steps:
        p.error("give --exp and/or --steps")


if __name__ == "__main__":
    main()
