"""Spectral normalization switch for discriminators (Miyato et al., arXiv 1802.05957).

Neither CycleGAN-VC nor CycleGAN-VC2 uses spectral normalization; it is an option shared by all
vcgan discriminators (``spectral_norm: true`` in a discriminator config).
"""

from __future__ import annotations

from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

#: Layer types whose ``weight`` gets spectrally normalized.
SPECTRAL_NORM_TYPES = (nn.Conv1d, nn.Conv2d, nn.ConvTranspose1d, nn.ConvTranspose2d, nn.Linear)


def apply_spectral_norm(module: nn.Module) -> nn.Module:
    """Spectrally normalize the weight of every conv/linear layer inside ``module`` (in place).

    Normalization layers are left alone. Returns ``module`` for chaining.
    """
    for sub in list(module.modules()):
        if isinstance(sub, SPECTRAL_NORM_TYPES):
            spectral_norm(sub)
    return module
