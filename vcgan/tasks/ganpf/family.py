"""The GAN post-filter family as the registry sees it: trained on the output of a front-end
bundle (``vcgan train --front-end BUNDLE``), exported as a bundle's post-filter component."""

from __future__ import annotations

from typing import Any, Mapping

import torch

from vcgan.bundle import Bundle, Component
from vcgan.features.mcep import envelope_power_of
from vcgan.tasks.base import TrainingContext, TrainingSetup
from vcgan.tasks.ganpf.bands import bands_of, filtered_span
from vcgan.tasks.ganpf.config import GANPFConfig
from vcgan.tasks.ganpf.data import build_batches
from vcgan.tasks.ganpf.postfilter import GANPostFilter
from vcgan.tasks.ganpf.task import GANPFTask


class GANPFFamily:
    """GAN post-filters for mel-cepstra and for STFT spectrograms (bands): ``--speakers SRC
    TGT`` and ``--front-end BUNDLE``, the model whose ``SRC -> TGT`` output it repairs."""

    name = "ganpf"
    role = "postfilter"
    speakers = (2, 2)
    schedule_keys = ("n_iterations", "decay_start")

    def parse_config(self, data: Mapping[str, Any], where: str) -> GANPFConfig:
        return GANPFConfig.from_dict(dict(data), where=where, key="model")

    def setup(self, config: GANPFConfig, context: TrainingContext) -> TrainingSetup:
        from vcgan.conversion.chain import ConversionChain, analysis_differences
        if context.front_end is None:
            raise ValueError("a GAN post-filter learns to repair a model's output: give that model's bundle "
                             "with --front-end BUNDLE")
        chain = ConversionChain(context.front_end, str(context.device))
        differ = analysis_differences(chain.feature_config, context.dump.config)
        if differ:
            raise ValueError(f"{context.front_end}: analysed differently from {context.dump.root} "
                             f"({'; '.join(differ)}); train the post-filter on the front end's features")
        src, tgt = context.speakers
        chain.resolve_pair(src, tgt)
        n_rows = context.dump.config.stream_dim(config.stream)
        first, last = filtered_span(config, n_rows)
        edges = bands_of(config, n_rows)
        task = GANPFTask(config, edges, context.device, context.autocast_dtype)
        batches = build_batches(context.dump, chain, context.speakers, context.stats, config,
                                slice(first, last), context.device)

        def export() -> Component:
            weights = {name: {k: v.detach().cpu() for k, v in net.state_dict().items()}
                       for name, net in task.modules().items() if name.startswith("generator")}
            return Component(family=self.name, config=config.to_dict(), weights=weights)
        return TrainingSetup(task=task, batches=batches, export=export)

    def load(self, component: Component, bundle: Bundle, device: torch.device) -> GANPostFilter:
        cfg = GANPFConfig.from_dict(component.config, where=f"{bundle.path}: postfilter", key="config")
        n_rows = bundle.feature_config.stream_dim(cfg.stream)
        target = bundle.speakers[-1]
        power = envelope_power_of(bundle.feature_config) if cfg.stream == "mcep" and cfg.first_row > 0 else None
        return GANPostFilter(cfg, filtered_span(cfg, n_rows), n_rows, bands_of(cfg, n_rows), target,
                             bundle.stats[target], component.weights, device, frame_power=power)
