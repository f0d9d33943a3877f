"""Overlapping frequency bands of a spectrogram: split, process each, merge with cross-fades.

The GAN post-filter for STFT spectrograms (Kaneko, Takaki, Kameoka & Yamagishi, Interspeech
2017) cannot train one GAN on a whole high-dimensional STFT frame, so it divides the frequency
axis into bands that overlap, post-filters each band, and joins them again across the overlaps
("divide-and-concatenate"). The paper's band edges, overlap and merge are not known
(``../shared/papers/FACTS.md`` section 4.2); here the bands are of equal width, and in an overlap
each band's weight ramps linearly (a triangular cross-fade), normalised so that the weights of
every bin sum to one. Merging the unprocessed bands therefore gives the input back exactly (to
float rounding), whatever the number of bands and the overlap.

    >>> import numpy as np
    >>> x = np.random.default_rng(0).normal(size=(50, 257))      # (frames, bins)
    >>> edges = band_edges(257, n_bands=4, overlap=16)
    >>> y = merge_bands([x[:, lo:hi] for lo, hi in edges], edges, 257)
    >>> bool(np.allclose(x, y))
    True
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

#: A band: bins ``[lo, hi)`` of the frequency axis.
Band = tuple[int, int]


def band_edges(n_bins: int, n_bands: int, overlap: int) -> list[Band]:
    """``n_bands`` bands of ``n_bins`` frequency bins, neighbours sharing ``overlap`` bins.

    The core boundaries split the axis evenly; each band then reaches ``overlap // 2`` bins
    below its lower and ``overlap - overlap // 2`` above its upper core boundary (clipped to
    the axis). One band is the whole axis.

    Raises:
        ValueError: ``n_bands < 1``, ``overlap < 0``, or bands narrower than their overlap.
    """
    if n_bands < 1 or overlap < 0:
        raise ValueError(f"need n_bands >= 1 and overlap >= 0, got {n_bands} and {overlap}")
    cores = np.linspace(0, n_bins, n_bands + 1).round().astype(int)
    if n_bands > 1 and np.min(np.diff(cores)) <= overlap:
        raise ValueError(f"{n_bands} bands of {n_bins} bins are {np.min(np.diff(cores))} bins wide: "
                         f"too narrow for an overlap of {overlap} bins")
    below, above = overlap // 2, overlap - overlap // 2
    return [(max(0, int(lo) - below) if k else 0, min(n_bins, int(hi) + above) if k < n_bands - 1 else n_bins)
            for k, (lo, hi) in enumerate(zip(cores[:-1], cores[1:]))]


def band_weights(edges: Sequence[Band], n_bins: int) -> np.ndarray:
    """``(n_bands, n_bins)`` merge weights: in each overlap the lower band fades out linearly
    while the upper one fades in, and every bin's weights sum to 1."""
    weights = np.zeros((len(edges), n_bins))
    for k, (lo, hi) in enumerate(edges):
        w = np.ones(hi - lo)
        if k > 0:  # fade in over the overlap with the band below
            n = edges[k - 1][1] - lo
            if n > 0:
                w[:n] = np.minimum(w[:n], np.arange(1, n + 1) / (n + 1))
        if k < len(edges) - 1:  # fade out over the overlap with the band above
            n = hi - edges[k + 1][0]
            if n > 0:
                w[-n:] = np.minimum(w[-n:], np.arange(n, 0, -1) / (n + 1))
        weights[k, lo:hi] = w
    total = weights.sum(axis=0)
    if np.any(total <= 0):
        raise ValueError(f"bands {list(edges)} leave bins of the {n_bins} uncovered")
    return weights / total


def split_bands(x: np.ndarray, edges: Sequence[Band]) -> list[np.ndarray]:
    """``(frames, n_bins)`` -> per band its ``(frames, hi - lo)`` slice."""
    return [x[:, lo:hi] for lo, hi in edges]


def merge_bands(bands: Sequence[np.ndarray], edges: Sequence[Band], n_bins: int) -> np.ndarray:
    """Inverse of :func:`split_bands`: per-band ``(frames, hi - lo)`` arrays (processed or not)
    -> ``(frames, n_bins)``, cross-faded across the overlaps (:func:`band_weights`)."""
    if len(bands) != len(edges):
        raise ValueError(f"{len(bands)} bands given for {len(edges)} band edges")
    weights = band_weights(edges, n_bins)
    out = np.zeros((bands[0].shape[0], n_bins), dtype=np.result_type(*bands, np.float32))
    for k, ((lo, hi), band) in enumerate(zip(edges, bands)):
        if band.shape[1] != hi - lo:
            raise ValueError(f"band {k} has {band.shape[1]} bins, its edges [{lo}, {hi}) give {hi - lo}")
        out[:, lo:hi] += band * weights[k, lo:hi].astype(out.dtype)
    return out
