"""Voice conversion with a model bundle: analyse, normalise, convert, denormalise, synthesise.

Per stream, following CycleGAN-VC (arXiv 1711.11293, Sec. 4.1) and CycleGAN-VC2:

* mel-cepstrum: standardised with the *source* speaker's statistics, converted by the
  generator, de-standardised with the *target* speaker's statistics;
* F0: Gaussian normalised log-F0 transform (:func:`vcgan.features.f0.convert_log_f0`);
* aperiodicity: passed through unchanged.

:func:`convert_streams` with the identity as "network" is the statistical baseline
(per-speaker mean/variance conversion of mel-cepstra plus the log-F0 transform).
"""

from __future__ import annotations

import os
from typing import Callable, Mapping

import numpy as np
import torch

from vcgan.audio import write_wav
from vcgan.bundle import Bundle
from vcgan.data.dump import write_features
from vcgan.features.extract import extract_features, read_speech
from vcgan.features.f0 import convert_log_f0, warn_if_outside
from vcgan.features.stats import SpeakerStats
from vcgan.models import build_generator, run_generator
from vcgan.vocoders.world import world_vocode

#: A function from normalised ``(frames, dim)`` mel-cepstra to converted normalised ones.
McepMap = Callable[[np.ndarray], np.ndarray]


def convert_streams(feats: Mapping[str, np.ndarray], src: SpeakerStats, tgt: SpeakerStats,
                    mcep_map: McepMap | None = None) -> dict[str, np.ndarray]:
    """Convert a feature dict (``f0``, ``mcep``, ``cap``/``ap``) from ``src`` to ``tgt``.

    ``mcep_map`` converts standardised mel-cepstra; ``None`` is the identity, i.e. the
    statistical baseline.
    """
    z = src.normalize(np.asarray(feats["mcep"], dtype=np.float32))
    if mcep_map is not None:
        z = mcep_map(z)
    out = dict(feats)
    out["mcep"] = tgt.denormalize(z).astype(np.float32)
    out["f0"] = convert_log_f0(feats["f0"], src.logf0_mean, src.logf0_std,
                               tgt.logf0_mean, tgt.logf0_std).astype(np.float32)
    return out


class VoiceConverter:
    """Converts speech between the speakers of a bundle (see :mod:`vcgan.bundle`).

    Args:
        bundle: A loaded :class:`~vcgan.bundle.Bundle`, or its path.
        device: ``"cpu"``, ``"cuda"``, or ``"auto"`` (CUDA when available).
    """

    def __init__(self, bundle: Bundle | str | os.PathLike, device: str = "cpu", baseline: bool = False):
        self.bundle = bundle if isinstance(bundle, Bundle) else Bundle.load(bundle)
        self.baseline = baseline
        self.device = torch.device(resolve_device(device))
        if self.bundle.task != "cyclegan":
            raise ValueError(f"bundle task {self.bundle.task!r} is not supported by this version of vcgan")
        from vcgan.models.cyclegan_config import CycleGANConfig
        cfg = CycleGANConfig.from_dict(self.bundle.config)
        a, b = self.bundle.speakers
        self.directions = {(a, b): "a2b", (b, a): "b2a"}
        self.generators = {}
        for direction, state in self.bundle.generators.items():
            gen = build_generator(cfg.model, mcep_dim=cfg.mcep_dim, **cfg.generator)
            gen.load_state_dict(state)
            self.generators[direction] = gen.to(self.device).eval()

    @property
    def feature_config(self):
        return self.bundle.feature_config

    @property
    def default_pair(self) -> tuple[str, str]:
        """The direction trained first: the bundle's first speaker to its second."""
        return tuple(self.bundle.speakers)  # type: ignore[return-value]

    def resolve_pair(self, src: str | None, tgt: str | None) -> tuple[str, str]:
        a, b = self.default_pair
        src = src or (b if tgt == a else a)
        tgt = tgt or (a if src == b else b)
        if (src, tgt) not in self.directions:
            raise ValueError(f"this bundle converts {a} <-> {b}; cannot convert {src} -> {tgt}")
        return src, tgt

    def mcep_map(self, src: str, tgt: str) -> McepMap | None:
        """The generator of ``src -> tgt`` on normalised ``(frames, dim)`` mel-cepstra
        (``None``, the identity, for the statistical baseline)."""
        if self.baseline:
            return None
        gen = self.generators[self.directions[(src, tgt)]]

        def run(z: np.ndarray) -> np.ndarray:
            x = torch.from_numpy(np.ascontiguousarray(z.T)).to(self.device)  # (dim, frames)
            return run_generator(gen, x).cpu().numpy().T
        return run

    def convert_features(self, feats: Mapping[str, np.ndarray], src: str, tgt: str) -> dict[str, np.ndarray]:
        stats = self.bundle.stats
        return convert_streams(feats, stats[src], stats[tgt], self.mcep_map(src, tgt))

    def analyze(self, x: np.ndarray, src: str, name: str = "input") -> dict[str, np.ndarray]:
        """Features of ``(samples,)`` at the bundle's rate, with the source speaker's F0 range."""
        cfg, s = self.feature_config, self.bundle.stats[src]
        feats = extract_features(x, cfg, (s.f0_floor, s.f0_ceil) if s.f0_ceil > 0 else None)
        warn_if_outside(feats["f0"], s.f0_floor, s.f0_ceil, f"{name} (source speaker {src})")
        return feats

    def convert_waveform(self, x: np.ndarray, src: str, tgt: str, name: str = "input") -> np.ndarray:
        """``(samples,)`` at the bundle's rate -> converted ``(samples,)`` at the same rate."""
        return world_vocode(self.convert_features(self.analyze(x, src, name), src, tgt), self.feature_config)

    def convert_file(self, in_path: str | os.PathLike, out_path: str | os.PathLike,
                     src: str | None = None, tgt: str | None = None, features_only: bool = False) -> float:
        """Convert one file (resampled to the bundle's rate if needed) and write ``out_path``
        atomically: a wav at the bundle's rate, or with ``features_only`` the converted feature
        dict as ``.npz`` (for a separate vocoder stage). Returns the input duration (s)."""
        src, tgt = self.resolve_pair(src, tgt)
        x = read_speech(in_path, self.feature_config)
        feats = self.convert_features(self.analyze(x, src, str(in_path)), src, tgt)
        if features_only:
            write_features(out_path, feats)
        else:
            write_wav(out_path, world_vocode(feats, self.feature_config), self.feature_config.sample_rate)
        return len(x) / self.feature_config.sample_rate


def resolve_device(device: str) -> str:
    """``"auto"`` -> ``"cuda"`` when a GPU is visible, else ``"cpu"``; others unchanged (checked)."""
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(f"--device {device}: no CUDA device is available on this machine")
    return device
