"""Convert speech with a trained model bundle (any family), optionally post-filtered.

  vcgan convert --model exp/NAME/bundle in.wav out.wav
  vcgan convert --model exp/NAME/bundle --src-spk SF3 --tgt-spk TM1 -j 2 in_dir/ out_dir/
  vcgan convert --model exp/NAME/bundle data/eval_SF3/wav.scp out_dir/
  vcgan convert --model BUNDLE --postfilter PF_BUNDLE [--postfilter PF2] --vocoder world in.wav out.wav

INPUT is a wav file, a directory (every *.wav in it), or a Kaldi wav.scp (file paths, or
commands ending in `|` whose output is the audio, as in Kaldi); OUTPUT is a file
(for one input) or a directory (same file names; <utt-id>.wav for a wav.scp). Input at
another sample rate is resampled (with a warning); output is written at the model's rate,
16-bit, atomically. The direction defaults to the bundle's first speaker -> the next one; an
unknown speaker is an error that lists the bundle's speakers.

Per file, the chain of vcgan.conversion.chain: WORLD analysis with the training data's
feature settings; the bundle's converter (e.g. CycleGAN: mel-cepstra normalised with the source
speaker's statistics, converted by the generator, de-normalised with the target's; log F0 by
the Gaussian normalised transform; aperiodicity kept) or, with --baseline, the statistical
baseline; the post-filters (the bundle's own, then each --postfilter bundle's); the vocoder
(--vocoder, default the bundle's or WORLD). Any length works.
In a batch, existing outputs are skipped (re-run to resume; --overwrite redoes them), a bad
file is reported and the others finish; the exit code is 1 if any file failed. A single
output file that exists is an error unless --overwrite is given. Outputs that would replace
an input (OUTPUT the input directory, or a file its own input) are refused, with or without
--overwrite, and every output path is checked before any work.
"""

from __future__ import annotations

import argparse
import logging
import os
import time
from pathlib import Path

from vcgan.utils.argtypes import positive_int
from vcgan.utils.io import check_output_path
from vcgan.utils.parallel import caught, parallel_map, report_failures

logger = logging.getLogger("vcgan.convert")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("input", help="wav file, directory of wav files, or Kaldi wav.scp")
    p.add_argument("output", help="output wav file, or directory")
    p.add_argument("--model", required=True, help="model bundle directory (EXP/bundle)")
    p.add_argument("--src-spk", default=None, help="source speaker (default: the bundle's first)")
    p.add_argument("--tgt-spk", default=None, help="target speaker (default: the bundle's first other than the source)")
    p.add_argument("-j", "--jobs", type=positive_int, default=1, help="parallel worker processes for many files")
    p.add_argument("--device", default="cpu", help="cpu, cuda or auto (default: cpu)")
    p.add_argument("--threads", type=int, default=0,
                   help="torch CPU threads with -j 1 (default 0: torch's choice, one per core); "
                        "with -j N each worker uses one")
    p.add_argument("--overwrite", action="store_true", help="convert again files whose output exists")
    p.add_argument("--features-only", action="store_true",
                   help="write converted features (<name>.npz: f0, mcep, cap) for `vcgan synthesize` instead of wavs")
    p.add_argument("--baseline", action="store_true",
                   help="the statistical baseline as converter instead of the bundle's: per-speaker "
                        "mean/variance conversion of mel-cepstra, log-F0 transform")
    p.add_argument("--postfilter", action="append", default=[], metavar="PF_BUNDLE",
                   help="post-filter bundle applied after the converter (repeat for a chain, in order)")
    p.add_argument("--vocoder", default=None, metavar="NAME|BUNDLE",
                   help="world, griffin-lim, griffin-lim-mel, input-phase (the STFT magnitude the model gives with the input's phase), or a vocoder bundle (default: the bundle's, else world)")


def list_jobs(input_: str, output: str, ext: str = ".wav") -> list[tuple[str, str]]:
    """``(input wav, output file)`` pairs for a file, a directory or a wav.scp."""
    src = Path(input_)
    if src.is_dir():
        wavs = sorted(src.glob("*.wav"))
        if not wavs:
            raise FileNotFoundError(f"{src}: no *.wav files to convert")
        return [(str(w), str(Path(output) / (w.stem + ext))) for w in wavs]
    if src.name.endswith(".scp") or src.name == "wav.scp":
        from vcgan.data.kaldi import read_table
        if not src.is_file():
            raise FileNotFoundError(f"{src}: no such wav.scp")
        table = read_table(src)
        if not table:
            raise ValueError(f"{src}: empty wav.scp")
        return [(table[u], str(Path(output) / f"{u}{ext}")) for u in sorted(table)]
    out = Path(output)
    if out.is_dir() or output.endswith(os.sep):
        out = out / (src.stem + ext)
    return [(str(src), str(out))]


def _same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    """Whether paths ``a`` and ``b`` name one file (through symbolic or hard links too)."""
    if Path(a).resolve() == Path(b).resolve():
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet)
        return False


def check_outputs(input_: str, output: str, jobs: list[tuple[str, str]], overwrite: bool) -> None:
    """Refuse, before any work, outputs that would replace an input or cannot be created,
    and a single-file output that exists without ``overwrite``.

    Raises:
        ValueError, OSError: naming the path and the problem.
    """
    src = Path(input_)
    batch = src.is_dir() or src.name.endswith(".scp")
    if batch:
        check_output_path(output, directory=True, what="output directory")
        if src.is_dir() and _same_file(src, output):
            raise ValueError(f"output directory {output} is the input directory: the converted files "
                             "would replace the input files; choose another output directory")
    else:
        check_output_path(jobs[0][1], what="output")
    inputs = {Path(i).resolve(): i for i, _ in jobs}
    for i, o in jobs:
        if _same_file(i, o) or Path(o).resolve() in inputs:
            raise ValueError(f"output {o} would replace the input file {inputs.get(Path(o).resolve(), i)}; "
                             "choose another output")
    if not batch and not overwrite and Path(jobs[0][1]).exists():
        # A batch skips existing outputs to resume; a lone file that exists is more likely a
        # name clash, and keeping the old file silently would look like success.
        raise FileExistsError(f"output {jobs[0][1]} exists; add --overwrite to replace it")


_converter = None  # one per worker process, loaded once by _init_worker


def _init_worker(bundle: str, device: str, threads: int, baseline: bool, postfilters: list[str],
                 vocoder: str | None) -> None:
    global _converter
    import torch

    from vcgan.conversion import ConversionChain
    if threads:
        torch.set_num_threads(threads)
    _converter = ConversionChain(bundle, device, baseline=baseline, postfilters=postfilters, vocoder=vocoder)


def _convert_one(job: tuple[str, str, str, str, bool]) -> tuple[str, float | None, str | None, list[str]]:
    in_path, out_path, src, tgt, features_only = job
    seconds, error, warns = caught(_converter.convert_file, in_path, out_path, src, tgt, features_only)
    if error and not error.startswith(in_path):
        error = f"{in_path}: {error}"
    return in_path, seconds, error, warns


def outputs_to_do(jobs: list[tuple[str, str]], overwrite: bool, log: logging.Logger) -> list[tuple[str, str]]:
    """The jobs whose output does not exist yet (all with ``overwrite``), saying how many are skipped."""
    todo = [(i, o) for i, o in jobs if overwrite or not Path(o).is_file()]
    if len(todo) < len(jobs):
        log.info("%d of %d outputs exist already; skipping them (--overwrite to redo)", len(jobs) - len(todo), len(jobs))
    return todo


def process_files(fn, work: list, n_jobs: int, desc: str, initializer, initargs: tuple, log: logging.Logger,
                  done: str) -> int:
    """``fn(job) -> (input, seconds of audio, error, warnings)`` over ``work`` in ``n_jobs``
    processes (``initializer(*initargs)`` in each; none with one, the caller loaded it); logs
    the warnings, the files done (``done``: "converted", ...) with the real-time factor, and
    the failures. Returns the exit code: 1 if any file failed."""
    t0 = time.perf_counter()
    failed, seconds = [], 0.0
    for _, dur, error, warns in parallel_map(fn, work, n_jobs, desc, initializer=initializer if n_jobs > 1 else None,
                                             initargs=initargs, progress=len(work) > 1):
        for w in warns:
            log.warning("%s", w)
        if error:
            failed.append(error)
        else:
            seconds += dur
    elapsed = time.perf_counter() - t0
    if len(work) > len(failed):
        log.info("%s %d file(s), %.1f s of audio in %.1f s (real-time factor %.3f)",
                 done, len(work) - len(failed), seconds, elapsed, elapsed / max(seconds, 1e-9))
    return report_failures(log, failed)


def run(args: argparse.Namespace) -> int:
    jobs = list_jobs(args.input, args.output, ".npz" if args.features_only else ".wav")
    check_outputs(args.input, args.output, jobs, args.overwrite)
    todo = outputs_to_do(jobs, args.overwrite, logger)
    # Load once here too: a bad bundle or speaker pair fails before any file is touched.
    _init_worker(args.model, args.device, args.threads, args.baseline, args.postfilter, args.vocoder)
    src, tgt = _converter.resolve_pair(args.src_spk, args.tgt_spk)
    logger.info("converting %s -> %s with %s: %s", src, tgt, args.model, _converter.describe())
    work = [(i, o, src, tgt, args.features_only) for i, o in todo]
    return process_files(_convert_one, work, args.jobs, "convert", _init_worker,
                         (args.model, args.device, 1, args.baseline, args.postfilter, args.vocoder), logger, "converted")
