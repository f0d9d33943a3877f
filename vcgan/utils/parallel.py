"""Batch processing over files: worker processes, a progress bar, errors kept per item.

Every batch command (extract, convert, synthesize, evaluate) has the same needs: run one
function per file in N processes, show progress, never let one bad file stop the others, and
collect warnings from the workers so they are logged once, in order, by the main process.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
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

    context = multiprocessing.get_context()
    pool = ProcessPoolExecutor(max_workers=n_workers, mp_context=context, initializer=_init,
                               initargs=(os.getpid(), context.get_start_method(), initializer, initargs))
    try:
        # chunksize 1: file lengths differ a lot, so small chunks balance the workers.
        yield from tqdm(pool.map(fn, jobs, chunksize=1), **bar)
    except BaseException:
        # Ctrl-C, SIGTERM (see vcgan.utils.interrupts), an error, or the caller stopped
        # iterating: a plain shutdown would wait for every queued job to run first.
        stop_pool(pool)
        raise
    pool.shutdown(wait=True)


def stop_pool(pool: ProcessPoolExecutor, grace_s: float = 2.0) -> None:
    """Cancel the queued jobs of ``pool`` and end its workers now (SIGTERM, then SIGKILL
    after ``grace_s`` seconds)."""
    # The public terminate_workers() arrives in Python 3.14; before it, the processes are
    # reachable only through the executor's private table, which shutdown() clears.
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for p in processes:
        if p.is_alive():
            p.terminate()
    deadline = time.monotonic() + grace_s
    for p in processes:
        p.join(max(0.0, deadline - time.monotonic()))
        if p.is_alive():
            p.kill()
            p.join(1.0)


_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _die_with_parent(parent_pid: int, start_method: str) -> None:
    """Make this worker end when the process that started the pool ends, even by SIGKILL
    (which leaves no chance to stop workers): otherwise orphaned workers go on with their
    queue and then sit idle, holding their memory.

    On Linux the kernel sends SIGKILL when the parent dies (PR_SET_PDEATHSIG). The parent may
    have died before that was set, so the parent is checked afterwards. With the forkserver
    start method the parent is the fork server, which itself exits with the main process.
    Elsewhere a daemon thread polls the main process once a second.
    """
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0:
                if start_method != "forkserver" and os.getppid() != parent_pid:
                    os._exit(1)  # the parent is already gone
                return
        except (OSError, AttributeError):
            pass

    def watch() -> None:
        while True:
            try:
                os.kill(parent_pid, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:  # pid reused by another user's process: ours is gone
                os._exit(1)
            time.sleep(1.0)
    threading.Thread(target=watch, name="vcgan-parent-watch", daemon=True).start()


def _init(parent_pid: int, start_method: str, initializer: Callable | None, initargs: tuple) -> None:
    _die_with_parent(parent_pid, start_method)
    # The main process alone decides about interruptions and then ends the workers: a
    # forked worker would otherwise inherit its SIGTERM handler, and Ctrl-C (sent to the
    # whole process group) would print one traceback per worker.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
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
