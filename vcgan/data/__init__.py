"""Data side of vcgan: Kaldi-style data directories, corpus preparation, downloads."""

from __future__ import annotations

import importlib

__all__ = ["DataDir", "DataDirError", "read_data_dir", "validate_data_dir", "write_data_dir"]


def __getattr__(name: str):
    # Re-exported lazily so that `python -m vcgan.data.kaldi` does not import the module
    # twice (runpy warns when the package already imported it).
    if name in __all__:
        return getattr(importlib.import_module("vcgan.data.kaldi"), name)
    raise AttributeError(f"module 'vcgan.data' has no attribute {name!r}")
