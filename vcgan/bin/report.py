"""Compare `vcgan evaluate` results side by side.

  vcgan report none=exp/X/eval/none.json baseline=exp/X/eval/baseline.json model=exp/X/eval/model.json

One column per result file (mean ±95% CI per score); NAME= is optional (default: the file
name). Results computed with different settings (preset, dimensions, alpha, silence rule, ...)
are flagged as not comparable.

With --plot-gv OUT.png, a figure of over-smoothing: (a) the global variance per mel-cepstral
dimension of each system's converted speech and of natural speech (the references, from the
first file), log scale; (b) their modulation spectra (dB) against modulation frequency (Hz),
averaged over the dimensions except c0. Files without GV (evaluated without the gv metric)
are left out; the plot needs at least one with it.

  vcgan report frontend=exp/X/eval/baseline.json postfilter=exp/X/eval/model.json --plot-gv exp/X/gv.png

With --html OUT_DIR, the listening page OUT_DIR/index.html: a summary table of every system
(best mean per row marked, differing settings flagged), then per utterance a row of players
(source, each system, target) with spectrograms and that utterance's scores, and the GV plot.
Audio is linked relative to the page (--copy-audio copies it into OUT_DIR/audio, so the folder
can be zipped and shared); the page loads nothing from the network. Run it where `vcgan
evaluate` ran (the results name their directories relative to it).

  vcgan report none=eval/none.json model=eval/model.json --html eval/report

With --matrix --html OUT_DIR: a page of the heat maps and matrices, linking each pair's own
page (the report/ folder beside its results, as the recipes write them).

With --matrix, the results of a many-to-many model, one file per ordered pair and system:

  vcgan report --matrix kalM:sltF/none=exp/X/eval/kalM_sltF/none.json \\
      kalM:sltF/stargan=exp/X/eval/kalM_sltF/model.json sltF:kalM/none=... ...

prints, per score, one source x target matrix per system side by side (rows: source,
columns: target, speakers in first-seen order, '-' where a pair has no result), each with
its mean over pairs; --plot draws them as heatmaps, --json writes them.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from vcgan.metrics.evaluate import format_comparison

logger = logging.getLogger("vcgan.report")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("results", nargs="+", metavar="[NAME=]JSON",
                   help="result files of `vcgan evaluate --json` (with --matrix: SRC:TGT/NAME=JSON)")
    p.add_argument("--html", metavar="OUT_DIR",
                   help="also write the listening page OUT_DIR/index.html: the summary table (best marked), "
                        "per utterance the source, each system and the target as players with spectrograms "
                        "and scores, the GV plot; opens from disk, nothing from the network")
    p.add_argument("--copy-audio", action="store_true",
                   help="with --html: copy the audio beside the page (a folder to zip and share) instead of linking it")
    p.add_argument("--base-dir", metavar="DIR", default=None,
                   help="with --html: where `vcgan evaluate` ran, which the results' relative directories "
                        "start from (default: the current directory)")
    p.add_argument("--plot-gv", metavar="OUT_PNG",
                   help="plot global variance per mel-cepstral dimension (log scale) and modulation spectrum "
                        "(dB against modulation frequency, Hz) of each system and natural speech (not with --matrix)")
    g = p.add_argument_group("source x target matrices (many-to-many models)")
    g.add_argument("--matrix", action="store_true",
                   help="one matrix per score and system; items are SRC:TGT/NAME=JSON")
    g.add_argument("--metrics", metavar="KEYS",
                   help="comma-separated score keys (default: mcd_db,f0_rmse_cents,sim_target)")
    g.add_argument("--plot", metavar="OUT_PNG", help="heatmaps of the matrices")
    g.add_argument("--json", metavar="OUT_JSON", help="the matrices and means as JSON")


def run(args: argparse.Namespace) -> int:
    from vcgan.metrics.matrix import load_result
    from vcgan.utils.io import check_output_path

    if args.copy_audio and not args.html:
        raise ValueError("--copy-audio: only with --html")
    if args.matrix:
        if args.plot_gv:
            raise ValueError("--plot-gv: not with --matrix (give one result file per system)")
        if args.copy_audio:
            raise ValueError("--copy-audio: not with --matrix (the pairs' pages hold the audio)")
        return _run_matrix(args)
    given = [o for o, v in (("--metrics", args.metrics), ("--plot", args.plot), ("--json", args.json)) if v]
    if given:
        raise ValueError(f"{', '.join(given)}: only with --matrix")
    if args.plot_gv:
        check_output_path(args.plot_gv, what="--plot-gv")
    results, paths = {}, {}
    for item in args.results:
        name, sep, path = item.partition("=")
        if not sep:
            name, path = Path(item).stem, item
        results[name] = load_result(path)
        paths[name] = path
    print(format_comparison(results))
    if args.plot_gv:
        _plot_gv(results, paths, args.plot_gv)
    if args.html:
        from vcgan.report import write_listening_page
        page = write_listening_page(results, args.html, copy_audio=args.copy_audio, base_dir=args.base_dir)
        logger.info("wrote %s", page)
    return 0


def _plot_gv(results: dict[str, dict], paths: dict[str, str], out_path: str) -> None:
    from vcgan.metrics.plot import plot_oversmoothing

    with_gv = {n: r for n, r in results.items() if r.get("gv")}
    without = [paths[n] for n in results if n not in with_gv]
    if not with_gv:
        raise ValueError(f"--plot-gv: no GV in {', '.join(without)} (evaluate with --metrics including gv)")
    if without:
        logger.warning("--plot-gv: left out (no GV; evaluated without the gv metric): %s", ", ".join(without))
    plot_oversmoothing(with_gv, out_path)
    logger.info("wrote %s", out_path)


def _run_matrix(args: argparse.Namespace) -> int:
    from vcgan.metrics.matrix import (
        DEFAULT_MATRIX_METRICS, collect, format_matrices, plot_matrices, resolve_metrics, write_matrices_json,
    )
    from vcgan.utils.io import check_output_path

    keys = [k.strip() for k in args.metrics.split(",") if k.strip()] if args.metrics else list(DEFAULT_MATRIX_METRICS)
    metrics = resolve_metrics(keys)
    for option, path in (("--plot", args.plot), ("--json", args.json)):
        if path:
            check_output_path(path, what=option)
    table = collect(args.results)
    text = format_matrices(table, metrics)
    print(text)
    if args.json:
        write_matrices_json(table, metrics, args.json)
    if args.plot:
        plot_matrices(table, metrics, args.plot)
    if args.html:
        import tempfile

        from vcgan.report.html import write_matrix_page
        # Each pair's listening page is the report/ beside its results (as the recipes write them).
        pages = {}
        for (system, src, tgt), path in table.files.items():
            pages.setdefault(f"{src} -> {tgt}", Path(path).parent / "report" / "index.html")
        with tempfile.TemporaryDirectory() as tmp:
            png = args.plot
            if png is None:
                png = Path(tmp) / "matrices.png"
                plot_matrices(table, metrics, png)
            page = write_matrix_page(args.html, text, png, pages)
        logger.info("wrote %s", page)
    return 0
