"""A trained GAN post-filter at conversion time: after any converter, on its output features."""

from __future__ import annotations

import numpy as np
import torch

from vcgan.conversion.streams import match_frame_power
from vcgan.features.bands import merge_bands, split_bands
from vcgan.features.stats import SpeakerStats
from vcgan.models import build_generator
from vcgan.tasks.ganpf.config import GANPFConfig


class GANPostFilter:
    """Post-filters the ``cfg.stream`` of features converted to ``target``.

    The filtered rows are standardised with the target's statistics, split into the bands,
    each filtered band passed through its generator (with zero noise, or with
    ``noise_at_inference`` noise drawn from ``cfg.seed`` afresh for every call, so one input
    always gives one output), merged back and de-standardised. With
    ``frame_power`` (mel-cepstra), each frame's c0 is then re-solved so the frame keeps the
    envelope power it had before: the post-filter restores texture, not level.

    Args:
        cfg: The settings.
        span: ``(first, last)`` rows filtered; ``n_rows``: rows of the stream.
        edges: Bands within the span.
        target: The speaker it was trained for; ``stats``: that speaker's statistics.
        weights: ``{"generator_band<k>": state dict}``.
        frame_power: ``(frames, dim)`` mel-cepstra -> ``(frames,)`` power, or ``None``.
    """

    domain = "features"

    def __init__(self, cfg: GANPFConfig, span: tuple[int, int], n_rows: int, edges: list[tuple[int, int]],
                 target: str, stats: SpeakerStats, weights: dict, device: torch.device, frame_power=None):
        self.cfg, self.span, self.n_rows, self.edges = cfg, span, n_rows, edges
        self.target, self.stats, self.device, self.frame_power = target, stats, device, frame_power
        self.generators = {}
        for k in cfg.bands_filtered:
            gen = build_generator("gan_postfilter", **cfg.generator)
            gen.load_state_dict(weights[f"generator_band{k}"])
            self.generators[k] = gen.to(device).eval()

    @torch.no_grad()
    def __call__(self, feats: dict[str, np.ndarray], tgt: str) -> dict[str, np.ndarray]:
        stream = self.cfg.stream
        if tgt != self.target:
            raise ValueError(f"this post-filter was trained on conversions to {self.target}, not {tgt}")
        if stream not in feats:
            raise ValueError(f"no '{stream}' stream to post-filter (the converter's output has "
                             f"{', '.join(sorted(feats))})")
        x = np.asarray(feats[stream], dtype=np.float32)
        if x.ndim != 2 or x.shape[1] != self.n_rows:
            raise ValueError(f"'{stream}' has shape {x.shape}; this post-filter takes (frames, {self.n_rows})")
        first, last = self.span
        z = self.stats.normalize(x, stream).astype(np.float32)
        noise = torch.Generator(device="cpu").manual_seed(self.cfg.seed)
        bands = split_bands(z[:, first:last], self.edges)
        for k, gen in self.generators.items():
            y = torch.from_numpy(np.ascontiguousarray(bands[k].T))[None]  # (1, rows, frames)
            n = torch.randn(y.shape, generator=noise) if self.cfg.noise_at_inference else torch.zeros(y.shape)
            bands[k] = gen(y.to(self.device), n.to(self.device))[0].cpu().numpy().T
        z[:, first:last] = merge_bands(bands, self.edges, last - first)
        out = dict(feats)
        out[stream] = self.stats.denormalize(z, stream).astype(np.float32)
        if self.frame_power is not None and stream == "mcep":
            out[stream] = match_frame_power(out[stream], x, self.frame_power)
        return out
