"""Which rows of a stream a GAN post-filter sees, and how they are cut into bands."""

from __future__ import annotations

from vcgan.features.bands import Band, band_edges
from vcgan.tasks.ganpf.config import GANPFConfig


def filtered_span(cfg: GANPFConfig, n_rows: int) -> tuple[int, int]:
    """``(first, last)``: rows ``[first, last)`` of an ``n_rows`` stream that are post-filtered."""
    last = n_rows if cfg.last_row is None else cfg.last_row
    if last > n_rows:
        raise ValueError(f"last_row {cfg.last_row} is beyond the stream's {n_rows} rows")
    return cfg.first_row, last


def bands_of(cfg: GANPFConfig, n_rows: int) -> list[Band]:
    """Band edges relative to the first filtered row (:func:`vcgan.features.bands.band_edges`)."""
    first, last = filtered_span(cfg, n_rows)
    return band_edges(last - first, cfg.n_bands, cfg.band_overlap)
