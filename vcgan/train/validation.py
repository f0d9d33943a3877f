"""Validation during training: dev utterances converted, MCD against the target's utterance of
the same sentence, and a mel-cepstrogram plot. Any family that converts normalised
mel-cepstra between speakers uses it with a function that runs its networks."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from vcgan.data.dump import FeatureDump, parallel_utterances
from vcgan.features.stats import SpeakerStats

logger = logging.getLogger("vcgan.train")

#: ``(task, normalised (dim, frames) tensor, src, tgt) -> converted normalised tensor``.
ConvertFn = Callable[[Any, torch.Tensor, str, str], torch.Tensor]


class McepValidator:
    """Every validation interval: converts up to ``n`` dev utterances of each direction,
    logs the mean MCD (dB, DTW-aligned) against the target speaker's utterance of the same
    sentence and writes a mel-cepstrogram plot (source / converted / target).

    The frames that count are those of ``vcgan evaluate``'s default preset (normalised frame
    power above -20 dB, c0 excluded), the power taken from the envelope the mel-cepstra
    describe, so the logged figure tracks the evaluation's without synthesising audio. The
    mel-cepstra are converted as conversion converts them
    (:func:`vcgan.conversion.streams.convert_mcep`): with ``energy: source`` each converted
    frame's c0 is solved for the source frame's power, so the same frames count as in the
    converted speech.

    Args:
        dump: The dev dump (parallel utterances, ids ``<speaker>_<sentence>``).
        directions: Score name -> ``(src, tgt)``; the logged value is ``mcd_<name>_db``.
        stats: Statistics of every speaker named.
        n: Dev utterances per direction.
        out_dir: Where the plots go.
        convert: Runs the task's network of ``src -> tgt``.
        energy: The model's ``energy`` (``"convert"``: the network maps every row; ``"source"``:
            c1 on, c0 from the source frame's power).
    """

    def __init__(self, dump: FeatureDump, directions: dict[str, tuple[str, str]],
                 stats: dict[str, SpeakerStats], n: int, out_dir: Path, convert: ConvertFn,
                 energy: str = "convert"):
        from vcgan.features.mcep import envelope_power_of
        self.stats, self.out_dir, self.convert, self.energy = stats, out_dir, convert, energy
        self.frame_power = envelope_power_of(dump.config)
        from vcgan.metrics.presets import PRESETS
        self.eval_settings = PRESETS["vcgan"](dump.config.sample_rate, dump.config)
        self.items = []
        for name, (src, tgt) in directions.items():
            for su, tu in parallel_utterances(dump, src, tgt)[:n]:
                mc_tgt = dump.load(tu)["mcep"]
                self.items.append((name, src, tgt, su, dump.load(su)["mcep"], mc_tgt, self.speech(mc_tgt)))
        if not self.items:
            logger.warning("%s: no parallel dev utterances for %s; validation MCD is skipped",
                           dump.root, sorted({s for pair in directions.values() for s in pair}))

    def __call__(self, task: Any, iteration: int) -> dict[str, float]:
        from vcgan.conversion.streams import convert_mcep
        from vcgan.metrics.mcd import utterance_mcd
        results: dict[str, list[float]] = {}
        plotted = False
        for name, src, tgt, utt, mc_src, mc_tgt, tgt_speech in self.items:
            def network(z: np.ndarray) -> np.ndarray:  # (frames, rows) <-> the task's (rows, frames)
                return self.convert(task, torch.from_numpy(z.T.copy()), src, tgt).cpu().numpy().T
            conv = convert_mcep(mc_src, self.stats[src], self.stats[tgt], network, self.energy, self.frame_power)
            mcd = utterance_mcd(mc_tgt, conv, ref_keep=tgt_speech, conv_keep=self.speech(conv)).mcd
            results.setdefault(f"mcd_{name}_db", []).append(mcd)
            if not plotted:
                plot_mceps(self.out_dir / f"mcep_{iteration:08d}.png", utt, mc_src, conv, mc_tgt)
                plotted = True
        return {k: float(np.mean(v)) for k, v in results.items()}

    def speech(self, mcep: np.ndarray) -> np.ndarray:
        """``(T,)`` mask of the frames ``vcgan evaluate`` counts by default, from ``(T, dim)`` mel-cepstra."""
        from vcgan.metrics.mcd import mcep_power_db, speech_mask
        s = self.eval_settings
        return speech_mask(mcep_power_db(mcep, s.alpha, s.fft_size), s.threshold)


def plot_mceps(path: Path, title: str, src: np.ndarray, conv: np.ndarray, tgt: np.ndarray) -> None:
    """Three ``(frames, dim)`` mel-cepstrograms (c1 up) one above the other, as a PNG."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from vcgan.utils.io import atomic_path
    fig, axes = plt.subplots(3, 1, figsize=(8, 6), sharey=True)
    for ax, (name, mc) in zip(axes, (("source", src), ("converted", conv), ("target", tgt))):
        ax.imshow(mc[:, 1:].T, origin="lower", aspect="auto", interpolation="nearest", cmap="viridis")
        ax.set_ylabel(f"{name}\nc1..c{mc.shape[1] - 1}")
    axes[-1].set_xlabel("frame (5 ms)")
    fig.suptitle(title)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=80)
    plt.close(fig)
