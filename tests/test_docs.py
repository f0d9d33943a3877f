"""The documentation site builds with warnings as errors, and the docstrings' examples run."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import vcgan

ROOT = Path(__file__).resolve().parent.parent
MODULES = sorted(m.name for m in pkgutil.walk_packages(vcgan.__path__, "vcgan.") if not m.name.endswith("__main__"))


def test_docs_site_builds_without_a_warning(tmp_path):
    out = tmp_path / "html"
    r = subprocess.run([sys.executable, "-m", "sphinx", "-E", "-a", "-q", "-W", "--keep-going", "-b", "html",
                        str(ROOT / "docs"), str(out)], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    api = (out / "api.html").read_text()
    # The reference is generated from the docstrings: a function and a docstring sentence of the code.
    assert "write_listening_page" in api and "band_edges" in api
    for page in ("tutorial", "python_api", "conventions", "adding_a_model"):
        assert (out / f"{page}.html").stat().st_size > 5000, page
    assert "MCD conventions" in (out / "conventions.html").read_text()  # the README's tables, included


@pytest.mark.parametrize("module", MODULES)
def test_docstring_examples_run(module):
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{module}: {result.failed} of {result.attempted} examples failed"
