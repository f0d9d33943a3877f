"""Atomic file output: write to a temporary file beside the target, then rename.

A reader (or a resumed run) therefore sees either the old file or the complete new one,
never a half-written file, whatever happens to the writing process. Files and directories
get the permissions a plain ``open()`` / ``mkdir()`` would give them (``0666`` / ``0777``
less the umask), not the private ``0600`` / ``0700`` of :mod:`tempfile`.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Iterator


def current_umask() -> int:
    """The process's file-mode creation mask (e.g. ``0o022``).

    Read from ``/proc/self/status`` where the kernel reports it (Linux 4.7+), which changes
    nothing. Elsewhere it can only be read by setting it: ``os.umask`` is process-wide, so for
    the instant between the two calls a file created by another thread would get mode
    ``0666``; vcgan writes files from the main thread only (workers are processes).
    """
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def make_public_dir(path: str | os.PathLike) -> None:
    """Give a directory made by :func:`tempfile.mkdtemp` (``0700``) the mode ``mkdir()`` gives."""
    os.chmod(path, 0o777 & ~current_umask())


class OutputPathError(OSError):
    """An output path that cannot be created (its message names the path and why)."""


def check_output_path(path: str | os.PathLike, *, directory: bool = False, what: str = "output") -> Path:
    """Check, before any work, that ``path`` can be created as a file (or, with ``directory``,
    as a directory); return it as a :class:`~pathlib.Path`.

    Nothing is created. Refused: a file path that is an existing directory, a directory path
    that is an existing non-directory, a path below a regular file, and a path whose nearest
    existing parent directory is not writable. ``what`` names the path in the message (an
    option such as ``--json``).

    Raises:
        OutputPathError: naming ``what``, the path and the problem.
    """
    path = Path(path)

    def fail(problem: str) -> OutputPathError:
        return OutputPathError(f"{what} {path}: {problem}")

    if path.exists():
        if directory and not path.is_dir():
            raise fail("exists and is not a directory")
        if not directory and path.is_dir():
            raise fail("is a directory; give a file name")
    parent = path if directory and path.is_dir() else path.parent
    # Walk up to the nearest existing ancestor: it must be a directory we may write into.
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise fail(f"cannot be created because {parent} is a file, not a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise fail(f"cannot be created: no permission to write in {parent}")
    return path


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path in the target's directory; rename it onto ``path`` on success.

    The temporary name keeps the target's suffix (or ``suffix``) because some writers
    (``numpy.save``, ``soundfile``) pick the format from it. On an exception the temporary
    file is removed and ``path`` is left untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{path.name}.", suffix=suffix if suffix is not None else ".tmp" + path.suffix,
        dir=path.parent,
    )
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        # After the writer: some writers replace the file rather than write into it.
        os.chmod(tmp_path, 0o666 & ~current_umask())
        os.replace(tmp_path, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()
        raise


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` to ``path`` atomically (UTF-8)."""
    with atomic_path(path, suffix=".tmp") as tmp:
        tmp.write_text(text, encoding="utf-8")
