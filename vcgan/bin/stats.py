"""Per-speaker statistics of a feature dump.

For every speaker of DUMP: mean and standard deviation per dimension of the mel-cepstra (and
of the spectrograms when extracted) over all frames, and of natural-log F0 over voiced frames.
Writes DUMP/stats/<speaker>.npz (vcgan.features.stats.SpeakerStats), a readable summary
DUMP/stats/summary.yaml and a per-speaker F0 histogram DUMP/stats/f0_histogram.png.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import numpy as np

from vcgan.data.dump import FeatureDump
from vcgan.features.f0 import plot_f0_histogram
from vcgan.features.stats import SpeakerStats, compute_speaker_stats
from vcgan.utils.config import save_yaml

logger = logging.getLogger("vcgan.stats")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dump-dir", required=True, help="dump directory written by `vcgan extract`")
    p.add_argument("--out-dir", default=None, help="where to write the statistics (default DUMP/stats)")


def compute_dump_stats(dump_dir: str, out_dir: str | None = None) -> dict[str, SpeakerStats]:
    """Statistics of every speaker of the dump, written to ``out_dir`` (default DUMP/stats).

    Raises:
        DumpError: the dump has no utterances, or one of them is unusable (named).
    """
    dump = FeatureDump(dump_dir)
    dump.require_utterances()
    out = Path(out_dir) if out_dir else dump.stats_dir
    result, f0s, summary = {}, {}, {}
    for spk in dump.speakers:
        utts = dump.utterances_of(spk)
        f0s[spk] = []

        def features():
            for u in utts:
                feats = dump.load(u)
                f0s[spk].append(feats["f0"])
                yield feats
        stats = compute_speaker_stats(spk, features(), dump.config.f0_range_for(spk))
        stats.save(out / f"{spk}.npz")
        result[spk] = stats
        summary[spk] = {
            "utterances": len(utts), "frames": stats.n_frames, "voiced_frames": stats.n_voiced,
            "log_f0_mean": round(stats.logf0_mean, 4), "log_f0_std": round(stats.logf0_std, 4),
            "f0_geometric_mean_hz": round(float(np.exp(stats.logf0_mean)), 1),
            "f0_range_hz": [stats.f0_floor, stats.f0_ceil],
        }
        logger.info("%s: %d utts, %d frames, F0 %.1f Hz (geometric mean), log-F0 std %.3f",
                    spk, len(utts), stats.n_frames, np.exp(stats.logf0_mean), stats.logf0_std)
    save_yaml(out / "summary.yaml", summary)
    plot_f0_histogram({s: np.concatenate(v) for s, v in f0s.items()},
                      {s: (st.f0_floor, st.f0_ceil) for s, st in result.items()}, out / "f0_histogram.png")
    return result


def run(args: argparse.Namespace) -> int:
    stats = compute_dump_stats(args.dump_dir, args.out_dir)
    logger.info("statistics of %d speaker(s) written", len(stats))
    return 0
