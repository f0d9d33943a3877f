"""Losses shared by vcgan models: adversarial objectives and reconstruction terms."""

from vcgan.losses.adversarial import (
    OBJECTIVES,
    AdversarialObjective,
    get_adversarial_loss,
    gradient_penalty,
)
from vcgan.losses.reconstruction import cycle_consistency_loss, identity_mapping_loss

__all__ = [
    "OBJECTIVES",
    "AdversarialObjective",
    "cycle_consistency_loss",
    "get_adversarial_loss",
    "gradient_penalty",
    "identity_mapping_loss",
]
