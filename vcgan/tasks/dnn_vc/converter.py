"""Conversion with a trained DNN converter (mel-cepstra or log STFT magnitudes)."""

from __future__ import annotations

import numpy as np
import torch

from vcgan.conversion.streams import check_speakers, convert_streams
from vcgan.features.stats import SpeakerStats
from vcgan.models import build_generator, run_generator
from vcgan.tasks.dnn_vc.config import DNNVCConfig
from vcgan.tasks.dnn_vc.data import network_rows


class DNNVCConverter:
    """Converts ``speakers[0]`` to ``speakers[1]`` (the direction it was trained for).

    With ``stream: mcep`` the network maps the mel-cepstra between the per-speaker
    standardisations (:func:`vcgan.conversion.streams.convert_streams`); with ``stream: spec``
    it maps the log STFT magnitude the same way, and the mel-cepstra get the statistical
    conversion (so a WORLD vocoder still has something to say).
    """

    def __init__(self, cfg: DNNVCConfig, dim: int, speakers: list[str], stats: dict[str, SpeakerStats],
                 weights: dict, device: torch.device, frame_power=None):
        self.cfg, self.speakers, self.stats, self.device, self.frame_power = cfg, list(speakers), stats, device, frame_power
        self.network = build_generator("dnn_vc", dim=dim, **cfg.network)
        self.network.load_state_dict(weights["network"])
        self.network.to(device).eval()

    def check_pair(self, src: str, tgt: str) -> None:
        check_speakers(self.speakers, src, tgt)
        if [src, tgt] != self.speakers:
            raise ValueError(f"this DNN converter converts {self.speakers[0]} to {self.speakers[1]} only, "
                             f"not {src} to {tgt}")

    def _map(self, z: np.ndarray) -> np.ndarray:
        x = torch.from_numpy(np.ascontiguousarray(z.T, dtype=np.float32)).to(self.device)
        return run_generator(self.network, x).cpu().numpy().T

    def convert(self, feats, src: str, tgt: str):
        self.check_pair(src, tgt)
        s, t = self.stats[src], self.stats[tgt]
        if self.cfg.stream == "mcep":
            return convert_streams(feats, s, t, self._map, self.cfg.energy, self.frame_power)
        if "spec" not in feats:
            raise ValueError("no 'spec' stream in the features: this converter maps log STFT magnitudes "
                             "(feature config spectrogram: true)")
        out = convert_streams(feats, s, t)
        z = s.normalize(np.asarray(feats["spec"], dtype=np.float32), "spec")[:, network_rows(self.cfg)]
        out["spec"] = t.denormalize(self._map(z), "spec").astype(np.float32)
        return out
