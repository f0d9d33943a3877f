"""A frame-wise DNN converter: the over-smoothed front end a GAN post-filter learns to repair.

The classic parallel voice-conversion network (Desai et al., IEEE TASLP 18(5), 2010): a
feed-forward net from source to target features of DTW-aligned frames, trained with a squared
error, so that its output tends to the conditional mean and loses the fine texture (Kaneko et
al., ICASSP 2017, Sec. 1). Written as 1-D convolutions over ``(batch, dim, frames)``: the first
sees ``context`` frames around each frame (1 = strictly frame by frame), the others are 1x1,
i.e. one fully connected layer per frame.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn


@dataclass
class FrameDNNConfig:
    """Network hyperparameters. ``dim``: feature rows in and out (set from the feature config)."""

    dim: int = 24
    hidden: int = 256
    n_layers: int = 3
    context: int = 5
    """Frames seen by the first layer (odd; 5 = the frame and two on each side)."""
    residual: bool = True
    """Predict the change from the (normalised) input rather than the target itself."""

    def __post_init__(self) -> None:
        if self.dim < 1 or self.hidden < 1 or self.n_layers < 1:
            raise ValueError(f"dim, hidden and n_layers must be positive, got {self.dim}, {self.hidden}, {self.n_layers}")
        if self.context < 1 or self.context % 2 == 0:
            raise ValueError(f"context must be odd and positive, got {self.context}")


class FrameDNN(nn.Module):
    """``(batch, dim, frames)`` normalised source features -> target features, same shape."""

    frame_multiple = 1

    def __init__(self, config: FrameDNNConfig | None = None):
        super().__init__()
        self.config = cfg = config or FrameDNNConfig()
        layers, in_ch = [], cfg.dim
        for k in range(cfg.n_layers):
            kernel = cfg.context if k == 0 else 1
            layers += [nn.Conv1d(in_ch, cfg.hidden, kernel, padding=kernel // 2, padding_mode="replicate"), nn.ReLU()]
            in_ch = cfg.hidden
        layers.append(nn.Conv1d(in_ch, cfg.dim, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.net(x)
        return x + y if self.config.residual else y
