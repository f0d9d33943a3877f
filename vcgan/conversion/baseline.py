"""The statistical baseline as a converter of the chain: no network, only speaker statistics."""

from __future__ import annotations

from vcgan.conversion.streams import check_speakers, convert_streams
from vcgan.features.stats import SpeakerStats


class StatisticalConverter:
    """Per-speaker mean/variance conversion of mel-cepstra and the Gaussian log-F0 transform
    (what :func:`~vcgan.conversion.streams.convert_streams` does with the identity map), between
    any two speakers of ``stats``. What every trained converter must beat."""

    def __init__(self, stats: dict[str, SpeakerStats]):
        self.stats = stats
        self.speakers = list(stats)

    def check_pair(self, src: str, tgt: str) -> None:
        check_speakers(self.speakers, src, tgt)

    def convert(self, feats, src: str, tgt: str):
        return convert_streams(feats, self.stats[src], self.stats[tgt])
