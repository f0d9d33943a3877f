"""Naturalness proxy: DNSMOS P.835 (Reddy et al., ICASSP 2022), a non-intrusive predictor.

DNSMOS predicts the ratings listeners would give in an ITU-T P.835 test of *noise
suppression*: SIG (speech signal quality), BAK (background noise), OVRL (overall), and a
P.808 overall score, each on a 1-5 scale, from 9 s windows of 16 kHz speech (shorter
utterances are repeated to fill one window). It was not trained on voice conversion; use it
to rank systems and spot broken outputs, and call it a proxy: it is **not a MOS**.

The ONNX models ship inside the ``speechmos`` PyPI wheel and run with onnxruntime, so nothing
is downloaded at run time (``pip install speechmos==0.0.1.1 --no-deps onnxruntime requests``).
Input at another rate is resampled to 16 kHz (polyphase).
"""

from __future__ import annotations

import functools
import importlib.util
import os

import numpy as np

from vcgan.audio import resample_audio

DNSMOS_SAMPLE_RATE = 16000
#: Keys of :func:`dnsmos_proxy`'s result.
DNSMOS_KEYS = ("ovrl", "sig", "bak", "p808")


def available() -> bool:
    """Whether speechmos and onnxruntime can be imported."""
    return all(importlib.util.find_spec(m) is not None for m in ("speechmos", "onnxruntime", "requests"))


@functools.lru_cache(maxsize=1)
def _model():
    import onnxruntime as ort
    from speechmos import dnsmos

    # One thread per session: no oversubscription when several worker processes score
    # files at once, and the same numbers whatever -j is.
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    models = os.path.join(os.path.dirname(dnsmos.__file__), "dnsmos_models")

    class SingleThreadDNSMOS(dnsmos.DNSMOS):
        def __init__(self) -> None:  # speechmos' own __init__ opens sessions with default threads
            self.primary_model_path = os.path.join(models, "sig_bak_ovr.onnx")
            self.onnx_sess = ort.InferenceSession(self.primary_model_path, options, providers=["CPUExecutionProvider"])
            self.p808_onnx_sess = ort.InferenceSession(
                os.path.join(models, "model_v8.onnx"), options, providers=["CPUExecutionProvider"]
            )

    return SingleThreadDNSMOS()


def dnsmos_proxy(x: np.ndarray, sample_rate: int) -> dict[str, float]:
    """DNSMOS proxy scores (1-5, higher is better) of ``(samples,)`` speech at ``sample_rate`` Hz.

    Returns ``{"ovrl", "sig", "bak", "p808"}``.
    """
    if not available():
        raise ImportError(
            "the naturalness proxy needs speechmos and onnxruntime: "
            "pip install onnxruntime requests && pip install --no-deps speechmos==0.0.1.1"
        )
    y = resample_audio(np.asarray(x, dtype=np.float64), sample_rate, DNSMOS_SAMPLE_RATE)
    # speechmos rejects samples outside [-1, 1]; resampling can overshoot a full-scale input.
    y = np.clip(y, -1.0, 1.0).astype(np.float32)
    out = _model()(y, DNSMOS_SAMPLE_RATE, False)
    return {
        "ovrl": float(out["ovrl_mos"]),
        "sig": float(out["sig_mos"]),
        "bak": float(out["bak_mos"]),
        "p808": float(out["p808_mos"]),
    }
