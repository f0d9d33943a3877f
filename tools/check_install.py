"""Check that the installed stack works, not only that it installed.

  tools/venv/bin/python tools/check_install.py

Each check exercises the compiled part of a dependency the way vcgan uses it: a torchaudio that
does not match its torch installs fine and imports, then fails at its first compiled call
(``libtorchaudio.so: undefined symbol``), and pyworld / pysptk import ``pkg_resources``, which a
too-new setuptools lacks. Prints one line per check; exit status 1 with the failures named
(and how to repair them) when any fails. ``tools/install.sh`` runs it after every install.
"""

from __future__ import annotations

import sys
import traceback
from typing import Callable


def _torch() -> str:
    import torch
    x = torch.randn(2, 8, 16)
    y = torch.nn.Conv1d(8, 4, 3)(x)
    assert y.shape == (2, 4, 14)
    return torch.__version__


def _torchaudio() -> str:
    import torch
    import torchaudio
    fb = torchaudio.functional.melscale_fbanks(513, 0.0, 8000.0, 80, 16000, norm="slaney", mel_scale="slaney")
    spec = torch.rand(1, 513, 20)
    wav = torchaudio.transforms.GriffinLim(n_fft=1024, n_iter=2, hop_length=80)(spec)
    assert fb.shape == (513, 80) and wav.ndim == 2
    return torchaudio.__version__


def _world_sptk() -> str:
    import numpy as np
    import pysptk
    import pyworld
    fs = 16000
    t = np.arange(fs // 2) / fs
    x = 0.3 * np.sin(2 * np.pi * 150 * t) + 1e-3 * np.random.default_rng(0).standard_normal(len(t))
    f0, tt = pyworld.dio(x, fs)
    sp = pyworld.cheaptrick(x, f0, tt, fs)
    mc = pysptk.sp2mc(sp[:5], 24, pysptk.util.mcepalpha(fs))
    assert mc.shape == (5, 25)
    return f"pyworld {pyworld.__version__}, pysptk {pysptk.__version__}"


def _evaluation_models() -> str:
    # Both ship their weights in their wheels; loading them proves nothing is fetched at run time.
    import onnxruntime
    import resemblyzer
    import speechmos  # noqa: F401
    resemblyzer.VoiceEncoder("cpu", verbose=False)
    import numpy as np

    from vcgan.metrics.naturalness import dnsmos_proxy
    scores = dnsmos_proxy(0.1 * np.random.default_rng(0).standard_normal(16000), 16000)
    assert all(1 <= v <= 5 for v in scores.values()), scores
    return f"resemblyzer, speechmos, onnxruntime {onnxruntime.__version__}"


def _vcgan() -> str:
    import importlib
    import pkgutil

    import vcgan
    # __main__ modules run a program when imported; they only call what the others define.
    names = [m.name for m in pkgutil.walk_packages(vcgan.__path__, "vcgan.") if not m.name.endswith("__main__")]
    for name in names:
        importlib.import_module(name)
    return f"{len(names)} modules import"


CHECKS: dict[str, Callable[[], str]] = {
    "torch": _torch,
    "torchaudio (compiled part, beside this torch)": _torchaudio,
    "pyworld and pysptk": _world_sptk,
    "evaluation models": _evaluation_models,
    "vcgan": _vcgan,
}

HINT = ("the installed versions do not work together; tools/constraints.txt pins a tested set: "
        "remove tools/venv and run tools/install.sh again")


def main() -> int:
    failed = []
    for name, check in CHECKS.items():
        try:
            print(f"check_install: {name}: ok ({check()})")
        except Exception as e:  # report every failing part, not only the first
            failed.append(name)
            print(f"check_install: {name}: FAILED: {type(e).__name__}: {e}", file=sys.stderr)
            traceback.print_exc(limit=3)
    if failed:
        print(f"check_install: {len(failed)} check(s) failed ({', '.join(failed)}): {HINT}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
