"""The CycleGAN-VC family as the registry sees it: config, training setup, bundle component,
converter. Everything CycleGAN-specific that shared code needs goes through here."""

from __future__ import annotations

from typing import Any, Mapping

import torch

from vcgan.bundle import Bundle, Component
from vcgan.conversion.streams import converted_dim
from vcgan.features.mcep import envelope_power_of
from vcgan.tasks.base import TrainingContext, TrainingSetup
from vcgan.tasks.cyclegan.config import CycleGANConfig
from vcgan.tasks.cyclegan.converter import CycleGANConverter
from vcgan.tasks.cyclegan.data import build_batches
from vcgan.tasks.cyclegan.task import DIRECTIONS, CycleGANTask
from vcgan.train.validation import McepValidator
from vcgan.utils.config import ConfigError


class CycleGANFamily:
    """CycleGAN-VC (arXiv 1711.11293) and CycleGAN-VC2 (arXiv 1904.04631): one model per
    speaker pair, two generators (A->B, B->A); ``model.model`` chooses the architecture."""

    name = "cyclegan"
    role = "converter"
    speakers = (2, 2)
    schedule_keys = ("n_iterations", "decay_start", "identity_iterations")

    def parse_config(self, data: Mapping[str, Any], where: str) -> CycleGANConfig:
        return CycleGANConfig.from_dict(dict(data), where=where, key="model")

    def setup(self, config: CycleGANConfig, context: TrainingContext) -> TrainingSetup:
        feature_dim = converted_dim(context.dump.config.n_mcep, config.energy)
        task = CycleGANTask(config, feature_dim, context.device, autocast_dtype=context.autocast_dtype)
        batches = build_batches(context.dump, context.speakers, context.stats, config, context.device)
        validate = None
        if context.dev_dump is not None:
            a, b = context.speakers
            validator = McepValidator(context.dev_dump, {"a2b": (a, b), "b2a": (b, a)}, context.stats,
                                      context.validation_utterances, context.out_dir / "validation",
                                      lambda task, z, src, tgt: task.convert(z, "a2b" if src == a else "b2a"),
                                      energy=config.energy)
            validate = validator if validator.items else None

        def export() -> Component:
            weights = {d: {k: v.detach().cpu() for k, v in task.modules()[f"generator_{d}"].state_dict().items()}
                       for d in DIRECTIONS}
            return Component(family=self.name, config=config.to_dict(), weights=weights)
        return TrainingSetup(task=task, batches=batches, export=export, validate=validate)

    def load(self, component: Component, bundle: Bundle, device: torch.device) -> CycleGANConverter:
        config = dict(component.config)
        # Format-1 bundles carried the feature dimension in the model config too.
        legacy_dim = config.pop("mcep_dim", None)
        feature_dim = bundle.feature_config.n_mcep
        if legacy_dim is not None and legacy_dim != feature_dim:
            raise ConfigError(f"{bundle.path}: the model was trained on {legacy_dim} mel-cepstra but the "
                              f"bundle's feature config gives {feature_dim}")
        cfg = CycleGANConfig.from_dict(config, where=f"{bundle.path}: converter", key="config")
        return CycleGANConverter(cfg, feature_dim, bundle.speakers, bundle.stats, component.weights, device,
                                 frame_power=envelope_power_of(bundle.feature_config))
