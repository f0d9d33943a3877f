"""Figures of an evaluation: per-utterance MCD and a source / converted / target spectrogram
comparison of one utterance. Rendered with matplotlib's Agg backend (no display needed) and
saved atomically."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vcgan.utils.io import atomic_path


def log_spectrogram(x: np.ndarray, sample_rate: int, frame_ms: float = 25.0, hop_ms: float = 5.0):
    """``(freqs (F,) Hz, times (T,) s, (F, T) power in dB)`` of ``(samples,)`` speech (Hann window)."""
    from scipy.signal import spectrogram

    nper = int(sample_rate * frame_ms / 1000)
    f, t, p = spectrogram(x, fs=sample_rate, window="hann", nperseg=nper,
                          noverlap=nper - int(sample_rate * hop_ms / 1000), mode="psd")
    return f, t, 10.0 * np.log10(np.maximum(p, 1e-12))


def plot_evaluation(results: dict, out_path: str | Path, utterance: str | None = None,
                    wavs: dict[str, tuple[np.ndarray, int]] | None = None) -> None:
    """Write a PNG: per-utterance MCD (top, with mean and 95% CI) and, if ``wavs`` is given
    (``{"source"|"converted"|"target": (x, fs)}``), their spectrograms for ``utterance``."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    utts = results["utterances"]
    names = sorted(n for n in utts if utts[n].get("mcd_db") is not None)
    panels = [k for k in ("source", "converted", "target") if wavs and k in wavs]
    fig = plt.figure(figsize=(11, 3.2 + (2.6 if panels else 0)), constrained_layout=True)
    grid = fig.add_gridspec(2 if panels else 1, max(len(panels), 1))
    ax = fig.add_subplot(grid[0, :])
    if names:
        values = [utts[n]["mcd_db"] for n in names]
        ax.plot(range(len(names)), values, "o", ms=4, label="utterance")
        s = results["summary"].get("mcd_db")
        if s and s.get("mean") is not None:
            ax.axhline(s["mean"], color="C1", label=f"mean {s['mean']:.2f} dB")
            if s.get("ci") is not None:
                ax.axhspan(s["mean"] - s["ci"], s["mean"] + s["ci"], color="C1", alpha=0.2, label="95% CI")
        if len(names) <= 40:
            ax.set_xticks(range(len(names)), names, rotation=60, ha="right", fontsize=7)
        ax.set_ylabel("MCD (dB)")
        ax.legend(loc="upper right", fontsize=8)
    else:
        ax.text(0.5, 0.5, "no MCD computed", ha="center", va="center", transform=ax.transAxes)
    st = results["settings"]
    ax.set_title(f"MCD per utterance (preset {st['preset']}, {st['mcep_source']}, dim {st['mcep_dim']})")
    for i, key in enumerate(panels):
        x, fs = wavs[key]
        f, t, db = log_spectrogram(x, fs)
        a = fig.add_subplot(grid[1, i])
        a.pcolormesh(t, f / 1000, db, shading="auto", vmin=db.max() - 80, vmax=db.max(), cmap="magma")
        a.set_title(f"{key}: {utterance}", fontsize=9)
        a.set_xlabel("time (s)")
        if i == 0:
            a.set_ylabel("frequency (kHz)")
    with atomic_path(out_path) as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)
