"""Speaker similarity with Resemblyzer's shipped encoder (skipped only if the package is absent)."""

from __future__ import annotations

import numpy as np
import pytest

from vcgan.metrics import similarity

pytestmark = pytest.mark.skipif(
    not similarity.available(),
    reason="optional packages resemblyzer + webrtcvad-wheels not installed (see README, Evaluation)",
)


def test_cosine_and_speaker_embedding():
    assert similarity.cosine([1, 0], [0, 2]) == 0.0
    assert similarity.cosine([1, 1], [2, 2]) == pytest.approx(1.0)
    e = similarity.speaker_embedding([[1.0, 0.0], [0.0, 1.0]])
    np.testing.assert_allclose(e, [2 ** -0.5, 2 ** -0.5])


def test_same_speaker_scores_higher_than_a_changed_voice(arctic):
    import pyworld

    x, fs = arctic
    first, second = x[: int(2.2 * fs)], x[int(1.6 * fs):]
    e1 = similarity.embed_utterance(first, fs)
    e2 = similarity.embed_utterance(second, fs)
    assert e1.shape == (256,) and np.linalg.norm(e1) == pytest.approx(1.0, abs=1e-5)
    np.testing.assert_array_equal(e1, similarity.embed_utterance(first, fs))  # deterministic
    # Another "speaker": F0 up a fifth and the envelope's frequency axis stretched by 20 %.
    f0, sp, ap = pyworld.wav2world(second, fs)
    bins = np.arange(sp.shape[1])
    warped = np.stack([np.interp(bins / 1.2, bins, row) for row in sp])
    other = pyworld.synthesize(f0 * 1.5, warped, ap, fs)
    e3 = similarity.embed_utterance(other, fs)
    same, changed = similarity.cosine(e1, e2), similarity.cosine(e1, e3)
    assert same > 0.6          # two crops of one 4 s recording scored 0.71 when this was written
    assert changed < same - 0.15  # ... and the changed voice 0.46


def test_no_speech_is_an_error():
    with pytest.raises(ValueError, match="no speech"):
        similarity.embed_utterance(np.zeros(16000), 16000)
