"""Post-filter waveforms with a trained waveform post-filter bundle (WaveCycleGAN, ...).

  vcgan postfilter --model exp/wavecyclegan2_sltF/bundle vocoded.wav out.wav
  vcgan postfilter --model exp/wavecyclegan2_sltF/bundle -j 2 vocoded_dir/ out_dir/
  vcgan postfilter --model BUNDLE data/eval_sltF/wav.scp out_dir/

INPUT is a wav file, a directory (every *.wav in it) or a Kaldi wav.scp, as for `vcgan
convert`; OUTPUT a file or a directory. Input at another rate than the bundle's is resampled
(with a warning), multi-channel input downmixed; the output has the input's length (in
samples at the bundle's rate) and is written 16-bit, atomically. Any length works: long
files are processed in chunks of the bundle's chunk_ms with exact context, so chunking leaves
no seam. In a batch, existing outputs are skipped (re-run to resume; --overwrite redoes them),
a bad file is reported and the others finish; the exit code is 1 if any file failed. After a
conversion, the same filter runs inside `vcgan convert --postfilter BUNDLE`.
"""

from __future__ import annotations

import argparse
import logging

from vcgan.bin.convert import check_outputs, list_jobs, outputs_to_do, process_files
from vcgan.utils.argtypes import positive_int
from vcgan.utils.parallel import caught

logger = logging.getLogger("vcgan.postfilter")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("input", help="wav file, directory of wav files, or Kaldi wav.scp")
    p.add_argument("output", help="output wav file, or directory")
    p.add_argument("--model", required=True, help="waveform post-filter bundle directory (EXP/bundle)")
    p.add_argument("-j", "--jobs", type=positive_int, default=1, help="parallel worker processes for many files")
    p.add_argument("--device", default="cpu", help="cpu, cuda or auto (default: cpu)")
    p.add_argument("--threads", type=int, default=0,
                   help="torch CPU threads with -j 1 (default 0: torch's choice); with -j N each worker uses one")
    p.add_argument("--overwrite", action="store_true", help="post-filter again files whose output exists")


class WaveformPostFilters:
    """The waveform post-filters of a bundle, in order, on files at the bundle's rate."""

    def __init__(self, bundle: str, device: str = "cpu"):
        import torch

        from vcgan.conversion.chain import load_bundle, load_component
        from vcgan.utils.device import resolve_device
        self.bundle = load_bundle(bundle)
        if not self.bundle.postfilters:
            raise ValueError(f"{bundle}: not a post-filter bundle (it holds {', '.join(self.bundle.roles()) or 'nothing'})")
        dev = torch.device(resolve_device(device))
        self.filters = [load_component(c, self.bundle, dev) for c in self.bundle.postfilters]
        other = [c.family for c, f in zip(self.bundle.postfilters, self.filters) if f.domain != "waveform"]
        if other:
            raise ValueError(f"{bundle}: its post-filter(s) {other} work on features, not audio; "
                             "use them after a model: vcgan convert --model MODEL --postfilter BUNDLE")
        self.sample_rate = self.bundle.feature_config.sample_rate

    def apply(self, x):
        """``(samples,)`` at :attr:`sample_rate` -> the post-filtered ``(samples,)``."""
        for f in self.filters:
            x = f(x)
        return x

    def file(self, in_path: str, out_path: str) -> float:
        """Post-filter one file into ``out_path`` (atomic); returns its duration (s)."""
        from vcgan.audio import read_wav, write_wav
        x, _ = read_wav(in_path, self.sample_rate)
        write_wav(out_path, self.apply(x), self.sample_rate)
        return len(x) / self.sample_rate


_filters: WaveformPostFilters | None = None  # one per worker process


def _init_worker(bundle: str, device: str, threads: int) -> None:
    global _filters
    import torch
    if threads:
        torch.set_num_threads(threads)
    _filters = WaveformPostFilters(bundle, device)


def _one(job: tuple[str, str]) -> tuple[str, float | None, str | None, list[str]]:
    in_path, out_path = job
    seconds, error, warns = caught(_filters.file, in_path, out_path)
    if error and not error.startswith(in_path):
        error = f"{in_path}: {error}"
    return in_path, seconds, error, warns


def run(args: argparse.Namespace) -> int:
    jobs = list_jobs(args.input, args.output)
    check_outputs(args.input, args.output, jobs, args.overwrite)
    todo = outputs_to_do(jobs, args.overwrite, logger)
    _init_worker(args.model, args.device, args.threads)  # a bad bundle fails before any file
    return process_files(_one, todo, args.jobs, "postfilter", _init_worker, (args.model, args.device, 1), logger,
                         "post-filtered")
