"""StarGAN-VC (Kameoka et al., arXiv 1806.02169) and StarGAN-VC2 (Kaneko et al., arXiv
1907.12279): many-to-many conversion among N speakers with one generator, registered as the
family ``stargan``.

- :mod:`.config`: :class:`StarGANConfig`, the papers' settings as defaults (and which are unverified);
- :mod:`.task`: :class:`StarGANTask`, one training step;
- :mod:`.data`: the batch source (crops of random source and target speakers);
- :mod:`.converter`: conversion with a trained bundle;
- :mod:`.family`: what the registry, ``vcgan train`` and ``vcgan convert`` see.

The networks are in :mod:`vcgan.models.stargan_vc` and :mod:`vcgan.models.stargan_vc2`.
"""

from vcgan.tasks import register
from vcgan.tasks.stargan.config import PAPER_DEFAULTS, StarGANConfig
from vcgan.tasks.stargan.family import StarGANFamily
from vcgan.tasks.stargan.task import StarGANTask

FAMILY = register(StarGANFamily())

__all__ = ["FAMILY", "PAPER_DEFAULTS", "StarGANConfig", "StarGANFamily", "StarGANTask"]
