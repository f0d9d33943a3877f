"""Reading ``.npz`` archives (feature dumps, speaker statistics) with errors that name the file.

``numpy.load`` reports a damaged archive as ``BadZipFile: File is not a zip file``, an empty
one as ``EOFError: No data left in file``, neither naming the file; here every such case is
one :class:`CorruptFileError` that does.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np


class CorruptFileError(ValueError):
    """A file that exists but cannot be read as what it should be. ``str()`` is
    ``"<path>: <problem>"``; both are attributes too."""

    def __init__(self, path: str | os.PathLike, problem: str):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


def load_npz(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Every array of the ``.npz`` archive at ``path``, read into memory.

    Returns:
        Array name -> array, in the archive's order.

    Raises:
        FileNotFoundError: ``path`` does not exist (other OS errors, such as a permission
            problem, are raised as they are).
        CorruptFileError: empty, not an ``.npz`` archive (a bare ``.npy``, a pickle, text),
            or damaged (truncated, a bad checksum, an array that does not load).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: file does not exist")
    with open(path, "rb") as f:
        magic = f.read(6)
        if not magic:
            raise CorruptFileError(path, "file is empty (0 bytes); it was not written completely")
        if magic.startswith(b"\x93NUMPY"):
            raise CorruptFileError(path, "a single .npy array, not an .npz archive of named arrays")
        if not magic.startswith(b"PK"):
            raise CorruptFileError(path, "not an .npz archive (it does not start as a zip file does)")
        f.seek(0)
        try:
            # allow_pickle=False: these archives hold plain arrays; a pickle would run code.
            with np.load(f, allow_pickle=False) as z:
                return {k: z[k] for k in z.files}
        except OSError:
            raise
        except Exception as e:  # BadZipFile, EOFError, zlib.error, ValueError: all mean damage
            raise CorruptFileError(path, f"damaged .npz archive (truncated?): {type(e).__name__}: {e}") from None
