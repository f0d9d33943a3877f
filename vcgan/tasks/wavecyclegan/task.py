"""One WaveCycleGAN update: both generators, then every discriminator.

With synthetic segments ``s`` (vocoded speech) and natural segments ``n`` of other utterances
(non-parallel), ``G`` the post-filter (synthetic -> natural) and ``F`` its inverse::

    L_G = adv(D_n(G(s))) + adv(D_s(F(n)))
          + λ_mel [adv(M_n(G(s))) + adv(M_s(F(n)))]            (v2: log-mel discriminators)
          + λ_cyc (|F(G(s)) - s|_1 + |G(F(n)) - n|_1)
          + λ_id  (|G(n) - n|_1 + |F(s) - s|_1)                   (first identity_iterations)
    L_D = adv_D(D_n(n), D_n(G(s))) + adv_D(D_s(s), D_s(F(n)))  [+ the same for M_n, M_s]

(Tanaka et al., arXiv 1809.10288 / 1904.02892; the weights are CycleGAN-VC's, see the config.)
"""

from __future__ import annotations

import torch

from vcgan.losses.adversarial import get_adversarial_loss
from vcgan.models import build_discriminator, build_generator
from vcgan.tasks.wavecyclegan.config import WaveCycleGANConfig
from vcgan.train.gan import GANTask, identity_weight

#: The post-filter's network name (the one a bundle keeps).
POSTFILTER = "generator_synthetic_to_natural"


def build_networks(cfg: WaveCycleGANConfig, sample_rate: int) -> dict[str, torch.nn.Module]:
    """Both generators and every discriminator of ``cfg``, by name (group prefix first)."""
    nets = {POSTFILTER: build_generator("wavecyclegan", **cfg.generator),
            "generator_natural_to_synthetic": build_generator("wavecyclegan", **cfg.generator)}
    for domain in ("natural", "synthetic"):
        nets[f"discriminator_{domain}"] = build_discriminator("wavecyclegan", **cfg.discriminator)
        if cfg.log_mel_discriminator:
            nets[f"discriminator_log_mel_{domain}"] = build_discriminator(
                "wavecyclegan_log_mel", **{**cfg.log_mel, "sample_rate": sample_rate})
    return nets


class WaveCycleGANTask(GANTask):
    """The two waveform generators, the discriminators, their optimisers and schedules.

    Args:
        cfg: The settings.
        sample_rate: Hz, of the waveforms (the log-mel discriminators' analysis).
        device, autocast_dtype: As for every GAN task.
    """

    def __init__(self, cfg: WaveCycleGANConfig, sample_rate: int, device: torch.device,
                 autocast_dtype: torch.dtype | None = None):
        self.cfg = cfg
        self.objective = get_adversarial_loss(cfg.adversarial_loss)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(cfg.seed)
            nets = build_networks(cfg, sample_rate)
        super().__init__(nets, {"generator": cfg.lr_generator, "discriminator": cfg.lr_discriminator},
                         tuple(cfg.adam_betas), cfg, cfg.seed, torch.device(device), autocast_dtype)

    def _critics(self, domain: str) -> list[tuple[torch.nn.Module, float]]:
        """``(discriminator, weight)`` of ``domain``: the waveform one, and the log-mel one."""
        m = self._modules
        out = [(m[f"discriminator_{domain}"], 1.0)]
        if self.cfg.log_mel_discriminator:
            out.append((m[f"discriminator_log_mel_{domain}"], self.cfg.lambda_log_mel))
        return out

    def train_step(self, *, synthetic: torch.Tensor, natural: torch.Tensor, iteration: int) -> dict[str, float]:
        """``synthetic``, ``natural``: ``(batch, samples)`` segments."""
        obj, m, cfg = self.objective, self._modules, self.cfg
        s, n = synthetic.to(self.device), natural.to(self.device)
        g, f = m[POSTFILTER], m["generator_natural_to_synthetic"]
        self.train_mode()
        logs = self.learning_rates()
        w_id = identity_weight(iteration, cfg)
        with self.frozen("discriminator"), self.autocast():
            fake_n, fake_s = g(s), f(n)
            adv = sum(w * obj.generator_loss(d(fake_n)) for d, w in self._critics("natural")) \
                + sum(w * obj.generator_loss(d(fake_s)) for d, w in self._critics("synthetic"))
            cycle = (f(fake_n).float() - s).abs().mean() + (g(fake_s).float() - n).abs().mean()
            loss_g = adv + cfg.lambda_cycle * cycle
            if w_id > 0:
                identity = (g(n).float() - n).abs().mean() + (f(s).float() - s).abs().mean()
                loss_g = loss_g + w_id * identity
                logs["generator/identity"] = identity.item()
        self.update("generator", loss_g)
        with self.autocast():
            loss_d = torch.zeros((), device=self.device)
            for domain, real, fake in (("natural", n, fake_n), ("synthetic", s, fake_s)):
                for (d, w), kind in zip(self._critics(domain), ("waveform", "log_mel")):
                    term = obj.discriminator_loss(d(real), d(fake.detach()))
                    logs[f"discriminator/{kind}_{domain}"] = term.item()
                    loss_d = loss_d + w * term
        self.update("discriminator", loss_d)
        self.step_schedulers()
        logs.update({"generator/adversarial": adv.item(), "generator/cycle": cycle.item(),
                     "generator/total": loss_g.item(), "discriminator/total": loss_d.item()})
        return logs
