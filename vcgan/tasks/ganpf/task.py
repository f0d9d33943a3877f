"""One GAN post-filter update: the generators of every filtered band, then their discriminators.

Per band ``k`` with over-smoothed crops ``y`` (the front end's output) and natural crops ``x``
of the same rows (Kaneko et al., ICASSP 2017; non-parallel: ``x`` and ``y`` come from any
utterances)::

    y_pf = G_k(z, y)                        z ~ N(0, I), the shape of y
    L_G  = sum_k adv(D_k(y_pf)) + λ_content |y_pf - y|_1
    L_D  = sum_k adv_D(D_k(x), D_k(y_pf))

The bands' networks are independent; one Adam over all generators (and one over all
discriminators) updates each parameter exactly as a per-band Adam would.
"""

from __future__ import annotations

import torch

from vcgan.losses.adversarial import get_adversarial_loss
from vcgan.models import build_discriminator, build_generator
from vcgan.tasks.ganpf.config import GANPFConfig
from vcgan.train.gan import GANTask


class GANPFTask(GANTask):
    """The generators and discriminators of every filtered band, their optimisers and schedules.

    Args:
        cfg: The settings.
        edges: ``[(lo, hi), ...]`` rows of every band within the filtered rows.
        device, autocast_dtype: As for every GAN task.
    """

    def __init__(self, cfg: GANPFConfig, edges: list[tuple[int, int]], device: torch.device,
                 autocast_dtype: torch.dtype | None = None):
        self.cfg, self.edges = cfg, list(edges)
        self.objective = get_adversarial_loss(cfg.adversarial_loss)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(cfg.seed)
            nets = {}
            for k in cfg.bands_filtered:
                nets[f"generator_band{k}"] = build_generator("gan_postfilter", **cfg.generator)
                nets[f"discriminator_band{k}"] = build_discriminator("gan_postfilter", **cfg.discriminator)
        super().__init__(nets, {"generator": cfg.lr_generator, "discriminator": cfg.lr_discriminator},
                         tuple(cfg.adam_betas), cfg, cfg.seed, torch.device(device), autocast_dtype)

    def postfilter(self, band: int, y: torch.Tensor) -> torch.Tensor:
        """Band ``band``'s generator on ``(batch, rows, frames)``, with noise from the task's RNG."""
        z = torch.randn(y.shape, generator=self.rng, device=self.device)
        return self._modules[f"generator_band{band}"](y, z)

    def train_step(self, *, synthetic: torch.Tensor, natural: torch.Tensor, iteration: int) -> dict[str, float]:
        """``synthetic``, ``natural``: ``(batch, rows, frames)`` crops of the filtered rows,
        standardised with the target speaker's statistics."""
        obj, m = self.objective, self._modules
        syn, nat = synthetic.to(self.device), natural.to(self.device)
        self.train_mode()
        logs = self.learning_rates()
        cuts = {k: self.edges[k] for k in self.cfg.bands_filtered}
        with self.frozen("discriminator"), self.autocast():
            fakes, adv, content = {}, torch.zeros((), device=self.device), torch.zeros((), device=self.device)
            for k, (lo, hi) in cuts.items():
                y = syn[:, lo:hi]
                fakes[k] = self.postfilter(k, y)
                adv = adv + obj.generator_loss(m[f"discriminator_band{k}"](fakes[k]))
                content = content + (fakes[k].float() - y).abs().mean()
            loss_g = adv + self.cfg.lambda_content * content
        self.update("generator", loss_g)
        with self.autocast():
            loss_d = torch.zeros((), device=self.device)
            for k, (lo, hi) in cuts.items():
                disc = m[f"discriminator_band{k}"]
                term = obj.discriminator_loss(disc(nat[:, lo:hi]), disc(fakes[k].detach()))
                logs[f"discriminator/band{k}"] = term.item()
                loss_d = loss_d + term
        self.update("discriminator", loss_d)
        self.step_schedulers()
        logs.update({"generator/adversarial": adv.item(), "generator/content": content.item(),
                     "generator/total": loss_g.item(), "discriminator/total": loss_d.item()})
        return logs
