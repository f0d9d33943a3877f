"""Evaluate a directory of converted speech against references: pairing, per-utterance
scores in parallel, summary (mean and 95% CI), JSON and a text table.

Files are paired by name without extension (``p225_001.wav`` in ``--ref`` with
``p225_001.flac`` in ``--conv``). Every problem with the pairing (an empty directory, a name
on one side only, two files with one name, different sample rates) stops the evaluation
before any work with a message listing the files; a file that fails later (corrupt, silent,
too short, no speech) is reported in ``errors`` and the other utterances still finish.

Each utterance is analysed once (:func:`analyze`) and every metric reuses the analysis and
the one DTW alignment of the MCD: F0 and V/UV are compared along that path. Results do not
depend on the number of worker processes: each utterance is scored independently, with one
thread, and everything is gathered in name order.
"""

from __future__ import annotations

import contextlib
import json
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import numpy as np
import soundfile as sf

from vcgan.audio import read_wav
from vcgan.features.config import FeatureConfig
from vcgan.features.mcep import sp_to_mcep
from vcgan.metrics.f0 import f0_scores
from vcgan.metrics.mcd import envelope_power, normalized_power_db, speech_mask, sptk_mcep, utterance_mcd
from vcgan.metrics.oversmoothing import (
    MS_FFT, global_variance, gv_ratio_db, modulation_frequencies, modulation_spectrum, ms_distance_db,
)
from vcgan.metrics.presets import EvalSettings
from vcgan.metrics.stats import mean_ci
from vcgan.utils.parallel import caught, parallel_map

AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg")
ALL_METRICS = ("mcd", "f0", "sim", "mos", "gv")
DEFAULT_METRICS = ("mcd", "f0", "gv")

#: (metric group, per-utterance key, table label), in table order.
FIELDS: tuple[tuple[str, str, str], ...] = (
    ("mcd", "mcd_db", "MCD (dB)"),
    ("f0", "f0_rmse_cents", "F0 RMSE (cents)"),
    ("f0", "f0_corr", "F0 correlation (r)"),
    ("f0", "vuv_error_pct", "V/UV error (%)"),
    ("sim", "sim_target", "speaker sim. to target (cos)"),
    ("sim", "sim_source", "speaker sim. to source (cos)"),
    ("sim", "src_sim_target", "  source speech to target (cos)"),
    ("mos", "dnsmos_ovrl", "DNSMOS OVRL proxy (1-5)"),
    ("mos", "dnsmos_sig", "DNSMOS SIG proxy (1-5)"),
    ("mos", "dnsmos_bak", "DNSMOS BAK proxy (1-5)"),
    ("mos", "dnsmos_ovrl_ref", "  reference OVRL proxy (1-5)"),
    ("gv", "gv_ratio_db", "GV ratio conv/ref (dB)"),
    ("gv", "ms_distance_db", "MS distance (dB)"),
)


class PairingError(ValueError):
    """The directories cannot be evaluated as given; the message lists the files at fault."""


@dataclass(frozen=True)
class Pair:
    name: str
    ref: str
    conv: str
    src: str | None = None


# ----------------------------------------------------------------------------- pairing
def _listing(names: Iterable[str], limit: int = 20) -> str:
    names = sorted(names)
    shown = ", ".join(names[:limit])
    return shown + (f", ... ({len(names) - limit} more)" if len(names) > limit else "")


def list_audio(directory: str | Path, role: str) -> dict[str, str]:
    """``{name: path}`` of the audio files (``.wav``, ``.flac``, ``.ogg``) in ``directory``."""
    d = Path(directory)
    if not d.is_dir():
        raise PairingError(f"{role} directory {d} does not exist or is not a directory")
    found: dict[str, list[Path]] = {}
    for p in sorted(d.iterdir()):
        if p.is_file() and p.suffix.lower() in AUDIO_EXTENSIONS:
            found.setdefault(p.stem, []).append(p)
    if not found:
        raise PairingError(f"{role} directory {d} has no audio files ({', '.join(AUDIO_EXTENSIONS)})")
    dup = {k: v for k, v in found.items() if len(v) > 1}
    if dup:
        raise PairingError(
            f"{role} directory {d} has several files with one name: "
            + "; ".join(" and ".join(p.name for p in v) for _, v in sorted(dup.items()))
        )
    return {k: str(v[0]) for k, v in found.items()}


def pair_directories(ref_dir: str | Path, conv_dir: str | Path, src_dir: str | Path | None = None) -> list[Pair]:
    """Pair files by name; :class:`PairingError` lists every name missing on some side."""
    ref = list_audio(ref_dir, "reference")
    conv = list_audio(conv_dir, "converted")
    src = list_audio(src_dir, "source") if src_dir is not None else None
    problems = []
    if set(conv) - set(ref):
        problems.append(f"converted files without a reference in {ref_dir}: {_listing(set(conv) - set(ref))}")
    if set(ref) - set(conv):
        problems.append(f"references without a converted file in {conv_dir}: {_listing(set(ref) - set(conv))}")
    if src is not None and set(conv) - set(src):
        problems.append(f"converted files without a source file in {src_dir}: {_listing(set(conv) - set(src))}")
    if problems:
        raise PairingError("files do not pair up by name:\n  " + "\n  ".join(problems))
    return [Pair(n, ref[n], conv[n], src[n] if src is not None else None) for n in sorted(conv)]


def common_sample_rate(pairs: list[Pair]) -> int:
    """The one sample rate (Hz) of every reference and converted file.

    Raises :class:`PairingError` listing the pairs whose two files differ, or the files at
    each rate when the set mixes rates (nothing is resampled: that would change the scores).
    Unreadable files are left for the per-utterance step to report.
    """
    rates: dict[str, int] = {}
    for p in pairs:
        for path in (p.ref, p.conv):
            try:
                rates[path] = int(sf.info(path).samplerate)
            except Exception:  # reported with the file's own error later
                pass
    mismatched = [
        f"{p.name} ({rates[p.ref]} Hz reference, {rates[p.conv]} Hz converted)"
        for p in pairs if p.ref in rates and p.conv in rates and rates[p.ref] != rates[p.conv]
    ]
    if mismatched:
        raise PairingError("reference and converted files differ in sample rate: " + _listing(mismatched))
    by_rate: dict[int, list[str]] = {}
    for path, fs in rates.items():
        by_rate.setdefault(fs, []).append(Path(path).name)
    if len(by_rate) > 1:
        raise PairingError(
            "files at several sample rates (evaluate each rate separately): "
            + "; ".join(f"{fs} Hz: {_listing(v, 5)}" for fs, v in sorted(by_rate.items()))
        )
    if not by_rate:
        raise PairingError("none of the files could be read: " + _listing(p.name for p in pairs))
    return next(iter(by_rate))


# ----------------------------------------------------------------------------- analysis
@dataclass
class Frames:
    """Frame-level analysis of one utterance under some :class:`EvalSettings`.

    ``mcep`` ``(T, mcep_dim)`` (c0 first), ``f0`` ``(T,)`` Hz (0 = unvoiced, ``None`` when not
    needed), ``power_db`` ``(T,)`` normalised frame power (dB), ``f0_seconds`` time spent in F0.
    """

    mcep: np.ndarray
    f0: np.ndarray | None
    power_db: np.ndarray
    f0_seconds: float = 0.0


def _world_f0(x: np.ndarray, s: EvalSettings, frame_period: float) -> tuple[np.ndarray, np.ndarray]:
    from vcgan.features.world import world_f0

    cfg = FeatureConfig(
        sample_rate=s.sample_rate, frame_period=frame_period, f0_method=s.f0_method,
        f0_floor=s.f0_floor, f0_ceil=s.f0_ceil, f0_range_auto=False,
    )
    return world_f0(x, cfg)


def analyze(x: np.ndarray, settings: EvalSettings, need_f0: bool = True) -> Frames:
    """Mel-cepstrum, F0 and normalised frame power of ``(samples,)`` speech at the settings' rate."""
    import pyworld

    s = settings
    x = np.ascontiguousarray(x, dtype=np.float64)
    if s.mcep_source == "world":
        t0 = time.perf_counter()
        f0, t = _world_f0(x, s, s.frame_period)
        f0_seconds = time.perf_counter() - t0
        # Only the envelope: D4C's aperiodicity plays no part in any metric.
        sp = pyworld.cheaptrick(x, f0, t, s.sample_rate, fft_size=s.fft_size)
        return Frames(sp_to_mcep(sp, s.mcep_dim, s.alpha), f0, normalized_power_db(envelope_power(sp)), f0_seconds)
    mcep, power = sptk_mcep(x, s.mcep_dim, s.alpha, s.fft_size, s.hop_length)
    f0, f0_seconds = None, 0.0
    if need_f0:
        t0 = time.perf_counter()
        f0_world, _ = _world_f0(x, s, s.frame_period)
        f0_seconds = time.perf_counter() - t0
        # WORLD frame k is centred on sample k*hop; SPTK frame k on k*hop + win/2.
        centre = np.rint((np.arange(len(mcep)) * s.hop_length + s.fft_size / 2) / s.hop_length).astype(int)
        f0 = f0_world[np.minimum(centre, len(f0_world) - 1)]
    return Frames(mcep, f0, normalized_power_db(power), f0_seconds)


# ----------------------------------------------------------------------------- one utterance
def score_pair(pair: Pair, settings: EvalSettings, metrics: tuple[str, ...]) -> dict:
    """Scores of one pair (see :data:`FIELDS` for the keys) plus, under ``"_private"``,
    arrays for the directory-level summaries (GV per dimension, speaker embeddings, timing)."""
    s = settings
    start = 0 if s.include_c0 else 1
    out: dict = {}
    private: dict = {"timing": {"f0": 0.0, "analysis": 0.0, "dtw": 0.0, "sim": 0.0, "mos": 0.0}}
    timing = private["timing"]
    x_ref, _ = read_wav(pair.ref, s.sample_rate, min_samples=s.fft_size, resample=False)
    x_conv, _ = read_wav(pair.conv, s.sample_rate, min_samples=s.fft_size, resample=False)

    if {"mcd", "f0", "gv"} & set(metrics):
        t0 = time.perf_counter()
        ref = analyze(x_ref, s, need_f0="f0" in metrics)
        conv = analyze(x_conv, s, need_f0="f0" in metrics)
        timing["f0"] = ref.f0_seconds + conv.f0_seconds
        timing["analysis"] = time.perf_counter() - t0 - timing["f0"]
        ref_keep = speech_mask(ref.power_db, s.threshold)
        conv_keep = speech_mask(conv.power_db, s.threshold)
        if "mcd" in metrics or "f0" in metrics:
            t0 = time.perf_counter()
            res = utterance_mcd(ref.mcep, conv.mcep, include_c0=s.include_c0,
                                ref_keep=ref_keep, conv_keep=conv_keep, align=s.dtw)
            timing["dtw"] = time.perf_counter() - t0
            if "mcd" in metrics:
                out["mcd_db"] = res.mcd
                out["mcd_frames"] = res.n_frames
            if "f0" in metrics:
                f0 = f0_scores(ref.f0, conv.f0, np.stack([res.ref_frames, res.conv_frames], axis=1))
                out.update(f0_rmse_cents=f0.rmse_cents, f0_corr=f0.corr, vuv_error_pct=100.0 * f0.vuv_error,
                           f0_voiced_frames=f0.n_voiced)
        if "gv" in metrics:
            mc_ref, mc_conv = ref.mcep[ref_keep, start:], conv.mcep[conv_keep, start:]
            gv_ref, gv_conv = global_variance(mc_ref), global_variance(mc_conv)
            out["gv_ratio_db"] = gv_ratio_db(gv_conv, gv_ref)
            ms_ref, ms_conv = modulation_spectrum(mc_ref), modulation_spectrum(mc_conv)
            out["ms_distance_db"] = ms_distance_db(ms_conv, ms_ref)
            private["gv_ref"], private["gv_conv"] = gv_ref, gv_conv
            private["ms_ref"], private["ms_conv"] = ms_ref, ms_conv

    if "sim" in metrics:
        from vcgan.metrics.similarity import embed_utterance

        t0 = time.perf_counter()
        emb = {"ref": embed_utterance(x_ref, s.sample_rate), "conv": embed_utterance(x_conv, s.sample_rate)}
        if pair.src is not None:
            x_src, fs_src = read_wav(pair.src)  # only the speaker encoder sees it; it resamples itself
            emb["src"] = embed_utterance(x_src, fs_src)
        private["emb"] = emb
        timing["sim"] = time.perf_counter() - t0

    if "mos" in metrics:
        from vcgan.metrics.naturalness import dnsmos_proxy

        t0 = time.perf_counter()
        for key, value in dnsmos_proxy(x_conv, s.sample_rate).items():
            out[f"dnsmos_{key}"] = value
        out["dnsmos_ovrl_ref"] = dnsmos_proxy(x_ref, s.sample_rate)["ovrl"]
        timing["mos"] = time.perf_counter() - t0
    out["_private"] = private
    return out


def _one_blas_thread():
    # One BLAS thread per utterance, in the main process (-j 1) as in workers: several
    # workers with a multi-threaded BLAS each only oversubscribe the cores (OpenBLAS threads
    # also spin while idle), and the same thread count everywhere keeps -j from changing
    # any result.
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - comes with librosa (via scikit-learn)
        return contextlib.nullcontext()
    return threadpool_limits(limits=1)


def _score_job(job: tuple[Pair, EvalSettings, tuple[str, ...]]) -> tuple[str, dict | None, str | None, list[str]]:
    pair, settings, metrics = job
    with _one_blas_thread():
        result, error, warns = caught(score_pair, pair, settings, metrics)
    if error is not None and str(pair.conv) not in error and str(pair.ref) not in error:
        error = f"{pair.name} ({pair.conv}): {error}"
    return pair.name, result, error, warns


def evaluate_pairs(
    pairs: list[Pair], settings: EvalSettings, metrics: Iterable[str] = DEFAULT_METRICS,
    n_jobs: int = 1, progress: bool = True, log: Callable[[str], None] | None = None,
) -> dict:
    """Score every pair and summarise; returns the result dict written as JSON.

    Keys: ``settings``, ``metrics``, ``utterances`` (name -> scores), ``errors`` (name ->
    message), ``summary`` (score -> n, mean, ci, std), ``gv`` (mean GV per dimension of the
    reference and converted speech), ``ms`` (their mean modulation spectra, see
    :func:`mean_modulation_spectra`), ``timing`` (seconds per stage, summed over utterances).
    ``gv`` and ``ms`` are ``None`` without the ``gv`` metric or without a scored utterance.
    """
    metrics = tuple(m for m in ALL_METRICS if m in set(metrics))
    unknown = set(metrics) - set(ALL_METRICS)
    if unknown or not metrics:
        raise ValueError(f"metrics must be a non-empty subset of {ALL_METRICS}")
    if settings.dtw == "exact":
        from vcgan.metrics.dtw import exact_dtw
        exact_dtw(np.zeros((2, 1)), np.zeros((2, 1)))  # compile once here; forked workers inherit it
    jobs = [(p, settings, metrics) for p in pairs]
    scores: dict[str, dict] = {}
    errors: dict[str, str] = {}
    for name, result, error, warns in parallel_map(_score_job, jobs, n_jobs, "evaluate", unit="utt", progress=progress):
        for w in warns:
            if log:
                log(f"{name}: {w}")
        if error is not None:
            errors[name] = error
        else:
            scores[name] = result
    return summarise(scores, errors, settings, metrics)


def summarise(scores: dict[str, dict], errors: dict[str, str], settings: EvalSettings, metrics: tuple[str, ...]) -> dict:
    """Directory-level results from per-utterance :func:`score_pair` outputs (see :func:`evaluate_pairs`)."""
    names = sorted(scores)
    private = {n: scores[n].pop("_private") for n in names}
    timing: dict[str, float] = {}
    for n in names:
        for k, v in private[n]["timing"].items():
            timing[k] = timing.get(k, 0.0) + v

    if "sim" in metrics and names:
        from vcgan.metrics.similarity import cosine, speaker_embedding

        target = speaker_embedding([private[n]["emb"]["ref"] for n in names])
        srcs = [private[n]["emb"]["src"] for n in names if "src" in private[n]["emb"]]
        source = speaker_embedding(srcs) if len(srcs) == len(names) else None
        for n in names:
            emb = private[n]["emb"]
            scores[n]["sim_target"] = cosine(emb["conv"], target)
            if source is not None:
                scores[n]["sim_source"] = cosine(emb["conv"], source)
                scores[n]["src_sim_target"] = cosine(emb["src"], target)

    gv = ms = None
    if "gv" in metrics and names:
        start = 0 if settings.include_c0 else 1
        gv = {
            "dims": list(range(start, settings.mcep_dim)),
            "ref": np.mean([private[n]["gv_ref"] for n in names], axis=0).tolist(),
            "conv": np.mean([private[n]["gv_conv"] for n in names], axis=0).tolist(),
        }
        ms = mean_modulation_spectra([private[n]["ms_ref"] for n in names],
                                     [private[n]["ms_conv"] for n in names], gv["dims"], settings.frame_period)
    summary = {}
    for group, key, _ in FIELDS:
        if group in metrics and any(key in scores[n] for n in names):
            summary[key] = mean_ci([scores[n].get(key) for n in names]).to_dict()
    from vcgan import __version__

    return {
        "vcgan_version": __version__,
        "settings": settings.to_dict(),
        "metrics": list(metrics),
        "n_pairs": len(names) + len(errors),
        "utterances": {n: scores[n] for n in names},
        "errors": dict(sorted(errors.items())),
        "summary": summary,
        "gv": gv,
        "ms": ms,
        "timing": timing,
    }


def mean_modulation_spectra(ms_ref: list[np.ndarray], ms_conv: list[np.ndarray], dims: list[int],
                            frame_period: float, n_fft: int = MS_FFT) -> dict:
    """The ``ms`` entry of the results: per-utterance ``(n_fft // 2 + 1, len(dims))``
    modulation spectra (dB) averaged over utterances (in dB).

    Keys: ``dims`` (mel-cepstral dimensions, the columns), ``frame_period_ms``, ``n_fft``
    (frames per segment), ``freqs_hz`` ``(n_fft // 2 + 1,)`` modulation frequency of each row,
    ``k * (1000 / frame_period) / n_fft`` Hz, and ``ref`` / ``conv``, each
    ``(n_fft // 2 + 1, len(dims))`` in dB as nested lists (rows = modulation bins).
    Values are rounded to 4 decimals: the JSON stays small and 1e-4 dB is far below any
    difference that matters.
    """
    freqs = modulation_frequencies(frame_period, n_fft)
    return {
        "dims": list(dims),
        "frame_period_ms": float(frame_period),
        "n_fft": int(n_fft),
        "freqs_hz": np.round(freqs, 4).tolist(),
        "ref": np.round(np.mean(ms_ref, axis=0), 4).tolist(),
        "conv": np.round(np.mean(ms_conv, axis=0), 4).tolist(),
    }


# ----------------------------------------------------------------------------- output
def _json_safe(obj):
    if isinstance(obj, dict):
        return {k: _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_safe(v) for v in obj]
    if isinstance(obj, (np.floating, float)):
        return None if not math.isfinite(float(obj)) else float(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    return obj


def to_json(results: dict) -> str:
    """JSON text of a result dict (NaN -> null)."""
    return json.dumps(_json_safe(results), indent=1, sort_keys=False) + "\n"


def write_json(path: str | Path, results: dict) -> None:
    """Write ``results`` as JSON atomically."""
    from vcgan.utils.io import atomic_write_text

    atomic_write_text(path, to_json(results))


def _fmt(key: str, v: float | None) -> str:
    if v is None:
        return "-"
    return f"{v:.3f}" if "corr" in key or "sim" in key else f"{v:.2f}"


def format_table(results: dict) -> str:
    """Text table: one row per score with n, mean and the 95% CI half-width."""
    rows = [("metric", "n", "mean", "95% CI")]
    for _, key, label in FIELDS:
        s = results["summary"].get(key)
        if s is None:
            continue
        rows.append((label, str(s["n"]), _fmt(key, s["mean"]), "-" if s["ci"] is None else "±" + _fmt(key, s["ci"])))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = [
        f"{r[0]:<{widths[0]}}  {r[1]:>{widths[1]}}  {r[2]:>{widths[2]}}  {r[3]:>{widths[3]}}" for r in rows
    ]
    lines.insert(1, "-" * len(lines[0]))
    s = results["settings"]
    frames = "all frames" if s["silence"] == "none" else f"frames > {s['silence_threshold_db']:g} dB"
    lines.append("")
    lines.append(
        f"preset {s['preset']}: {s['mcep_source']} mel-cepstra, dim {s['mcep_dim']}, alpha {s['alpha']:g}, "
        f"{'c0 included' if s['include_c0'] else 'c0 excluded'}, {frames}, {s['dtw']} DTW, "
        f"F0 {s['f0_method']} {s['f0_floor']:g}-{s['f0_ceil']:g} Hz, {s['sample_rate']} Hz"
        + (f"; overrides: {', '.join(s['overrides'])}" if s["overrides"] else "")
    )
    if "dnsmos_ovrl" in results["summary"]:
        lines.append("DNSMOS scores are a non-intrusive proxy for naturalness, not a MOS.")
    if results["errors"]:
        lines.append(f"{len(results['errors'])} of {results['n_pairs']} utterance(s) failed (see errors)")
    return "\n".join(lines)


def format_comparison(results: dict[str, dict]) -> str:
    """One table comparing systems (``name -> result dict``): a column per system with
    ``mean ±CI`` per score. Results computed with different settings are not comparable,
    so any difference is named under the table."""
    names = list(results)
    rows = [("metric", *names)]
    for _, key, label in FIELDS:
        cells = []
        for n in names:
            s = results[n]["summary"].get(key)
            cells.append("" if s is None else _fmt(key, s["mean"]) + ("" if s["ci"] is None else " ±" + _fmt(key, s["ci"])))
        if any(cells):
            rows.append((label, *cells))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(f"{c:<{w}}" if i == 0 else f"{c:>{w}}" for i, (c, w) in enumerate(zip(r, widths))) for r in rows]
    lines.insert(1, "-" * len(lines[0]))
    counts = {n: len(results[n]["utterances"]) for n in names}
    lines.append("")
    lines.append("utterances: " + ", ".join(f"{n} {c}" for n, c in counts.items()))
    warning = comparability_warning([results[n]["settings"] for n in names])
    if warning:
        lines.append(warning)
    return "\n".join(lines)


def settings_differences(settings: list[dict]) -> list[str]:
    """Sorted names of the settings in which any of ``settings`` (result dicts' ``settings``)
    differs from the first. ``overrides`` is left out: it only lists which values were set on
    top of the preset, and the values themselves are compared."""
    first = settings[0]
    return sorted({k for s in settings[1:] for k in set(first) | set(s)
                   if s.get(k) != first.get(k) and k != "overrides"})


def comparability_warning(settings: list[dict], what: str = "") -> str | None:
    """The warning line for results whose ``settings`` differ (``what`` is put before
    "computed ...", e.g. ``"baseline: pairs "``), or ``None`` when they all agree."""
    differ = settings_differences(settings)
    if not differ:
        return None
    return f"WARNING: {what}computed with different settings, not comparable: " + ", ".join(differ)
