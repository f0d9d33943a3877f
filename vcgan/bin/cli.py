"""The ``vcgan`` command: one entry point, one module per subcommand."""

from __future__ import annotations

import argparse
import importlib
import logging
import shlex
import sys

from vcgan.utils.console import console_output
from vcgan.utils.interrupts import exit_code, sigterm_as_interrupt

# name -> (module, one-line help). Modules are imported lazily so that `vcgan --help`
# and light subcommands do not pay for importing torch.
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "analyze-synthesize": ("vcgan.bin.analyze_synthesize", "WORLD analysis and re-synthesis of one wav (round trip)"),
    "data-dir": ("vcgan.bin.data_dir", "make a Kaldi data directory from ROOT/<speaker>/<sentence>.wav"),
    "extract": ("vcgan.bin.extract", "extract features for a Kaldi data directory into a dump"),
    "stats": ("vcgan.bin.stats", "per-speaker statistics (mel-cepstrum, spectrogram, log-F0) of a dump"),
    "train": ("vcgan.bin.train", "train a model from a YAML config (resumable)"),
    "convert": ("vcgan.bin.convert", "convert wav files with a trained model bundle"),
    "postfilter": ("vcgan.bin.postfilter", "post-filter wav files with a waveform post-filter bundle (WaveCycleGAN)"),
    "synthesize": ("vcgan.bin.synthesize", "vocoder: waveforms from feature files (WORLD, Griffin-Lim)"),
    "evaluate": ("vcgan.bin.evaluate", "objective evaluation: MCD, F0 RMSE, V/UV, similarity, ..."),
    "report": ("vcgan.bin.report", "compare evaluation results side by side"),
    "progress": ("vcgan.bin.progress", "quality against training time: convert and score a run's snapshots"),
}


def _available() -> dict[str, tuple[str, str]]:
    out = {}
    for name, (module, help_) in SUBCOMMANDS.items():
        if importlib.util.find_spec(module) is not None:
            out[name] = (module, help_)
    return out


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, object]]:
    parser = argparse.ArgumentParser(
        prog="vcgan",
        description="GAN-based voice conversion toolkit. Run `vcgan SUBCOMMAND --help` for details.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", metavar="SUBCOMMAND")
    modules: dict[str, object] = {}
    for name, (module_name, help_) in _available().items():
        module = importlib.import_module(module_name)
        p = sub.add_parser(name, help=help_, description=(module.__doc__ or help_).strip(),
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        module.add_arguments(p)
        modules[name] = module
    return parser, modules


def main(argv: list[str] | None = None) -> int:
    parser, modules = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )
    # Our own level, whatever the root logger says (embedding programs, pytest).
    logging.getLogger("vcgan").setLevel(logging.DEBUG if args.verbose else logging.INFO)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        # Clusters stop jobs with SIGTERM: clean up as for Ctrl-C (stop workers, checkpoint).
        with console_output(), sigterm_as_interrupt():
            return int(modules[args.command].run(args) or 0)
    except (ValueError, OSError) as e:
        # Bad input (config, data directory, audio file, missing path): its message names the
        # file and the problem, which is what a user needs; the traceback only with -v.
        if args.verbose:
            raise
        print(f"vcgan {args.command}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as e:
        print(f"vcgan {args.command}: interrupted; {resume_hint(args.command, argv)}", file=sys.stderr)
        return exit_code(e)


# Commands whose outputs are written atomically one by one and skipped when present.
RESUMABLE = ("extract", "convert", "synthesize")


def resume_hint(command: str, argv: list[str] | None) -> str:
    """How to continue an interrupted ``command``: the exact command line for `train`, which
    needs --resume (``argv``: this invocation's arguments, default ``sys.argv[1:]``)."""
    if command == "train":
        words = list(sys.argv[1:] if argv is None else argv)
        if "--resume" not in words:
            words.append("--resume")
        return f"to continue from the last checkpoint, run: vcgan {shlex.join(words)}"
    if command in RESUMABLE:
        return "run the same command again to resume (finished outputs are kept)"
    return "nothing to resume; run the same command again"


if __name__ == "__main__":
    sys.exit(main())
