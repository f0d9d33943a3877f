"""Compare `vcgan evaluate` results side by side.

  vcgan report none=exp/X/eval/none.json baseline=exp/X/eval/baseline.json model=exp/X/eval/model.json

One column per result file (mean ±95% CI per score); NAME= is optional (default: the file
name). Results computed with different settings (preset, dimensions, alpha, silence rule, ...)
are flagged as not comparable.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from vcgan.metrics.evaluate import format_comparison


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("results", nargs="+", metavar="[NAME=]JSON", help="result files of `vcgan evaluate --json`")


def run(args: argparse.Namespace) -> int:
    results = {}
    for item in args.results:
        name, sep, path = item.partition("=")
        if not sep:
            name, path = Path(item).stem, item
        p = Path(path)
        if not p.is_file():
            raise FileNotFoundError(f"{p}: no such result file")
        try:
            results[name] = json.loads(p.read_text())
        except json.JSONDecodeError as e:
            raise ValueError(f"{p}: not a JSON result file ({e})") from None
        if "summary" not in results[name] or "settings" not in results[name]:
            raise ValueError(f"{p}: not a `vcgan evaluate` result (no summary/settings)")
    print(format_comparison(results))
    return 0
