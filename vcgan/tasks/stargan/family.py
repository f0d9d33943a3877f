"""The ``stargan`` family as the registry, ``vcgan train`` and ``vcgan convert`` see it."""

from __future__ import annotations

import itertools
from typing import Any, Mapping

import torch

from vcgan.bundle import Bundle, Component
from vcgan.conversion.streams import converted_dim
from vcgan.features.mcep import envelope_power_of
from vcgan.tasks.base import TrainingContext, TrainingSetup
from vcgan.tasks.stargan.config import StarGANConfig
from vcgan.tasks.stargan.converter import StarGANConverter
from vcgan.tasks.stargan.data import build_batches
from vcgan.tasks.stargan.task import StarGANTask
from vcgan.train.validation import McepValidator


def validation_directions(speakers: list[str]) -> dict[str, tuple[str, str]]:
    """The ordered pairs validated during training: all of them for up to four speakers (12
    pairs), otherwise each speaker to the next and back (``2 N``), so that validation time grows
    with the speakers, not their square."""
    if len(speakers) <= 4:
        pairs = list(itertools.permutations(speakers, 2))
    else:
        ring = list(zip(speakers, speakers[1:] + speakers[:1]))
        pairs = ring + [(b, a) for a, b in ring]
    return {f"{a}_{b}": (a, b) for a, b in pairs}


class StarGANFamily:
    """StarGAN-VC (arXiv 1806.02169) and StarGAN-VC2 (arXiv 1907.12279): one generator for every
    ordered pair of two or more speakers; ``model.model`` chooses the networks."""

    name = "stargan"
    role = "converter"
    speakers = (2, None)
    schedule_keys = ("n_iterations", "decay_start", "identity_iterations")

    def parse_config(self, data: Mapping[str, Any], where: str) -> StarGANConfig:
        return StarGANConfig.from_dict(dict(data), where=where, key="model")

    def setup(self, config: StarGANConfig, context: TrainingContext) -> TrainingSetup:
        speakers = context.speakers
        task = StarGANTask(config, converted_dim(context.dump.config.n_mcep, config.energy), len(speakers),
                           context.device, autocast_dtype=context.autocast_dtype)
        batches = build_batches(context.dump, speakers, context.stats, config, context.device)
        validate = None
        if context.dev_dump is not None:
            index = {s: k for k, s in enumerate(speakers)}
            validator = McepValidator(context.dev_dump, validation_directions(speakers), context.stats,
                                      context.validation_utterances, context.out_dir / "validation",
                                      lambda task, z, src, tgt: task.convert(z, index[src], index[tgt]),
                                      energy=config.energy)
            validate = validator if validator.items else None

        def export() -> Component:
            state = task.modules()["generator"].state_dict()
            return Component(family=self.name, config=config.to_dict(),
                             weights={"generator": {k: v.detach().cpu() for k, v in state.items()}})
        return TrainingSetup(task=task, batches=batches, export=export, validate=validate)

    def load(self, component: Component, bundle: Bundle, device: torch.device) -> StarGANConverter:
        cfg = StarGANConfig.from_dict(dict(component.config), where=f"{bundle.path}: converter", key="config")
        return StarGANConverter(cfg, bundle.feature_config.n_mcep, bundle.speakers, bundle.stats,
                                component.weights, device, frame_power=envelope_power_of(bundle.feature_config))
