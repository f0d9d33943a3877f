"""Training CycleGAN-VC / CycleGAN-VC2 on a speaker pair of a feature dump.

Builds the pieces the generic :class:`~vcgan.train.trainer.Trainer` needs: preloaded,
normalised mel-cepstra per speaker with vectorised random crops, the task, a validation
function (dev utterances converted, MCD against the target's parallel utterance, and a plot),
and the model bundle written at the end.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from vcgan.bundle import Bundle
from vcgan.data.crops import CropSampler
from vcgan.data.dump import FeatureDump
from vcgan.features.stats import SpeakerStats, load_all_stats
from vcgan.models.cyclegan_config import CycleGANConfig
from vcgan.models.cyclegan_task import CycleGANTask
from vcgan.utils.config import ConfigError, from_dict, to_dict

logger = logging.getLogger("vcgan.train")


@dataclass
class LoopConfig:
    """The ``trainer:`` section of a training YAML (intervals in iterations)."""

    checkpoint_interval: int = 10_000
    keep_checkpoints: int = 3
    log_interval: int = 100
    validation_interval: int = 10_000
    validation_utterances: int = 3

    def __post_init__(self) -> None:
        for name in ("checkpoint_interval", "keep_checkpoints", "log_interval", "validation_interval"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.validation_utterances < 0:
            raise ConfigError(f"validation_utterances must be at least 0, got {self.validation_utterances}")


@dataclass
class TrainingConfig:
    """A whole training YAML: ``task``, ``model`` (:class:`CycleGANConfig` fields) and ``trainer``."""

    task: str = "cyclegan"
    model: dict[str, Any] = field(default_factory=dict)
    trainer: LoopConfig = field(default_factory=LoopConfig)

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: str = "training config") -> "TrainingConfig":
        """The training config of ``data`` (a whole YAML), every section checked now, before any
        work (see :meth:`CycleGANConfig.from_dict`); errors name ``where`` and the dotted key."""
        cfg = from_dict(cls, data, where=where)
        if cfg.task != "cyclegan":
            raise ConfigError(f"{where}: task: {cfg.task!r} is not supported yet (known: cyclegan)")
        cfg.model_config(where)
        return cfg

    def model_config(self, where: str = "training config") -> CycleGANConfig:
        """The ``model:`` section as a :class:`CycleGANConfig` (errors name ``where``, ``model.KEY``)."""
        return CycleGANConfig.from_dict(self.model, where=where, key="model")

    def to_dict(self) -> dict[str, Any]:
        return {"task": self.task, "model": self.model_config().to_dict(), "trainer": to_dict(self.trainer)}


class PairBatches:
    """Batch source of random crops of speakers A and B: ``{"batch_a", "batch_b"}``,
    each ``(batch, mcep_dim, crop_frames)``."""

    def __init__(self, a: CropSampler, b: CropSampler, batch_size: int):
        self.a, self.b, self.batch_size = a, b, batch_size

    def next(self) -> dict[str, torch.Tensor]:
        return {"batch_a": self.a.sample(self.batch_size), "batch_b": self.b.sample(self.batch_size)}

    def state_dict(self) -> dict[str, Any]:
        return {"a": self.a.state_dict(), "b": self.b.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.a.load_state_dict(state["a"])
        self.b.load_state_dict(state["b"])


def speaker_stats(dump: FeatureDump, speakers: list[str]) -> dict[str, SpeakerStats]:
    stats = load_all_stats(dump.stats_dir)
    missing = [s for s in speakers if s not in stats]
    if missing:
        raise ValueError(f"{dump.stats_dir}: no statistics for {missing}; known speakers: {sorted(stats)}")
    return {s: stats[s] for s in speakers}


def check_dump(dump: FeatureDump, speakers: list[str], cfg: CycleGANConfig) -> None:
    """Refuse a speaker pair or a model the dump cannot train: the same speaker twice, a speaker
    the dump does not have (the known ones are listed), another mel-cepstral dimension."""
    if len(set(speakers)) != len(speakers):
        raise ValueError(f"--speakers: a conversion needs two different speakers, got {' '.join(speakers)}")
    unknown = [s for s in speakers if s not in dump.speakers]
    if unknown:
        raise ValueError(f"{dump.root}: speaker(s) {unknown} not in the dump; it has {dump.speakers}")
    if dump.config.n_mcep != cfg.mcep_dim:
        raise ConfigError(f"model mcep_dim is {cfg.mcep_dim} but {dump.root} holds {dump.config.n_mcep}-dim "
                          "mel-cepstra; set model.mcep_dim (or the feature config) so they agree")


def check_crop_frames(dump: FeatureDump, speaker: str, lengths: dict[str, int], crop_frames: int) -> None:
    """Refuse a crop longer than every utterance of ``speaker``.

    Shorter utterances are repeated to fill a crop (:class:`CropSampler`); when all of them
    are, training sees nothing but repetitions, and a crop far too long pads the data to
    gigabytes. ``lengths``: utterance -> frames.

    Raises:
        ConfigError: naming the dump, the speaker and its longest utterance (frames, seconds).
    """
    if not lengths:  # no utterance at all: CropSampler says so
        return
    utt = max(lengths, key=lengths.get)
    if lengths[utt] < crop_frames:
        seconds = lengths[utt] * dump.config.frame_period / 1000
        raise ConfigError(
            f"{dump.root}: model.crop_frames ({crop_frames}) is longer than every utterance of speaker "
            f"{speaker}: the longest, {utt}, has {lengths[utt]} frames ({seconds:.2f} s); "
            f"set model.crop_frames to at most {lengths[utt]}")


def build_batches(dump: FeatureDump, speakers: list[str], stats: dict[str, SpeakerStats],
                  cfg: CycleGANConfig, device: torch.device) -> PairBatches:
    """Preload and normalise every utterance of both speakers; one crop sampler per speaker.

    Raises:
        DumpError: listing every unusable utterance (damaged file, NaN frames, ...) of both
            speakers, before any training.
    """
    mceps = dump.load_all([u for spk in speakers for u in dump.utterances_of(spk)], keep=("mcep",))
    for spk in speakers:
        check_crop_frames(dump, spk, {u: len(mceps[u]["mcep"]) for u in dump.utterances_of(spk)}, cfg.crop_frames)
    samplers = []
    for k, spk in enumerate(speakers):
        feats = [stats[spk].normalize(mceps[u]["mcep"]) for u in dump.utterances_of(spk)]
        samplers.append(CropSampler(feats, cfg.crop_frames, seed=cfg.seed + 1 + k, device=device))
        logger.info("speaker %s: %d utterances, %d frames preloaded", spk, len(feats), len(samplers[-1].frames))
    return PairBatches(samplers[0], samplers[1], cfg.batch_size)


def parallel_pairs(dump: FeatureDump, src: str, tgt: str) -> list[tuple[str, str]]:
    """``(src_utt, tgt_utt)`` of the same sentence, matched on the id after ``<speaker>_``."""
    def by_sentence(spk):
        return {u[len(spk) + 1:] if u.startswith(spk + "_") else u: u for u in dump.utterances_of(spk)}
    s, t = by_sentence(src), by_sentence(tgt)
    return [(s[k], t[k]) for k in sorted(set(s) & set(t))]


class Validator:
    """Every validation interval: converts up to ``n`` dev utterances of each direction,
    logs the mean MCD (dB, DTW-aligned) against the target speaker's utterance of the same
    sentence and writes a mel-cepstrogram plot (source / converted / target).

    The frames that count are those of ``vcgan evaluate``'s default preset (normalised frame
    power above -20 dB, c0 excluded), the power taken from the envelope the mel-cepstra
    describe, so the logged figure tracks the evaluation's without synthesising audio.
    """

    def __init__(self, dump: FeatureDump, speakers: list[str], stats: dict[str, SpeakerStats],
                 n: int, out_dir: Path):
        a, b = speakers
        self.stats, self.out_dir = stats, out_dir
        from vcgan.metrics.presets import PRESETS
        self.eval_settings = PRESETS["vcgan"](dump.config.sample_rate, dump.config)
        self.items = []
        for direction, (src, tgt) in (("a2b", (a, b)), ("b2a", (b, a))):
            for su, tu in parallel_pairs(dump, src, tgt)[:n]:
                mc_tgt = dump.load(tu)["mcep"]
                self.items.append((direction, src, tgt, su, dump.load(su)["mcep"], mc_tgt, self.speech(mc_tgt)))
        if not self.items:
            logger.warning("%s: no parallel dev utterances for %s; validation MCD is skipped", dump.root, speakers)

    def __call__(self, task: CycleGANTask, iteration: int) -> dict[str, float]:
        from vcgan.metrics.mcd import utterance_mcd
        results: dict[str, list[float]] = {}
        plotted = False
        for direction, src, tgt, utt, mc_src, mc_tgt, tgt_speech in self.items:
            z = torch.from_numpy(self.stats[src].normalize(mc_src).T.copy())
            conv = self.stats[tgt].denormalize(task.convert(z, direction).cpu().numpy().T)
            mcd = utterance_mcd(mc_tgt, conv, ref_keep=tgt_speech, conv_keep=self.speech(conv)).mcd
            results.setdefault(f"mcd_{direction}_db", []).append(mcd)
            if not plotted:
                plot_mceps(self.out_dir / f"mcep_{iteration:08d}.png", utt, mc_src, conv, mc_tgt)
                plotted = True
        return {k: float(np.mean(v)) for k, v in results.items()}

    def speech(self, mcep: np.ndarray) -> np.ndarray:
        """``(T,)`` mask of the frames ``vcgan evaluate`` counts by default, from ``(T, dim)`` mel-cepstra."""
        from vcgan.features.mcep import mcep_to_sp
        from vcgan.metrics.mcd import envelope_power, normalized_power_db, speech_mask
        s = self.eval_settings
        sp = mcep_to_sp(mcep, s.alpha, s.fft_size)
        return speech_mask(normalized_power_db(envelope_power(sp)), s.threshold)


def plot_mceps(path: Path, title: str, src: np.ndarray, conv: np.ndarray, tgt: np.ndarray) -> None:
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


def make_bundle(task: CycleGANTask, speakers: list[str], dump: FeatureDump,
                stats: dict[str, SpeakerStats], iteration: int) -> Bundle:
    gens = {d: {k: v.detach().cpu() for k, v in task.modules()[f"generator_{d}"].state_dict().items()}
            for d in ("a2b", "b2a")}
    return Bundle(task="cyclegan", config=task.cfg.to_dict(), speakers=list(speakers), generators=gens,
                  feature_config=dump.config, stats=stats, iteration=iteration)
