"""One CycleGAN-VC / CycleGAN-VC2 training step, with everything a generic loop needs around it.

A *task* owns the networks, their optimizers and learning-rate schedulers, and implements
``train_step(batch_a, batch_b, iteration) -> dict[str, float]``. A generic training loop only
uses ``train_step``, ``modules()``, ``optimizers()``, ``schedulers()``, ``state_dict()``,
``load_state_dict()`` and ``convert()``; StarGAN-VC will provide its own task with the same
methods.

The step follows CycleGAN-VC (arXiv 1711.11293, Sec. 2-3) and CycleGAN-VC2 (arXiv 1904.04631,
Sec. 3.1)::

    fake_b = G_AB(a)      cycle_a = G_BA(fake_b)
    fake_a = G_BA(b)      cycle_b = G_AB(fake_a)
    L_G = adv(D_B(fake_b)) + adv(D_A(fake_a))                       # one-step adversarial
        + adv(D_A2(cycle_a)) + adv(D_B2(cycle_b))                   # two-step (VC2 only)
        + λ_cyc (|cycle_a - a| + |cycle_b - b|)
        + λ_id(i) (|G_BA(a) - a| + |G_AB(b) - b|)                   # λ_id(i) = 0 after cutoff
    L_D = adv_D(D_A(a), D_A(fake_a)) + adv_D(D_B(b), D_B(fake_b))
        + adv_D(D_A2(a), D_A2(cycle_a)) + adv_D(D_B2(b), D_B2(cycle_b))   # VC2 only

Generators are updated first, then discriminators on the *detached* fake and cycle tensors of
the same step (no second generator pass). ``D_A2``/``D_B2`` are separate networks with their
own parameters (VC2 Sec. 3.1: an additional discriminator for the cycle-converted features).
One optimizer updates both generators and one updates all discriminators, each with its own
initial learning rate and its own :class:`~torch.optim.lr_scheduler.LambdaLR` built from
:func:`vcgan.train.gan.lr_lambda`; ``train_step`` steps both schedulers once, so
the loop must not step them again.
"""

from __future__ import annotations


import torch

from vcgan.losses.adversarial import get_adversarial_loss, gradient_penalty
from vcgan.losses.reconstruction import cycle_consistency_loss, identity_mapping_loss
from vcgan.models import build_discriminator, build_generator, config_fields, run_generator
from vcgan.tasks.cyclegan.config import CycleGANConfig
from vcgan.train.gan import GANTask, identity_weight

#: Conversion directions accepted by :meth:`CycleGANTask.convert`.
DIRECTIONS = ("a2b", "b2a")


class CycleGANTask(GANTask):
    """Two generators (A→B, B→A) and two (or four, with the two-step loss) discriminators.

    Args:
        cfg: Training configuration (paper values by default, see :class:`CycleGANConfig`).
        feature_dim: Mel-cepstral coefficients per frame (the dump's feature config decides).
        device: Where the networks live.

    Parameter initialization is seeded with ``cfg.seed`` without touching the global RNG, so two
    tasks with the same config are identical.
    """

    def __init__(self, cfg: CycleGANConfig | None = None, feature_dim: int = 24,
                 device: str | torch.device = "cpu", autocast_dtype: torch.dtype | None = None):
        self.cfg = cfg = cfg or CycleGANConfig()
        self.feature_dim = feature_dim
        self.objective = get_adversarial_loss(cfg.adversarial_loss)

        gen_kwargs = {"mcep_dim": feature_dim, **cfg.generator}
        disc_kwargs = {"mcep_dim": feature_dim, **cfg.discriminator}
        if "n_frames" in config_fields("discriminator", cfg.model):
            disc_kwargs.setdefault("n_frames", cfg.crop_frames)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(cfg.seed)
            nets = {
                "generator_a2b": build_generator(cfg.model, **gen_kwargs),
                "generator_b2a": build_generator(cfg.model, **gen_kwargs),
                "discriminator_a": build_discriminator(cfg.model, **disc_kwargs),
                "discriminator_b": build_discriminator(cfg.model, **disc_kwargs),
            }
            if cfg.two_step_adversarial:
                nets["discriminator_a2"] = build_discriminator(cfg.model, **disc_kwargs)
                nets["discriminator_b2"] = build_discriminator(cfg.model, **disc_kwargs)
        sig = getattr(nets["discriminator_a"].config, "output_sigmoid", False)
        if sig and not self.objective.allows_sigmoid_output:
            raise ValueError(
                f"adversarial loss {cfg.adversarial_loss!r} needs raw discriminator scores; "
                f"set discriminator.output_sigmoid: false"
            )
        super().__init__(nets, {"generator": cfg.lr_generator, "discriminator": cfg.lr_discriminator},
                         tuple(cfg.adam_betas), cfg, cfg.seed, torch.device(device), autocast_dtype)

    def train_step(self, batch_a: torch.Tensor, batch_b: torch.Tensor, iteration: int) -> dict[str, float]:
        """One generator update then one discriminator update.

        Args:
            batch_a, batch_b: Normalized mel-cepstrum crops of speakers A and B,
                ``(batch, mcep_dim, frames)``.
            iteration: 0-based index of this update (drives the identity-loss cutoff; the
                learning rates follow the schedulers, which this method steps once).

        Returns:
            Float losses and the learning rates used in this step.
        """
        cfg, obj = self.cfg, self.objective
        m = self._modules
        real_a, real_b = batch_a.to(self.device), batch_b.to(self.device)
        two_step = cfg.two_step_adversarial
        self.train_mode()
        logs = self.learning_rates()

        # Generator update. Discriminator weights are frozen so this backward leaves their grads alone.
        with self.frozen("discriminator"), self.autocast():
            fake_b = m["generator_a2b"](real_a)
            cycle_a = m["generator_b2a"](fake_b)
            fake_a = m["generator_b2a"](real_b)
            cycle_b = m["generator_a2b"](fake_a)
            adv = obj.generator_loss(m["discriminator_b"](fake_b)) + obj.generator_loss(m["discriminator_a"](fake_a))
            adv2 = torch.zeros((), device=self.device)
            if two_step:
                adv2 = obj.generator_loss(m["discriminator_a2"](cycle_a)) + obj.generator_loss(m["discriminator_b2"](cycle_b))
            cyc = cycle_consistency_loss(real_a, cycle_a) + cycle_consistency_loss(real_b, cycle_b)
            w_id = identity_weight(iteration, cfg)
            idt = torch.zeros((), device=self.device)
            if w_id > 0:
                idt = identity_mapping_loss(real_a, m["generator_b2a"](real_a)) + identity_mapping_loss(
                    real_b, m["generator_a2b"](real_b)
                )
            loss_g = adv + adv2 + cfg.lambda_cycle * cyc + w_id * idt
        self.update("generator", loss_g)

        # Discriminator update on this step's (detached) fakes and cycles.
        pairs = [("a", real_a, fake_a.detach()), ("b", real_b, fake_b.detach())]
        if two_step:
            pairs += [("a2", real_a, cycle_a.detach()), ("b2", real_b, cycle_b.detach())]
        with self.autocast():
            loss_d = torch.zeros((), device=self.device)
            for key, real, fake in pairs:
                disc = m[f"discriminator_{key}"]
                term = obj.discriminator_loss(disc(real), disc(fake))
                if obj.needs_gradient_penalty:
                    term = term + cfg.gradient_penalty_weight * gradient_penalty(disc, real, fake, self.rng)
                logs[f"discriminator/{key}"] = term.item()
                loss_d = loss_d + term
        self.update("discriminator", loss_d)
        self.step_schedulers()
        logs.update({
            "generator/adversarial": adv.item(),
            "generator/adversarial_second": adv2.item(),
            "generator/cycle": cyc.item(),
            "generator/identity": idt.item(),
            "generator/identity_weight": w_id,
            "generator/total": loss_g.item(),
            "discriminator/total": loss_d.item(),
        })
        return logs

    @torch.no_grad()
    def convert(self, mcep_norm: torch.Tensor, direction: str) -> torch.Tensor:
        """Convert normalized mel-cepstra with one generator.

        Args:
            mcep_norm: ``(batch, mcep_dim, frames)`` or ``(mcep_dim, frames)``, normalized with the
                *source* speaker's statistics; any number of frames (padded internally).
            direction: ``"a2b"`` or ``"b2a"``.

        Returns:
            The converted features, same shape, still normalized: denormalize them with the
            *target* speaker's statistics (B's for ``"a2b"``).
        """
        if direction not in DIRECTIONS:
            raise ValueError(f"direction must be one of {DIRECTIONS}, got {direction!r}")
        return run_generator(self.modules()[f"generator_{direction}"], mcep_norm.to(self.device),
                             window=self.cfg.inference_window)
