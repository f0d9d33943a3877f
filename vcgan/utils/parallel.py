"""Batch processing over files: worker processes, a progress bar, errors kept per item.

Every batch command (extract, convert, synthesize, evaluate) has the same needs: run one
function per file in N processes, show progress, never let one bad file stop the others, and
collect warnings from the workers so they are logged once, in order, by the main process.
"""

from __future__ import annotations

import os
import sys
import warnings
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Callable, Iterator, Sequence

from tqdm import tqdm

from vcgan.audio import AudioError


def limit_threads() -> None:
    """Worker initializer: one compute thread per process (N processes already fill N cores).

    Importing torch only to set this would cost every worker a second, so torch is told only
    when already loaded; OpenMP-based code started later reads the variable.
    """
    os.environ["OMP_NUM_THREADS"] = "1"
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)


def caught(fn: Callable, *args: Any) -> tuple[Any, str | None, list[str]]:
    """Run ``fn(*args)``; return ``(result, error, warnings)`` instead of raising.

    An :class:`~vcgan.audio.AudioError` message already names the file; other exceptions are
    prefixed with their type.
    """
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        try:
            result, error = fn(*args), None
        except AudioError as e:
            result, error = None, str(e)
        except Exception as e:  # a crash on one file must not take the batch down
            result, error = None, f"{type(e).__name__}: {e}"
    return result, error, [str(w.message) for w in seen]


def parallel_map(fn: Callable, jobs: Sequence, n_workers: int, desc: str, unit: str = "file",
                 initializer: Callable | None = None, initargs: tuple = (), progress: bool = True) -> Iterator:
    """``fn(job)`` for every job, in order, in ``n_workers`` processes (1: in this process),
    with a progress bar. ``initializer(*initargs)`` runs once per worker (after
    :func:`limit_threads`)."""
    bar = dict(total=len(jobs), desc=desc, unit=unit, dynamic_ncols=True, disable=not progress)
    if n_workers <= 1 or len(jobs) <= 1:
        if initializer is not None:
            initializer(*initargs)
        yield from tqdm(map(fn, jobs), **bar)
        return

    with ProcessPoolExecutor(max_workers=n_workers, initializer=_init, initargs=(initializer, initargs)) as pool:
        # chunksize 1: file lengths differ a lot, so small chunks balance the workers.
        yield from tqdm(pool.map(fn, jobs, chunksize=1), **bar)


def _init(initializer: Callable | None, initargs: tuple) -> None:
    limit_threads()
    if initializer is not None:
        initializer(*initargs)


def report_failures(logger, failed: Sequence[str], what: str = "file(s)") -> int:
    """Log the summary of a batch's failures; the exit code: 1 if any failed, else 0."""
    if not failed:
        return 0
    logger.error("%d %s failed:", len(failed), what)
    for e in failed:
        logger.error("  %s", e)
    return 1
