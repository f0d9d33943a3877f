"""F0 range estimation, range checks and log-F0 conversion.

Range estimation follows De Looze & Hirst (Speech Prosody 2008): after a first pass with a wide
search range, a speaker's floor is 0.72 times the 35th percentile of its voiced F0 and its
ceiling 1.9 times the 65th percentile. Those bounds then drive the real extraction, which
removes most octave errors a single wide range causes.

Log-F0 conversion is the Gaussian normalised transform used by CycleGAN-VC and StarGAN-VC
(Liu et al., ICASSP 2007): log F0 is standardised with the source speaker's voiced-frame mean
and standard deviation and de-standardised with the target's.
"""

from __future__ import annotations

import warnings

import numpy as np

#: Search range (Hz) of the first pass of the automatic range estimate.
WIDE_F0_RANGE = (40.0, 800.0)
FLOOR_FACTOR, FLOOR_QUANTILE = 0.72, 35
CEIL_FACTOR, CEIL_QUANTILE = 1.9, 65


def estimate_f0_range(f0: np.ndarray) -> tuple[float, float]:
    """``(floor, ceil)`` in Hz from a speaker's F0 values (any shape; zeros = unvoiced ignored).

    Raises:
        ValueError: fewer than 10 voiced frames.
    """
    voiced = np.asarray(f0, dtype=np.float64).ravel()
    voiced = voiced[voiced > 0]
    if voiced.size < 10:
        raise ValueError(f"cannot estimate an F0 range from {voiced.size} voiced frames (need at least 10)")
    lo = FLOOR_FACTOR * np.percentile(voiced, FLOOR_QUANTILE)
    hi = CEIL_FACTOR * np.percentile(voiced, CEIL_QUANTILE)
    lo = max(lo, WIDE_F0_RANGE[0])
    return float(round(lo, 1)), float(round(hi, 1))


def fraction_outside(f0: np.ndarray, floor: float, ceil: float) -> float:
    """Share of voiced frames whose F0 lies outside ``[floor, ceil]`` Hz (0 when none is voiced)."""
    voiced = f0[f0 > 0]
    if voiced.size == 0:
        return 0.0
    return float(np.mean((voiced < floor) | (voiced > ceil)))


def warn_if_outside(f0: np.ndarray, floor: float, ceil: float, name: str, tolerance: float = 0.05) -> bool:
    """Warn when more than ``tolerance`` of ``name``'s voiced frames leave ``[floor, ceil]`` Hz.

    Returns True when a warning was issued. Such an utterance is usually from another speaker
    than the one the model (or statistics) expects, or shouted/whispered speech.
    """
    share = fraction_outside(f0, floor, ceil)
    if share > tolerance:
        warnings.warn(
            f"{name}: {100 * share:.0f}% of voiced frames have F0 outside the speaker's range "
            f"[{floor:.0f}, {ceil:.0f}] Hz; conversion quality may suffer",
            UserWarning, stacklevel=2,
        )
        return True
    return False


def convert_log_f0(
    f0: np.ndarray, src_mean: float, src_std: float, tgt_mean: float, tgt_std: float
) -> np.ndarray:
    """Gaussian normalised log-F0 transform.

    ``f0_conv = exp((log f0 - src_mean) / src_std * tgt_std + tgt_mean)`` in voiced frames,
    0 in unvoiced ones. Means and standard deviations are of natural-log F0 (Hz) over voiced
    frames. Shape is preserved.
    """
    f0 = np.asarray(f0, dtype=np.float64)
    out = np.zeros_like(f0)
    voiced = f0 > 0
    out[voiced] = np.exp((np.log(f0[voiced]) - src_mean) / src_std * tgt_std + tgt_mean)
    return out


def plot_f0_histogram(f0_by_speaker: dict[str, np.ndarray], ranges: dict[str, tuple[float, float]], path) -> None:
    """Save a PNG with one histogram of voiced F0 (Hz, log axis) per speaker and its range."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from vcgan.utils.io import atomic_path

    speakers = sorted(f0_by_speaker)
    fig, axes = plt.subplots(len(speakers), 1, figsize=(7, 1.8 * len(speakers) + 0.6), squeeze=False, sharex=True)
    bins = np.geomspace(WIDE_F0_RANGE[0], WIDE_F0_RANGE[1], 80)
    for ax, spk in zip(axes[:, 0], speakers):
        f0 = np.asarray(f0_by_speaker[spk]).ravel()
        ax.hist(f0[f0 > 0], bins=bins, color="tab:blue", alpha=0.8)
        if spk in ranges:
            for v in ranges[spk]:
                ax.axvline(v, color="tab:red", linestyle="--")
            ax.set_title(f"{spk}: range {ranges[spk][0]:.0f}-{ranges[spk][1]:.0f} Hz", fontsize=9)
        ax.set_xscale("log")
        ax.set_ylabel("frames")
    axes[-1, 0].set_xlabel("F0 (Hz)")
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=100, format="png")
    plt.close(fig)
