"""Speaker similarity: cosine similarity of d-vectors from a pretrained speaker encoder.

The encoder is Resemblyzer's (``pip install resemblyzer``): a 3-layer LSTM trained with the
GE2E loss (Wan et al., ICASSP 2018) on 40-band mel spectrograms of 16 kHz speech; its weights
(``pretrained.pt``) ship inside the PyPI wheel, so nothing is downloaded at run time. An
utterance's embedding is the L2-normalised mean of the embeddings of 1.6 s windows, after
Resemblyzer's own preprocessing (resampling to 16 kHz, volume normalisation to -30 dBFS,
removal of long pauses by WebRTC VAD). Embeddings are non-negative and unit-norm, so the
cosine similarity lies in [0, 1], higher for more similar voices. Absolute values depend on
utterance length and recording conditions (two 2 s crops of one ARCTIC recording score about
0.7, the same speech with F0 up a fifth and formants up 20 % about 0.45): compare systems
with each other, and with ``src_sim_target``, the source speech's similarity to the target.

A speaker's embedding is the L2-normalised mean of its utterances' embeddings
(:func:`speaker_embedding`); ``sim_target`` compares each converted utterance with the target
speaker's embedding (from the reference directory), ``sim_source`` with the source speaker's.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import warnings

import numpy as np

ENCODER_SAMPLE_RATE = 16000


def available() -> bool:
    """Whether resemblyzer (and the VAD it needs) can be imported."""
    return importlib.util.find_spec("resemblyzer") is not None and importlib.util.find_spec("webrtcvad") is not None


@functools.lru_cache(maxsize=1)
def _encoder():
    if not available():
        raise ImportError(
            "speaker similarity needs resemblyzer: pip install webrtcvad-wheels resemblyzer==0.1.4 --no-deps "
            "(see the README, section Evaluation)"
        )
    with warnings.catch_warnings():
        # resemblyzer 0.1.4 imports scipy.ndimage.morphology, deprecated in SciPy 1.x: not the user's business.
        warnings.filterwarnings("ignore", message=".*scipy.ndimage.morphology.*")
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        from resemblyzer import VoiceEncoder

        return VoiceEncoder(device="cpu", verbose=False)


@contextlib.contextmanager
def _single_thread():
    # The LSTM's CPU kernels may sum in a different order with more threads; one thread makes
    # an embedding the same whichever process (-j) computes it.
    import torch

    n = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(n)


def embed_utterance(x: np.ndarray, sample_rate: int) -> np.ndarray:
    """``(samples,)`` speech at ``sample_rate`` Hz -> ``(256,)`` unit-norm float32 d-vector.

    Raises ``ValueError`` when the VAD finds no speech in ``x``.
    """
    x = np.asarray(x, dtype=np.float32)
    if not np.any(np.abs(x) > 1e-4):  # resemblyzer would divide by a zero RMS
        raise ValueError("the speaker encoder found no speech (the signal is silent)")
    encoder = _encoder()
    from resemblyzer import preprocess_wav

    wav = preprocess_wav(x, source_sr=sample_rate)
    if len(wav) == 0:
        raise ValueError("the speaker encoder found no speech (its voice activity detector kept nothing)")
    with _single_thread():
        return np.asarray(encoder.embed_utterance(wav), dtype=np.float32)


def speaker_embedding(embeddings) -> np.ndarray:
    """L2-normalised mean of ``(n, 256)`` utterance embeddings of one speaker."""
    e = np.asarray(embeddings, dtype=np.float64)
    if e.ndim != 2 or len(e) == 0:
        raise ValueError(f"expected (utterances, dim) embeddings, got shape {e.shape}")
    m = e.mean(axis=0)
    return m / np.linalg.norm(m)


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine similarity of two vectors."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))
