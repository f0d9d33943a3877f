"""Building blocks shared by vcgan models (after the layout of kan-bayashi/ParallelWaveGAN)."""

from vcgan.layers.conv import OneChannelConv2d
from vcgan.layers.glu import GatedConv1d, GatedConv2d
from vcgan.layers.norm import NORMS, ConditionalInstanceNorm, make_norm
from vcgan.layers.pixel_shuffle import PixelShuffle1d, pixel_shuffle_1d
from vcgan.layers.spectral_norm import apply_spectral_norm

__all__ = [
    "ConditionalInstanceNorm",
    "GatedConv1d",
    "GatedConv2d",
    "NORMS",
    "OneChannelConv2d",
    "PixelShuffle1d",
    "apply_spectral_norm",
    "make_norm",
    "pixel_shuffle_1d",
]
