"""What a command prints while it runs: log lines above progress bars, warnings as log lines.

Without this a log line written while a tqdm bar is drawn lands glued to the bar, and Python's
warnings come out as ``py.warnings: /path/file.py:83: AudioWarning: ...`` followed by the
source line that raised them, which says nothing to a user.
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from typing import Iterator

from tqdm.contrib.logging import logging_redirect_tqdm

logger = logging.getLogger("vcgan.warnings")


def _log_warning(message, category, filename, lineno, file=None, line=None) -> None:
    # vcgan's own warnings (AudioWarning, ...) already name the file and the problem;
    # a library's warning keeps its category so it can be looked up.
    from vcgan.audio import AudioWarning
    text = str(message) if issubclass(category, AudioWarning) else f"{category.__name__}: {message}"
    logger.warning("%s", text)


@contextlib.contextmanager
def console_output() -> Iterator[None]:
    """Inside: console log lines are written above any progress bar, and warnings are logged
    (once per place, as Python's default filter does) instead of printed. Restores both."""
    previous = warnings.showwarning
    warnings.showwarning = _log_warning
    try:
        with logging_redirect_tqdm():
            yield
    finally:
        warnings.showwarning = previous
