"""Small shared utilities (atomic file output, logging set-up)."""

from vcgan.utils.io import atomic_path, atomic_write_text

__all__ = ["atomic_path", "atomic_write_text"]
