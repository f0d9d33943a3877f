"""One update of the DNN converter: squared error on aligned frames."""

from __future__ import annotations

import functools
from typing import Any

import torch
import torch.nn.functional as F

from vcgan.models import build_generator
from vcgan.tasks.dnn_vc.config import DNNVCConfig
from vcgan.train.gan import lr_lambda


class DNNVCTask:
    """The network, its Adam and learning-rate schedule.

    Args:
        cfg: The settings.
        dim: Feature rows the network maps.
        device: Where it trains.
        autocast_dtype: Autocast dtype of the forward pass and loss, or ``None`` (float32).
    """

    def __init__(self, cfg: DNNVCConfig, dim: int, device: torch.device, autocast_dtype: torch.dtype | None = None):
        self.cfg, self.device, self.autocast_dtype = cfg, torch.device(device), autocast_dtype
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(cfg.seed)
            self.network = build_generator("dnn_vc", dim=dim, **cfg.network).to(self.device)
        self.optimizer = torch.optim.Adam(self.network.parameters(), lr=cfg.lr, betas=tuple(cfg.adam_betas))
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(self.optimizer, functools.partial(lr_lambda, cfg=cfg))

    def train_step(self, *, source: torch.Tensor, target: torch.Tensor, iteration: int) -> dict[str, float]:
        """``source``, ``target``: aligned ``(batch, dim, frames)`` crops, standardised."""
        self.network.train()
        lr = self.optimizer.param_groups[0]["lr"]
        with torch.autocast(self.device.type, dtype=self.autocast_dtype or torch.float32,
                            enabled=self.autocast_dtype is not None):
            loss = F.mse_loss(self.network(source.to(self.device)).float(), target.to(self.device))
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.scheduler.step()
        return {"mse": float(loss.detach()), "lr": lr}

    def modules(self) -> dict[str, torch.nn.Module]:
        return {"network": self.network}

    def state_dict(self) -> dict[str, Any]:
        return {"network": self.network.state_dict(), "optimizer": self.optimizer.state_dict(),
                "scheduler": self.scheduler.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.network.load_state_dict(state["network"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
