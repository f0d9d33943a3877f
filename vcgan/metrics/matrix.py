"""Source x target matrices of a many-to-many evaluation (``vcgan report --matrix``).

A model that converts every ordered pair of N speakers (StarGAN-VC and the like) is
evaluated pair by pair with ``vcgan evaluate --json``, once per system (no conversion, the
statistical baseline, the model). This module gathers those result files into one
:class:`PairTable` and shows, for each score, one N x N matrix per system, rows = source
speaker, columns = target speaker, the diagonal blank (no pair converts a speaker to itself):
as text (systems side by side), as a heatmap PNG and as JSON.

Each cell is the pair's summary mean (``summary[key]["mean"]`` of its result file). The mean
printed under each matrix is the unweighted mean of those cells, every pair counting once
whatever its number of utterances, so that a pair with more test sentences does not weigh
more. A pair without a result, or whose result lacks the score, is shown as ``-``, named
under the matrix, and left out of the mean.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from vcgan.metrics.evaluate import FIELDS, _fmt, comparability_warning

#: Scores shown when ``--metrics`` is not given.
DEFAULT_MATRIX_METRICS = ("mcd_db", "f0_rmse_cents", "sim_target")
#: Scores for which a higher value is better (the heatmap's colours follow the direction; the
#: GV ratio is best at 0 dB, so there the colours only show the value).
HIGHER_IS_BETTER = ("f0_corr", "sim_target", "dnsmos_ovrl", "dnsmos_sig", "dnsmos_bak", "dnsmos_ovrl_ref")
#: Units written after a mean; the other labels' parentheses hold a range or a symbol.
_UNITS = ("dB", "cents", "%")

#: The corner cell of a matrix: what its rows and columns are.
_CORNER = "src\\tgt"
_ITEM = re.compile(r"^(?P<src>[^:/=\s]+):(?P<tgt>[^:/=\s]+)(?:/(?P<name>[^:/=\s]+))?=(?P<path>.+)$")
ITEM_FORM = "SRC:TGT/NAME=JSON (e.g. kalM:sltF/baseline=exp/x/eval/kalM_sltF/baseline.json)"


@dataclass(frozen=True)
class PairItem:
    """One command-line item: the result file of system ``system`` on pair ``src`` -> ``tgt``."""

    src: str
    tgt: str
    system: str
    path: Path
    text: str  # the item as given, for messages


def parse_item(text: str) -> PairItem:
    """Parse ``SRC:TGT/NAME=JSON``; without ``/NAME`` the system is the file name's stem.

    Raises:
        ValueError: naming the item, when it has another form or converts a speaker to itself.
    """
    m = _ITEM.match(text)
    if m is None:
        raise ValueError(f"{text!r}: expected {ITEM_FORM}")
    if m["src"] == m["tgt"]:
        raise ValueError(f"{text!r}: source and target are both {m['src']}")
    path = Path(m["path"])
    return PairItem(m["src"], m["tgt"], m["name"] or path.stem, path, text)


def load_result(path: str | Path, item: str | None = None) -> dict:
    """Read a result file of ``vcgan evaluate --json``; messages name ``item`` when given.

    Raises:
        FileNotFoundError: no such file.
        ValueError: not JSON, or JSON without ``summary`` and ``settings``.
    """
    p = Path(path)
    where = f"{item}: {p}" if item else str(p)
    if not p.is_file():
        raise FileNotFoundError(f"{where}: no such result file")
    try:
        result = json.loads(p.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ValueError(f"{where}: not a JSON result file ({e})") from None
    if not isinstance(result, dict) or "summary" not in result or "settings" not in result:
        raise ValueError(f"{where}: not a `vcgan evaluate` result (no summary/settings)")
    return result


@dataclass
class PairTable:
    """Results by system and ordered pair.

    ``speakers`` and ``systems`` are in first-seen order; ``results[(system, src, tgt)]`` is a
    result dict of ``vcgan evaluate``, ``files`` the same keys -> the file it came from.
    """

    speakers: list[str] = field(default_factory=list)
    systems: list[str] = field(default_factory=list)
    results: dict[tuple[str, str, str], dict] = field(default_factory=dict)
    files: dict[tuple[str, str, str], str] = field(default_factory=dict)

    def add(self, item: PairItem, result: dict) -> None:
        """Add one result; a second result for the same system and pair is refused (ValueError)."""
        key = (item.system, item.src, item.tgt)
        if key in self.results:
            raise ValueError(f"{item.text!r}: {item.system} on {item.src}:{item.tgt} is given twice "
                             f"(also {self.files[key]})")
        for spk in (item.src, item.tgt):
            if spk not in self.speakers:
                self.speakers.append(spk)
        if item.system not in self.systems:
            self.systems.append(item.system)
        self.results[key] = result
        self.files[key] = str(item.path)

    def pairs(self) -> list[tuple[str, str]]:
        """Every ordered pair of distinct speakers, row by row (source, then target)."""
        return [(s, t) for s in self.speakers for t in self.speakers if s != t]

    def matrix(self, system: str, key: str) -> np.ndarray:
        """``(n_speakers, n_speakers)`` summary means of score ``key``; NaN on the diagonal and
        where a pair has no result or no such score."""
        n = len(self.speakers)
        out = np.full((n, n), np.nan)
        for i, s in enumerate(self.speakers):
            for j, t in enumerate(self.speakers):
                value = _mean_of(self.results.get((system, s, t)), key)
                if value is not None and s != t:
                    out[i, j] = value
        return out

    def missing(self, system: str, key: str) -> list[tuple[str, str, str]]:
        """``(src, tgt, why)`` of the off-diagonal cells of :meth:`matrix` that are NaN."""
        out = []
        for s, t in self.pairs():
            result = self.results.get((system, s, t))
            if result is None:
                out.append((s, t, "no result"))
            elif _mean_of(result, key) is None:
                out.append((s, t, f"no {key}"))
        return out

    def has(self, key: str) -> bool:
        """Whether any result holds a mean of score ``key``."""
        return any(_mean_of(r, key) is not None for r in self.results.values())


def _mean_of(result: dict | None, key: str) -> float | None:
    s = (result or {}).get("summary", {}).get(key)
    v = s.get("mean") if isinstance(s, dict) else None
    return float(v) if v is not None and math.isfinite(float(v)) else None


def collect(items: list[str]) -> PairTable:
    """Parse and load every ``SRC:TGT/NAME=JSON`` item (see :func:`parse_item`) into a table.

    Every item is checked before any file is read, so a typo is reported at once.
    """
    parsed = [parse_item(text) for text in items]
    table = PairTable()
    for item in parsed:
        table.add(item, load_result(item.path, item.text))
    return table


def resolve_metrics(keys: list[str] | tuple[str, ...]) -> list[tuple[str, str]]:
    """``(key, label)`` of each score key (a key of :data:`~vcgan.metrics.evaluate.FIELDS`).

    Raises:
        ValueError: for an unknown key, listing the known ones.
    """
    labels = {k: label.strip() for _, k, label in FIELDS}
    unknown = [k for k in keys if k not in labels]
    if unknown or not keys:
        raise ValueError(f"--metrics: unknown score(s) {', '.join(unknown) or '(none given)'}; "
                         f"choose from {', '.join(labels)}")
    return [(k, labels[k]) for k in dict.fromkeys(keys)]


def present_metrics(table: PairTable, metrics: list[tuple[str, str]]) -> tuple[list[tuple[str, str]], list[str]]:
    """Split ``metrics`` into those some result holds and the keys of those none holds.

    Raises:
        ValueError: when no result holds any of them.
    """
    shown = [(k, label) for k, label in metrics if table.has(k)]
    absent = [k for k, _ in metrics if not table.has(k)]
    if not shown:
        raise ValueError(f"none of the results has {', '.join(absent)} "
                         "(was `vcgan evaluate` run with those --metrics?)")
    return shown, absent


def pair_means(table: PairTable, system: str, key: str) -> tuple[float | None, int]:
    """Unweighted mean over the pairs of ``system`` that have score ``key``, and their number."""
    m = table.matrix(system, key)
    values = m[np.isfinite(m)]
    return (float(values.mean()) if values.size else None), int(values.size)


def settings_warnings(table: PairTable) -> list[str]:
    """The "not comparable" warnings: within each system (all its pairs must share settings),
    then between systems (compared through each system's first result)."""
    out = []
    firsts = []
    for system in table.systems:
        settings = [r["settings"] for (sy, _, _), r in table.results.items() if sy == system]
        firsts.append(settings[0])
        w = comparability_warning(settings, f"{system}: pairs ")
        if w:
            out.append(w)
    w = comparability_warning(firsts, "systems ")
    if w:
        out.append(w)
    return out


def _unit(label: str) -> str:
    inside = label[label.rfind("(") + 1:-1] if label.endswith(")") else ""
    return f" {inside}" if inside in _UNITS else ""


def _mean_line(table: PairTable, system: str, key: str, label: str) -> str:
    mean, n = pair_means(table, system, key)
    return f"mean over {n} pair{'s' if n != 1 else ''}: " + ("-" if mean is None else _fmt(key, mean) + _unit(label))


def _block(table: PairTable, system: str, key: str, label: str, cell: int, head: int) -> list[str]:
    """The lines of one system's matrix, in equal-width columns."""
    m = table.matrix(system, key)
    lines = [system, f"{_CORNER:<{head}}" + "".join(f"  {t:>{cell}}" for t in table.speakers)]
    for i, s in enumerate(table.speakers):
        cells = ["" if i == j else "-" if math.isnan(v) else _fmt(key, v) for j, v in enumerate(m[i])]
        lines.append(f"{s:<{head}}" + "".join(f"  {c:>{cell}}" for c in cells))
    lines.append(_mean_line(table, system, key, label))
    return lines


def format_metric(table: PairTable, key: str, label: str) -> str:
    """One score's matrices, one per system side by side, each with its mean over pairs, then
    the ``-`` cells named per system."""
    values = [_fmt(key, v) for sy in table.systems for v in table.matrix(sy, key).ravel() if math.isfinite(v)]
    cell = max([len(s) for s in table.speakers] + [len(v) for v in values] + [1])
    head = max([len(s) for s in table.speakers] + [len(_CORNER)])
    blocks = [_block(table, sy, key, label, cell, head) for sy in table.systems]
    width = max(len(line) for b in blocks for line in b)
    lines = [f"{label}: rows = source, columns = target"]
    for row in zip(*blocks):
        lines.append("    ".join(f"{c:<{width}}" for c in row).rstrip())
    # Systems missing the same cells (a pair evaluated by none of them) share one line.
    by_gaps: dict[tuple, list[str]] = {}
    for system in table.systems:
        gaps = tuple(table.missing(system, key))
        if gaps:
            by_gaps.setdefault(gaps, []).append(system)
    for gaps, systems in by_gaps.items():
        lines.append(f"  missing in {', '.join(systems)} (-): " + ", ".join(f"{s}:{t} ({why})" for s, t, why in gaps))
    return "\n".join(lines)


def format_matrices(table: PairTable, metrics: list[tuple[str, str]]) -> str:
    """Text of ``vcgan report --matrix``: each score's matrices (:func:`format_metric`), the
    scores no result holds, utterance counts per system and the settings warnings."""
    shown, absent = present_metrics(table, metrics)
    parts = [format_metric(table, key, label) for key, label in shown]
    tail = []
    if absent:
        tail.append("not in any result (skipped): " + ", ".join(absent))
    counts = []
    for system in table.systems:
        mine = [r for (sy, _, _), r in table.results.items() if sy == system]
        failed = sum(len(r.get("errors") or {}) for r in mine)
        counts.append(f"{system} {sum(len(r.get('utterances') or {}) for r in mine)} in {len(mine)} pairs"
                      + (f" ({failed} failed)" if failed else ""))
    tail.append("utterances: " + ", ".join(counts))
    tail.extend(settings_warnings(table))
    return "\n\n".join(parts) + "\n\n" + "\n".join(tail)


def _cells(m: np.ndarray) -> list[list[float | None]]:
    return [[None if math.isnan(v) else float(v) for v in row] for row in m]


def matrices_to_dict(table: PairTable, metrics: list[tuple[str, str]]) -> dict:
    """JSON-ready dict: ``speakers``, ``systems``, ``metrics`` (the keys shown), ``matrices``
    (key -> system -> rows of source, ``null`` on the diagonal and where missing), ``means``
    (key -> system -> ``{"mean", "n_pairs"}``), ``missing`` (key -> system -> ``"src:tgt"``
    list), ``files`` (system -> ``"src:tgt"`` -> result file), ``skipped`` and ``warnings``."""
    shown, absent = present_metrics(table, metrics)
    out: dict = {"speakers": list(table.speakers), "systems": list(table.systems),
                 "metrics": [k for k, _ in shown], "labels": {k: label for k, label in shown},
                 "matrices": {}, "means": {}, "missing": {}, "files": {}, "skipped": absent,
                 "warnings": settings_warnings(table)}
    for key, _ in shown:
        out["matrices"][key] = {sy: _cells(table.matrix(sy, key)) for sy in table.systems}
        out["means"][key] = {}
        for sy in table.systems:
            mean, n = pair_means(table, sy, key)
            out["means"][key][sy] = {"mean": mean, "n_pairs": n}
        out["missing"][key] = {sy: [f"{s}:{t}" for s, t, _ in table.missing(sy, key)] for sy in table.systems}
    for (sy, s, t), path in table.files.items():
        out["files"].setdefault(sy, {})[f"{s}:{t}"] = path
    return out


def write_matrices_json(table: PairTable, metrics: list[tuple[str, str]], path: str | Path) -> None:
    """Write :func:`matrices_to_dict` as JSON, atomically."""
    from vcgan.utils.io import atomic_write_text

    atomic_write_text(path, json.dumps(matrices_to_dict(table, metrics), indent=1) + "\n")


def plot_matrices(table: PairTable, metrics: list[tuple[str, str]], out_path: str | Path) -> None:
    """Write a heatmap PNG: a row of panels per score, a panel per system, one colour scale
    per score (shared by its systems, so that colours compare across panels), each value
    written in its cell, ``-`` where missing, the diagonal blank. Brighter is better: the
    colour map is reversed for scores where lower is better (MCD, F0 RMSE, ...)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from vcgan.utils.io import atomic_path

    shown, _ = present_metrics(table, metrics)
    n, cols = len(table.speakers), len(table.systems)
    size = max(2.8, 0.55 * n + 1.2)
    fig, axes = plt.subplots(len(shown), cols, figsize=(size * cols + 1.0, size * len(shown)),
                             squeeze=False, constrained_layout=True)
    font = 8 if n <= 6 else max(4, 8 - (n - 6) // 2)
    for r, (key, label) in enumerate(shown):
        mats = [table.matrix(sy, key) for sy in table.systems]
        finite = np.concatenate([m[np.isfinite(m)] for m in mats])
        lo, hi = float(finite.min()), float(finite.max())
        if hi == lo:  # one value everywhere: any non-empty range shows it
            lo, hi = lo - 0.5, hi + 0.5
        cmap = matplotlib.colormaps["viridis" if key in HIGHER_IS_BETTER else "viridis_r"]
        for c, (system, m) in enumerate(zip(table.systems, mats)):
            ax = axes[r, c]
            im = ax.imshow(np.ma.masked_invalid(m), cmap=cmap, vmin=lo, vmax=hi)
            for i in range(n):
                for j in range(n):
                    if i == j:
                        continue
                    v = m[i, j]
                    if math.isnan(v):
                        ax.text(j, i, "-", ha="center", va="center", fontsize=font, color="0.3")
                        continue
                    red, green, blue, _ = cmap((v - lo) / (hi - lo))
                    dark = 0.299 * red + 0.587 * green + 0.114 * blue < 0.5
                    ax.text(j, i, _fmt(key, v), ha="center", va="center", fontsize=font,
                            color="white" if dark else "black")
            ax.set_xticks(range(n), table.speakers, rotation=45, ha="right", fontsize=font)
            ax.set_yticks(range(n), table.speakers, fontsize=font)
            mean, k = pair_means(table, system, key)
            ax.set_title(f"{system}: {label}\nmean over {k} pairs: "
                         + ("-" if mean is None else _fmt(key, mean) + _unit(label)), fontsize=9)
            if c == 0:
                ax.set_ylabel("source")
            if r == len(shown) - 1:
                ax.set_xlabel("target")
        fig.colorbar(im, ax=list(axes[r, :]), shrink=0.8, label=label)
    with atomic_path(out_path) as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)
