"""Model registry: generators and discriminators by name, configured by plain data.

Architecture variants are config values, never copied classes::

    g = build_generator("cyclegan_vc2", mcep_dim=35, base_channels=32)   # a reduced demo model
    d = build_discriminator("cyclegan_vc2", spectral_norm=True)

Names: ``"cyclegan_vc"`` (arXiv 1711.11293) and ``"cyclegan_vc2"`` (arXiv 1904.04631).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from vcgan.models.cyclegan_vc import (
    CycleGANVCDiscriminator,
    CycleGANVCDiscriminatorConfig,
    CycleGANVCGenerator,
    CycleGANVCGeneratorConfig,
)
from vcgan.models.cyclegan_vc2 import (
    CycleGANVC2Discriminator,
    CycleGANVC2DiscriminatorConfig,
    CycleGANVC2Generator,
    CycleGANVC2GeneratorConfig,
)
from vcgan.utils.config import from_dict

#: name -> (module class, config dataclass)
GENERATORS: dict[str, tuple[type[nn.Module], type]] = {
    "cyclegan_vc": (CycleGANVCGenerator, CycleGANVCGeneratorConfig),
    "cyclegan_vc2": (CycleGANVC2Generator, CycleGANVC2GeneratorConfig),
}
DISCRIMINATORS: dict[str, tuple[type[nn.Module], type]] = {
    "cyclegan_vc": (CycleGANVCDiscriminator, CycleGANVCDiscriminatorConfig),
    "cyclegan_vc2": (CycleGANVC2Discriminator, CycleGANVC2DiscriminatorConfig),
}


def _build(registry: dict, kind: str, name: str, cfg: dict[str, Any]) -> nn.Module:
    if name not in registry:
        raise ValueError(f"unknown {kind} {name!r}; known: {sorted(registry)}")
    cls, config_cls = registry[name]
    return cls(from_dict(config_cls, cfg, where=f"{kind} {name}"))


def build_generator(name: str, **cfg: Any) -> nn.Module:
    """Generator ``name`` with config fields ``cfg`` (unset fields keep the paper's values)."""
    return _build(GENERATORS, "generator", name, cfg)


def build_discriminator(name: str, **cfg: Any) -> nn.Module:
    """Discriminator ``name`` with config fields ``cfg`` (unset fields keep the paper's values)."""
    return _build(DISCRIMINATORS, "discriminator", name, cfg)


def config_fields(kind: str, name: str) -> set[str]:
    """Field names of the config dataclass of ``kind`` (``"generator"``/``"discriminator"``) ``name``."""
    registry = GENERATORS if kind == "generator" else DISCRIMINATORS
    return {f.name for f in dataclasses.fields(registry[name][1])}


def pad_to_multiple(x: torch.Tensor, multiple: int, min_frames: int | None = None) -> tuple[torch.Tensor, int]:
    """Pad the last (frame) axis of ``x`` up to a multiple of ``multiple`` by repeating the last frame.

    The generators downsample time by ``multiple`` (their ``frame_multiple``, 4 for both
    CycleGAN-VC and CycleGAN-VC2) and upsample it back, so they need such lengths; instance
    norm after downsampling also needs at least two frames, hence ``min_frames`` (default
    ``2 * multiple``).

    Args:
        x: ``(batch, channels, frames)``.
        multiple: Required frame multiple.
        min_frames: Minimum padded length (rounded up to ``multiple``).

    Returns:
        ``(padded, frames)``: the padded tensor and the original number of frames, so the caller
        can crop with ``y[..., :frames]``.
    """
    frames = x.shape[-1]
    target = max(frames, 2 * multiple if min_frames is None else min_frames)
    extra = target - frames + (-target) % multiple
    if extra:
        x = F.pad(x, (0, extra), mode="replicate")
    return x, frames


__all__ = [
    "DISCRIMINATORS",
    "GENERATORS",
    "build_discriminator",
    "build_generator",
    "config_fields",
    "pad_to_multiple",
]


@torch.no_grad()
def run_generator(generator: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Inference with a fully convolutional generator on any number of frames.

    ``x`` is ``(batch, channels, frames)`` or ``(channels, frames)``; it is padded to the
    generator's ``frame_multiple`` and the output cropped back, with the generator in eval mode
    (restored afterwards).
    """
    squeeze = x.dim() == 2
    x = x.unsqueeze(0) if squeeze else x
    x, frames = pad_to_multiple(x, generator.frame_multiple)
    was_training = generator.training
    generator.eval()
    try:
        y = generator(x)[..., :frames]
    finally:
        generator.train(was_training)
    return y.squeeze(0) if squeeze else y
