"""One StarGAN-VC / StarGAN-VC2 training step.

Every crop ``x`` of a batch has its own source speaker ``s`` and a random target ``t != s``;
``y`` is a real crop of ``t``. With ``c_s``, ``c_t`` the one-hot codes (StarGAN-VC's networks
read only the target code; StarGAN-VC2's read the pair)::

    fake  = G(x; c_s, c_t)          cycle = G(fake; c_t, c_s)          same = G(x; c_s, c_s)
    L_G = adv_G(D(fake; c_s, c_t)) + λ_cls CE(C(fake), t) + λ_cyc |cycle - x| + λ_id(i) |same - x|
    L_D = adv_D(D(y; c_s, c_t), D(fake; c_s, c_t))
    L_C = CE(C(x), s) + CE(C(y), t)                                     # StarGAN-VC only

The real ``y`` of ``t`` is judged with the *same* code pair ``(c_s, c_t)`` as the fake: this is
StarGAN-VC2's source-and-target conditional adversarial loss (arXiv 1907.12279, Sec. 3.2;
``shared/papers/FACTS.md`` 2.5), under which D tells real ``t`` speech from speech converted
from ``s`` to ``t``, for each pair separately. StarGAN-VC (arXiv 1806.02169, Fig. 1) has the same
terms with a target-conditional D and the domain classifier C; the classifier's cross-entropy is
averaged over its output positions (Fig. 2 multiplies their probabilities). As in CycleGAN-VC,
G is updated first, then D (and C) on this step's detached fake.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from vcgan.losses.adversarial import get_adversarial_loss, gradient_penalty
from vcgan.losses.reconstruction import cycle_consistency_loss, identity_mapping_loss
from vcgan.models import build_classifier, build_discriminator, build_generator, run_generator
from vcgan.tasks.stargan.config import StarGANConfig
from vcgan.train.gan import GANTask, identity_weight


def classification_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of position-wise speaker logits ``(batch, n_speakers, positions)`` against
    ``(batch,)`` speaker indices, averaged over batch and positions."""
    return F.cross_entropy(logits, labels[:, None].expand(-1, logits.shape[-1]))


class StarGANTask(GANTask):
    """One generator for every ordered pair of ``n_speakers`` speakers, a conditional
    discriminator and (StarGAN-VC) a domain classifier.

    Args:
        cfg: Training configuration (the paper's values by default).
        feature_dim: Feature rows per frame (the dump's ``n_mcep``).
        n_speakers: Speakers of the model; codes are indices into the trained speaker list.
        device, autocast_dtype: Where to run; the autocast dtype (``None``: float32).
    """

    def __init__(self, cfg: StarGANConfig | None = None, feature_dim: int = 36, n_speakers: int = 4,
                 device: str | torch.device = "cpu", autocast_dtype: torch.dtype | None = None):
        self.cfg = cfg = cfg or StarGANConfig()
        self.feature_dim, self.n_speakers = feature_dim, n_speakers
        self.objective = get_adversarial_loss(cfg.adversarial_loss)
        dims = {"mcep_dim": feature_dim, "n_speakers": n_speakers}
        rates = {"generator": cfg.lr_generator, "discriminator": cfg.lr_discriminator}
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(cfg.seed)
            nets = {"generator": build_generator(cfg.model, **dims, **cfg.generator),
                    "discriminator": build_discriminator(cfg.model, **dims, **cfg.discriminator)}
            if cfg.uses_classifier:
                nets["classifier"] = build_classifier(cfg.model, **dims, **cfg.classifier)
                rates["classifier"] = cfg.lr_classifier
        super().__init__(nets, rates, tuple(cfg.adam_betas), cfg, cfg.seed, torch.device(device), autocast_dtype)

    def codes(self, speakers: torch.Tensor) -> torch.Tensor:
        """``(batch,)`` speaker indices -> ``(batch, n_speakers)`` float one-hot codes."""
        return F.one_hot(speakers.to(self.device), self.n_speakers).float()

    def train_step(self, x: torch.Tensor, src: torch.Tensor, y: torch.Tensor, tgt: torch.Tensor,
                   iteration: int) -> dict[str, float]:
        """One generator update, then the discriminator's (and classifier's).

        Args:
            x: Normalised crops ``(batch, feature_dim, crop_frames)``, each of speaker ``src[i]``.
            src: ``(batch,)`` source speaker indices.
            y: Real crops of the targets, same shape, each of speaker ``tgt[i]``.
            tgt: ``(batch,)`` target speaker indices, ``tgt[i] != src[i]``.
            iteration: 0-based update index (identity-loss cutoff).

        Returns:
            Float losses and the learning rates used in this step.
        """
        cfg, obj, m = self.cfg, self.objective, self._modules
        x, y = x.to(self.device), y.to(self.device)
        src, tgt = src.to(self.device), tgt.to(self.device)
        c_s, c_t = self.codes(src), self.codes(tgt)
        gen, disc, clf = m["generator"], m["discriminator"], m.get("classifier")
        self.train_mode()
        logs = self.learning_rates()
        zero = torch.zeros((), device=self.device)

        with self.frozen("discriminator", "classifier"), self.autocast():
            fake = gen(x, c_s, c_t)
            cycle = gen(fake, c_t, c_s)
            adv = obj.generator_loss(disc(fake, c_s, c_t))
            cls = classification_loss(clf(fake), tgt) if clf is not None else zero
            cyc = cycle_consistency_loss(x, cycle)
            w_id = identity_weight(iteration, cfg)
            idt = identity_mapping_loss(x, gen(x, c_s, c_s)) if w_id > 0 else zero
            loss_g = adv + cfg.lambda_classification * cls + cfg.lambda_cycle * cyc + w_id * idt
        self.update("generator", loss_g)

        fake = fake.detach()
        with self.autocast():
            loss_d = obj.discriminator_loss(disc(y, c_s, c_t), disc(fake, c_s, c_t))
            if obj.needs_gradient_penalty:
                loss_d = loss_d + cfg.gradient_penalty_weight * gradient_penalty(
                    lambda z: disc(z, c_s, c_t), y, fake, self.rng)
        self.update("discriminator", loss_d)
        if clf is not None:
            with self.autocast():
                loss_c = classification_loss(clf(x), src) + classification_loss(clf(y), tgt)
            self.update("classifier", loss_c)
            logs["classifier/total"] = loss_c.item()
            logs["generator/classification"] = cls.item()

        self.step_schedulers()
        logs.update({
            "generator/adversarial": adv.item(),
            "generator/cycle": cyc.item(),
            "generator/identity": idt.item(),
            "generator/identity_weight": w_id,
            "generator/total": loss_g.item(),
            "discriminator/total": loss_d.item(),
        })
        return logs

    @torch.no_grad()
    def convert(self, mcep_norm: torch.Tensor, src: int, tgt: int) -> torch.Tensor:
        """Normalised ``(feature_dim, frames)`` (or batched) features of speaker index ``src``
        converted to ``tgt``, still normalised (denormalise with ``tgt``'s statistics)."""
        batched = mcep_norm.dim() == 3
        n = mcep_norm.shape[0] if batched else 1
        c_s, c_t = (self.codes(torch.full((n,), k, dtype=torch.long)) for k in (src, tgt))
        if not batched:
            c_s, c_t = c_s[0], c_t[0]
        return run_generator(self.modules()["generator"], mcep_norm.to(self.device), c_s, c_t)

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "n_speakers": self.n_speakers}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if state.get("n_speakers", self.n_speakers) != self.n_speakers:
            raise KeyError(f"state is of a {state['n_speakers']}-speaker model, this task has {self.n_speakers}")
        super().load_state_dict(state)


__all__ = ["StarGANTask", "classification_loss"]
