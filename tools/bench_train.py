#!/usr/bin/env python
"""Benchmark of training throughput (CycleGAN-VC/VC2, StarGAN-VC/VC2): prints figures, asserts nothing.

  tools/venv/bin/python tools/bench_train.py                       # papers' configs + demo, 1 and 2 threads
  tools/venv/bin/python tools/bench_train.py --configs demo --threads 2 --iterations 20
  tools/venv/bin/python tools/bench_train.py --configs cyclegan_vc2 --profile-config cyclegan_vc2
  tools/venv/bin/python tools/bench_train.py --configs stargan_vc stargan_vc2 demo_stargan_vc demo_stargan_vc2
  tools/venv/bin/python tools/bench_train.py --compare before fp32 bf16 --configs cyclegan_vc2 demo --threads 1

Measures the ``train_step`` of a family's task (:class:`vcgan.tasks.cyclegan.CycleGANTask`,
:class:`vcgan.tasks.stargan.StarGANTask`) on random normalised crops (the loop around it,
crop sampling and checkpoints, is negligible next to it):

1. Iterations/s (and s/iteration) after ``--warmup`` untimed steps, for each configuration of
   ``--configs`` at each torch thread count of ``--threads`` on the CPU, and on CUDA when a GPU
   is present. Configurations: ``cyclegan_vc``, ``cyclegan_vc2`` (the papers' settings, batch 1,
   128-frame crops, 24 / 35 mel-cepstra), ``stargan_vc`` (batch 1, 512 frames, 36 rows),
   ``stargan_vc2`` (batch 8, 128 frames, 35 rows), both with 4 speakers as in the papers, and
   ``demo``, ``demo_stargan_vc``, ``demo_stargan_vc2`` (the demo recipes' training YAMLs, the
   demo's 24 mel-cepstra, 4 speakers). The step is timed with the identity loss on (iterations
   before ``identity_iterations``) and, with ``--phases both``, also after it.
2. With ``--compare``, the same step in several variants, timed in turn (one step of each, then
   the next round), so that the machine's drift hits every variant alike: ``before`` (the step
   before the speed work: per-tensor Adam, ``nn.Conv2d`` output layers' own backward, float32),
   ``fp32`` (fused Adam, :class:`vcgan.layers.OneChannelConv2d`), ``bf16`` (that plus bfloat16
   autocast), ``bf16+compile`` (that plus ``torch.compile`` of every network; its compile time
   is printed apart).
3. A ``torch.profiler`` table of one step of ``--profile-config`` (top ops by self CPU time) and
   the split of the step's wall time into forward, backward (autograd engine) and optimizer
   (Adam ``step``/``zero_grad``).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
DEMO_CONFIG = ROOT / "egs/demo/cyclegan_vc2/conf/cyclegan_vc2.yaml"
#: Training YAMLs of the other demo configurations (``demo`` is ``--demo-config``).
DEMO_CONFIGS = {"demo_stargan_vc": ROOT / "egs/demo/stargan_vc/conf/stargan_vc.yaml",
                "demo_stargan_vc2": ROOT / "egs/demo/stargan_vc2/conf/stargan_vc2.yaml"}
CONFIGS = ["cyclegan_vc", "cyclegan_vc2", "stargan_vc", "stargan_vc2", "demo", *DEMO_CONFIGS]

#: Feature rows of the papers' data: VCC2016 in CycleGAN-VC (24), VCC2018 in CycleGAN-VC2 (35),
#: StarGAN-VC's 36 (arXiv 1806.02169, Fig. 2) and StarGAN-VC2's 35 (arXiv 1907.12279, its figure).
PAPER_FEATURE_DIMS = {"cyclegan_vc": 24, "cyclegan_vc2": 35, "stargan_vc": 36, "stargan_vc2": 35}
#: Speakers of a StarGAN model timed here: the papers' four.
N_SPEAKERS = 4


def load_config(name: str, demo_config: Path):
    """``(family config, feature rows)`` by name: a paper's (``cyclegan_vc``, ``stargan_vc2``, ...)
    or a demo recipe's (its training YAML and the dimension of its feature config)."""
    from vcgan.tasks.cyclegan import CycleGANConfig
    from vcgan.tasks.stargan import StarGANConfig
    if name == "demo" or name in DEMO_CONFIGS:
        from vcgan.features.config import FeatureConfig
        from vcgan.train.config import TrainingConfig
        path = demo_config if name == "demo" else DEMO_CONFIGS[name]
        from vcgan.conversion.streams import converted_dim
        features = FeatureConfig.from_yaml(path.parent / "feature.yaml")
        cfg = TrainingConfig.from_yaml(path).model_config()
        return cfg, converted_dim(features.n_mcep, cfg.energy)  # the rows the networks see
    if name.startswith("stargan"):
        return StarGANConfig.from_dict({"model": name}), PAPER_FEATURE_DIMS[name]
    return CycleGANConfig.paper(name), PAPER_FEATURE_DIMS[name]


def build_workload(cfg, dim: int, device: str, seed: int = 0) -> tuple[object, tuple]:
    """The task of ``cfg``'s family and the arguments of its ``train_step`` before the
    iteration: standard-normal ``(batch_size, dim, crop_frames)`` crops (normalised features),
    for StarGAN with random source speakers and other targets."""
    from vcgan.tasks.cyclegan import CycleGANTask
    from vcgan.tasks.stargan import StarGANConfig, StarGANTask
    g = torch.Generator().manual_seed(seed)
    shape = (cfg.batch_size, dim, cfg.crop_frames)
    x, y = torch.randn(shape, generator=g), torch.randn(shape, generator=g)
    if isinstance(cfg, StarGANConfig):
        task = StarGANTask(cfg, dim, N_SPEAKERS, device)
        src = torch.randint(0, N_SPEAKERS, (cfg.batch_size,), generator=g)
        tgt = (src + torch.randint(1, N_SPEAKERS, (cfg.batch_size,), generator=g)) % N_SPEAKERS
        return task, (x.to(task.device), src, y.to(task.device), tgt)
    task = CycleGANTask(cfg, dim, device)
    return task, (x.to(task.device), y.to(task.device))


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def time_steps(task, batches, iteration: int, n: int, warmup: int) -> list[float]:
    """Seconds of each of ``n`` timed ``train_step`` calls at ``iteration`` after ``warmup`` untimed ones."""
    times = []
    for k in range(warmup + n):
        sync(task.device)
        t0 = time.perf_counter()
        task.train_step(*batches, iteration)
        sync(task.device)
        if k >= warmup:
            times.append(time.perf_counter() - t0)
    return times


def n_parameters(task) -> dict[str, float]:
    """Millions of parameters per network kind (generator / discriminator, summed)."""
    out: dict[str, float] = {}
    for name, module in task.modules().items():
        kind = name.split("_")[0]
        out[kind] = out.get(kind, 0.0) + sum(p.numel() for p in module.parameters()) / 1e6
    return out


def phase_iterations(cfg, phases: str) -> list[tuple[str, int]]:
    """``(label, iteration)`` at which to time: with the identity loss, and optionally after it."""
    out = [("id on", 0)]
    if phases == "both" and cfg.identity_iterations < cfg.n_iterations:
        out.append(("id off", cfg.identity_iterations))
    return out


def throughput_table(args, devices: list[str]) -> None:
    print(f"== train_step throughput: {args.iterations} timed iterations after {args.warmup} warm-up")
    print(f"{'config':<17} {'params G/D (M)':>15} {'crop':>5} {'dim':>4} {'device':>7} {'thr':>4} "
          f"{'phase':>7} {'s/it':>8} {'it/s':>8} {'min s/it':>9}")
    for name in args.configs:
        cfg, dim = load_config(name, args.demo_config)
        for device in devices:
            for threads in (args.threads if device == "cpu" else [torch.get_num_threads()]):
                torch.set_num_threads(threads)
                task, batches = build_workload(cfg, dim, device)
                params = n_parameters(task)
                for label, it in phase_iterations(cfg, args.phases):
                    t = time_steps(task, batches, it, args.iterations, args.warmup)
                    mean = sum(t) / len(t)
                    print(f"{name:<17} {params['generator']:7.2f}/{params['discriminator']:<7.2f} "
                          f"{cfg.crop_frames:>5} {dim:>4} {device:>7} {threads:>4} {label:>7} "
                          f"{mean:8.3f} {1 / mean:8.2f} {min(t):9.3f}", flush=True)
                if device == "cpu" and not name.startswith("demo"):
                    steps = cfg.n_iterations
                    print(f"{'':<17}   -> {steps} iterations at this speed: {steps * mean / 3600:.0f} h")


VARIANTS = ("before", "fp32", "bf16", "bf16+compile")


def as_before(task) -> None:
    """Undo the speed work on ``task``: per-tensor Adam and nn.Conv2d's own backward."""
    from torch import nn

    from vcgan.layers import OneChannelConv2d
    for opt in task.optimizers().values():
        for group in opt.param_groups:
            group["fused"], group["foreach"] = False, False
    for module in task.modules().values():
        for layer in module.modules():
            if isinstance(layer, OneChannelConv2d):
                layer.__class__ = nn.Conv2d  # same parameters; forward and backward of nn.Conv2d


def variant_workload(cfg, dim: int, variant: str):
    """``(task, batches, compile seconds)`` of a :data:`VARIANTS` entry."""
    task, batches = build_workload(cfg, dim, "cpu")
    if variant == "before":
        as_before(task)
    if variant.startswith("bf16"):
        task.autocast_dtype = torch.bfloat16
    seconds = 0.0
    if variant.endswith("+compile"):
        task.compile()
        t0 = time.perf_counter()
        task.train_step(*batches, 0)
        seconds = time.perf_counter() - t0
    return task, batches, seconds


def compare_table(args) -> None:
    """Seconds per step of every ``--compare`` variant, interleaved step by step."""
    print(f"\n== interleaved comparison: {args.iterations} rounds of one step per variant, after {args.warmup} warm-up")
    print(f"{'config':<17} {'thr':>4} {'variant':>13} {'s/it':>8} {'min s/it':>9} {'speed-up':>9}")
    for name in args.configs:
        cfg, dim = load_config(name, args.demo_config)
        for threads in args.threads:
            torch.set_num_threads(threads)
            work = {v: variant_workload(cfg, dim, v) for v in args.compare}
            for v, (task, batches, _) in work.items():
                time_steps(task, batches, 0, 0, args.warmup)
            times: dict[str, list[float]] = {v: [] for v in work}
            for _ in range(args.iterations):
                for v, (task, batches, _) in work.items():
                    times[v] += time_steps(task, batches, 0, 1, 0)
            base = sum(times[args.compare[0]]) / args.iterations
            for v, t in times.items():
                mean = sum(t) / len(t)
                extra = f"  (compile {work[v][2]:.0f} s)" if work[v][2] else ""
                print(f"{name:<17} {threads:>4} {v:>13} {mean:8.3f} {min(t):9.3f} {base / mean:8.2f}x{extra}",
                      flush=True)


def classify(event) -> str:
    """Phase of a top-level profiler event: backward, optimizer or forward (everything else)."""
    if event.name.startswith("autograd::engine::evaluate_function"):
        return "backward"
    if event.name.startswith("Optimizer."):
        return "optimizer"
    return "forward & other"


def profile_step(args) -> None:
    """Profile one step (after warm-up) of ``--profile-config`` on the CPU."""
    from torch.profiler import ProfilerActivity, profile

    torch.set_num_threads(max(args.threads))
    cfg, dim = load_config(args.profile_config, args.demo_config)
    task, batches = build_workload(cfg, dim, "cpu")
    time_steps(task, batches, 0, 0, args.warmup)
    t0 = time.perf_counter()
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        task.train_step(*batches, 0)
    wall = time.perf_counter() - t0
    print(f"\n== profile of one train_step: {args.profile_config}, CPU, {max(args.threads)} threads, "
          f"identity loss on; wall {wall:.3f} s (with profiler overhead)")
    print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=args.top))
    split: dict[str, float] = {}
    for ev in prof.events():
        if ev.cpu_parent is None:
            split[classify(ev)] = split.get(classify(ev), 0.0) + ev.cpu_time_total / 1e6
    total = sum(split.values())
    print("split of the step (top-level profiler events, CPU time):")
    for k in ("forward & other", "backward", "optimizer"):
        v = split.get(k, 0.0)
        print(f"  {k:<16} {v:8.3f} s  {100 * v / max(total, 1e-12):5.1f} %")
    print(f"  {'sum':<16} {total:8.3f} s")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--configs", nargs="+", default=["cyclegan_vc", "cyclegan_vc2", "demo"],
                   choices=CONFIGS, help="configurations to time")
    p.add_argument("--demo-config", type=Path, default=DEMO_CONFIG, help="training YAML of 'demo'")
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="torch CPU thread counts")
    p.add_argument("--iterations", type=int, default=3, help="timed iterations per measurement")
    p.add_argument("--warmup", type=int, default=1, help="untimed iterations before timing")
    p.add_argument("--phases", choices=["id", "both"], default="id",
                   help="id: time with the identity loss on; both: also after its cutoff")
    p.add_argument("--no-cuda", action="store_true", help="skip CUDA even when a GPU is present")
    p.add_argument("--profile-config", default="cyclegan_vc2", choices=[*CONFIGS, "none"],
                   help="configuration whose step is profiled ('none': no profile)")
    p.add_argument("--top", type=int, default=15, help="rows of the profiler table")
    p.add_argument("--compare", nargs="+", choices=VARIANTS, default=None,
                   help="time these variants of the step interleaved (the first is the reference) "
                        "instead of the throughput table")
    args = p.parse_args()
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() and not args.no_cuda else [])
    print(f"torch {torch.__version__}; CUDA {'available' if torch.cuda.is_available() else 'not available'}")
    if args.compare:
        compare_table(args)
    else:
        throughput_table(args, devices)
    if args.profile_config != "none":
        profile_step(args)


if __name__ == "__main__":
    main()
