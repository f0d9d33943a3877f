"""The Python API: convert and evaluate from a script or a notebook, NumPy in and out.

    >>> import vcgan
    >>> vc = vcgan.load("exp/cyclegan_vc2_kalM_sltF/bundle")                 # doctest: +SKIP
    >>> vc.speakers                                                         # doctest: +SKIP
    ['kalM', 'sltF']
    >>> y, sr = vc.convert(x, 16000, src="kalM", tgt="sltF")                # doctest: +SKIP
    >>> vc.convert_file("in.wav", "out.wav", tgt="sltF")                    # doctest: +SKIP
    >>> results = vcgan.evaluate("ref_dir", "conv_dir")                     # doctest: +SKIP
    >>> results["summary"]["mcd_db"]["mean"]                                # doctest: +SKIP

Everything goes through the same code as the CLI (:class:`vcgan.conversion.ConversionChain`,
:func:`vcgan.metrics.evaluate.evaluate_pairs`), so the errors are the same: an unknown speaker
lists the bundle's speakers, bad audio names the input and the problem.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np


class VoiceConverter:
    """A loaded bundle, ready to convert (see :func:`load`).

    Attributes:
        chain: The :class:`~vcgan.conversion.chain.ConversionChain` doing the work.
    """

    def __init__(self, chain):
        self.chain = chain

    @property
    def speakers(self) -> list[str]:
        """The bundle's speakers, in training order (the first is the default source)."""
        return self.chain.speakers

    @property
    def sample_rate(self) -> int:
        """The rate (Hz) the model works at and :meth:`convert` returns."""
        return self.chain.feature_config.sample_rate

    def convert(self, x: np.ndarray, sr: int, src: str | None = None, tgt: str | None = None) -> tuple[np.ndarray, int]:
        """Convert speech in memory.

        Args:
            x: ``(samples,)`` or ``(samples, channels)`` floats in [-1, 1] (channels are
                averaged, with a warning).
            sr: Its sample rate (Hz); another rate than the model's is resampled (with a warning).
            src, tgt: Source and target speakers; default: the bundle's first speaker and the
                next one (either may be given alone).

        Returns:
            ``(y, rate)``: the converted ``(samples,)`` float32 waveform at :attr:`sample_rate`.

        Raises:
            ValueError: an unknown speaker (listing the known ones), or audio that cannot be
                used (:class:`vcgan.audio.AudioError`: NaN, silent, too short, ...).
        """
        from vcgan.audio import check_samples
        from vcgan.features.world import min_samples
        src, tgt = self.chain.resolve_pair(src, tgt)
        cfg = self.chain.feature_config
        x, rate = check_samples(x, sr, "input array", cfg.sample_rate, min_samples=min_samples(cfg), stacklevel=3)
        return self.chain.convert_waveform(x, src, tgt).astype(np.float32), rate

    def convert_file(self, in_path: str | os.PathLike, out_path: str | os.PathLike, src: str | None = None,
                     tgt: str | None = None) -> Path:
        """Convert one audio file into ``out_path`` (a wav at :attr:`sample_rate`, 16-bit,
        written atomically); returns ``out_path``."""
        self.chain.convert_file(in_path, out_path, src, tgt)
        return Path(out_path)


def load(bundle: str | os.PathLike, device: str = "cpu", *, postfilters: Sequence[str | os.PathLike] = (),
         vocoder: str | None = None) -> VoiceConverter:
    """Load a model bundle (``exp/<name>/bundle``) for conversion.

    Args:
        bundle: The bundle directory.
        device: ``"cpu"``, ``"cuda"``, ``"cuda:N"`` or ``"auto"``.
        postfilters: Post-filter bundles applied after the model, in order.
        vocoder: ``"world"``, ``"griffin-lim"``, ``"input-phase"``, ... or a vocoder bundle;
            default: the bundle's own, else WORLD.

    Raises:
        FileNotFoundError, ValueError: naming the bundle and what is wrong with it.
    """
    from vcgan.conversion.chain import ConversionChain
    return VoiceConverter(ConversionChain(bundle, device, postfilters=postfilters, vocoder=vocoder))


def evaluate(ref_dir: str | os.PathLike, conv_dir: str | os.PathLike, src_dir: str | os.PathLike | None = None,
             metrics: Iterable[str] = ("mcd", "f0", "gv"), *, preset: str = "vcgan",
             config: str | os.PathLike | None = None, jobs: int = 1, progress: bool = False) -> dict:
    """Score the converted files of ``conv_dir`` against the reference files of the same names
    in ``ref_dir``, as ``vcgan evaluate`` does.

    Args:
        ref_dir, conv_dir: Directories of wav files, paired by name.
        src_dir: Source speech of the same names (for speaker similarity to the source).
        metrics: Of ``mcd``, ``f0``, ``gv``, ``sim``, ``mos``.
        preset: MCD convention (``vcgan``, ``sprocket``, ``espnet``).
        config: A feature config YAML whose analysis settings the ``vcgan`` preset uses.
        jobs: Worker processes.

    Returns:
        The results dict of the JSON ``vcgan evaluate --json`` writes: ``summary`` (metric ->
        ``n``, ``mean``, ``ci``, ``std``), ``utterances``, ``errors``, ``settings``, ``gv``, ``ms``.

    Raises:
        ValueError: unpaired or unreadable directories, an unknown metric or preset.
    """
    from vcgan.features.config import FeatureConfig
    from vcgan.metrics.evaluate import ALL_METRICS, common_sample_rate, evaluate_pairs, pair_directories
    from vcgan.metrics.presets import get_settings
    metrics = tuple(metrics)
    unknown = [m for m in metrics if m not in ALL_METRICS]
    if unknown:
        raise ValueError(f"unknown metric(s) {unknown}; choose from {list(ALL_METRICS)}")
    pairs = pair_directories(ref_dir, conv_dir, src_dir)
    settings = get_settings(preset, common_sample_rate(pairs), FeatureConfig.from_yaml(config) if config else None)
    results = evaluate_pairs(pairs, settings, metrics, jobs, progress=progress)
    results["dirs"] = {"ref": str(ref_dir), "conv": str(conv_dir), "src": src_dir and str(src_dir)}
    return results


__all__ = ["VoiceConverter", "evaluate", "load"]
