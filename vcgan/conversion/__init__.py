"""Conversion: the chain every family converts through, and the parts families share.

- :class:`~vcgan.conversion.chain.ConversionChain`: analysis -> converter -> post-filters ->
  vocoder, built from bundles;
- :func:`~vcgan.conversion.streams.convert_streams`: per-speaker normalisation around a
  mel-cepstral map and the log-F0 transform;
- :class:`~vcgan.conversion.baseline.StatisticalConverter`: the statistical baseline.
"""

from vcgan.conversion.baseline import StatisticalConverter
from vcgan.conversion.chain import ConversionChain
from vcgan.conversion.streams import McepMap, check_speakers, convert_streams

__all__ = ["ConversionChain", "McepMap", "StatisticalConverter", "check_speakers", "convert_streams"]
