"""Argument types shared by the ``vcgan`` subcommands (``type=`` of ``add_argument``).

A bad value is refused while the command line is parsed, before any work, with argparse's
usual message (``vcgan extract: error: argument -j/--jobs: ...``, exit status 2).
"""

from __future__ import annotations

import argparse


def positive_int(text: str) -> int:
    """An integer of at least 1 (worker counts, utterance counts, iterations).

    Raises:
        argparse.ArgumentTypeError: not an integer, or below 1.
    """
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got '{text}'") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value
