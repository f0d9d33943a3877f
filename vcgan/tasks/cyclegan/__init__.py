"""CycleGAN-VC (Kaneko & Kameoka, arXiv 1711.11293) and CycleGAN-VC2 (Kaneko et al., arXiv
1904.04631): one model per speaker pair, registered as the family ``cyclegan``.

- :mod:`.config`: :class:`CycleGANConfig`, the papers' settings as defaults, and the schedules;
- :mod:`.task`: :class:`CycleGANTask`, one training step (losses, optimisers, schedulers);
- :mod:`.data`: the batch source (random crops of both speakers);
- :mod:`.converter`: conversion with a trained bundle;
- :mod:`.family`: what the registry, ``vcgan train`` and ``vcgan convert`` see.

The networks are in :mod:`vcgan.models.cyclegan_vc` and :mod:`vcgan.models.cyclegan_vc2`.
"""

from vcgan.tasks import register
from vcgan.tasks.cyclegan.config import PAPER_DEFAULTS, CycleGANConfig, identity_weight, lr_lambda
from vcgan.tasks.cyclegan.family import CycleGANFamily
from vcgan.tasks.cyclegan.task import CycleGANTask

FAMILY = register(CycleGANFamily())

__all__ = ["FAMILY", "PAPER_DEFAULTS", "CycleGANConfig", "CycleGANFamily", "CycleGANTask", "identity_weight",
           "lr_lambda"]
