"""Quality against training time: the evaluation results of a run's snapshots as a table and
a plot (``vcgan progress``).

A row is one snapshot: ``{"iteration", "train_seconds", "summary"}``, ``summary`` being the
``summary`` of its ``vcgan evaluate`` results (metric -> ``n``, ``mean``, ``ci``, ``std``).
References (no conversion, the statistical baseline) are results of the same kind without a
training time; the plot draws them as horizontal lines.
"""

from __future__ import annotations

import math
from pathlib import Path

#: What the table and the plot show, in this order, when the results hold it:
#: summary key -> (label, True when higher is better).
PROGRESS_METRICS: dict[str, tuple[str, bool]] = {
    "mcd_db": ("MCD (dB)", False),
    "dnsmos_ovrl": ("DNSMOS OVRL proxy (1-5)", True),
    "sim_target": ("speaker sim. to target (cos)", True),
    "f0_rmse_cents": ("F0 RMSE (cents)", False),
    "ms_distance_db": ("MS distance (dB)", False),
}


def shown_metrics(rows: list[dict]) -> list[str]:
    """The keys of :data:`PROGRESS_METRICS` that some snapshot's summary holds."""
    return [k for k in PROGRESS_METRICS if any(k in r["summary"] for r in rows)]


def _mean_ci(summary: dict, key: str) -> tuple[float, float]:
    """Mean and 95 % CI of ``key``; NaN for what is missing (a CI needs two utterances)."""
    s = summary.get(key) or {}
    return tuple(math.nan if s.get(k) is None else float(s[k]) for k in ("mean", "ci"))


def format_progress(rows: list[dict], references: dict[str, dict]) -> str:
    """A text table: one line per reference, then one per snapshot (iteration, training
    minutes, each metric's mean and 95 % CI over utterances).

    >>> row = {"iteration": 1000, "train_seconds": 330.0, "summary": {"mcd_db": {"mean": 9.1, "ci": 0.4}}}
    >>> print(format_progress([row], {"baseline": {"mcd_db": {"mean": 9.6, "ci": 0.2}}}))  # doctest: +NORMALIZE_WHITESPACE
    system       iteration train min   MCD (dB)
    baseline                           9.600 +- 0.200
    snapshot          1000       5.5   9.100 +- 0.400
    """
    keys = shown_metrics(rows)
    head = f"{'system':<12} {'iteration':>9} {'train min':>9}" + "".join(
        f" {PROGRESS_METRICS[k][0]:>30}" for k in keys)
    lines = [head]

    def cells(summary: dict) -> str:
        out = ""
        for k in keys:
            mean, ci = _mean_ci(summary, k)
            out += f" {f'{mean:.3f} +- {ci:.3f}':>30}"
        return out

    for name, summary in references.items():
        lines.append(f"{name:<12} {'':>9} {'':>9}" + cells(summary))
    for r in rows:
        lines.append(f"{'snapshot':<12} {r['iteration']:>9d} {r['train_seconds'] / 60:>9.1f}" + cells(r["summary"]))
    return "\n".join(lines)


def plot_progress(path: str | Path, rows: list[dict], references: dict[str, dict], title: str = "") -> None:
    """One panel per metric: each snapshot's mean with its 95 % CI against training minutes
    (each point of the last panel labelled with its iteration), the references as horizontal
    lines (named in the panel instead when far off the model's range); a PNG, written atomically."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from vcgan.utils.io import atomic_path
    keys = shown_metrics(rows)
    if not keys:
        raise ValueError("no metric to plot: the snapshots' results hold none of " + ", ".join(PROGRESS_METRICS))
    fig, axes = plt.subplots(len(keys), 1, figsize=(7, 2.4 * len(keys) + 0.6), sharex=True, squeeze=False)
    minutes = [r["train_seconds"] / 60 for r in rows]
    for ax, key in zip(axes[:, 0], keys):
        label, higher_better = PROGRESS_METRICS[key]
        means, cis = zip(*(_mean_ci(r["summary"], key) for r in rows)) if rows else ((), ())
        ax.errorbar(minutes, means, yerr=cis, marker="o", capsize=3, label="model")
        finite = [m for m in means if math.isfinite(m)]
        lo, hi = (min(finite), max(finite)) if finite else (math.nan, math.nan)
        span = max(hi - lo, 0.05 * abs(hi), 1e-6)
        off_scale = []
        for (name, summary), style in zip(references.items(), ("--", ":", "-.", (0, (1, 3)))):
            mean, _ = _mean_ci(summary, key)
            if not math.isfinite(mean):
                continue
            # A reference far off the model's range (no conversion's F0 error: ~1000 cents)
            # would flatten the model's curve: named in the panel instead of drawn.
            if finite and not lo - 4 * span <= mean <= hi + 4 * span:
                off_scale.append(f"{name}: {mean:.3g}")
            else:
                ax.axhline(mean, linestyle=style, color="gray", label=name)
        if off_scale:
            ax.text(0.99, 0.95, "off scale: " + ", ".join(off_scale), transform=ax.transAxes,
                    ha="right", va="top", fontsize="x-small", color="gray")
        ax.set_ylabel(label + (" ↑" if higher_better else " ↓"), fontsize="small")
        ax.grid(alpha=0.3)
    axes[0, 0].legend(fontsize="small", loc="best")
    if rows:
        for x, r in zip(minutes, rows):
            axes[-1, 0].annotate(str(r["iteration"]), (x, _mean_ci(r["summary"], keys[-1])[0]),
                                 textcoords="offset points", xytext=(3, 3), fontsize=7)
    axes[-1, 0].set_xlabel("training time (min; labels: iterations)")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    with atomic_path(Path(path)) as tmp:
        fig.savefig(tmp, format="png", dpi=90)
    plt.close(fig)
