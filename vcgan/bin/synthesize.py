"""Rebuild waveforms from feature files: the vocoder stage of a recipe.

  vcgan synthesize --features exp/NAME/convert/feats --out exp/NAME/convert/wav \
      --config exp/NAME/bundle/feature_config.yaml [--vocoder world] [-j 2]

Every <name>.npz in --features (written by `vcgan convert --features-only` or `vcgan extract`)
becomes <name>.wav in --out, at the config's sample rate, 16-bit, written atomically.
Vocoders: `world` (f0, mcep, cap/ap), `griffin-lim` (spec: log STFT magnitude) and
`griffin-lim-mel` (mel: log mel spectrogram), with --gl-iters iterations (default 100).
Existing outputs are skipped (re-run to resume); a bad file is reported, the others finish.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from vcgan.audio import write_wav
from vcgan.data.dump import read_features
from vcgan.features.config import FeatureConfig
from vcgan.vocoders import VOCODERS, get_vocoder
from vcgan.utils.argtypes import positive_int
from vcgan.utils.io import check_output_path
from vcgan.utils.parallel import caught, parallel_map, report_failures

logger = logging.getLogger("vcgan.synthesize")



def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--features", required=True, help="directory of <name>.npz feature files")
    p.add_argument("--out", required=True, help="output directory for <name>.wav")
    p.add_argument("--config", required=True, help="feature config YAML the features were made with")
    p.add_argument("--vocoder", choices=sorted(VOCODERS), default="world", help="default: world")
    p.add_argument("--gl-iters", type=int, default=100, help="Griffin-Lim iterations (default 100)")
    p.add_argument("-j", "--jobs", type=positive_int, default=1, help="parallel worker processes")
    p.add_argument("--overwrite", action="store_true", help="redo outputs that exist")


def _synthesize_one(job: tuple[str, str, dict, str, int]):
    in_path, out_path, cfg_dict, vocoder, gl_iters = job
    cfg = FeatureConfig.from_dict(cfg_dict)

    def run():
        vocode = get_vocoder(vocoder, cfg, gl_iters=gl_iters)
        write_wav(out_path, vocode(read_features(in_path)), cfg.sample_rate)
    _, error, warns = caught(run)
    return in_path, (f"{in_path}: {error}" if error and not error.startswith(in_path) else error), warns


def run(args: argparse.Namespace) -> int:
    cfg = FeatureConfig.from_yaml(args.config)
    src = Path(args.features)
    files = sorted(src.glob("*.npz"))
    if not files:
        raise FileNotFoundError(f"{src}: no *.npz feature files")
    out = check_output_path(args.out, directory=True, what="--out")
    jobs = [(str(f), str(out / f"{f.stem}.wav"), cfg.to_dict(), args.vocoder, args.gl_iters) for f in files
            if args.overwrite or not (out / f"{f.stem}.wav").is_file()]
    if len(jobs) < len(files):
        logger.info("%d of %d outputs exist already; skipping them", len(files) - len(jobs), len(files))
    failed = []
    for _, error, warns in parallel_map(_synthesize_one, jobs, args.jobs, f"synthesize ({args.vocoder})"):
        for w in warns:
            logger.warning("%s", w)
        if error:
            failed.append(error)
    logger.info("synthesized %d file(s) into %s", len(jobs) - len(failed), out)
    return report_failures(logger, failed)
