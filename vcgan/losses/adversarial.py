"""Adversarial objectives shared by every vcgan model.

Each objective is a pair of pure functions on discriminator outputs (any shape; a PatchGAN map
is averaged over all its elements):

* ``discriminator_loss(real_out, fake_out)`` — minimized by the discriminator;
* ``generator_loss(fake_out)`` — minimized by the generator.

Objectives:

``"lsgan"`` (default)
    Least squares GAN (Mao et al., arXiv 1611.04076) with targets 1 (real) and 0 (fake), the
    objective CycleGAN-VC (arXiv 1711.11293, Sec. 4.1) and CycleGAN-VC2 (arXiv 1904.04631,
    Sec. 4.1) train with: ``D: E[(D(y) - 1)^2] + E[D(G(x))^2]``, ``G: E[(D(G(x)) - 1)^2]``.
    We omit LSGAN's 1/2 factors, as the CycleGAN family does; with ``λ_cyc = 10`` this sets the
    balance between adversarial and cycle terms the papers tuned.
``"nonsaturating"``
    Goodfellow et al. (arXiv 1406.2661) on logits: ``D: softplus(-D(y)) + softplus(D(G(x)))``,
    ``G: softplus(-D(G(x)))``.
``"hinge"``
    Lim & Ye (arXiv 1705.02894): ``D: relu(1 - D(y)) + relu(1 + D(G(x)))``, ``G: -D(G(x))``.
``"wgan-gp"``
    Gulrajani et al. (arXiv 1704.00028): ``D: D(G(x)) - D(y)``, ``G: -D(G(x))``, plus
    :func:`gradient_penalty` added by the caller (``needs_gradient_penalty``).

All but ``"lsgan"`` expect raw scores (no sigmoid on the discriminator output).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn.functional as F


def lsgan_discriminator_loss(real_out: torch.Tensor, fake_out: torch.Tensor) -> torch.Tensor:
    """Least squares D loss, targets 1 (real) / 0 (fake): ``mean((real - 1)^2) + mean(fake^2)``."""
    return ((real_out - 1) ** 2).mean() + (fake_out ** 2).mean()


def lsgan_generator_loss(fake_out: torch.Tensor) -> torch.Tensor:
    """Least squares G loss, target 1: ``mean((fake - 1)^2)``."""
    return ((fake_out - 1) ** 2).mean()


def nonsaturating_discriminator_loss(real_out: torch.Tensor, fake_out: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy on logits: ``mean(softplus(-real)) + mean(softplus(fake))``."""
    return F.softplus(-real_out).mean() + F.softplus(fake_out).mean()


def nonsaturating_generator_loss(fake_out: torch.Tensor) -> torch.Tensor:
    """Non-saturating G loss ``mean(softplus(-fake))`` = ``-log sigmoid(fake)``."""
    return F.softplus(-fake_out).mean()


def hinge_discriminator_loss(real_out: torch.Tensor, fake_out: torch.Tensor) -> torch.Tensor:
    """Hinge D loss ``mean(relu(1 - real)) + mean(relu(1 + fake))``."""
    return F.relu(1 - real_out).mean() + F.relu(1 + fake_out).mean()


def wasserstein_discriminator_loss(real_out: torch.Tensor, fake_out: torch.Tensor) -> torch.Tensor:
    """Critic loss ``mean(fake) - mean(real)`` (add :func:`gradient_penalty`)."""
    return fake_out.mean() - real_out.mean()


def negated_generator_loss(fake_out: torch.Tensor) -> torch.Tensor:
    """G loss ``-mean(fake)`` of the hinge and WGAN objectives."""
    return -fake_out.mean()


def gradient_penalty(
    critic: Callable[[torch.Tensor], torch.Tensor],
    real: torch.Tensor,
    fake: torch.Tensor,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """WGAN-GP penalty ``E[(||∇_x̂ D(x̂)||_2 - 1)^2]`` (Gulrajani et al., arXiv 1704.00028, Eq. (3)).

    ``x̂ = ε real + (1 - ε) fake`` with one ``ε ~ U[0, 1]`` per example; the gradient norm is
    taken over all non-batch axes. Multiply by the penalty weight (λ = 10 in the paper) yourself.

    Args:
        critic: The discriminator (raw scores; outputs of any shape are summed per example).
        real, fake: ``(batch, ...)`` tensors of the same shape; ``fake`` should be detached.
        generator: Random generator for ``ε`` (for reproducible training).
    """
    eps_shape = (real.shape[0],) + (1,) * (real.dim() - 1)
    eps = torch.rand(eps_shape, generator=generator, dtype=real.dtype, device=real.device)
    mixed = (eps * real.detach() + (1 - eps) * fake.detach()).requires_grad_(True)
    out = critic(mixed)
    (grad,) = torch.autograd.grad(out.sum(), mixed, create_graph=True)
    norm = grad.flatten(1).norm(2, dim=1)
    return ((norm - 1) ** 2).mean()


@dataclass(frozen=True)
class AdversarialObjective:
    """One adversarial objective: its two losses and what it requires of the discriminator."""

    name: str
    discriminator_loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    generator_loss: Callable[[torch.Tensor], torch.Tensor]
    needs_gradient_penalty: bool = False
    allows_sigmoid_output: bool = False


OBJECTIVES: dict[str, AdversarialObjective] = {
    "lsgan": AdversarialObjective("lsgan", lsgan_discriminator_loss, lsgan_generator_loss, allows_sigmoid_output=True),
    "nonsaturating": AdversarialObjective("nonsaturating", nonsaturating_discriminator_loss, nonsaturating_generator_loss),
    "hinge": AdversarialObjective("hinge", hinge_discriminator_loss, negated_generator_loss),
    "wgan-gp": AdversarialObjective(
        "wgan-gp", wasserstein_discriminator_loss, negated_generator_loss, needs_gradient_penalty=True
    ),
}


def get_adversarial_loss(name: str = "lsgan") -> AdversarialObjective:
    """The objective called ``name``: one of ``"lsgan"``, ``"nonsaturating"``, ``"hinge"``, ``"wgan-gp"``."""
    try:
        return OBJECTIVES[name]
    except KeyError:
        raise ValueError(f"unknown adversarial loss {name!r}; choose one of {sorted(OBJECTIVES)}") from None
