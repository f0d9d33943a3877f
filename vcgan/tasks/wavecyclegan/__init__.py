"""WaveCycleGAN (Tanaka et al., SLT 2018) and WaveCycleGAN2 (arXiv 1904.02892): a CycleGAN
between vocoded and natural waveforms whose synthetic-to-natural generator post-filters the
output of any vocoder."""

from vcgan.tasks import register
from vcgan.tasks.wavecyclegan.config import WaveCycleGANConfig
from vcgan.tasks.wavecyclegan.family import WaveCycleGANFamily

FAMILY = register(WaveCycleGANFamily())

__all__ = ["FAMILY", "WaveCycleGANConfig", "WaveCycleGANFamily"]
