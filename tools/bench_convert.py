#!/usr/bin/env python
"""Benchmark of conversion speed: prints figures, asserts nothing.

  tools/venv/bin/python tools/bench_convert.py \
      --bundle egs/demo/cyclegan_vc2/exp/cyclegan_vc2_kalM_sltF/bundle \
      --input egs/demo/cyclegan_vc2/data/eval_kalM/wav.scp
  tools/venv/bin/python tools/bench_convert.py            # no bundle: crops of pysptk's example file

Real-time factor (processing seconds / audio seconds, lower is faster) on the same ``--files``
utterances of:

* ``WORLD only``: read, WORLD analysis (:func:`vcgan.features.extract.extract_features`, with
  the source speaker's F0 range, as conversion uses it), WORLD synthesis
  (:func:`vcgan.vocoders.world.world_vocode`) and writing the wav: what conversion costs
  without any model;
* :meth:`vcgan.conversion.ConversionChain.convert_file` (to a wav) with the statistical
  baseline, the ``--bundle`` model (e.g. the demo's), and a paper-size CycleGAN-VC2 generator
  (``CycleGANConfig.paper("cyclegan_vc2")`` widths at the bundle's feature dimension, random
  weights: speed does not depend on them);
* the generator alone on the normalised mel-cepstra of the same files;

and the network's share of ``convert_file`` time: (convert - WORLD only) / convert. Each
figure is the best of ``--repeat`` passes over the files, at each torch thread count of
``--threads`` (``vcgan convert -j N`` workers use 1 thread each).

Without ``--bundle`` the input is ``--files`` centred crops (35-100 % long) of the ARCTIC recording pysptk
ships, with a 16 kHz demo feature config and statistics computed from those crops.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
DEMO_FEATURES = ROOT / "egs/demo/cyclegan_vc2/conf/feature.yaml"


def list_inputs(spec: str, n: int) -> list[str]:
    """The first ``n`` wav files of a wav.scp, a directory or a single file."""
    p = Path(spec)
    if p.is_dir():
        files = [str(f) for f in sorted(p.glob("*.wav"))]
    elif p.name.endswith(".scp"):
        from vcgan.data.dump import read_table
        table = read_table(p)
        files = [table[u] for u in sorted(table)]
    else:
        files = [str(p)]
    return files[:n]


def example_crops(out_dir: Path, n: int) -> list[str]:
    """``n`` centred crops, 35 to 100 % of the length, of pysptk's example recording (16 kHz), written to ``out_dir``."""
    import pysptk
    import soundfile as sf
    x, fs = sf.read(pysptk.util.example_audio_file())
    files = []
    for i in range(n):
        length = int(len(x) * (0.35 + 0.65 * i / max(n - 1, 1)))
        start = (len(x) - length) // 2
        path = out_dir / f"crop{i:02d}.wav"
        sf.write(path, x[start:start + length], fs)
        files.append(str(path))
    return files


def synthetic_bundle(files: list[str], feature_yaml: Path):
    """A bundle with random weights and statistics of ``files`` for speakers A and B (B's log F0
    a fifth higher), so that conversion runs without a trained model."""
    from vcgan.bundle import Bundle
    from vcgan.features.config import FeatureConfig
    from vcgan.features.extract import analyze_file
    from vcgan.features.stats import compute_speaker_stats
    cfg = FeatureConfig.from_yaml(feature_yaml)
    feats = [analyze_file(f, cfg) for f in files]
    a = compute_speaker_stats("A", feats, (cfg.f0_floor, cfg.f0_ceil))
    b = compute_speaker_stats("B", feats, (cfg.f0_floor, cfg.f0_ceil))
    b.logf0_mean += np.log(1.5)
    return with_generator(Bundle(speakers=["A", "B"], stats={"A": a, "B": b}, feature_config=cfg),
                          "cyclegan_vc2", {})


def with_generator(bundle, model: str, overrides: dict, seed: int = 0):
    """A copy of ``bundle`` whose generators are a paper ``model`` (with ``overrides``) of random
    weights at the bundle's feature dimension."""
    from dataclasses import replace

    from vcgan.bundle import Component
    from vcgan.models import build_generator
    from vcgan.tasks.cyclegan import CycleGANConfig
    cfg = CycleGANConfig.paper(model)
    cfg.generator = dict(overrides)
    torch.manual_seed(seed)
    gens = {d: build_generator(cfg.model, mcep_dim=bundle.feature_config.n_mcep, **cfg.generator).state_dict()
            for d in ("a2b", "b2a")}
    return replace(bundle, converter=Component("cyclegan", cfg.to_dict(), gens))


def best_pass(fn, files: list[str], repeat: int) -> float:
    """Seconds of the fastest of ``repeat`` passes of ``fn(path)`` over ``files``."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for f in files:
            fn(f)
        best = min(best, time.perf_counter() - t0)
    return best


def world_only(converter, src: str, out_dir: Path):
    """``path -> None``: read, analyse (source speaker's F0 range), synthesise, write; no conversion."""
    from vcgan.audio import write_wav
    from vcgan.features.extract import read_speech
    from vcgan.vocoders.world import world_vocode
    cfg = converter.feature_config

    def run(path: str) -> None:
        feats = converter.analyze(read_speech(path, cfg), src, path)
        write_wav(out_dir / Path(path).name, world_vocode(feats, cfg), cfg.sample_rate)
    return run


def convert(converter, src: str, tgt: str, out_dir: Path):
    """``path -> None``: :meth:`ConversionChain.convert_file` to a wav in ``out_dir``."""
    return lambda path: converter.convert_file(path, out_dir / Path(path).name, src, tgt)


def network_only(converter, src: str, tgt: str, files: list[str]):
    """``path -> None``: the generator on the file's (precomputed) normalised mel-cepstra."""
    from vcgan.conversion.streams import converted_rows
    from vcgan.features.extract import read_speech
    stats = converter.bundle.stats[src]
    rows = converted_rows(getattr(converter.converter, "energy", "convert"))  # energy: source leaves c0 out
    z = {f: stats.normalize(converter.analyze(read_speech(f, converter.feature_config), src, f)["mcep"])[:, rows]
         for f in files}
    mcep_map = converter.converter.mcep_map(src, tgt)
    return lambda path: mcep_map(z[path])


def duration(files: list[str]) -> float:
    """Total seconds of audio in ``files``."""
    import soundfile as sf
    return sum(sf.info(f).duration for f in files)


def n_params(converter) -> float:
    """Millions of parameters of one generator (0 for the baseline)."""
    gens = list(getattr(converter.converter, "generators", {}).values())
    return sum(p.numel() for p in gens[0].parameters()) / 1e6 if gens else 0.0


def run(args, files: list[str], bundle, out_dir: Path) -> None:
    from vcgan.conversion import ConversionChain
    src, tgt = args.src_spk or bundle.speakers[0], args.tgt_spk or bundle.speakers[1]
    systems = [("baseline (no network)", ConversionChain(bundle, baseline=True))]
    if args.bundle:
        systems.append(("bundle model", ConversionChain(bundle)))
    systems.append(("paper-size VC2 G (random)", ConversionChain(with_generator(bundle, "cyclegan_vc2", {}))))
    dur = duration(files)
    print(f"== conversion real-time factor: {len(files)} files, {dur:.1f} s of speech, {src} -> {tgt}, "
          f"{bundle.feature_config.sample_rate} Hz, F0 {bundle.feature_config.f0_method}, best of {args.repeat}")
    print(f"{'threads':>7} {'system':<27} {'G params (M)':>12} {'convert s':>10} {'RTF':>7} "
          f"{'G alone RTF':>11} {'net share':>9}")
    for threads in args.threads:
        torch.set_num_threads(threads)
        t_world = best_pass(world_only(systems[0][1], src, out_dir), files, args.repeat)
        print(f"{threads:>7} {'WORLD only':<27} {'':>12} {t_world:10.3f} {t_world / dur:7.3f}")
        for name, conv in systems:
            t = best_pass(convert(conv, src, tgt, out_dir), files, args.repeat)
            t_net = best_pass(network_only(conv, src, tgt, files), files, args.repeat) if hasattr(conv.converter, "mcep_map") else 0.0
            print(f"{threads:>7} {name:<27} {n_params(conv):12.2f} {t:10.3f} {t / dur:7.3f} "
                  f"{t_net / dur:11.4f} {100 * (t - t_world) / t:8.1f}%", flush=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bundle", default=None, help="model bundle (EXP/bundle); default: none, random weights")
    p.add_argument("--input", default=None, help="wav.scp, directory or wav of the source speaker "
                                                 "(default: crops of pysptk's example file)")
    p.add_argument("--files", type=int, default=10, help="number of utterances")
    p.add_argument("--src-spk", default=None, help="source speaker (default: the bundle's first)")
    p.add_argument("--tgt-spk", default=None, help="target speaker (default: the bundle's second)")
    p.add_argument("--feature-config", type=Path, default=DEMO_FEATURES,
                   help="feature YAML when there is no --bundle")
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="torch CPU thread counts")
    p.add_argument("--repeat", type=int, default=2, help="passes over the files; the fastest counts")
    args = p.parse_args()
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory(prefix="bench_convert.") as tmp:
        tmp = Path(tmp)
        files = list_inputs(args.input, args.files) if args.input else example_crops(tmp, args.files)
        if args.bundle:
            from vcgan.bundle import Bundle
            bundle = Bundle.load(args.bundle)
        else:
            bundle = synthetic_bundle(files, args.feature_config)
        run(args, files, bundle, tmp)


if __name__ == "__main__":
    main()
