#!/usr/bin/env python3
"""Print parameter counts of the paper-size CycleGAN-VC / CycleGAN-VC2 and GAN post-filter networks.

    tools/venv/bin/python tools/count_params.py

No paper (arXiv 1711.11293, arXiv 1904.04631, ICASSP 2017) states parameter counts, so there is no
paper figure to compare with; tests/test_models_cyclegan.py checks these counts against
closed-form sums over the layers of the papers' network figures.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from vcgan.models import build_discriminator, build_generator  # noqa: E402

#: Counts stated by the papers (None: not stated).
PAPER_COUNTS = {
    ("cyclegan_vc", "generator"): None,
    ("cyclegan_vc", "discriminator"): None,
    ("cyclegan_vc2", "generator"): None,
    ("cyclegan_vc2", "discriminator"): None,
    ("gan_postfilter", "generator"): None,
    ("gan_postfilter", "discriminator"): None,
}


def main() -> None:
    builders = {"generator": build_generator, "discriminator": build_discriminator}
    print(f"{'model':<14} {'network':<14} {'parameters':>12}  paper")
    for (model, kind), paper in PAPER_COUNTS.items():
        net = builders[kind](model)
        n = sum(p.numel() for p in net.parameters())
        print(f"{model:<14} {kind:<14} {n:>12,}  {'not stated' if paper is None else f'{paper:,}'}")


if __name__ == "__main__":
    main()
