"""The conversion chain: analysis -> converter -> post-filters -> vocoder -> waveform post-filters.

Every family converts through this one chain. Each stage comes from a bundle (see
:mod:`vcgan.bundle`) and the family registry (:mod:`vcgan.tasks`), so nothing here knows a
family by name:

1. **analysis**: WORLD features of the input at the bundle's rate, with the bundle's feature
   config and the source speaker's F0 range;
2. **converter**: the bundle's ``converter`` component (any family), or the statistical
   baseline (:class:`~vcgan.conversion.baseline.StatisticalConverter`) in its place;
3. **feature post-filters**: the bundle's own, then those of ``--postfilter`` bundles;
4. **vocoder**: by name (``world``, ``griffin-lim``, ...) or a bundle's ``vocoder`` component;
5. **waveform post-filters**.

    >>> chain = ConversionChain("exp/cyclegan_vc2_kalM_sltF/bundle")          # doctest: +SKIP
    >>> chain.convert_file("in.wav", "out.wav", "kalM", "sltF")                 # doctest: +SKIP
"""

from __future__ import annotations

import os
from typing import Any, Mapping, Sequence

import numpy as np
import torch

from vcgan.audio import write_wav
from vcgan.bundle import Bundle, Component
from vcgan.conversion.baseline import StatisticalConverter
from vcgan.data.dump import write_features
from vcgan.features.extract import extract_features, read_speech
from vcgan.features.f0 import warn_if_outside
from vcgan.tasks import get_family
from vcgan.tasks.base import Features
from vcgan.utils.device import resolve_device
from vcgan.vocoders import INPUT_STREAMS, get_vocoder

#: Feature-config settings a post-filter bundle must share with the model it follows.
_SHARED_ANALYSIS = ("sample_rate", "frame_period", "n_mcep", "alpha", "ap_coding")
#: ... and those of the spectrograms, when both store them.
_STFT = ("n_fft", "hop_samples", "win_samples")


def analysis_differences(a, b) -> list[str]:
    """The analysis settings (:data:`_SHARED_ANALYSIS`, and the STFT's when both store
    spectrograms) in which feature configs ``a`` and ``b`` differ, as ``"key a vs b"``."""
    keys = _SHARED_ANALYSIS + (_STFT if a.spectrogram and b.spectrogram else ())
    return [f"{k} {getattr(a, k)} vs {getattr(b, k)}" for k in keys if getattr(a, k) != getattr(b, k)]


def load_bundle(bundle: Bundle | str | os.PathLike) -> Bundle:
    return bundle if isinstance(bundle, Bundle) else Bundle.load(bundle)


def load_component(component: Component, bundle: Bundle, device: torch.device) -> Any:
    """What ``component`` describes (a converter, post-filter or vocoder), built by its family."""
    return get_family(component.family).load(component, bundle, device)


class ConversionChain:
    """Converts speech between the speakers of a model bundle.

    Args:
        model: The bundle (or its path) whose converter, statistics and feature config are used.
        device: ``"cpu"``, ``"cuda"``, ``"cuda:N"`` or ``"auto"``.
        postfilters: Post-filter bundles (or paths) applied after the model's own, in order.
        vocoder: A vocoder name (:data:`vcgan.vocoders.VOCODERS`) or a bundle with a ``vocoder``
            component; ``None``: the model bundle's vocoder, else ``world``.
        baseline: Use the statistical baseline instead of the bundle's converter.
        vocoder_options: Options of a named vocoder (``gl_iters``).
    """

    def __init__(self, model: Bundle | str | os.PathLike, device: str = "cpu", *,
                 postfilters: Sequence[Bundle | str | os.PathLike] = (),
                 vocoder: str | Bundle | os.PathLike | None = None, baseline: bool = False,
                 vocoder_options: Mapping[str, Any] | None = None):
        self.bundle = load_bundle(model)
        self.device = torch.device(resolve_device(device))
        if baseline:
            self.converter = StatisticalConverter(self.bundle.stats)
        elif self.bundle.converter is None:
            raise ValueError(f"{self.bundle.path or 'bundle'}: has no converter component "
                             f"(it holds {', '.join(self.bundle.roles()) or 'nothing'}); "
                             "a post-filter bundle goes after a model: --postfilter")
        else:
            self.converter = load_component(self.bundle.converter, self.bundle, self.device)
        self.postfilters = [load_component(c, self.bundle, self.device) for c in self.bundle.postfilters]
        for pf in postfilters:
            pf_bundle = load_bundle(pf)
            if not pf_bundle.postfilters:
                raise ValueError(f"{pf_bundle.path or pf}: not a post-filter bundle (it holds "
                                 f"{', '.join(pf_bundle.roles()) or 'nothing'})")
            loaded = [load_component(c, pf_bundle, self.device) for c in pf_bundle.postfilters]
            # A waveform post-filter sees only audio: it needs the rate, not the same analysis.
            self._check_compatible(pf_bundle, rate_only=all(f.domain == "waveform" for f in loaded))
            self.postfilters += loaded
        self.vocoder = self._vocoder(vocoder, dict(vocoder_options or {}))

    def _check_compatible(self, other: Bundle, rate_only: bool = False) -> None:
        differ = analysis_differences(self.bundle.feature_config, other.feature_config)
        if rate_only:
            differ = [d for d in differ if d.startswith("sample_rate ")]
        if differ:
            raise ValueError(f"{other.path}: analysed differently from the model {self.bundle.path} "
                             f"({'; '.join(differ)}); a post-filter must be trained on the model's features")

    def _vocoder(self, vocoder, options: dict[str, Any]):
        choice = vocoder if vocoder is not None else self.bundle.vocoder
        if choice is None or (isinstance(choice, str) and not os.path.isdir(choice)):
            self.vocoder_name = choice or "world"
            return get_vocoder(self.vocoder_name, self.feature_config, **options)
        if isinstance(choice, Component):
            self.vocoder_name = choice.family
            return load_component(choice, self.bundle, self.device)
        voc_bundle = load_bundle(choice)
        self._check_compatible(voc_bundle)
        if not isinstance(voc_bundle.vocoder, Component):
            raise ValueError(f"{voc_bundle.path}: holds no vocoder component")
        self.vocoder_name = f"{voc_bundle.vocoder.family} ({voc_bundle.path})"
        return load_component(voc_bundle.vocoder, voc_bundle, self.device)

    # -- what the bundle offers -------------------------------------------------------------------
    @property
    def feature_config(self):
        return self.bundle.feature_config

    @property
    def speakers(self) -> list[str]:
        return list(self.bundle.speakers)

    def resolve_pair(self, src: str | None, tgt: str | None) -> tuple[str, str]:
        """``(src, tgt)`` with defaults: the bundle's first speaker, and the first other one
        (so a two-speaker bundle converts its first speaker to its second, or back)."""
        first = self.speakers[0]
        src = src or next((s for s in self.speakers if s != tgt), first)
        tgt = tgt or next((s for s in self.speakers if s != src), first)
        self.converter.check_pair(src, tgt)
        return src, tgt

    # -- the stages -------------------------------------------------------------------------------
    def analyze(self, x: np.ndarray, src: str, name: str = "input") -> Features:
        """Features of ``(samples,)`` at the bundle's rate, with the source speaker's F0 range
        (and the STFT phase when the vocoder uses the input's, ``input-phase``)."""
        cfg, s = self.feature_config, self.bundle.stats[src]
        feats = extract_features(x, cfg, (s.f0_floor, s.f0_ceil) if s.f0_ceil > 0 else None)
        if "phase" in INPUT_STREAMS.get(self.vocoder_name, ()):
            from vcgan.features.spectrogram import phase_spectrogram
            feats["phase"] = phase_spectrogram(x, cfg)
        warn_if_outside(feats["f0"], s.f0_floor, s.f0_ceil, f"{name} (source speaker {src})")
        return feats

    def convert_features(self, feats: Mapping[str, np.ndarray], src: str, tgt: str) -> Features:
        """Converter, then the feature post-filters."""
        out = self.converter.convert(dict(feats), src, tgt)
        for pf in self._filters("features"):
            out = pf(out, tgt)
        return out

    def synthesize(self, feats: Mapping[str, np.ndarray], tgt: str) -> np.ndarray:
        """Vocoder, then the waveform post-filters: ``(samples,)`` at the bundle's rate."""
        y = self.vocoder(dict(feats))
        for pf in self._filters("waveform"):
            y = pf(y, tgt)
        return y

    def convert_waveform(self, x: np.ndarray, src: str | None, tgt: str | None, name: str = "input") -> np.ndarray:
        """``(samples,)`` at the bundle's rate -> converted ``(samples,)`` at the same rate
        (speakers defaulted and checked by :meth:`resolve_pair`)."""
        src, tgt = self.resolve_pair(src, tgt)
        return self.synthesize(self.convert_features(self.analyze(x, src, name), src, tgt), tgt)

    def convert_file(self, in_path: str | os.PathLike, out_path: str | os.PathLike,
                     src: str | None = None, tgt: str | None = None, features_only: bool = False) -> float:
        """Convert one file (resampled to the bundle's rate if needed) and write ``out_path``
        atomically: a wav at the bundle's rate, or with ``features_only`` the converted feature
        dict as ``.npz`` (for a separate vocoder stage). Returns the input duration (s)."""
        src, tgt = self.resolve_pair(src, tgt)
        if features_only and self._filters("waveform"):
            raise ValueError("waveform post-filters run after the vocoder: convert to audio, not --features-only")
        x = read_speech(in_path, self.feature_config)
        feats = self.convert_features(self.analyze(x, src, str(in_path)), src, tgt)
        if features_only:
            write_features(out_path, feats)
        else:
            write_wav(out_path, self.synthesize(feats, tgt), self.feature_config.sample_rate)
        return len(x) / self.feature_config.sample_rate

    def _filters(self, domain: str) -> list:
        return [pf for pf in self.postfilters if pf.domain == domain]

    def describe(self) -> str:
        """One line naming the stages that run, for logs."""
        stages = [type(self.converter).__name__, *(type(pf).__name__ for pf in self.postfilters),
                  f"vocoder {self.vocoder_name}"]
        return "analysis -> " + " -> ".join(stages)
