"""Round-trip one file through WORLD: analysis, mel-cepstrum and coded aperiodicity, synthesis.

Hears what the vocoder alone does to a voice, before any conversion. Prints the
mel-cepstral distortion (dB) between input and output (same frames, no alignment needed).
Settings come from --config (a feature YAML), overridden by the options given; without
--config or --sample-rate the file is analysed at its own rate (never resampled), and the
mel-cepstral order and all-pass constant follow that rate (25 coefficients and 0.41 at
16 kHz, 35 and 0.455 at 22.05 kHz). The settings used are logged, and written with the
MCD to --json when given.
"""

from __future__ import annotations

import argparse
import json
import logging

import numpy as np

from vcgan.audio import write_wav
from vcgan.features.config import FeatureConfig
from vcgan.features.extract import analyze_file, extract_features
from vcgan.vocoders.world import world_vocode

logger = logging.getLogger("vcgan.analyze_synthesize")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("input", help="input audio file (resampled only if --sample-rate or --config asks for another rate)")
    p.add_argument("output", help="output wav file (16-bit, at the analysis rate)")
    p.add_argument("--config", default=None,
                   help="feature config YAML, e.g. a dump's feature_config.yaml (default: built-in defaults "
                        "at the input's rate)")
    p.add_argument("--sample-rate", type=int, default=None,
                   help="analysis rate in Hz (default: the config's, else the input's own)")
    p.add_argument("--f0-method", choices=["harvest", "dio"], default=None, help="F0 estimator")
    p.add_argument("--frame-period", type=float, default=None, help="frame shift in ms")
    p.add_argument("--mcep-dim", type=int, default=None,
                   help="mel-cepstral coefficients incl. c0 (default: the config's, else the rate's: 25 at 16 kHz)")
    p.add_argument("--json", default=None, metavar="FILE", help="also write the settings used and the MCD here")


def input_rate(path: str) -> int | None:
    """Sampling rate (Hz) in the header of ``path``; ``None`` when it cannot be read (reading
    the file later names the problem: missing, empty, not audio)."""
    import soundfile as sf

    try:
        return int(sf.info(str(path)).samplerate)
    except (sf.LibsndfileError, RuntimeError, TypeError):
        return None


def config_from_args(args: argparse.Namespace, file_rate: int | None = None) -> FeatureConfig:
    """Feature settings: ``--config`` (or the defaults at ``file_rate`` Hz, the input's rate,
    when given), then the options given on top."""
    if args.config:
        cfg = FeatureConfig.from_yaml(args.config)
    else:
        cfg = FeatureConfig(sample_rate=file_rate) if file_rate else FeatureConfig()
    overrides = {k: v for k, v in {
        "sample_rate": args.sample_rate, "f0_method": args.f0_method,
        "frame_period": args.frame_period, "mcep_dim": args.mcep_dim,
    }.items() if v is not None}
    return cfg.replace(**overrides)


def round_trip(path: str, cfg: FeatureConfig) -> tuple[np.ndarray, dict, dict]:
    """Analyse ``path``, resynthesise; returns ``(waveform, input features, output features)``."""
    feats = analyze_file(path, cfg)
    y = world_vocode(feats, cfg)
    return y, feats, extract_features(y, cfg)


def settings_used(cfg: FeatureConfig) -> dict:
    """The settings that change the result, with derived values resolved (rate in Hz, frame
    period in ms, ``mcep_dim`` including c0)."""
    return {
        "sample_rate": cfg.sample_rate, "mcep_dim": cfg.n_mcep, "mcep_alpha": round(cfg.alpha, 6),
        "f0_method": cfg.f0_method, "f0_floor": cfg.f0_floor, "f0_ceil": cfg.f0_ceil,
        "frame_period": cfg.frame_period, "fft_size": cfg.world_fft_size, "ap_coding": cfg.ap_coding,
    }


def describe(cfg: FeatureConfig, rate_from: str) -> str:
    """One log line of the analysis settings; ``rate_from`` says where the rate came from."""
    def origin(value_set: bool) -> str:
        return "given" if value_set else f"default at {cfg.sample_rate} Hz"
    return (f"analysis settings: {cfg.sample_rate} Hz ({rate_from}), {cfg.n_mcep} mel-cepstral coefficients "
            f"incl. c0 ({origin(cfg.mcep_dim is not None)}), alpha {cfg.alpha:.3f} "
            f"({origin(cfg.mcep_alpha is not None)}), {cfg.f0_method} F0 {cfg.f0_floor:g}-{cfg.f0_ceil:g} Hz, "
            f"{cfg.frame_period:g} ms frames")


def run(args: argparse.Namespace) -> int:
    from vcgan.metrics.mcd import mcd_per_frame
    from vcgan.utils.io import atomic_write_text, check_output_path

    check_output_path(args.output)
    if args.json:
        check_output_path(args.json, what="--json")
    file_rate = input_rate(args.input)
    cfg = config_from_args(args, file_rate)
    rate_from = ("--sample-rate" if args.sample_rate else "--config" if args.config
                 else "the input's rate" if file_rate else "the default")
    logger.info("%s", describe(cfg, rate_from))
    y, feats, again = round_trip(args.input, cfg)
    write_wav(args.output, y, cfg.sample_rate)
    n = min(len(feats["mcep"]), len(again["mcep"]))
    mcd = float(np.mean(mcd_per_frame(feats["mcep"][:n], again["mcep"][:n])))
    logger.info("%s -> %s: %d frames, %.2f s at %d Hz; round-trip MCD %.2f dB (c0 excluded, all frames)",
                args.input, args.output, len(feats["f0"]), len(y) / cfg.sample_rate, cfg.sample_rate, mcd)
    if args.json:
        result = {"input": str(args.input), "output": str(args.output), "input_sample_rate": file_rate,
                  "settings": settings_used(cfg), "frames": int(n), "mcd_db": round(mcd, 4),
                  "mcd": "mean over all frames, c0 excluded, input vs. re-analysed output"}
        atomic_write_text(args.json, json.dumps(result, indent=2) + "\n")
        logger.info("wrote %s", args.json)
    return 0
