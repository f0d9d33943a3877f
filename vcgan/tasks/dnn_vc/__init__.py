"""A frame-wise DNN converter trained on DTW-aligned parallel frames with a squared error: the
over-smoothed front end that a GAN post-filter (:mod:`vcgan.tasks.ganpf`) learns to repair."""

from vcgan.tasks import register
from vcgan.tasks.dnn_vc.config import DNNVCConfig
from vcgan.tasks.dnn_vc.family import DNNVCFamily

FAMILY = register(DNNVCFamily())

__all__ = ["DNNVCConfig", "DNNVCFamily", "FAMILY"]
