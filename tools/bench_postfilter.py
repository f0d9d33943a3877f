#!/usr/bin/env python
"""Benchmark of the GAN post-filters: prints figures, asserts nothing.

  cd egs/demo/gan_pf && ./run.sh                                 # all stages
  tools/venv/bin/python tools/bench_postfilter.py --recipe egs/demo/gan_pf [--pair kalM:sltF]

Reads what the recipe's stages 4-7 wrote (nothing is trained or converted here) and prints, per
system of the evaluation set (``baseline``, each front end ``dnn_<stream>`` and the same with its
post-filter ``dnn_<stream>+ganpf``): MCD (dB), F0 RMSE (cents), the DNSMOS OVRL proxy, the GV
ratio (dB; 0 = as varied as natural speech, negative = over-smoothed), the modulation-spectrum
distance (dB), the mean distance of log GV to natural over the dimensions (dB, per dimension
then averaged: a spread the ratio's mean can hide), and the wall time of training (s, from the
checkpoints of the front end and of the post-filter).

Those scores come from the converted *audio* (re-analysed by WORLD), which for the STFT systems
has been through Griffin-Lim. With ``--features`` the post-filters are also measured where they
act: the front end's converted features of the evaluation set with and without the post-filter
(``ConversionChain.convert_features``, no vocoder) against the target's natural features of the
same stream (mel-cepstra c1 on; log STFT magnitudes per bin): GV ratio and mean |log GV
difference| per dimension, and modulation-spectrum distance, all in dB; for mel-cepstra also
the GV / modulation-spectrum figure of ``vcgan report --plot-gv`` of these features, written to
``exp/gan_pf_<src>_<tgt>/eval/gv_ms_mcep_features.png``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch

ROWS = (("MCD (dB)", "mcd_db"), ("F0 RMSE (cents)", "f0_rmse_cents"), ("DNSMOS OVRL", "dnsmos_ovrl"),
        ("GV ratio (dB)", "gv_ratio_db"), ("MS distance (dB)", "ms_distance_db"))


def train_seconds(exp: Path) -> float | None:
    """Training wall time of the newest checkpoint of an experiment (s), or ``None``."""
    ckpts = sorted((exp / "checkpoints").glob("checkpoint-*.pt"))
    if not ckpts:
        return None
    return float(torch.load(ckpts[-1], map_location="cpu", weights_only=False).get("train_seconds", float("nan")))


def gv_distance_db(result: dict) -> float:
    """Mean over dimensions of ``|10 log10(GV_conv / GV_ref)|`` (dB) of a result's mean GVs."""
    gv = result["gv"]
    return float(np.mean(np.abs(10 * np.log10(np.asarray(gv["conv"]) / np.asarray(gv["ref"])))))


def feature_scores(recipe: Path, src: str, tgt: str, stream: str) -> dict[str, dict[str, float]]:
    """Feature-domain GV / MS of the front end of ``stream`` with and without its post-filter."""
    from vcgan.conversion.chain import ConversionChain
    from vcgan.data.dump import FeatureDump
    from vcgan.metrics.evaluate import mean_modulation_spectra
    from vcgan.metrics.oversmoothing import global_variance, gv_ratio_db, modulation_spectrum, ms_distance_db
    fe = recipe / "exp" / f"dnn_vc_{stream}_{src}_{tgt}" / "bundle"
    pf = recipe / "exp" / f"ganpf_{stream}_{src}_{tgt}" / "bundle"
    dump = FeatureDump(recipe / "dump" / "eval")
    streams = ("f0", "mcep", "spec")
    first = 1 if stream == "mcep" else 0  # c0 is the level, not texture
    natural = np.concatenate([dump.load(u, streams)[stream][:, first:] for u in dump.utterances_of(tgt)])
    out, plotted = {}, {}
    for name, chain in ((f"dnn_{stream}", ConversionChain(fe)), (f"dnn_{stream}+ganpf", ConversionChain(fe, postfilters=[pf]))):
        conv = [chain.convert_features(dump.load(u, streams), src, tgt)[stream][:, first:] for u in dump.utterances_of(src)]
        gv_c, gv_n = np.mean([global_variance(c) for c in conv], axis=0), global_variance(natural)
        ms_c = np.mean([modulation_spectrum(c) for c in conv], axis=0)
        ms_n = modulation_spectrum(natural)
        dims = list(range(first, first + natural.shape[1]))
        plotted[name] = {"gv": {"dims": dims, "ref": gv_n.tolist(), "conv": gv_c.tolist()},
                         "ms": mean_modulation_spectra([ms_n], [ms_c], dims, dump.config.frame_period)}
        out[name] = {"GV ratio (dB)": gv_ratio_db(gv_c, gv_n),
                     "|log GV - natural| (dB)": float(np.mean(np.abs(10 * np.log10(gv_c / gv_n)))),
                     "MS distance (dB)": ms_distance_db(ms_c, ms_n)}
    if stream == "mcep":  # the figure's axes are mel-cepstral
        from vcgan.metrics.plot import plot_oversmoothing
        path = recipe / "exp" / f"gan_pf_{src}_{tgt}" / "eval" / "gv_ms_mcep_features.png"
        plot_oversmoothing(plotted, path)
        print(f"wrote {path}")
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--recipe", default="egs/demo/gan_pf", help="recipe directory after stage 7")
    p.add_argument("--pair", default="kalM:sltF", help="src:tgt")
    p.add_argument("--features", action="store_true", help="also measure GV / MS of the features themselves")
    args = p.parse_args()
    recipe, (src, tgt) = Path(args.recipe), args.pair.split(":")
    ev = recipe / "exp" / f"gan_pf_{src}_{tgt}" / "eval"
    systems = [s for s in ("baseline", "dnn_mcep", "dnn_mcep+ganpf", "dnn_spec", "dnn_spec+ganpf")
               if (ev / f"{s}.json").is_file()]
    if not systems:
        raise SystemExit(f"{ev}: no results; run the recipe to stage 7 first")
    results = {s: json.loads((ev / f"{s}.json").read_text()) for s in systems}
    print(f"{'':24}" + "".join(f"{s:>16}" for s in systems))
    for label, key in ROWS:
        cells = [results[s]["summary"].get(key, {}).get("mean") for s in systems]
        print(f"{label:24}" + "".join(f"{c:16.3f}" if c is not None else f"{'-':>16}" for c in cells))
    print(f"{'|log GV - natural| (dB)':24}" + "".join(
        f"{gv_distance_db(results[s]):16.3f}" if results[s].get("gv") else f"{'-':>16}" for s in systems))
    times = []
    for s in systems:
        stream = s.split("_")[1].split("+")[0] if s != "baseline" else None
        fe = train_seconds(recipe / "exp" / f"dnn_vc_{stream}_{src}_{tgt}") if stream else None
        pf = train_seconds(recipe / "exp" / f"ganpf_{stream}_{src}_{tgt}") if s.endswith("+ganpf") else None
        times.append("-" if fe is None else f"{fe:.0f}" + (f"+{pf:.0f}" if pf is not None else ""))
    print(f"{'training (s)':24}" + "".join(f"{t:>16}" for t in times))
    print(f"(evaluation settings: {results[systems[0]]['settings'].get('preset', 'vcgan')} preset; "
          f"{len(results[systems[0]]['utterances'])} utterances)")
    if args.features:
        for stream in ("mcep", "spec"):
            if not (recipe / "exp" / f"ganpf_{stream}_{src}_{tgt}" / "bundle").is_dir():
                continue
            scores = feature_scores(recipe, src, tgt, stream)
            print(f"\nfeatures ({stream}{' c1..' if stream == 'mcep' else ', per STFT bin'}), against {tgt}'s natural ones:")
            print(f"{'':24}" + "".join(f"{s:>16}" for s in scores))
            for key in next(iter(scores.values())):
                print(f"{key:24}" + "".join(f"{v[key]:16.3f}" for v in scores.values()))


if __name__ == "__main__":
    main()
