"""Waveform synthesis from features: WORLD (F0, mel-cepstrum, aperiodicity) and Griffin-Lim."""

from vcgan.vocoders.world import world_vocode

__all__ = ["world_vocode"]
