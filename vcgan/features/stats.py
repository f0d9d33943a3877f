"""Per-speaker statistics and (de)normalisation.

Mel-cepstra (and spectrograms) are standardised per speaker and per dimension before they
reach a network; log F0 statistics (over voiced frames) drive the log-F0 transform.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np

from vcgan.utils.io import atomic_path
from vcgan.utils.npz import CorruptFileError, load_npz

#: Standard deviations below this are clamped so constant dimensions do not blow up.
MIN_STD = 1e-5
#: Feature streams that get per-dimension mean/std (when present in a dump).
NORMALIZED_STREAMS = ("mcep", "spec", "mel")
# The scalar entries of a statistics file (besides mean_<stream>, std_<stream>).
_SCALARS = ("speaker", "logf0_mean", "logf0_std", "f0_floor", "f0_ceil", "n_frames", "n_voiced")


@dataclass
class SpeakerStats:
    """Statistics of one speaker.

    Attributes:
        speaker: Speaker id.
        mean, std: Per stream (``"mcep"``, and ``"spec"``/``"mel"`` when extracted) a
            ``(dim,)`` mean and standard deviation over all frames.
        logf0_mean, logf0_std: Mean and standard deviation of natural-log F0 (Hz) over voiced frames.
        f0_floor, f0_ceil: The speaker's F0 range (Hz) used at extraction.
        n_frames, n_voiced: Frame counts the statistics were computed from.
    """

    speaker: str
    mean: dict[str, np.ndarray] = field(default_factory=dict)
    std: dict[str, np.ndarray] = field(default_factory=dict)
    logf0_mean: float = 0.0
    logf0_std: float = 1.0
    f0_floor: float = 0.0
    f0_ceil: float = 0.0
    n_frames: int = 0
    n_voiced: int = 0

    def normalize(self, x: np.ndarray, stream: str = "mcep") -> np.ndarray:
        """``(frames, dim)`` -> standardised ``(frames, dim)``."""
        return (x - self.mean[stream]) / self.std[stream]

    def denormalize(self, x: np.ndarray, stream: str = "mcep") -> np.ndarray:
        """Inverse of :meth:`normalize`."""
        return x * self.std[stream] + self.mean[stream]

    def save(self, path: str | os.PathLike) -> None:
        arrays = {f"mean_{k}": v for k, v in self.mean.items()}
        arrays.update({f"std_{k}": v for k, v in self.std.items()})
        with atomic_path(path, suffix=".tmp.npz") as tmp:
            np.savez(
                tmp, speaker=np.array(self.speaker), logf0_mean=self.logf0_mean, logf0_std=self.logf0_std,
                f0_floor=self.f0_floor, f0_ceil=self.f0_ceil, n_frames=self.n_frames, n_voiced=self.n_voiced,
                **arrays,
            )

    @classmethod
    def load(cls, path: str | os.PathLike) -> "SpeakerStats":
        """Read statistics written by :meth:`save`.

        Raises:
            CorruptFileError: naming the file: empty, damaged, or not statistics (a key missing).
        """
        z = load_npz(path)
        missing = [k for k in (*_SCALARS, "mean_mcep", "std_mcep") if k not in z]
        if missing:
            raise CorruptFileError(path, f"not speaker statistics of `vcgan stats` (no {', '.join(missing)})")
        return cls(
            speaker=str(z["speaker"]),
            mean={k[5:]: v for k, v in z.items() if k.startswith("mean_")},
            std={k[4:]: v for k, v in z.items() if k.startswith("std_")},
            logf0_mean=float(z["logf0_mean"]), logf0_std=float(z["logf0_std"]),
            f0_floor=float(z["f0_floor"]), f0_ceil=float(z["f0_ceil"]),
            n_frames=int(z["n_frames"]), n_voiced=int(z["n_voiced"]),
        )


def compute_speaker_stats(
    speaker: str, utterances: Iterable[Mapping[str, np.ndarray]], f0_range: tuple[float, float] = (0.0, 0.0)
) -> SpeakerStats:
    """Statistics over a speaker's utterances (each a dict of feature arrays as in a dump).

    Sums are accumulated in float64 so that long corpora do not lose precision and nothing
    but one utterance is in memory at a time.

    Raises:
        ValueError: no frames, or no voiced frame at all.
    """
    sums: dict[str, np.ndarray] = {}
    sqsums: dict[str, np.ndarray] = {}
    counts: dict[str, int] = {}
    lf0_sum = lf0_sq = 0.0
    n_voiced = 0
    for feats in utterances:
        for stream in NORMALIZED_STREAMS:
            if stream in feats:
                x = np.asarray(feats[stream], dtype=np.float64)
                sums[stream] = sums.get(stream, 0.0) + x.sum(axis=0)
                sqsums[stream] = sqsums.get(stream, 0.0) + (x * x).sum(axis=0)
                counts[stream] = counts.get(stream, 0) + len(x)
        f0 = np.asarray(feats["f0"], dtype=np.float64)
        lf0 = np.log(f0[f0 > 0])
        lf0_sum += lf0.sum()
        lf0_sq += (lf0 * lf0).sum()
        n_voiced += lf0.size
    if not counts.get("mcep"):
        raise ValueError(f"speaker {speaker}: no frames to compute statistics from")
    if n_voiced == 0:
        raise ValueError(f"speaker {speaker}: no voiced frame in any utterance; cannot compute log-F0 statistics")
    mean = {k: sums[k] / counts[k] for k in sums}
    std = {k: np.sqrt(np.maximum(sqsums[k] / counts[k] - mean[k] ** 2, 0.0)).clip(min=MIN_STD) for k in sums}
    lf0_mean = lf0_sum / n_voiced
    lf0_std = max(np.sqrt(max(lf0_sq / n_voiced - lf0_mean**2, 0.0)), MIN_STD)
    return SpeakerStats(
        speaker=speaker, mean={k: v.astype(np.float32) for k, v in mean.items()},
        std={k: v.astype(np.float32) for k, v in std.items()},
        logf0_mean=float(lf0_mean), logf0_std=float(lf0_std), f0_floor=float(f0_range[0]),
        f0_ceil=float(f0_range[1]), n_frames=int(counts["mcep"]), n_voiced=int(n_voiced),
    )


def load_all_stats(stats_dir: str | os.PathLike) -> dict[str, SpeakerStats]:
    """All ``<speaker>.npz`` statistics in a directory, by speaker id."""
    stats_dir = Path(stats_dir)
    files = sorted(stats_dir.glob("*.npz"))
    if not files:
        raise FileNotFoundError(f"{stats_dir}: no speaker statistics (*.npz); run `vcgan stats` first")
    return {s.speaker: s for s in map(SpeakerStats.load, files)}
