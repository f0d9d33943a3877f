"""Sphinx configuration of the vcgan documentation (built by tests/test_docs.py with warnings
as errors: ``sphinx-build -W -b html docs docs/_build/html``)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import vcgan  # noqa: E402

project = "vcgan"
release = vcgan.__version__
extensions = ["myst_parser", "sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx.ext.viewcode"]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
exclude_patterns = ["_build"]
html_theme = "furo"
html_title = f"vcgan {release}"
myst_heading_anchors = 3
# Google-style docstrings ("Args:", "Returns:", "Raises:"), as the code writes them.
napoleon_google_docstring = True
napoleon_numpy_docstring = False
# "Attributes:" as fields of the class, not as attribute entries autodoc writes again.
napoleon_use_ivar = True
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "undoc-members": False, "show-inheritance": False}
html_theme_options = {"navigation_with_keys": True}
