"""Objective evaluation of converted speech against reference (target) speech.

Pairs the files of --ref and --conv by name (without extension), scores every pair in
parallel (-j), prints a table (mean and 95% confidence interval over utterances) and writes
per-utterance values with every setting used to --json.

Metrics (--metrics, default mcd,f0,gv):
  mcd   mel-cepstral distortion (dB), DTW-aligned, c0 excluded, silent frames dropped
        (frames whose power is at or below -20 dB relative to the utterance mean)
  f0    F0 RMSE (cents, 100 = one semitone) and log-F0 Pearson r over frames voiced in
        both, and the V/UV error rate (%), along the MCD's alignment
  gv    over-smoothing: global variance ratio converted/reference (dB, mean over
        mel-cepstral dimensions; negative = over-smoothed) and modulation spectrum
        distance (dB)
  sim   speaker similarity (cosine of Resemblyzer d-vectors, 0-1) of each converted
        utterance to the target speaker (all --ref files) and, with --src, to the source
        speaker; needs the resemblyzer package
  mos   DNSMOS P.835 OVRL/SIG/BAK (1-5): a non-intrusive naturalness PROXY, not a MOS;
        needs the speechmos and onnxruntime packages

MCD conventions differ between toolkits by several dB. --preset picks one (vcgan: ours;
sprocket; espnet: ESPnet/ParallelWaveGAN's evaluate_mcd.py); the options below override
single settings, and the JSON records them all. Analysis settings come from --config (a
feature config, e.g. a dump's feature_config.yaml) or the defaults at the files' rate.
Files are never resampled: differing sample rates are an error.

Exit status: 0 when every utterance was scored, 1 when some failed (listed; the others
still count), 2 when the directories do not pair up or the settings are unusable.
"""

from __future__ import annotations

import argparse
import logging

from vcgan.metrics.dtw import fastdtw_available
from vcgan.metrics.presets import F0_METHODS, MCEP_SOURCES, PRESETS

logger = logging.getLogger("vcgan.evaluate")


def metric_list(text: str) -> tuple[str, ...]:
    """``--metrics``: comma-separated names of :data:`vcgan.metrics.evaluate.ALL_METRICS`, checked."""
    from vcgan.metrics.evaluate import ALL_METRICS

    names = tuple(m.strip() for m in text.split(",") if m.strip())
    bad = [m for m in names if m not in ALL_METRICS]
    if bad or not names:
        raise argparse.ArgumentTypeError(f"unknown metric(s) {', '.join(bad) or '(none)'}; choose from {','.join(ALL_METRICS)}")
    return names


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--ref", required=True, metavar="REF_DIR", help="reference (target speaker) speech")
    p.add_argument("--conv", required=True, metavar="CONV_DIR", help="converted speech, same file names")
    p.add_argument("--src", metavar="SRC_DIR", help="source speech, same file names (for similarity and the plot)")
    p.add_argument("--metrics", type=metric_list, default=("mcd", "f0", "gv"),
                   help="comma-separated subset of mcd,f0,sim,mos,gv (default mcd,f0,gv)")
    p.add_argument("--json", metavar="OUT_JSON", help="write per-utterance scores, summary and settings here")
    p.add_argument("--plot", metavar="OUT_PNG", help="plot per-utterance MCD and spectrograms of one utterance")
    p.add_argument("--plot-utt", metavar="NAME", help="utterance shown in the spectrogram plot (default: the first)")
    p.add_argument("-j", "--jobs", type=int, default=1, help="parallel worker processes (default 1)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    g = p.add_argument_group("settings (default: preset vcgan with the feature config)")
    g.add_argument("--preset", choices=sorted(PRESETS), default="vcgan", help="MCD convention (default vcgan)")
    g.add_argument("--config", metavar="FEATURE_YAML", help="feature config for the vcgan preset's analysis settings")
    g.add_argument("--sample-rate", type=int, help="expected sample rate (Hz); files at another rate are an error")
    g.add_argument("--mcep-dim", type=int, help="mel-cepstral coefficients including c0")
    g.add_argument("--alpha", type=float, help="all-pass constant")
    g.add_argument("--include-c0", action=argparse.BooleanOptionalAction, default=None,
                   help="count c0 (frame log power) in the MCD")
    sil = g.add_mutually_exclusive_group()
    sil.add_argument("--silence-threshold", type=float, metavar="DB",
                     help="drop frames at or below this power relative to the utterance mean (dB)")
    sil.add_argument("--all-frames", action="store_true", help="count every frame (no silence removal)")
    g.add_argument("--mcep-source", choices=MCEP_SOURCES, help="world (CheapTrick + sp2mc) or sptk (pysptk.mcep of frames)")
    dtw_choices = ["exact"] + (["fastdtw"] if fastdtw_available() else [])
    g.add_argument("--dtw", choices=dtw_choices,
                   help="exact DTW" + (" or approximate fastdtw" if len(dtw_choices) > 1 else " (install fastdtw for fastdtw)"))
    g.add_argument("--f0-method", choices=F0_METHODS, help="WORLD F0 estimator (dio is ~15x faster than harvest)")
    g.add_argument("--f0-floor", type=float, help="lowest F0 searched (Hz)")
    g.add_argument("--f0-ceil", type=float, help="highest F0 searched (Hz)")


def run(args: argparse.Namespace) -> int:
    from vcgan.features.config import FeatureConfig
    from vcgan.metrics.evaluate import (
        PairingError, common_sample_rate, evaluate_pairs, format_table, pair_directories, write_json,
    )
    from vcgan.metrics.presets import SettingsError, get_settings
    from vcgan.utils.config import ConfigError

    from vcgan.utils.io import check_output_path

    try:
        # Before the scoring, which can take long: an output that cannot be written then
        # would lose every result.
        for option, path in (("--json", args.json), ("--plot", args.plot)):
            if path:
                check_output_path(path, what=option)
        pairs = pair_directories(args.ref, args.conv, args.src)
        fs = common_sample_rate(pairs)
        if args.sample_rate is not None and args.sample_rate != fs:
            raise PairingError(f"--sample-rate is {args.sample_rate} Hz but the files are at {fs} Hz")
        cfg = FeatureConfig.from_yaml(args.config) if args.config else None
        settings = get_settings(
            args.preset, fs, cfg, mcep_dim=args.mcep_dim, alpha=args.alpha, include_c0=args.include_c0,
            silence="none" if args.all_frames else None, silence_threshold_db=args.silence_threshold,
            mcep_source=args.mcep_source, dtw=args.dtw, f0_method=args.f0_method,
            f0_floor=args.f0_floor, f0_ceil=args.f0_ceil,
        )
        if settings.dtw == "fastdtw" and not fastdtw_available():
            raise SettingsError(f"preset {settings.preset!r} aligns with fastdtw, which is not installed: "
                                "pip install fastdtw==0.3.4, or pass --dtw exact")
        for m, mod in (("sim", "similarity"), ("mos", "naturalness")):
            if m in args.metrics:
                import importlib
                if not importlib.import_module(f"vcgan.metrics.{mod}").available():
                    raise SettingsError(f"metric {m!r} needs an optional package; see `vcgan evaluate --help` "
                                        "and the README (Evaluation)")
    except (PairingError, SettingsError, ConfigError, OSError) as e:
        logger.error("%s", e)
        return 2
    if args.jobs < 1:
        logger.error("-j must be at least 1")
        return 2

    logger.info("evaluating %d pair(s) at %d Hz, metrics %s, preset %s", len(pairs), fs, ",".join(args.metrics), settings.preset)
    results = evaluate_pairs(pairs, settings, args.metrics, args.jobs, progress=not args.no_progress,
                             log=lambda m: logger.warning("%s", m))
    results["dirs"] = {"ref": args.ref, "conv": args.conv, "src": args.src}
    print(format_table(results))
    if args.json:
        write_json(args.json, results)
        logger.info("wrote %s", args.json)
    if args.plot:
        _plot(results, pairs, args)
    if results["errors"]:
        logger.error("%d utterance(s) could not be scored:", len(results["errors"]))
        for name, error in results["errors"].items():
            logger.error("  %s: %s", name, error)
        return 1
    return 0


def _plot(results: dict, pairs, args: argparse.Namespace) -> None:
    from vcgan.audio import AudioError, read_wav
    from vcgan.metrics.plot import plot_evaluation

    by_name = {p.name: p for p in pairs}
    name = args.plot_utt or next(iter(results["utterances"]), None)
    if name is not None and name not in by_name:
        logger.error("--plot-utt %s: no such utterance (have e.g. %s)", name, ", ".join(list(by_name)[:5]))
        name = None
    wavs = {}
    if name is not None:
        p = by_name[name]
        for key, path in (("source", p.src), ("converted", p.conv), ("target", p.ref)):
            if path is not None:
                try:
                    wavs[key] = read_wav(path)
                except AudioError as e:
                    logger.warning("plot: %s", e)
    plot_evaluation(results, args.plot, name, wavs)
    logger.info("wrote %s", args.plot)
