"""What a model family provides, and what the shared code gives it.

A family (CycleGAN-VC, StarGAN-VC, a GAN post-filter, ...) is trained by the one loop of
:mod:`vcgan.train.trainer` and converts through the one chain of :mod:`vcgan.conversion`. It
plugs in with an object of the :class:`Family` shape, registered by name in
:mod:`vcgan.tasks`:

- ``parse_config``: its typed config (a dataclass with at least ``n_iterations`` and ``seed``)
  from the ``model:`` section of a training YAML, the paper's values filling what is not set;
- ``setup``: given a :class:`TrainingContext` (dump, speakers, statistics, device, ...), its
  :class:`TrainingSetup`: the task the loop steps, the batch source, the validation, and how
  the trained weights become a bundle :class:`~vcgan.bundle.Component`;
- ``load``: the converter or post-filter a component of a bundle describes.

The feature dimensions are never part of a family's config: they come from the feature config
of the dump (``context.dump.config``) and, at conversion, of the bundle.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping, Protocol

import numpy as np
import torch

if TYPE_CHECKING:  # only for annotations: bundle imports nothing from here
    from vcgan.bundle import Bundle, Component
    from vcgan.data.dump import FeatureDump
    from vcgan.features.stats import SpeakerStats

#: A feature dict: stream name -> ``(frames, ...)`` array (``f0`` in Hz, ``mcep``, ``cap``, ...).
Features = dict[str, np.ndarray]


class Task(Protocol):
    """What the training loop steps: one update per call, state for exact resumption."""

    def train_step(self, *, iteration: int, **batch: torch.Tensor) -> dict[str, float]: ...
    def state_dict(self) -> dict[str, Any]: ...
    def load_state_dict(self, state: dict[str, Any]) -> None: ...
    def modules(self) -> dict[str, torch.nn.Module]: ...

    # Optional (GANTask has them): data-parallel training needs distribute(); a random
    # generator of the task's own is saved per rank through random_state().
    def distribute(self, wrap: Callable[[torch.nn.Module], torch.nn.Module], seed: int) -> None:
        """Train ``wrap(net)`` for every network (the loop's DistributedDataParallel) and
        reseed the step's own randomness with this rank's ``seed``."""
    def random_state(self) -> Any: ...
    def set_random_state(self, state: Any) -> None: ...


class BatchSource(Protocol):
    """Training batches, resumable: ``next()`` gives the keyword arguments of ``train_step``."""

    def next(self) -> dict[str, torch.Tensor]: ...
    def state_dict(self) -> dict[str, Any]: ...
    def load_state_dict(self, state: dict[str, Any]) -> None: ...


@dataclass
class TrainingContext:
    """What ``vcgan train`` hands a family: the data, already checked, and where to run.

    Attributes:
        dump: The training feature dump (its ``config`` is the feature config).
        speakers: The speakers to train on, in the order given (count checked against
            :attr:`Family.speakers`).
        stats: Per-speaker statistics of those speakers (``dump/stats``).
        device: Where the networks live.
        autocast_dtype: Autocast dtype of forward passes and losses (``torch.bfloat16``), or
            ``None`` for float32 throughout (:mod:`vcgan.train.precision` resolves ``--precision``).
        dev_dump: Optional dump of dev utterances for validation.
        validation_utterances: Dev utterances per direction (or speaker) to validate on.
        out_dir: The experiment directory (validation plots go below it).
        front_end: For a post-filter: the bundle of the model whose output it learns to repair
            (``vcgan train --front-end``), else ``None``.
    """

    dump: "FeatureDump"
    speakers: list[str]
    stats: dict[str, "SpeakerStats"]
    device: torch.device
    autocast_dtype: torch.dtype | None = None
    dev_dump: "FeatureDump | None" = None
    validation_utterances: int = 3
    out_dir: Path = Path(".")
    front_end: Path | None = None


@dataclass
class TrainingSetup:
    """What a family gives the loop for one run.

    Attributes:
        task: Stepped by the loop; its ``state_dict`` goes into every checkpoint.
        batches: Its batches; its ``state_dict`` too.
        export: Builds the bundle component of the task's current weights.
        validate: Optional ``(task, iteration) -> {name: value}``, run every validation interval.
    """

    task: Task
    batches: BatchSource
    export: Callable[[], "Component"]
    validate: Callable[[Task, int], dict[str, float]] | None = None


class FeatureConverter(Protocol):
    """Converts an utterance's features from one speaker to another (any number of frames)."""

    speakers: list[str]

    def check_pair(self, src: str, tgt: str) -> None:
        """Raise ``ValueError`` (listing what it can do) unless ``src -> tgt`` is possible."""

    def convert(self, feats: Features, src: str, tgt: str) -> Features:
        """``feats`` of ``src`` (unnormalised, as analysed) -> features of ``tgt`` (same streams)."""


class PostFilter(Protocol):
    """Runs after a converter: on features (``domain == "features"``) or, after the vocoder, on
    a ``(samples,)`` waveform at the bundle's rate (``domain == "waveform"``)."""

    domain: str

    def __call__(self, x: Any) -> Any: ...


class Family(Protocol):
    """A model family (see the module docstring).

    Attributes:
        name: The registry name, as written in configs (``task:``) and bundles (``family:``).
        role: The bundle role of what it trains: ``"converter"`` or ``"postfilter"``.
        speakers: ``(min, max)`` speakers one model trains on; ``max`` ``None`` for any number.
        schedule_keys: Config fields counted in iterations, ``"n_iterations"`` first:
            ``vcgan train --iterations N`` scales the others in proportion, and a run may be
            resumed with other values of these only.
    """

    name: str
    role: str
    speakers: tuple[int, int | None]
    schedule_keys: tuple[str, ...]

    def parse_config(self, data: Mapping[str, Any], where: str) -> Any: ...
    def setup(self, config: Any, context: TrainingContext) -> TrainingSetup: ...
    def load(self, component: "Component", bundle: "Bundle", device: torch.device) -> Any: ...


def check_speaker_count(family: Family, speakers: list[str]) -> None:
    """``ValueError`` unless ``speakers`` are distinct and as many as ``family`` trains on."""
    repeated = sorted({s for s in speakers if speakers.count(s) > 1})
    if repeated:
        raise ValueError(f"speaker(s) {repeated} given more than once")
    lo, hi = family.speakers
    if len(speakers) < lo or (hi is not None and len(speakers) > hi):
        want = f"exactly {lo}" if lo == hi else f"at least {lo}" if hi is None else f"{lo} to {hi}"
        raise ValueError(f"model family {family.name!r} trains on {want} speakers; got {len(speakers)}: {speakers}"
                         + (" (choose them with --speakers)" if hi is not None else ""))
