"""Adversarial objectives and reconstruction losses on inputs whose values are worked out by hand."""

import math

import pytest
import torch

from vcgan.losses import (
    OBJECTIVES,
    cycle_consistency_loss,
    get_adversarial_loss,
    gradient_penalty,
    identity_mapping_loss,
)

t = torch.tensor


def test_lsgan_targets_one_and_zero():
    obj = get_adversarial_loss("lsgan")
    # real: (1-1)^2=0, (0.5-1)^2=0.25 -> 0.125; fake: 0, 0.25 -> 0.125
    assert obj.discriminator_loss(t([1.0, 0.5]), t([0.0, 0.5])).item() == pytest.approx(0.25)
    # (0-1)^2=1, (0.5-1)^2=0.25 -> 0.625
    assert obj.generator_loss(t([0.0, 0.5])).item() == pytest.approx(0.625)
    # perfect discriminator scores
    assert obj.discriminator_loss(t([1.0, 1.0]), t([0.0, 0.0])).item() == 0.0
    assert get_adversarial_loss() is obj  # default


def test_hinge():
    obj = get_adversarial_loss("hinge")
    # relu(1-2)=0, relu(1-0.5)=0.5 -> 0.25; relu(1-2)=0, relu(1+0.5)=1.5 -> 0.75
    assert obj.discriminator_loss(t([2.0, 0.5]), t([-2.0, 0.5])).item() == pytest.approx(1.0)
    assert obj.generator_loss(t([-2.0, 0.5])).item() == pytest.approx(0.75)


def test_nonsaturating():
    obj = get_adversarial_loss("nonsaturating")
    # logits 0: -log(1/2) for each of real and fake
    assert obj.discriminator_loss(t([0.0]), t([0.0])).item() == pytest.approx(2 * math.log(2))
    assert obj.generator_loss(t([0.0])).item() == pytest.approx(math.log(2))
    # real logit log 3: sigmoid = 3/4, -log(3/4)
    assert obj.discriminator_loss(t([math.log(3)]), t([-50.0])).item() == pytest.approx(math.log(4 / 3), abs=1e-6)


def test_wgan():
    obj = get_adversarial_loss("wgan-gp")
    assert obj.needs_gradient_penalty
    assert obj.discriminator_loss(t([3.0, 1.0]), t([0.5, 1.5])).item() == pytest.approx(1.0 - 2.0)
    assert obj.generator_loss(t([0.5, 1.5])).item() == pytest.approx(-1.0)


def test_patch_maps_are_averaged():
    obj = get_adversarial_loss("lsgan")
    fake = torch.zeros(2, 1, 3, 4)
    fake[0, 0, 0, 0] = 1.0  # one patch of 24 scored 1: mean((f-1)^2) = 23/24
    assert obj.generator_loss(fake).item() == pytest.approx(23 / 24)


def _linear_critic(w):
    return lambda x: x.flatten(1) @ w


def test_gradient_penalty_zero_for_unit_norm_linear_critic_and_positive_when_scaled():
    g = torch.Generator().manual_seed(0)
    w = torch.randn(12, generator=g)
    w = w / w.norm()
    real, fake = torch.randn(4, 3, 4, generator=g), torch.randn(4, 3, 4, generator=g)
    assert gradient_penalty(_linear_critic(w), real, fake).item() < 1e-10
    # gradient norm 3 everywhere: (3 - 1)^2 = 4
    assert gradient_penalty(_linear_critic(3 * w), real, fake).item() == pytest.approx(4.0, rel=1e-5)


def test_gradient_penalty_is_differentiable_and_reproducible():
    w = torch.randn(6, requires_grad=True)
    real, fake = torch.randn(2, 6), torch.randn(2, 6)
    critic = lambda x: torch.tanh(x @ w)  # noqa: E731  (non-linear: penalty depends on x̂)
    p1 = gradient_penalty(critic, real, fake, torch.Generator().manual_seed(5))
    p2 = gradient_penalty(critic, real, fake, torch.Generator().manual_seed(5))
    assert p1.item() == p2.item()
    p1.backward()
    assert w.grad is not None and w.grad.abs().sum() > 0


def test_factory():
    assert set(OBJECTIVES) == {"lsgan", "nonsaturating", "hinge", "wgan-gp"}
    assert [n for n, o in OBJECTIVES.items() if o.allows_sigmoid_output] == ["lsgan"]
    with pytest.raises(ValueError, match="unknown adversarial loss"):
        get_adversarial_loss("wgan")


def test_reconstruction_losses_are_mean_absolute_errors():
    x = t([[1.0, 2.0], [3.0, 4.0]])
    y = t([[1.0, 0.0], [3.0, 5.0]])  # |diffs| = 0, 2, 0, 1 -> 0.75
    assert cycle_consistency_loss(x, y).item() == pytest.approx(0.75)
    assert identity_mapping_loss(x, y).item() == pytest.approx(0.75)
    assert cycle_consistency_loss(x, x).item() == 0.0
