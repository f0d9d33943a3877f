"""The DNN converter family as the registry sees it."""

from __future__ import annotations

from typing import Any, Mapping

import torch

from vcgan.bundle import Bundle, Component
from vcgan.features.mcep import envelope_power_of
from vcgan.models import run_generator
from vcgan.tasks.base import TrainingContext, TrainingSetup
from vcgan.tasks.dnn_vc.config import DNNVCConfig
from vcgan.tasks.dnn_vc.converter import DNNVCConverter
from vcgan.tasks.dnn_vc.data import build_batches, network_rows
from vcgan.tasks.dnn_vc.task import DNNVCTask
from vcgan.train.validation import McepValidator


def stream_dim(cfg: DNNVCConfig, feature_config) -> int:
    """Rows the network maps: those of :func:`network_rows` of the stream's width."""
    return len(range(feature_config.stream_dim(cfg.stream))[network_rows(cfg)])


class DNNVCFamily:
    """A parallel frame-wise DNN converter trained with a squared error on DTW-aligned frames:
    one direction, ``--speakers SRC TGT``."""

    name = "dnn_vc"
    role = "converter"
    speakers = (2, 2)
    schedule_keys = ("n_iterations", "decay_start")

    def parse_config(self, data: Mapping[str, Any], where: str) -> DNNVCConfig:
        return DNNVCConfig.from_dict(dict(data), where=where, key="model")

    def setup(self, config: DNNVCConfig, context: TrainingContext) -> TrainingSetup:
        dim = stream_dim(config, context.dump.config)
        task = DNNVCTask(config, dim, context.device, context.autocast_dtype)
        batches = build_batches(context.dump, context.speakers, context.stats, config, context.device)
        validate = None
        if context.dev_dump is not None and config.stream == "mcep":
            src, tgt = context.speakers
            validator = McepValidator(context.dev_dump, {"src2tgt": (src, tgt)}, context.stats,
                                      context.validation_utterances, context.out_dir / "validation",
                                      lambda task, z, s, t: run_generator(task.network, z.to(task.device)),
                                      energy=config.energy)
            validate = validator if validator.items else None

        def export() -> Component:
            weights = {"network": {k: v.detach().cpu() for k, v in task.network.state_dict().items()}}
            return Component(family=self.name, config=config.to_dict(), weights=weights)
        return TrainingSetup(task=task, batches=batches, export=export, validate=validate)

    def load(self, component: Component, bundle: Bundle, device: torch.device) -> DNNVCConverter:
        cfg = DNNVCConfig.from_dict(component.config, where=f"{bundle.path}: converter", key="config")
        return DNNVCConverter(cfg, stream_dim(cfg, bundle.feature_config), bundle.speakers, bundle.stats,
                              component.weights, device, frame_power=envelope_power_of(bundle.feature_config))
