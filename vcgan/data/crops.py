"""Random fixed-length crops from preloaded features, for GAN training.

All utterances of one speaker are normalised once, concatenated into a single
``(total_frames, dim)`` tensor, and every crop of a batch is gathered by one indexing
operation, so a training step never waits on data (no loader processes, no per-item Python).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

from vcgan.utils.config import ConfigError


class CropSampler:
    """Uniformly random ``crop_frames``-long windows from a speaker's utterances.

    Every valid window (one that lies inside a single utterance) is equally likely, so long
    utterances are sampled in proportion to their length. Utterances shorter than a crop are
    padded by repeating them (reflection would need at least ``crop`` frames too).

    Args:
        features: Per utterance a ``(frames, dim)`` array, already normalised.
        crop_frames: Window length (frames).
        seed: Seed of the sampler's own generator (independent of the global RNGs).
        device: Where the features and the batches live.
    """

    def __init__(self, features: Sequence[np.ndarray], crop_frames: int, seed: int = 0,
                 device: str | torch.device = "cpu"):
        if not features:
            raise ValueError("CropSampler needs at least one utterance")
        self.crop_frames = int(crop_frames)
        parts, starts, offset = [], [], 0
        for feats in features:
            x = np.asarray(feats, dtype=np.float32)
            if len(x) < self.crop_frames:
                x = np.concatenate([x] * (-(-self.crop_frames // len(x))))
            parts.append(x)
            starts.append(np.arange(offset, offset + len(x) - self.crop_frames + 1))
            offset += len(x)
        self.frames = torch.from_numpy(np.concatenate(parts)).to(device)  # (total_frames, dim)
        self.starts = torch.from_numpy(np.concatenate(starts)).to(device)  # valid window starts
        self.generator = torch.Generator(device="cpu")
        self.generator.manual_seed(seed)
        self._offsets = torch.arange(self.crop_frames, device=device)

    @property
    def dim(self) -> int:
        return self.frames.shape[1]

    def sample(self, batch_size: int) -> torch.Tensor:
        """A ``(batch, dim, crop_frames)`` batch of random windows."""
        pick = torch.randint(len(self.starts), (batch_size,), generator=self.generator)
        index = self.starts[pick.to(self.starts.device)][:, None] + self._offsets  # (batch, crop)
        return self.frames[index].transpose(1, 2).contiguous()

    def state_dict(self) -> dict:
        return {"generator": self.generator.get_state()}

    def load_state_dict(self, state: dict) -> None:
        self.generator.set_state(state["generator"])


def speech_span(power_db: np.ndarray, threshold_db: float | None) -> slice:
    """The frames from the first to the last one whose power is above ``threshold_db``.

    Trims an utterance's leading and trailing silence (pauses inside it are kept), so that
    crops are drawn from speech. ``power_db``: ``(T,)`` frame powers in dB relative to the
    utterance's mean (:func:`vcgan.metrics.mcd.mcep_power_db`); ``None``: every frame. An
    utterance with no frame above the threshold is kept whole.

    >>> speech_span(np.array([-60., -40., -5., 3., -50., 1., -70.]), -30.0)
    slice(2, 6, None)
    """
    above = np.flatnonzero(np.asarray(power_db) > threshold_db) if threshold_db is not None else []
    if len(above) == 0:
        return slice(0, len(power_db))
    return slice(int(above[0]), int(above[-1]) + 1)


def check_crop_length(where: str, speaker: str, lengths: dict[str, int], crop_frames: int,
                      frame_period_ms: float) -> None:
    """Refuse a crop longer than every utterance of ``speaker``.

    Shorter utterances are repeated to fill a crop (:class:`CropSampler`); when all of them
    are, training sees nothing but repetitions, and a crop far too long pads the data to
    gigabytes. ``lengths``: utterance -> frames; ``where``: the dump, for the message.

    Raises:
        ConfigError: naming ``where``, the speaker and its longest utterance (frames, seconds).
    """
    if not lengths:  # no utterance at all: CropSampler says so
        return
    utt = max(lengths, key=lengths.get)
    if lengths[utt] < crop_frames:
        seconds = lengths[utt] * frame_period_ms / 1000
        raise ConfigError(
            f"{where}: model.crop_frames ({crop_frames}) is longer than every utterance of speaker "
            f"{speaker}: the longest, {utt}, has {lengths[utt]} frames ({seconds:.2f} s); "
            f"set model.crop_frames to at most {lengths[utt]}")
