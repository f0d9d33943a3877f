"""Reports of evaluation results: the HTML listening page (:mod:`vcgan.report.html`)."""

from vcgan.report.html import write_listening_page

__all__ = ["write_listening_page"]
