"""vcgan: GAN-based voice conversion and speech post-filtering."""

__version__ = "0.1.0"
