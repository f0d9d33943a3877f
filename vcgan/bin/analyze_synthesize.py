"""Round-trip one file through WORLD: analysis, mel-cepstrum and coded aperiodicity, synthesis.

Hears what the vocoder alone does to a voice, before any conversion. Prints the
mel-cepstral distortion (dB) between input and output (same frames, no alignment needed).
Settings come from --config (a feature YAML), overridden by the options given.
"""

from __future__ import annotations

import argparse
import logging

import numpy as np

from vcgan.audio import write_wav
from vcgan.features.config import FeatureConfig
from vcgan.features.extract import analyze_file, extract_features
from vcgan.vocoders.world import world_vocode

logger = logging.getLogger("vcgan.analyze_synthesize")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("input", help="input audio file (resampled to --sample-rate if needed)")
    p.add_argument("output", help="output wav file (written at --sample-rate, 16-bit)")
    p.add_argument("--config", default=None, help="feature config YAML (default: built-in defaults)")
    p.add_argument("--sample-rate", type=int, default=None, help="analysis rate in Hz")
    p.add_argument("--f0-method", choices=["harvest", "dio"], default=None, help="F0 estimator")
    p.add_argument("--frame-period", type=float, default=None, help="frame shift in ms")
    p.add_argument("--mcep-dim", type=int, default=None, help="mel-cepstral coefficients incl. c0")


def config_from_args(args: argparse.Namespace) -> FeatureConfig:
    cfg = FeatureConfig.from_yaml(args.config) if args.config else FeatureConfig()
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


def run(args: argparse.Namespace) -> int:
    from vcgan.metrics.mcd import mcd_per_frame

    cfg = config_from_args(args)
    y, feats, again = round_trip(args.input, cfg)
    write_wav(args.output, y, cfg.sample_rate)
    n = min(len(feats["mcep"]), len(again["mcep"]))
    mcd = float(np.mean(mcd_per_frame(feats["mcep"][:n], again["mcep"][:n])))
    logger.info("%s -> %s: %d frames, %.2f s at %d Hz; round-trip MCD %.2f dB (c0 excluded, all frames)",
                args.input, args.output, len(feats["f0"]), len(y) / cfg.sample_rate, cfg.sample_rate, mcd)
    return 0
