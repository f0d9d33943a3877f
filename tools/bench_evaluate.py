#!/usr/bin/env python
"""Benchmark `vcgan evaluate`: 100 utterances of about 3 s, at 1 and 2 workers.

The material is made from the CMU ARCTIC recording pysptk ships (16 kHz, 4 s): references are
random 3 s crops of it; converted utterances are the same crops of a WORLD resynthesis one
semitone higher, shifted by up to 50 ms and with white noise at varied levels. Prints wall
times and the share of the per-utterance time spent in F0 extraction, the rest of the
analysis (CheapTrick + mel-cepstrum), and DTW; then the speed of the pieces that were
optimised (compiled DTW vs the same loop in Python, vectorised sp2mc vs pysptk's).

    tools/venv/bin/python tools/bench_evaluate.py [--n 100] [--jobs 1,2] [--f0-methods harvest,dio]
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf


def make_material(root: Path, n: int, seconds: float = 3.0, seed: int = 0) -> None:
    import pysptk
    import pyworld

    x, fs = sf.read(pysptk.util.example_audio_file())
    f0, sp, ap = pyworld.wav2world(x, fs)
    y = pyworld.synthesize(f0 * 2 ** (1 / 12), sp, ap, fs)[: len(x)]
    rng = np.random.default_rng(seed)
    length = int(seconds * fs)
    (root / "ref").mkdir(parents=True)
    (root / "conv").mkdir(parents=True)
    for i in range(n):
        start = int(rng.integers(0, len(x) - length - 800))
        shift = int(rng.integers(0, 800))  # up to 50 ms misalignment for the DTW to absorb
        conv = y[start + shift: start + shift + length] + 10 ** rng.uniform(-3.5, -2) * rng.standard_normal(length)
        sf.write(root / "ref" / f"utt{i:03d}.wav", x[start: start + length], fs)
        sf.write(root / "conv" / f"utt{i:03d}.wav", conv, fs)


def bench_dtw_kernels() -> None:
    import vcgan.metrics.dtw as d

    cost = np.random.default_rng(0).random((600, 600))  # two 3 s utterances at 5 ms
    d.dtw_from_cost(cost)  # compile / load from cache
    t0 = time.perf_counter()
    for _ in range(10):
        d.dtw_from_cost(cost)
    fast = (time.perf_counter() - t0) / 10
    t0 = time.perf_counter()
    d._backtrack_py(d._accumulate_py(cost))
    slow = time.perf_counter() - t0
    print(f"DTW 600x600: compiled {1000 * fast:.2f} ms, same loop in Python {1000 * slow:.0f} ms ({slow / fast:.0f}x)")
    if d.fastdtw_available():
        x = np.random.default_rng(1).normal(size=(600, 34))
        t0 = time.perf_counter()
        d.fastdtw_path(x, x[::-1].copy())
        print(f"fastdtw (radius 1, package without its C extension here) 600x600: {1000 * (time.perf_counter() - t0):.0f} ms")


def bench_sp2mc() -> None:
    import pysptk
    import pyworld

    from vcgan.metrics.mcd import sp2mc

    x, fs = sf.read(pysptk.util.example_audio_file())
    f0, t = pyworld.dio(x, fs)
    sp = pyworld.cheaptrick(x, f0, t, fs)
    sp2mc(sp, 35, 0.41)
    t0 = time.perf_counter()
    sp2mc(sp, 35, 0.41)
    fast = time.perf_counter() - t0
    t0 = time.perf_counter()
    pysptk.sp2mc(sp, 34, 0.41)
    slow = time.perf_counter() - t0
    print(f"sp2mc of {len(sp)} frames: vectorised {1000 * fast:.1f} ms, pysptk {1000 * slow:.0f} ms ({slow / fast:.0f}x)")


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (the worker processes)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--jobs", default="1,2")
    ap.add_argument("--f0-methods", default="harvest,dio")
    ap.add_argument("--metrics", default="mcd,f0,gv")
    args = ap.parse_args()

    from vcgan.metrics.evaluate import common_sample_rate, evaluate_pairs, pair_directories
    from vcgan.metrics.presets import get_settings

    bench_dtw_kernels()
    bench_sp2mc()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        make_material(root, args.n)
        pairs = pair_directories(root / "ref", root / "conv")
        fs = common_sample_rate(pairs)
        print(f"\n{len(pairs)} pairs of 3.0 s at {fs} Hz, metrics {args.metrics}")
        print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores ('cores used' below "
              "= CPU seconds / wall seconds: how much of the machine the run actually got)")
        print(f"{'F0':8} {'-j':>3} {'wall (s)':>9} {'s/utt':>6} {'cores used':>10}  {'F0':>5} {'envelope+mcep':>13} "
              f"{'DTW':>5}   MCD (dB)")
        for method in args.f0_methods.split(","):
            settings = get_settings("vcgan", fs, f0_method=method)
            reference = None
            for jobs in (int(j) for j in args.jobs.split(",")):
                t0, c0 = time.perf_counter(), _cpu_seconds()
                r = evaluate_pairs(pairs, settings, args.metrics.split(","), jobs, progress=False)
                wall, cpu = time.perf_counter() - t0, _cpu_seconds() - c0
                tm = r["timing"]
                total = tm["f0"] + tm["analysis"] + tm["dtw"]
                s = r["summary"]["mcd_db"]
                print(f"{method:8} {jobs:>3} {wall:9.1f} {wall / len(pairs):6.3f} {cpu / wall:10.2f}  "
                      f"{100 * tm['f0'] / total:4.0f}% "
                      f"{100 * tm['analysis'] / total:12.0f}% {100 * tm['dtw'] / total:4.1f}%   "
                      f"{s['mean']:.3f} ± {s['ci']:.3f}")
                if reference is None:
                    reference = r["utterances"]
                elif r["utterances"] != reference:
                    print("  !! results differ between -j values")


if __name__ == "__main__":
    main()
