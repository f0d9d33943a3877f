"""Quality against training time: convert and score every snapshot of a training run.

  vcgan progress --exp exp/cyclegan_vc2_kalM_sltF --src-spk kalM --tgt-spk sltF \\
      --input data/eval_kalM/wav.scp --ref EVAL/ref --src EVAL/src --metrics mcd,f0,gv,sim,mos \\
      --config dump/train/feature_config.yaml \\
      --reference none=EVAL/none.json baseline=EVAL/baseline.json --out EVAL/progress

A run trained with `trainer.snapshot_interval: N` leaves a bundle of its model every N
iterations in EXP/snapshots/iteration-<N>/, with the wall time of the training steps up to it.
Each snapshot's bundle converts the source speech of --input (as `vcgan convert`) into
OUT/iteration-<N>/wav/, which is scored against the references of the same names in --ref (as
`vcgan evaluate`) into OUT/iteration-<N>.json. Then OUT/progress.txt (one line per snapshot:
iteration, training minutes, mean +- 95 % CI of MCD (dB), DNSMOS, similarity to the target,
F0 RMSE (cents), MS distance (dB), where measured), OUT/progress.json (the same rows) and
OUT/progress.png (one panel per figure against training minutes; --reference results, e.g. no
conversion and the statistical baseline, as horizontal lines).

A snapshot already scored is not redone (an interrupted run resumes; after more training only
the new snapshots are scored), unless its bundle changed (a run trained again from scratch:
converted again) or --metrics did (scored again).
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
from pathlib import Path

from vcgan.bin.evaluate import metric_list
from vcgan.utils.argtypes import positive_int

logger = logging.getLogger("vcgan.progress")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--exp", required=True, help="experiment directory of a run with snapshots (EXP/snapshots/)")
    p.add_argument("--input", required=True, help="source speech to convert: wav.scp, directory or wav file")
    p.add_argument("--ref", required=True, metavar="REF_DIR", help="reference (target speaker) speech, named as the outputs")
    p.add_argument("--src", metavar="SRC_DIR", help="source speech named as the outputs (for similarity to the source)")
    p.add_argument("--src-spk", default=None, help="source speaker (default: the bundle's first)")
    p.add_argument("--tgt-spk", default=None, help="target speaker (default: the bundle's first other than the source)")
    p.add_argument("--metrics", type=metric_list, default=("mcd", "f0", "gv", "sim", "mos"),
                   help="vcgan evaluate --metrics (default mcd,f0,gv,sim,mos)")
    p.add_argument("--config", metavar="FEATURE_YAML", help="feature config for the vcgan MCD preset (as vcgan evaluate)")
    p.add_argument("--reference", nargs="*", default=[], metavar="NAME=JSON",
                   help="vcgan evaluate results drawn as horizontal lines (e.g. none=... baseline=...)")
    p.add_argument("--postfilter", action="append", default=[], metavar="PF_BUNDLE",
                   help="post-filter bundle applied after each snapshot's converter (as vcgan convert)")
    p.add_argument("--vocoder", default=None, metavar="NAME|BUNDLE", help="as vcgan convert --vocoder")
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("-j", "--jobs", type=positive_int, default=1, help="parallel worker processes")
    p.add_argument("--device", default="cpu", help="cpu, cuda or auto (default: cpu)")
    p.add_argument("--threads", type=int, default=0, help="torch CPU threads of conversion with -j 1 (0: torch's choice)")


def _references(items: list[str]) -> dict[str, dict]:
    refs = {}
    for item in items:
        name, sep, path = item.partition("=")
        if not sep or not name or not path:
            raise ValueError(f"--reference takes NAME=JSON, got {item!r}")
        try:
            refs[name] = json.loads(Path(path).read_text())["summary"]
        except (OSError, ValueError, KeyError) as e:
            raise ValueError(f"--reference {path}: not a vcgan evaluate result ({type(e).__name__}: {e})") from e
    return refs


def _bundle_checksum(bundle: Path) -> str:
    """What identifies a snapshot's weights: its manifest, which checksums every component."""
    import hashlib
    return hashlib.sha256((bundle / "manifest.yaml").read_bytes()).hexdigest()


def _score_snapshot(args: argparse.Namespace, iteration: int, seconds: float, bundle: Path, out: Path) -> dict:
    """Convert and evaluate one snapshot (or load its earlier result); its row."""
    from vcgan.bin import convert
    from vcgan.metrics.evaluate import write_json
    record, wav_dir = out / f"iteration-{iteration:08d}.json", out / f"iteration-{iteration:08d}" / "wav"
    checksum = _bundle_checksum(bundle)
    metrics = list(args.metrics)
    if record.is_file():
        done = json.loads(record.read_text())
        if done.get("bundle_sha256") != checksum:
            logger.info("%s: the snapshot's bundle changed since it was scored: converting it again", record)
            shutil.rmtree(wav_dir, ignore_errors=True)
        elif done.get("metrics") == metrics:
            return {"iteration": iteration, "train_seconds": seconds, "summary": done["results"]["summary"]}
    logger.info("snapshot of iteration %d (%.1f min of training): converting %s", iteration, seconds / 60, args.input)
    p = argparse.ArgumentParser()
    convert.add_arguments(p)
    words = [args.input, str(wav_dir), "--model", str(bundle), "-j", str(args.jobs), "--device", args.device,
             "--threads", str(args.threads)]
    words += [w for pf in args.postfilter for w in ("--postfilter", pf)]
    for option, value in (("--src-spk", args.src_spk), ("--tgt-spk", args.tgt_spk), ("--vocoder", args.vocoder)):
        if value:
            words += [option, value]
    if convert.run(p.parse_args(words)) != 0:
        logger.warning("iteration %d: some files failed to convert (above); scoring the others", iteration)
    import vcgan
    results = vcgan.evaluate(args.ref, wav_dir, args.src, metrics, config=args.config, jobs=args.jobs)
    write_json(record, {"iteration": iteration, "train_seconds": seconds, "bundle": str(bundle),
                        "bundle_sha256": checksum, "metrics": metrics, "results": results})
    return {"iteration": iteration, "train_seconds": seconds, "summary": results["summary"]}


def run(args: argparse.Namespace) -> int:
    from vcgan.report.progress import format_progress, plot_progress
    from vcgan.train.run import list_snapshots
    from vcgan.utils.io import atomic_write_text
    from vcgan.metrics.evaluate import list_audio
    references = _references(args.reference)
    # A mistyped --ref or --src would otherwise show only after the first snapshot's conversion.
    list_audio(args.ref, "reference")
    if args.src:
        list_audio(args.src, "source")
    snapshots = list_snapshots(args.exp)
    if not snapshots:
        raise ValueError(f"{args.exp}/snapshots: no snapshots; train with trainer.snapshot_interval > 0 "
                         "in the training config to get them")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows = [_score_snapshot(args, it, seconds, bundle, out) for it, seconds, bundle in snapshots]
    table = format_progress(rows, references)
    print(table, flush=True)
    atomic_write_text(out / "progress.txt", table + "\n")
    atomic_write_text(out / "progress.json", json.dumps({"references": references, "snapshots": rows}, indent=1))
    pair = f"{args.src_spk} -> {args.tgt_spk}: " if args.src_spk and args.tgt_spk else ""
    title = f"{pair}quality against training time"
    plot_progress(out / "progress.png", rows, references, title=title)
    logger.info("wrote %s, %s and %s", out / "progress.txt", out / "progress.json", out / "progress.png")
    return 0
