"""Acoustic features: WORLD, mel-cepstrum, spectrograms, F0 transforms, statistics."""

from vcgan.features.config import FeatureConfig
from vcgan.features.extract import analyze_file, extract_features
from vcgan.features.f0 import convert_log_f0, estimate_f0_range
from vcgan.features.mcep import code_ap, decode_ap, mcep_to_sp, sp_to_mcep
from vcgan.features.stats import SpeakerStats, compute_speaker_stats, load_all_stats
from vcgan.features.world import WorldFeatures, world_analyze, world_f0, world_synthesize

__all__ = [
    "FeatureConfig", "analyze_file", "extract_features", "convert_log_f0", "estimate_f0_range",
    "code_ap", "decode_ap", "mcep_to_sp", "sp_to_mcep", "SpeakerStats", "compute_speaker_stats",
    "load_all_stats", "WorldFeatures", "world_analyze", "world_f0", "world_synthesize",
]
