"""The validation curve of a run: every validation figure against iterations and training time.

Written by the loop after each validation as ``<out>/validation_curve.png``, from the history
it keeps in its checkpoints (so a resumed run draws the whole curve).
"""

from __future__ import annotations

from pathlib import Path


def plot_validation_curve(path: Path, history: list[dict[str, float]]) -> None:
    """Each figure of ``history`` (entries ``{"iteration", "seconds", <figure>: value}``) as a
    line against iterations, with the training time (minutes, at the mean rate) on a second
    axis, as a PNG."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from vcgan.utils.io import atomic_path
    names = sorted({k for entry in history for k in entry} - {"iteration", "seconds"})
    fig, ax = plt.subplots(figsize=(7, 4))
    for name in names:
        points = [(entry["iteration"], entry[name]) for entry in history if name in entry]
        ax.plot(*zip(*points), marker="o", label=name)
    ax.set_xlabel("iteration")
    ax.set_ylabel("validation figure (MCD: dB)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    if history and history[-1]["seconds"] > 0:
        top = ax.secondary_xaxis("top", functions=_minutes_axis(history))
        top.set_xlabel("training time (min)")
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=90)
    plt.close(fig)


def _minutes_axis(history: list[dict[str, float]]):
    """Iteration <-> minutes of training at the run's mean rate so far (a linear axis: the
    first steps' warm-up would otherwise crowd its ticks)."""
    last = history[-1]
    minutes_per_iteration = last["seconds"] / 60 / max(last["iteration"], 1)
    return (lambda x: x * minutes_per_iteration, lambda m: m / minutes_per_iteration)
