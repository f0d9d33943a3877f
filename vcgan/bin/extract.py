"""Extract features for every utterance of a Kaldi data directory into a dump.

Runs in parallel over files (-j), shows a progress bar, writes each utterance atomically and
skips utterances already extracted (an interrupted run resumes; --overwrite redoes all).
A bad file (missing, corrupt, empty, silent, too short, NaN samples, a failing wav.scp pipe
command, ...) is reported in a summary at the end while the others finish; the exit code is 1
in that case unless --skip-bad is given. Only when no audio file of wav.scp exists at all
(relative paths are relative to the current directory) does it stop before any work.

When the config has `f0_range_auto: true`, a first pass (DIO over at most
--f0-range-utts utterances per speaker, search range 40-800 Hz) estimates each speaker's F0
range (De Looze & Hirst, 2008); ranges go to OUT/f0_range.yaml, a histogram to
OUT/f0_histogram.png, and both into OUT/feature_config.yaml.

Dump layout: see vcgan.data.dump.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import numpy as np

from vcgan.audio import AudioError
from vcgan.data.dump import CONFIG_FILE, FEATS_DIR, FEATS_SCP, WAV_SCP, write_features
from vcgan.data.kaldi import DataDir, DataDirError, is_pipe_entry, read_data_dir, write_table
from vcgan.features.config import FeatureConfig
from vcgan.features.extract import extract_features, read_speech
from vcgan.features.f0 import WIDE_F0_RANGE, estimate_f0_range, plot_f0_histogram
from vcgan.features.world import world_f0
from vcgan.utils.argtypes import positive_int
from vcgan.utils.config import ConfigError, load_yaml, save_yaml
from vcgan.utils.io import check_output_path
from vcgan.utils.parallel import caught, parallel_map

logger = logging.getLogger("vcgan.extract")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data-dir", required=True, help="Kaldi data directory (wav.scp, utt2spk, spk2utt)")
    p.add_argument("--out-dir", required=True, help="dump directory to write")
    p.add_argument("--config", required=True, help="feature config YAML (see vcgan.features.config)")
    p.add_argument("-j", "--jobs", type=positive_int, default=1, help="parallel worker processes (default 1)")
    p.add_argument("--overwrite", action="store_true", help="re-extract utterances already in the dump")
    p.add_argument("--skip-bad", action="store_true", help="exit 0 even when some files were bad (they are still listed)")
    p.add_argument("--f0-range-utts", type=positive_int, default=20,
                   help="utterances per speaker used to estimate its F0 range (default 20)")


# ----------------------------------------------------------------------------- workers
def _first_pass_f0(job: tuple[str, str, dict]) -> tuple:
    utt, wav, cfg_dict = job
    cfg = FeatureConfig.from_dict(cfg_dict)

    def run():
        return world_f0(read_speech(wav, cfg), cfg, *WIDE_F0_RANGE, method="dio")[0]
    return (utt, *caught(run))


def _extract_one(job: tuple[str, str, str, dict, tuple[float, float]]) -> tuple:
    utt, wav, out_path, cfg_dict, f0_range = job
    cfg = FeatureConfig.from_dict(cfg_dict)

    def run():
        feats = extract_features(read_speech(wav, cfg), cfg, f0_range)
        if not np.any(feats["f0"] > 0):
            raise AudioError(wav, "no voiced frame found (not speech, or F0 range wrong)")
        write_features(out_path, feats)
        return len(feats["f0"])
    return (utt, *caught(run))


# ----------------------------------------------------------------------------- steps
def estimate_speaker_f0_ranges(
    wav_scp: dict[str, str], utt2spk: dict[str, str], cfg: FeatureConfig, max_utts: int, n_workers: int,
    histogram_path: Path | None = None, progress: bool = True,
) -> tuple[dict[str, list[float]], list[tuple[str, str]]]:
    """Per-speaker ``[floor, ceil]`` (Hz) from a DIO first pass; speakers with a configured
    range are skipped. Returns the ranges and the ``(utt, error)`` of unreadable files."""
    by_spk: dict[str, list[str]] = {}
    for utt in sorted(wav_scp):
        by_spk.setdefault(utt2spk[utt], []).append(utt)
    todo = {s: u[:max_utts] for s, u in by_spk.items() if s not in cfg.speaker_f0_range}
    jobs = [(u, wav_scp[u], cfg.to_dict()) for utts in todo.values() for u in utts]
    f0s: dict[str, list[np.ndarray]] = {}
    bad = []
    for utt, f0, error, _ in parallel_map(_first_pass_f0, jobs, n_workers, "F0 range (1st pass)", unit="utt",
                                                progress=progress):
        if error:
            bad.append((utt, error))
        else:
            f0s.setdefault(utt2spk[utt], []).append(f0)
    ranges = {}
    for spk in sorted(todo):
        try:
            ranges[spk] = list(estimate_f0_range(np.concatenate(f0s.get(spk, [np.zeros(0)]))))
        except ValueError as e:
            logger.warning("speaker %s: %s; using the config's range %s-%s Hz", spk, e, cfg.f0_floor, cfg.f0_ceil)
            ranges[spk] = [cfg.f0_floor, cfg.f0_ceil]
        logger.info("speaker %s: F0 range %.0f-%.0f Hz", spk, *ranges[spk])
    if histogram_path is not None and f0s:
        plot_f0_histogram({s: np.concatenate(v) for s, v in f0s.items()}, ranges, histogram_path)
    return ranges, bad


def _check_same_config(out_dir: Path, cfg: FeatureConfig) -> None:
    saved_path = out_dir / CONFIG_FILE
    if not saved_path.is_file():
        return
    saved = FeatureConfig.from_yaml(saved_path).to_dict()
    wanted = cfg.to_dict()
    # Per-speaker ranges are filled in by this command, so they are compared only if the
    # user set them explicitly.
    if not cfg.speaker_f0_range:
        saved.pop("speaker_f0_range"), wanted.pop("speaker_f0_range")
    diff = sorted(k for k in wanted if saved.get(k) != wanted[k])
    if diff:
        raise ConfigError(
            f"{saved_path}: the dump was made with other settings ({', '.join(diff)}); "
            "use --overwrite to re-extract, or another --out-dir"
        )


def _check_some_files_exist(data: DataDir) -> None:
    """Raise DataDirError when every wav.scp entry is a file path and none exists."""
    if any(is_pipe_entry(p) or Path(p).is_file() for p in data.wav_scp.values()):
        return
    examples = ", ".join(f"{u} -> {data.wav_scp[u]}" for u in sorted(data.wav_scp)[:3])
    raise DataDirError(f"data directory {data.path}: none of the {len(data.wav_scp)} audio files in wav.scp "
                       f"exists (e.g. {examples}); relative paths are relative to the current directory "
                       f"({Path.cwd()})")


def _absolute_entry(entry: str) -> str:
    """A wav.scp entry that still reads from another directory: file paths made absolute
    (a data directory's are relative to where the recipe runs), pipe commands kept."""
    return entry if is_pipe_entry(entry) else str(Path(entry).resolve())


def extract_data_dir(
    data_dir: str, out_dir: str, cfg: FeatureConfig, n_workers: int = 1, overwrite: bool = False,
    f0_range_utts: int = 20, progress: bool = True,
) -> tuple[dict[str, int], list[tuple[str, str]]]:
    """Extract a data directory into ``out_dir``. Returns ``(frames by utterance, bad files)``
    where bad files are ``(utt, message)``; see the module docstring."""
    # Missing files are bad files like the others (summarised at the end), not a reason to
    # refuse the whole directory; only none at all is (a wrong current directory, most likely).
    data = read_data_dir(data_dir, check_files=False)
    _check_some_files_exist(data)
    out = Path(out_dir)
    if not overwrite:
        _check_same_config(out, cfg)
    out.mkdir(parents=True, exist_ok=True)

    bad: list[tuple[str, str]] = []
    ranges_file = out / "f0_range.yaml"
    if cfg.f0_range_auto:
        known = load_yaml(ranges_file) if ranges_file.is_file() and not overwrite else {}
        speakers = set(data.utt2spk[u] for u in data.wav_scp)
        if not speakers <= set(known) | set(cfg.speaker_f0_range):
            ranges, bad = estimate_speaker_f0_ranges(
                data.wav_scp, data.utt2spk, cfg.replace(speaker_f0_range={**known, **cfg.speaker_f0_range}),
                f0_range_utts, n_workers, out / "f0_histogram.png", progress,
            )
            known.update(ranges)
            save_yaml(ranges_file, known)
        cfg = cfg.replace(speaker_f0_range={**known, **cfg.speaker_f0_range})
    cfg.save(out / CONFIG_FILE)

    jobs, done = [], {}
    for utt in sorted(data.wav_scp):
        path = out / FEATS_DIR / f"{utt}.npz"
        if path.is_file() and not overwrite:
            done[utt] = -1  # complete (written atomically); frame count not needed
            continue
        jobs.append((utt, data.wav_scp[utt], str(path), cfg.to_dict(), cfg.f0_range_for(data.utt2spk[utt])))
    if done:
        logger.info("%d of %d utterances already extracted; skipping them", len(done), len(data.wav_scp))
    first_pass_bad = dict(bad)
    for utt, n_frames, error, warns in parallel_map(_extract_one, jobs, n_workers, "extract", unit="utt",
                                                  progress=progress):
        for w in warns:
            logger.warning("%s", w)
        if error:
            first_pass_bad[utt] = error
        else:
            done[utt] = n_frames
    bad = sorted((u, e) for u, e in first_pass_bad.items() if u not in done)

    ok = {u: data.utt2spk[u] for u in done}
    write_table(out / FEATS_SCP, {u: f"{FEATS_DIR}/{u}.npz" for u in done})
    write_table(out / "utt2spk", ok)
    write_table(out / WAV_SCP, {u: _absolute_entry(data.wav_scp[u]) for u in done})
    spk2utt: dict[str, list[str]] = {}
    for u in sorted(ok):
        spk2utt.setdefault(ok[u], []).append(u)
    write_table(out / "spk2utt", {s: " ".join(us) for s, us in spk2utt.items()})
    if bad:
        write_table(out / "bad_files.txt", dict(bad))
    else:
        (out / "bad_files.txt").unlink(missing_ok=True)
    return done, bad


def run(args: argparse.Namespace) -> int:
    cfg = FeatureConfig.from_yaml(args.config)
    check_output_path(args.out_dir, directory=True, what="--out-dir")
    if Path(args.out_dir).resolve() == Path(args.data_dir).resolve():
        # The dump's utt2spk and spk2utt (good utterances only) would replace the data's.
        raise ValueError(f"--out-dir {args.out_dir} is the data directory; its utt2spk and spk2utt "
                         "would be overwritten: choose another --out-dir")
    done, bad = extract_data_dir(args.data_dir, args.out_dir, cfg, args.jobs, args.overwrite, args.f0_range_utts)
    logger.info("extracted %d utterance(s) into %s", len(done), args.out_dir)
    if bad:
        logger.error("%d bad file(s) (listed in %s/bad_files.txt):", len(bad), args.out_dir)
        for utt, error in bad:
            logger.error("  %s: %s", utt, error)
        return 0 if args.skip_bad else 1
    return 0
