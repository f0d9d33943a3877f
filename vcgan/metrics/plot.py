"""Figures of an evaluation: per-utterance MCD and a source / converted / target spectrogram
comparison of one utterance, and the over-smoothing figure (GV per dimension and modulation
spectrum) of several systems against natural speech. Rendered with matplotlib's Agg backend
(no display needed) and saved atomically."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from vcgan.utils.io import atomic_path

logger = logging.getLogger(__name__)

#: Largest relative difference (per dimension) between the reference GVs of two systems that
#: still counts as the same reference speech (the means are over the same files, so equal
#: up to rounding unless a system failed on some utterances or was evaluated elsewhere).
REF_GV_RTOL = 1e-3


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


def plot_oversmoothing(systems: dict[str, dict], out_path: str | Path, reference_name: str = "natural") -> dict:
    """Write a PNG of two panels comparing ``systems`` (name -> result dict of ``vcgan
    evaluate`` with a ``gv`` entry; ``ms`` optional) with natural speech:

    (a) GV per mel-cepstral dimension (log y axis), a line per system (``gv["conv"]``) plus
        ``reference_name`` (``gv["ref"]`` of the first system);
    (b) modulation spectrum (dB) against modulation frequency (Hz), averaged (in dB) over the
        dimensions of ``ms["dims"]`` except c0, a line per system with an ``ms`` entry plus
        the reference (``ms["ref"]`` of the first such system).

    Returns what was drawn, read back from the figure's lines: ``{"gv": {label: (dims (D,),
    GV (D,))}, "ms": {label: (freqs (K,) Hz, MS (K,) dB)}, "ms_dims": [...], "warnings": [...],
    "axes": {"gv"|"ms": {"xlabel", "ylabel", "yscale", "title"}}}``.
    A warning (logged, listed, and printed on the figure) is given when the systems' reference
    GVs differ by more than :data:`REF_GV_RTOL` relative, or their settings differ.

    Raises:
        ValueError: no system, a system without ``gv``, systems over different dimensions,
            or a system named ``reference_name``.
    """
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from vcgan.metrics.evaluate import comparability_warning

    if not systems:
        raise ValueError("plot_oversmoothing: no system given")
    if reference_name in systems:
        raise ValueError(f"a system is named {reference_name!r}, the name of the natural reference; rename it")
    missing = [n for n, r in systems.items() if not r.get("gv")]
    if missing:
        raise ValueError(f"no gv entry (evaluate with --metrics including gv) in: {', '.join(missing)}")
    names = list(systems)
    first = systems[names[0]]["gv"]
    dims = list(first["dims"])
    for n in names[1:]:
        if list(systems[n]["gv"]["dims"]) != dims:
            raise ValueError(f"{n} has GVs over dimensions {systems[n]['gv']['dims']}, {names[0]} over {dims}: "
                             "evaluate every system with the same mcep dimension and c0 setting")
    warnings = []
    ref0 = np.asarray(first["ref"], dtype=np.float64)
    for n in names[1:]:
        ref = np.asarray(systems[n]["gv"]["ref"], dtype=np.float64)
        rel = float(np.max(np.abs(ref - ref0) / np.maximum(np.abs(ref0), np.finfo(np.float64).tiny)))
        if rel > REF_GV_RTOL:
            warnings.append(f"reference GVs of {n} and {names[0]} differ by up to {100 * rel:.2g}% "
                            f"(not the same reference speech?); {reference_name} is {names[0]}'s")
    settings = [systems[n]["settings"] for n in names if "settings" in systems[n]]
    if len(settings) == len(names):
        w = comparability_warning(settings)
        if w:
            warnings.append(w.removeprefix("WARNING: "))
    for w in warnings:
        logger.warning("%s", w)

    fig, (ax_gv, ax_ms) = plt.subplots(1, 2, figsize=(12, 4.6), constrained_layout=True)
    ref_style = dict(color="black", lw=2.0, label=reference_name)
    ax_gv.plot(dims, ref0, marker="o", ms=3, **ref_style)
    for i, n in enumerate(names):
        ax_gv.plot(dims, systems[n]["gv"]["conv"], marker=".", ms=4, lw=1.2, color=f"C{i}", label=n)
    ax_gv.set_yscale("log")
    ax_gv.set_xlabel("mel-cepstral dimension")
    ax_gv.set_ylabel("global variance (variance over frames, log scale)")
    ax_gv.set_title("(a) global variance\nper mel-cepstral dimension")
    ax_gv.grid(True, which="both", alpha=0.3)
    ax_gv.legend(fontsize=8)

    with_ms = [n for n in names if systems[n].get("ms")]
    ms_dims: list[int] = []
    if with_ms:
        ms0 = systems[with_ms[0]]["ms"]
        # c0 (frame power) moves with loudness and pauses, not with spectral detail: leave it out.
        cols = [j for j, d in enumerate(ms0["dims"]) if d != 0]
        ms_dims = [ms0["dims"][j] for j in cols]
        ax_ms.plot(ms0["freqs_hz"], np.asarray(ms0["ref"])[:, cols].mean(axis=1), **ref_style)
        for i, n in enumerate(names):
            if n in with_ms:
                m = systems[n]["ms"]
                c = [j for j, d in enumerate(m["dims"]) if d != 0]
                ax_ms.plot(m["freqs_hz"], np.asarray(m["conv"])[:, c].mean(axis=1), lw=1.2, color=f"C{i}", label=n)
        ax_ms.legend(fontsize=8)
        ax_ms.grid(True, alpha=0.3)
        no_ms = [n for n in names if n not in with_ms]
        if no_ms:
            ax_ms.text(0.02, 0.02, "no modulation spectrum in the results of " + ", ".join(no_ms),
                       transform=ax_ms.transAxes, fontsize=7, color="0.3")
    else:
        ax_ms.text(0.5, 0.5, "no modulation spectrum in the results\n(re-run `vcgan evaluate` with gv)",
                   ha="center", va="center", transform=ax_ms.transAxes)
    which = f"dims {ms_dims[0]}-{ms_dims[-1]}" if ms_dims else "-"
    ax_ms.set_title(f"(b) modulation spectrum\nmean over mel-cepstral {which}"
                    + (" (c0 excluded)" if ms_dims and ms_dims[0] == 1 else ""))
    ax_ms.set_xlabel("modulation frequency (Hz)")
    ax_ms.set_ylabel("modulation spectrum (dB)")
    if warnings:
        fig.suptitle("WARNING: " + "; ".join(warnings), fontsize=8, color="C3", wrap=True)

    def drawn(ax) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        return {ln.get_label(): (np.asarray(ln.get_xdata(), dtype=np.float64),
                                 np.asarray(ln.get_ydata(), dtype=np.float64)) for ln in ax.get_lines()}

    shown = {"gv": drawn(ax_gv), "ms": drawn(ax_ms), "ms_dims": ms_dims, "warnings": warnings,
             "axes": {k: {"xlabel": a.get_xlabel(), "ylabel": a.get_ylabel(), "yscale": a.get_yscale(),
                          "title": a.get_title()} for k, a in (("gv", ax_gv), ("ms", ax_ms))}}
    with atomic_path(out_path) as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)
    return shown
