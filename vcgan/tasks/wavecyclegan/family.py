"""WaveCycleGAN / WaveCycleGAN2 as the registry sees it: trained on the recipe's dump
(``vcgan train --config wavecyclegan2.yaml --speakers [SRC] TGT [--front-end BUNDLE]``),
exported as a bundle's waveform post-filter."""

from __future__ import annotations

import dataclasses
import logging
from typing import Any, Mapping

import torch

from vcgan.bundle import Bundle, Component
from vcgan.tasks.base import TrainingContext, TrainingSetup
from vcgan.tasks.wavecyclegan.config import WaveCycleGANConfig
from vcgan.tasks.wavecyclegan.data import (build_batches, natural_waveforms, split_utterances,
                                           synthetic_waveforms, unit_level_gain)
from vcgan.tasks.wavecyclegan.postfilter import WavePostFilter
from vcgan.tasks.wavecyclegan.task import POSTFILTER, WaveCycleGANTask

logger = logging.getLogger("vcgan.train")


class WaveCycleGANFamily:
    """Waveform post-filters. ``--speakers TGT``: learns WORLD resynthesis -> natural speech of
    TGT; ``--speakers SRC TGT --front-end BUNDLE``: the front end's SRC -> TGT conversions join
    the synthetic side."""

    name = "wavecyclegan"
    role = "postfilter"
    speakers = (1, 2)
    schedule_keys = ("n_iterations", "decay_start", "identity_iterations")

    def parse_config(self, data: Mapping[str, Any], where: str) -> WaveCycleGANConfig:
        return WaveCycleGANConfig.from_dict(dict(data), where=where, key="model")

    def setup(self, config: WaveCycleGANConfig, context: TrainingContext) -> TrainingSetup:
        dump, speakers = context.dump, list(context.speakers)
        if len(speakers) == 2 and context.front_end is None:
            raise ValueError("two speakers are SRC TGT for a front end's conversions: give the front end with "
                             "--front-end BUNDLE, or train on one speaker's resynthesis with --speakers TGT")
        tgt = speakers[-1]
        resynth, natural = split_utterances(dump, [tgt])
        synthetic = synthetic_waveforms(dump, resynth)
        if context.front_end is not None:
            from vcgan.conversion.chain import ConversionChain, analysis_differences
            if len(speakers) != 2:
                raise ValueError("--front-end converts SRC to TGT: give --speakers SRC TGT")
            chain = ConversionChain(context.front_end, str(context.device))
            differ = analysis_differences(chain.feature_config, dump.config)
            if differ:
                raise ValueError(f"{context.front_end}: analysed differently from {dump.root} ({'; '.join(differ)})")
            pair = chain.resolve_pair(speakers[0], tgt)
            synthetic += synthetic_waveforms(dump, dump.utterances_of(pair[0]), chain, pair)
        rate = dump.config.sample_rate
        natural = natural_waveforms(dump, natural)
        if config.waveform_gain is None:
            config = dataclasses.replace(config, waveform_gain=unit_level_gain(natural))
            logger.info("waveform gain %.2f (1 / RMS of the natural training audio)", config.waveform_gain)
        gain = config.waveform_gain
        task = WaveCycleGANTask(config, rate, context.device, context.autocast_dtype)
        batches = build_batches([w * gain for w in synthetic], [w * gain for w in natural],
                                config.segment_samples(rate), config.batch_size, config.seed, rate, context.device)

        def export() -> Component:
            net = task.modules()[POSTFILTER]
            return Component(family=self.name, config=config.to_dict(),
                             weights={POSTFILTER: {k: v.detach().cpu() for k, v in net.state_dict().items()}})
        return TrainingSetup(task=task, batches=batches, export=export)

    def load(self, component: Component, bundle: Bundle, device: torch.device) -> WavePostFilter:
        cfg = WaveCycleGANConfig.from_dict(component.config, where=f"{bundle.path}: postfilter", key="config")
        return WavePostFilter(cfg, component.weights[POSTFILTER], bundle.feature_config.sample_rate, device)
