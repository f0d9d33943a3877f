#!/usr/bin/env python
"""Benchmark of feature extraction: prints figures, asserts nothing.

  tools/venv/bin/python tools/bench_features.py [--files 40] [--repeat 3]

1. Real-time factor (processing time / audio duration) of WORLD analysis with Harvest and
   with DIO + StoneMask (F0 only and full analysis), and of WORLD synthesis, on the CMU ARCTIC
   recording pysptk ships (16 kHz, 2.9 s) and at 22.05 kHz.
2. Throughput of `vcgan extract` (files/s, audio seconds per second) at 1 and 2 workers on a
   data directory of --files utterances made from that recording (pitch/tempo variants), and
   the parallel speed-up.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
import warnings
from pathlib import Path

import pysptk
import soundfile as sf


def cpu_seconds() -> float:
    """User + system CPU time of this process and its finished children (s)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def rtf_table(repeat: int) -> None:
    from vcgan.features import FeatureConfig, extract_features, world_analyze, world_f0
    from vcgan.vocoders import world_vocode
    from vcgan.audio import read_wav

    path = pysptk.util.example_audio_file()
    print("== WORLD real-time factor (lower is faster; 1.0 = real time), best of", repeat)
    print(f"{'rate':>6} {'step':<28} {'seconds':>8} {'RTF':>7}")
    for fs in (16000, 22050):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            x, _ = read_wav(path, fs)
        dur = len(x) / fs
        for method in ("harvest", "dio"):
            cfg = FeatureConfig(sample_rate=fs, f0_method=method)
            t = best_of(lambda: world_f0(x, cfg), repeat)
            print(f"{fs:>6} {'F0 (' + method + ')':<28} {t:8.3f} {t / dur:7.3f}")
            t = best_of(lambda: world_analyze(x, cfg), repeat)
            print(f"{fs:>6} {'full analysis (' + method + ')':<28} {t:8.3f} {t / dur:7.3f}")
        feats = extract_features(x, cfg)
        t = best_of(lambda: world_vocode(feats, cfg), repeat)
        print(f"{fs:>6} {'synthesis (mcep, cap)':<28} {t:8.3f} {t / dur:7.3f}")


def make_data_dir(root: Path, n_files: int) -> tuple[Path, float]:
    import librosa
    x, fs = sf.read(pysptk.util.example_audio_file())
    utts, total = [], 0.0
    for i in range(n_files):
        rate = 0.8 + 0.4 * (i % 5) / 4  # 0.8 .. 1.2 tempo
        y = librosa.effects.time_stretch(x, rate=rate)
        p = root / "wav" / f"utt{i:03d}.wav"
        p.parent.mkdir(parents=True, exist_ok=True)
        sf.write(p, y, fs)
        utts.append((f"spk{i % 2}_utt{i:03d}", f"spk{i % 2}", str(p)))
        total += len(y) / fs
    d = root / "data"
    d.mkdir()
    (d / "wav.scp").write_text("".join(f"{u} {p}\n" for u, _, p in sorted(utts)))
    (d / "utt2spk").write_text("".join(f"{u} {s}\n" for u, s, _ in sorted(utts)))
    spk2utt = {}
    for u, s, _ in sorted(utts):
        spk2utt.setdefault(s, []).append(u)
    (d / "spk2utt").write_text("".join(f"{s} {' '.join(v)}\n" for s, v in sorted(spk2utt.items())))
    return d, total


def extract_throughput(n_files: int) -> None:
    from vcgan.bin.extract import extract_data_dir
    from vcgan.features import FeatureConfig

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        data, total = make_data_dir(root, n_files)
        print(f"\n== vcgan extract on {n_files} files, {total:.1f} s of audio (16 kHz, harvest, 24 mceps)")
        print(f"{'workers':>7} {'seconds':>8} {'files/s':>8} {'audio s/s':>10} {'speed-up':>9} {'cores used':>10}")
        cfg = FeatureConfig(sample_rate=16000, mcep_dim=24, f0_method="harvest")
        base = None
        for workers in (1, 2):
            cpu0 = cpu_seconds()
            t0 = time.perf_counter()
            done, bad = extract_data_dir(str(data), str(root / f"dump{workers}"), cfg, workers, progress=False)
            t = time.perf_counter() - t0
            cores = (cpu_seconds() - cpu0) / t
            if bad or len(done) != n_files:
                raise SystemExit(f"extraction failed: {bad}")
            base = base or t
            print(f"{workers:>7} {t:8.2f} {n_files / t:8.2f} {total / t:10.1f} {base / t:9.2f} {cores:10.2f}")
        print(f"(machine: {os.cpu_count()} CPU cores; 'cores used' = CPU time of this process and its workers"
              " / wall time: below the worker count means other load or idle workers)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=40)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    import logging
    logging.basicConfig(level=logging.WARNING)
    rtf_table(args.repeat)
    extract_throughput(args.files)


if __name__ == "__main__":
    main()
