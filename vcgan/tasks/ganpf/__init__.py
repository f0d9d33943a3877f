"""GAN post-filters (Kaneko et al., ICASSP 2017; STFT bands: Interspeech 2017): restore the
texture that a statistically trained converter smooths away, after any converter."""

from vcgan.tasks import register
from vcgan.tasks.ganpf.config import GANPFConfig
from vcgan.tasks.ganpf.family import GANPFFamily

FAMILY = register(GANPFFamily())

__all__ = ["FAMILY", "GANPFConfig", "GANPFFamily"]
