"""Interruptions: SIGTERM handled like Ctrl-C, and interrupts deferred to a safe point.

Clusters and process managers stop a job with SIGTERM (and SIGKILL a little later); Python's
default for SIGTERM is to die on the spot, skipping every ``finally`` and ``except
KeyboardInterrupt``: worker pools are not shut down and training writes no checkpoint.
:func:`sigterm_as_interrupt` makes SIGTERM raise :class:`Terminated`, a
:class:`KeyboardInterrupt`, so both signals take the same clean-up path.

Signal handlers can only be installed from the main thread; elsewhere both helpers do nothing.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from typing import Callable, Iterator


class Terminated(KeyboardInterrupt):
    """Raised by our handlers for ``signum`` (SIGINT or SIGTERM); ``exit_code`` is ``128 + signum``."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


def exit_code(interrupt: KeyboardInterrupt) -> int:
    """The shell's exit status for a process stopped by ``interrupt``: 130 (SIGINT), 143 (SIGTERM)."""
    return interrupt.exit_code if isinstance(interrupt, Terminated) else 128 + signal.SIGINT


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """While active, SIGTERM raises :class:`Terminated` in the main thread (like Ctrl-C)."""
    if not _in_main_thread():
        yield
        return

    def handler(signum, frame):
        raise Terminated(signum)
    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class DeferredInterrupts:
    """Context manager: SIGINT and SIGTERM only set :attr:`signum` until the code reaches a
    point where stopping is safe and calls :meth:`raise_if_requested`.

    A second signal raises :class:`Terminated` at once (the user insists). ``on_request(signum)``
    is called on the first one, e.g. to say that the run stops at the end of the step.
    """

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self, on_request: Callable[[int], None] | None = None):
        self.on_request = on_request
        self.signum: int | None = None
        self._previous: dict[int, object] = {}

    def _handler(self, signum, frame):
        if self.signum is not None:
            raise Terminated(signum)
        self.signum = signum
        if self.on_request is not None:
            self.on_request(signum)

    def install(self) -> "DeferredInterrupts":
        """Take over SIGINT and SIGTERM (main thread only; elsewhere nothing changes)."""
        if _in_main_thread():
            for s in self.SIGNALS:
                self._previous[s] = signal.signal(s, self._handler)
        return self

    def restore(self) -> None:
        """Give the signals back to the handlers found by :meth:`install`."""
        for s, previous in self._previous.items():
            signal.signal(s, previous)
        self._previous.clear()

    def __enter__(self) -> "DeferredInterrupts":
        return self.install()

    def __exit__(self, *exc) -> None:
        self.restore()

    @property
    def requested(self) -> bool:
        return self.signum is not None

    def raise_if_requested(self) -> None:
        if self.signum is not None:
            raise Terminated(self.signum)
