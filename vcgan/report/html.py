"""The HTML listening page: systems side by side, by ear and by the numbers.

:func:`write_listening_page` turns the results of ``vcgan evaluate`` (one JSON per system, the
same reference and source speech) into a static folder::

    OUT/index.html          summary table, per-utterance rows with players and scores
    OUT/img/<system>/<utt>.png, OUT/img/{source,target}/<utt>.png   spectrograms
    OUT/img/gv_ms.png       GV per dimension and modulation spectrum (results with ``gv``)
    OUT/audio/...           the audio, with ``copy_audio`` (else linked relative to the page)

The page loads nothing from the network (no scripts, fonts or styles from elsewhere) and needs
no server: open ``index.html`` from disk, or zip the folder (with ``copy_audio``) and share it.
A small inline script checks, once the page has loaded, that every player has a decodable
source of positive duration and every image decoded, and writes what it found into
``<body data-check="...">`` (JSON): what the browser test of the page reads.
"""

from __future__ import annotations

import html
import logging
import os
import shutil
from pathlib import Path

import numpy as np

from vcgan.utils.io import atomic_write_text

logger = logging.getLogger("vcgan.report")

#: Scores where lower is better; the others (similarity, DNSMOS, F0 correlation) higher, and the
#: GV ratio best nearest 0 (neither over-smoothed nor too varied).
LOWER_IS_BETTER = {"mcd_db", "f0_rmse_cents", "vuv_error_pct", "ms_distance_db", "sim_source"}
NEAREST_ZERO = {"gv_ratio_db"}
#: Scores of the reference or source speech: shown, never ranked.
NOT_RANKED = {"src_sim_target", "dnsmos_ovrl_ref"}
#: Per-utterance scores shown under each player.
UTTERANCE_SCORES = (("mcd_db", "MCD", "dB"), ("f0_rmse_cents", "F0 RMSE", "cents"), ("sim_target", "sim", ""),
                    ("dnsmos_ovrl", "DNSMOS", ""), ("gv_ratio_db", "GV", "dB"))


def best_systems(results: dict[str, dict], key: str) -> set[str]:
    """The systems with the best mean of score ``key`` (ties all marked); empty when unranked."""
    means = {n: r["summary"][key]["mean"] for n, r in results.items()
             if key in r["summary"] and r["summary"][key]["mean"] is not None}
    if key in NOT_RANKED or len(means) < 2:
        return set()
    score = {n: (abs(m) if key in NEAREST_ZERO else m if key in LOWER_IS_BETTER else -m) for n, m in means.items()}
    best = min(score.values())
    return {n for n, s in score.items() if np.isclose(s, best, rtol=0, atol=1e-12)}


def _resolve_dir(directory: str | None, base: Path) -> Path | None:
    """A results file's ``dirs`` entry as a path: absolute, or relative to ``base`` (where
    ``vcgan evaluate`` ran, normally the current directory)."""
    if not directory:
        return None
    p = Path(directory)
    return p if p.is_absolute() else base / p


def _audio_files(result: dict, role: str, base: Path) -> dict[str, Path]:
    from vcgan.metrics.evaluate import list_audio
    d = _resolve_dir(result.get("dirs", {}).get(role), base)
    if d is None:
        return {}
    if not d.is_dir():
        raise FileNotFoundError(f"{d}: the {role} directory of the results is missing; run the report where "
                                "`vcgan evaluate` ran, or give --base-dir")
    return {k: Path(v) for k, v in list_audio(d, role).items()}


def _spectrogram_png(wav: Path, out: Path) -> None:
    """A small log-power spectrogram (0-8 kHz shown at most) of ``wav`` into ``out``."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from vcgan.audio import read_wav
    from vcgan.metrics.plot import log_spectrogram
    from vcgan.utils.io import atomic_path
    x, fs = read_wav(wav)
    f, t, p = log_spectrogram(x, fs)
    fig, ax = plt.subplots(figsize=(3.2, 1.6), constrained_layout=True)
    ax.pcolormesh(t, f / 1000, p, shading="auto", vmin=p.max() - 80, vmax=p.max(), cmap="magma")
    ax.set_ylim(0, min(8, fs / 2000))
    ax.set_xlabel("s", fontsize=7)
    ax.set_ylabel("kHz", fontsize=7)
    ax.tick_params(labelsize=6)
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(out) as tmp:
        fig.savefig(tmp, dpi=90, format="png")
    plt.close(fig)


def _fmt(key: str, value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if "corr" in key or "sim" in key else f"{value:.2f}"


_STYLE = """
body { font-family: sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; margin-bottom: 1.5em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; vertical-align: top; font-size: 0.9em; }
th { background: #f2f2f2; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.best { font-weight: bold; background: #e6f4e6; }
.warning { color: #a00; font-weight: bold; }
audio { width: 220px; display: block; }
.scores { font-size: 0.8em; color: #555; }
img.spec { width: 220px; display: block; }
"""

# Runs in the browser when the page has loaded: what it reports is what the page test checks.
_CHECK = """
window.addEventListener("load", function () {
  var audios = Array.prototype.slice.call(document.querySelectorAll("audio"));
  var images = Array.prototype.slice.call(document.querySelectorAll("img"));
  var report = {audio: audios.length, audio_ok: 0, audio_bad: [], images: images.length, images_ok: 0, images_bad: []};
  images.forEach(function (img) {
    if (img.complete && img.naturalWidth > 0) { report.images_ok++; } else { report.images_bad.push(img.getAttribute("src")); }
  });
  var pending = audios.length;
  function done() { document.body.setAttribute("data-check", JSON.stringify(report)); }
  if (!pending) { done(); return; }
  audios.forEach(function (a) {
    function settle(ok) {
      if (a.dataset.settled) { return; }
      a.dataset.settled = "1";
      if (ok && isFinite(a.duration) && a.duration > 0) { report.audio_ok++; } else { report.audio_bad.push(a.currentSrc || a.getAttribute("src")); }
      if (--pending === 0) { done(); }
    }
    if (a.readyState >= 1) { settle(true); return; }
    a.addEventListener("loadedmetadata", function () { settle(true); });
    a.addEventListener("error", function () { settle(false); });
    a.load();
  });
});
"""


def write_listening_page(results: dict[str, dict], out_dir: str | os.PathLike, *, copy_audio: bool = False,
                         base_dir: str | os.PathLike | None = None, title: str = "vcgan listening report",
                         extra_images: dict[str, str | os.PathLike] | None = None) -> Path:
    """Write the listening page of ``results`` (system name -> ``vcgan evaluate`` results)
    into ``out_dir``; returns the path of ``index.html``.

    Args:
        results: The systems, in column order. Each must name its ``dirs`` (``ref``, ``conv``,
            and ``src`` for a source column), as ``vcgan evaluate`` writes them.
        out_dir: The page's folder (created; ``index.html`` is written last, atomically).
        copy_audio: Copy the audio below ``out_dir/audio`` (a folder that can be moved or
            zipped); default: link the files relative to the page.
        base_dir: What relative ``dirs`` are relative to (default: the current directory).
        title: The page's title.
        extra_images: Caption -> PNG to show as well (e.g. a source x target MCD matrix),
            copied beside the page.

    An audio file that cannot be read gets its problem written in its cell (and logged)
    instead of a player; the rest of the page is written.

    Raises:
        ValueError: no system, or systems without an utterance in common.
        FileNotFoundError: a directory the results name is missing.
    """
    from vcgan.metrics.evaluate import FIELDS, comparability_warning
    if not results:
        raise ValueError("the listening page needs at least one results file")
    out, base = Path(out_dir), Path(base_dir) if base_dir is not None else Path.cwd()
    out.mkdir(parents=True, exist_ok=True)
    names = list(results)
    conv = {n: _audio_files(r, "conv", base) for n, r in results.items()}
    first = results[names[0]]
    ref, src = _audio_files(first, "ref", base), _audio_files(first, "src", base)
    utts = sorted(set.intersection(*(set(r["utterances"]) for r in results.values())))
    if not utts:
        raise ValueError("the systems' results have no utterance in common: " + ", ".join(names))

    def audio_src(path: Path, role: str) -> str:
        if copy_audio:
            dest = out / "audio" / role / path.name
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, dest)
            path = dest
        return Path(os.path.relpath(path.resolve(), out.resolve())).as_posix()

    def cell(role: str, utt: str, wav: Path | None, scores: dict | None = None) -> str:
        if wav is None:
            return "<td>-</td>"
        from vcgan.audio import AudioError
        img = out / "img" / role / f"{utt}.png"
        try:
            _spectrogram_png(wav, img)
        except AudioError as e:  # one bad file: said in its cell and the log, the page still written
            logger.warning("listening page: %s", e)
            return f'<td class="warning">unreadable: {html.escape(e.problem)}</td>'
        extra = ""
        if scores:
            shown = [f"{label} {_fmt(k, scores[k])}{(' ' + unit) if unit else ''}" for k, label, unit in UTTERANCE_SCORES
                     if scores.get(k) is not None]
            extra = f'<div class="scores">{html.escape(", ".join(shown))}</div>'
        return (f'<td><audio controls preload="metadata" src="{html.escape(audio_src(wav, role))}"></audio>'
                f'<img class="spec" alt="spectrogram of {html.escape(role)} {html.escape(utt)}" '
                f'src="img/{html.escape(role)}/{html.escape(utt)}.png">{extra}</td>')

    parts = [f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>",
             f"<style>{_STYLE}</style></head><body>", f"<h1>{html.escape(title)}</h1>"]
    warning = comparability_warning([r["settings"] for r in results.values()])
    if warning:
        parts.append(f'<p class="warning" id="settings-warning">{html.escape(warning)}</p>')
    # Summary: a row per score, a column per system, the best mean marked.
    parts.append('<h2>Summary</h2><table id="summary"><tr><th>metric</th>'
                 + "".join(f"<th>{html.escape(n)}</th>" for n in names) + "</tr>")
    for _, key, label in FIELDS:
        if not any(key in r["summary"] for r in results.values()):
            continue
        best = best_systems(results, key)
        row = [f"<td>{html.escape(label.strip())}</td>"]
        for n in names:
            s = results[n]["summary"].get(key)
            if s is None:
                row.append("<td></td>")
                continue
            ci = "" if s["ci"] is None else f" ±{_fmt(key, s['ci'])}"
            mark = ' class="num best" title="best"' if n in best else ' class="num"'
            row.append(f'<td{mark} data-key="{key}" data-system="{html.escape(n)}" data-mean="{s["mean"]!r}">'
                       f"{_fmt(key, s['mean'])}{ci}</td>")
        parts.append("<tr>" + "".join(row) + "</tr>")
    parts.append("</table>")
    parts.append(f"<p>{len(utts)} utterances; preset {html.escape(str(first['settings'].get('preset')))}. "
                 "DNSMOS is a non-intrusive proxy for naturalness, not a MOS. Best value per row in bold.</p>")
    images = {}
    with_gv = {n: r for n, r in results.items() if r.get("gv")}
    if with_gv:
        from vcgan.metrics.plot import plot_oversmoothing
        plot_oversmoothing(with_gv, out / "img" / "gv_ms.png")
        images["Global variance per dimension and modulation spectrum against natural speech"] = "img/gv_ms.png"
    for caption, png in (extra_images or {}).items():
        dest = out / "img" / Path(png).name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(png, dest)
        images[caption] = f"img/{dest.name}"
    for caption, rel in images.items():
        parts.append(f"<h2>{html.escape(caption)}</h2><img alt=\"{html.escape(caption)}\" src=\"{rel}\" "
                     "style=\"max-width: 100%\">")
    # Per utterance: source, each system, target.
    header = (["source"] if src else []) + names + ["target"]
    parts.append('<h2>Utterances</h2><table id="utterances"><tr><th>utterance</th>'
                 + "".join(f"<th>{html.escape(h)}</th>" for h in header) + "</tr>")
    for utt in utts:
        row = [f"<td>{html.escape(utt)}</td>"]
        if src:
            row.append(cell("source", utt, src.get(utt)))
        for n in names:
            row.append(cell(f"system/{n}", utt, conv[n].get(utt), results[n]["utterances"][utt]))
        row.append(cell("target", utt, ref.get(utt)))
        parts.append("<tr>" + "".join(row) + "</tr>")
    parts.append("</table>")
    parts.append(f"<script>{_CHECK}</script></body></html>\n")
    page = out / "index.html"
    atomic_write_text(page, "\n".join(parts))
    return page



def write_matrix_page(out_dir: str | os.PathLike, matrices_text: str, heatmaps_png: str | os.PathLike,
                      pair_pages: dict[str, str | os.PathLike], *, title: str = "vcgan listening report: all pairs") -> Path:
    """The page of a many-speaker model: its source x target heat maps and matrices, and a link
    to the listening page of each pair (``pair_pages``: ``"src -> tgt"`` -> its ``index.html``;
    pairs whose page does not exist are listed without a link). Returns ``index.html``'s path."""
    out = Path(out_dir)
    (out / "img").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(heatmaps_png, out / "img" / "matrices.png")
    links = []
    for label, page in pair_pages.items():
        page = Path(page)
        if page.is_file():
            rel = Path(os.path.relpath(page.resolve(), out.resolve())).as_posix()
            links.append(f'<li><a href="{html.escape(rel)}">{html.escape(label)}</a></li>')
        else:
            links.append(f"<li>{html.escape(label)} (no listening page)</li>")
    parts = [f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>",
             f"<style>{_STYLE}</style></head><body>", f"<h1>{html.escape(title)}</h1>",
             "<h2>Source x target matrices</h2>",
             '<img alt="source x target matrices" src="img/matrices.png" style="max-width: 100%">',
             f"<pre>{html.escape(matrices_text)}</pre>", "<h2>Pairs</h2><ul>", *links, "</ul>",
             f"<script>{_CHECK}</script></body></html>\n"]
    page = out / "index.html"
    atomic_write_text(page, "\n".join(parts))
    return page
