"""Model registry: generators and discriminators by name, configured by plain data.

Architecture variants are config values, never copied classes::

    g = build_generator("cyclegan_vc2", mcep_dim=35, base_channels=32)   # a reduced demo model
    d = build_discriminator("cyclegan_vc2", spectral_norm=True)

Names: ``"cyclegan_vc"`` (arXiv 1711.11293), ``"cyclegan_vc2"`` (arXiv 1904.04631),
``"stargan_vc"`` (arXiv 1806.02169; also a domain classifier, :func:`build_classifier`) and
``"stargan_vc2"`` (arXiv 1907.12279); ``"dnn_vc"`` (a frame-wise DNN converter, the GAN
post-filter's front end), ``"gan_postfilter"`` (Kaneko et al., ICASSP 2017) and
``"wavecyclegan"`` (waveform generators and discriminators of WaveCycleGAN and WaveCycleGAN2,
arXiv 1809.10288 / 1904.02892; also the discriminator ``"wavecyclegan_log_mel"``). The StarGAN
generators and discriminators take one-hot
speaker codes ``(batch, n_speakers)``: ``g(x, src_code, tgt_code)``, ``d(y, src_code, tgt_code)``.
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
from vcgan.models.dnn_vc import FrameDNN, FrameDNNConfig
from vcgan.models.gan_postfilter import (
    PostFilterDiscriminator,
    PostFilterDiscriminatorConfig,
    PostFilterGenerator,
    PostFilterGeneratorConfig,
)
from vcgan.models.stargan_vc import (
    StarGANVCClassifier,
    StarGANVCClassifierConfig,
    StarGANVCDiscriminator,
    StarGANVCDiscriminatorConfig,
    StarGANVCGenerator,
    StarGANVCGeneratorConfig,
)
from vcgan.models.stargan_vc2 import (
    StarGANVC2Discriminator,
    StarGANVC2DiscriminatorConfig,
    StarGANVC2Generator,
    StarGANVC2GeneratorConfig,
)
from vcgan.models.wavecyclegan import (
    LogMelDiscriminator,
    LogMelDiscriminatorConfig,
    WaveDiscriminator,
    WaveDiscriminatorConfig,
    WaveGenerator,
    WaveGeneratorConfig,
)
from vcgan.utils.config import from_dict

#: name -> (module class, config dataclass)
GENERATORS: dict[str, tuple[type[nn.Module], type]] = {
    "cyclegan_vc": (CycleGANVCGenerator, CycleGANVCGeneratorConfig),
    "cyclegan_vc2": (CycleGANVC2Generator, CycleGANVC2GeneratorConfig),
    "stargan_vc": (StarGANVCGenerator, StarGANVCGeneratorConfig),
    "stargan_vc2": (StarGANVC2Generator, StarGANVC2GeneratorConfig),
    "dnn_vc": (FrameDNN, FrameDNNConfig),
    "gan_postfilter": (PostFilterGenerator, PostFilterGeneratorConfig),
    "wavecyclegan": (WaveGenerator, WaveGeneratorConfig),
}
DISCRIMINATORS: dict[str, tuple[type[nn.Module], type]] = {
    "cyclegan_vc": (CycleGANVCDiscriminator, CycleGANVCDiscriminatorConfig),
    "cyclegan_vc2": (CycleGANVC2Discriminator, CycleGANVC2DiscriminatorConfig),
    "stargan_vc": (StarGANVCDiscriminator, StarGANVCDiscriminatorConfig),
    "stargan_vc2": (StarGANVC2Discriminator, StarGANVC2DiscriminatorConfig),
    "gan_postfilter": (PostFilterDiscriminator, PostFilterDiscriminatorConfig),
    "wavecyclegan": (WaveDiscriminator, WaveDiscriminatorConfig),
    "wavecyclegan_log_mel": (LogMelDiscriminator, LogMelDiscriminatorConfig),
}
#: Domain classifiers (StarGAN-VC's C); same layout as the registries above.
CLASSIFIERS: dict[str, tuple[type[nn.Module], type]] = {
    "stargan_vc": (StarGANVCClassifier, StarGANVCClassifierConfig),
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


def build_classifier(name: str, **cfg: Any) -> nn.Module:
    """Domain classifier ``name`` with config fields ``cfg`` (unset fields keep the paper's values)."""
    return _build(CLASSIFIERS, "classifier", name, cfg)


def config_fields(kind: str, name: str) -> set[str]:
    """Field names of the config dataclass of ``kind`` (``"generator"``/``"discriminator"``/``"classifier"``) ``name``."""
    registry = {"generator": GENERATORS, "classifier": CLASSIFIERS}.get(kind, DISCRIMINATORS)
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
    "CLASSIFIERS",
    "DISCRIMINATORS",
    "GENERATORS",
    "build_classifier",
    "build_discriminator",
    "blend_windows",
    "build_generator",
    "config_fields",
    "pad_to_multiple",
    "run_generator",
    "window_starts",
]


@torch.no_grad()
def run_generator(generator: nn.Module, x: torch.Tensor, *codes: torch.Tensor | None,
                  window: int | None = None) -> torch.Tensor:
    """Inference with a fully convolutional generator on any number of frames.

    ``x`` is ``(batch, channels, frames)`` or ``(channels, frames)``; it is padded to the
    generator's ``frame_multiple`` and the output cropped back, with the generator in eval mode
    (restored afterwards). ``codes`` are passed on after ``x`` (the StarGAN generators'
    ``src_code, tgt_code``, each ``(batch, n_speakers)``, or ``(n_speakers,)`` with an unbatched
    ``x``; ``None`` passes through).

    ``window`` (frames, a multiple of ``frame_multiple``): instead of the whole input at once, the
    generator converts ``window``-frame windows every ``window // 4`` frames, the last one
    ending at the last frame, and the outputs are blended with Hann weights
    (:func:`blend_windows`). With the training crop length as ``window``, every instance norm
    sees spans as long as in training rather than the whole utterance (silences included).
    An input no longer than ``window`` is converted whole.
    """
    squeeze = x.dim() == 2
    x = x.unsqueeze(0) if squeeze else x
    if squeeze:
        codes = tuple(c if c is None else c.unsqueeze(0) for c in codes)
    was_training = generator.training
    generator.eval()
    try:
        if window is not None and x.shape[-1] > window:
            y = _run_windows(generator, x, codes, window)
        else:
            padded, frames = pad_to_multiple(x, generator.frame_multiple)
            y = generator(padded, *codes)[..., :frames]
    finally:
        generator.train(was_training)
    return y.squeeze(0) if squeeze else y


#: Windows converted in one generator call (bounds the memory of a long utterance).
_WINDOWS_PER_CALL = 64


def window_starts(frames: int, window: int) -> list[int]:
    """First frames of the ``window``-frame windows :func:`run_generator` converts: every
    ``window // 4`` frames, plus one ending at the last frame (``frames >= window``).

    >>> window_starts(100, 32)
    [0, 8, 16, 24, 32, 40, 48, 56, 64, 68]
    """
    hop = max(1, window // 4)
    starts = list(range(0, frames - window + 1, hop))
    if starts[-1] != frames - window:
        starts.append(frames - window)
    return starts


def blend_windows(outputs: torch.Tensor, starts: list[int], frames: int) -> torch.Tensor:
    """Overlap-add of per-window outputs ``(n_windows, batch, channels, window)`` into
    ``(batch, channels, frames)``, each frame the mean of the windows covering it weighted by
    ``sin^2(pi (t + 1/2) / window)`` (a Hann window with no zero end, so every frame has weight;
    windows every ``window / 4`` frames sum to a constant inside the utterance)."""
    n, batch, channels, window = outputs.shape
    t = torch.arange(window, dtype=outputs.dtype, device=outputs.device)
    weight = torch.sin(torch.pi * (t + 0.5) / window) ** 2
    total = outputs.new_zeros(batch, channels, frames)
    norm = outputs.new_zeros(frames)
    for start, out in zip(starts, outputs):
        total[..., start:start + window] += weight * out
        norm[start:start + window] += weight
    return total / norm


def _run_windows(generator: nn.Module, x: torch.Tensor, codes: tuple, window: int) -> torch.Tensor:
    multiple = generator.frame_multiple
    if window % multiple or window < 2 * multiple:
        raise ValueError(f"window must be a multiple of {multiple} frames of at least {2 * multiple}, got {window}")
    batch, frames = x.shape[0], x.shape[-1]
    starts = window_starts(frames, window)
    # (n_windows * batch, channels, window): the windows of every batch item, window-major.
    pieces = torch.cat([x[..., s:s + window] for s in starts])
    codes = tuple(c if c is None else c.repeat(len(starts), 1) for c in codes)
    outputs = torch.cat([
        generator(pieces[i:i + _WINDOWS_PER_CALL * batch], *(c if c is None else c[i:i + _WINDOWS_PER_CALL * batch]
                                                             for c in codes))
        for i in range(0, len(pieces), _WINDOWS_PER_CALL * batch)])
    return blend_windows(outputs.reshape(len(starts), batch, *outputs.shape[1:]), starts, frames)
