"""The test pairs of the README's `vcgan evaluate` example.

  tools/venv/bin/python tools/make_eval_example.py OUT_DIR
  tools/venv/bin/vcgan evaluate --ref OUT_DIR/ref --conv OUT_DIR/conv --src OUT_DIR/src \\
      --metrics mcd,f0,gv,sim,mos -j 2

OUT_DIR/ref and OUT_DIR/src: four 2 s crops of the CMU ARCTIC utterance pysptk ships (16 kHz);
OUT_DIR/conv: the same crops of a WORLD re-synthesis two semitones higher, with white noise at
0.003 RMS (seeded), so every score has something to measure.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pysptk
import pyworld
import soundfile as sf

CROPS_S = {"utt_a": (0.0, 2.0), "utt_b": (0.6, 2.6), "utt_c": (1.2, 3.2), "utt_d": (1.8, 3.8)}


def main(out: Path) -> None:
    x, fs = sf.read(pysptk.util.example_audio_file(), dtype="float64")
    f0, sp, ap = pyworld.wav2world(x, fs)
    y = pyworld.synthesize(f0 * 2 ** (2 / 12), sp, ap, fs)[: len(x)]
    rng = np.random.default_rng(0)
    for d in ("ref", "conv", "src"):
        (out / d).mkdir(parents=True, exist_ok=True)
    for name, (t0, t1) in CROPS_S.items():
        seg = slice(int(t0 * fs), int(t1 * fs))
        sf.write(out / "ref" / f"{name}.wav", x[seg], fs)
        sf.write(out / "src" / f"{name}.wav", x[seg], fs)
        sf.write(out / "conv" / f"{name}.wav", y[seg] + 0.003 * rng.standard_normal(len(y[seg])), fs)
    print(f"{out}: ref/, src/, conv/ with {len(CROPS_S)} files each")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(Path(sys.argv[1]))
