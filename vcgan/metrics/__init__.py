"""Objective evaluation of converted speech, usable on arrays.

=======================  ======================================================================
name                     what
=======================  ======================================================================
``mcd_per_frame``        per-frame MCD (dB) of aligned mel-cepstra, c0 excluded
``utterance_mcd``        DTW-aligned utterance MCD with frame selection (:class:`MCDResult`)
``exact_dtw``            exact DTW path and cost (``dtw_from_cost`` for any cost matrix)
``f0_scores``            F0 RMSE (cents), log-F0 Pearson r, V/UV error along a path
``global_variance``      GV per dimension; ``gv_ratio_db`` summarises it
``modulation_spectrum``  MS (dB) per dimension; ``ms_distance_db``
``mean_ci``              mean and Student-t 95% CI
``get_settings``         settings of a named preset (``vcgan``, ``sprocket``, ``espnet``)
``analyze``              mel-cepstrum, F0 and frame power of a waveform under some settings
=======================  ======================================================================

Speaker similarity (:mod:`vcgan.metrics.similarity`, resemblyzer) and the DNSMOS naturalness
proxy (:mod:`vcgan.metrics.naturalness`, speechmos) are imported on use: their packages are
optional. ``vcgan evaluate`` (:mod:`vcgan.bin.evaluate`) runs everything over directories.
"""

from vcgan.metrics.dtw import dtw_from_cost, exact_dtw, fastdtw_available, fastdtw_path
from vcgan.metrics.evaluate import PairingError, analyze, evaluate_pairs, format_table, pair_directories, write_json
from vcgan.metrics.f0 import F0Scores, cents, f0_scores
from vcgan.metrics.mcd import MCD_SCALE, MCDResult, mcd_per_frame, speech_mask, utterance_mcd
from vcgan.metrics.oversmoothing import global_variance, gv_ratio_db, modulation_spectrum, ms_distance_db
from vcgan.metrics.presets import PRESETS, EvalSettings, SettingsError, get_settings
from vcgan.metrics.stats import Summary, mean_ci

__all__ = [
    "MCD_SCALE", "PRESETS", "EvalSettings", "F0Scores", "MCDResult", "PairingError", "SettingsError", "Summary",
    "analyze", "cents", "dtw_from_cost", "exact_dtw", "evaluate_pairs", "f0_scores", "fastdtw_available", "fastdtw_path",
    "format_table", "get_settings", "global_variance", "gv_ratio_db", "mcd_per_frame", "mean_ci",
    "modulation_spectrum", "ms_distance_db", "pair_directories", "speech_mask", "utterance_mcd",
    "write_json",
]
