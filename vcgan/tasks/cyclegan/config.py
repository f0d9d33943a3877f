"""Training hyperparameters of CycleGAN-VC and CycleGAN-VC2, with the papers' values as defaults.

CycleGAN-VC (Kaneko & Kameoka, arXiv 1711.11293, Sec. 4.1 "Implementation details"):
VCC2016, 24 MCEPs; Adam with batch size 1 on randomly cropped 128-frame segments; learning
rates 2e-4 (generators) and 1e-4 (discriminators), β1 = 0.5; the same learning rate for the first
2×10^5 iterations, then a linear decay over the next 2×10^5; λ_cyc = 10, λ_id = 5, with the
identity-mapping loss used only for the first 10^4 iterations.

CycleGAN-VC2 (Kaneko et al., arXiv 1904.04631, Sec. 4.1): VCC2018, 35 MCEPs, the same losses,
weights, optimizer settings, batch size and crop, plus the two-step adversarial loss (Sec. 3.1);
2×10^5 iterations with the linear decay over the last 10^5.

β2 is not given in either paper; 0.999 is Adam's default. The CycleGAN-VC2 schedule
(2×10^5 / 10^5) and the adaptation of the VC1 discriminator to other lengths are the points a
reader should re-check against the paper PDFs first (see the report of issue 5).

Iterations are counted from 0: iteration ``i`` is the (i+1)-th update. "Identity loss for the
first 10^4 iterations" means iterations ``0 .. 9999``; "decay over the last N" means the
learning-rate factor is 1 up to ``decay_start`` and reaches 0 at ``n_iterations``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from vcgan.conversion.streams import check_energy
# identity_weight and lr_lambda are re-exported: the schedules every GAN family shares.
from vcgan.train.gan import check_training_ranges, identity_weight, lr_lambda
from vcgan.utils.config import ConfigError, from_dict, to_dict


@dataclass
class CycleGANConfig:
    """Everything needed to build and train a CycleGAN-VC-family model (plain data, YAML-able).

    Attributes:
        model: Registry name of generator and discriminator (``"cyclegan_vc"``/``"cyclegan_vc2"``).
        generator, discriminator: Overrides of the model's architecture config fields
            (empty = the paper's architecture), e.g. ``{"base_channels": 32}`` for a demo.
        adversarial_loss: ``"lsgan"`` (papers) / ``"nonsaturating"`` / ``"hinge"`` / ``"wgan-gp"``.
        gradient_penalty_weight: λ of WGAN-GP (only used with ``"wgan-gp"``).
        two_step_adversarial: Add second discriminators on cycle-converted features
            (VC2, Sec. 3.1).
        lambda_cycle, lambda_identity: Loss weights λ_cyc and λ_id.
        identity_iterations: The identity loss is used for iterations ``< identity_iterations``.
        lr_generator, lr_discriminator: Initial Adam learning rates.
        adam_betas: Adam (β1, β2).
        batch_size, crop_frames: Training batch size and random crop length (frames).
        n_iterations: Total number of updates.
        decay_start: Iteration from which the learning rates decay linearly to 0 at ``n_iterations``.
        seed: Seed of parameter initialization and of any randomness inside a training step.
        energy: ``"convert"`` (the papers: the network converts c0, the log energy, with the
            rest) or ``"source"`` (c0 stays the source's, the network sees c1 on;
            :mod:`vcgan.conversion.streams`).
        trim_silence_db: Crops are drawn between each training utterance's first and last
            frame whose envelope power is above this level (dB relative to the utterance's
            mean power), leaving out leading and trailing silence; ``None`` (the papers, which
            do not say): whole utterances.
        inference_window: Conversion runs the generator on windows of this many frames, a
            quarter window apart, blended with Hann weights
            (:func:`vcgan.models.run_generator`), so that instance norm sees spans as long as
            its training crops; ``None`` (the papers): each utterance at once.
    """

    model: str = "cyclegan_vc"
    generator: dict[str, Any] = field(default_factory=dict)
    discriminator: dict[str, Any] = field(default_factory=dict)
    adversarial_loss: str = "lsgan"
    gradient_penalty_weight: float = 10.0
    two_step_adversarial: bool = False
    lambda_cycle: float = 10.0
    lambda_identity: float = 5.0
    identity_iterations: int = 10_000
    lr_generator: float = 2e-4
    lr_discriminator: float = 1e-4
    adam_betas: list[float] = field(default_factory=lambda: [0.5, 0.999])
    batch_size: int = 1
    crop_frames: int = 128
    n_iterations: int = 400_000
    decay_start: int = 200_000
    seed: int = 0
    energy: str = "convert"
    trim_silence_db: float | None = None
    inference_window: int | None = None

    def __post_init__(self) -> None:
        check_energy(self.energy)
        check_training_ranges(self, ("lr_generator", "lr_discriminator"),
                              ("lambda_cycle", "lambda_identity", "gradient_penalty_weight"))

    @classmethod
    def paper(cls, model: str) -> "CycleGANConfig":
        """The configuration of the paper that introduced ``model``."""
        try:
            return cls(**PAPER_DEFAULTS[model])
        except KeyError:
            raise ValueError(f"no paper configuration for {model!r}; known: {sorted(PAPER_DEFAULTS)}") from None

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None, where: str = "cyclegan config", key: str = "") -> "CycleGANConfig":
        """Paper configuration of ``data["model"]`` (default ``"cyclegan_vc"``) updated with ``data``.

        Every value is checked here, before any work: types and ranges, the adversarial loss,
        the ``generator``/``discriminator`` overrides against the model's architecture configs,
        and ``crop_frames`` against what the generator can take.

        Args:
            data: The settings (a YAML ``model:`` section).
            where: Where they came from (the file), first in every message.
            key: Their dotted path in that file (``"model"``), prefixed to the keys named.

        Raises:
            ConfigError: naming ``where``, the key, and the problem.
        """
        data = dict(data or {})
        if "mcep_dim" in data:
            raise ConfigError(f"{where}: {key + '.' if key else ''}mcep_dim: not a model setting; the number of "
                              "mel-cepstra comes from the feature config of the dump (its mcep_dim)")
        model = data.get("model", cls.model)
        if not isinstance(model, str) or model not in PAPER_DEFAULTS:
            model_key = f"{key}.model" if key else "model"
            raise ConfigError(f"{where}: {model_key}: unknown model {model!r}; known: {sorted(PAPER_DEFAULTS)}")
        merged = {**PAPER_DEFAULTS[model], **data}
        cfg = from_dict(cls, merged, where=where, key=key)
        _check_parts(cfg, where, key)
        return cfg

    def to_dict(self) -> dict[str, Any]:
        """Plain-data dict (for YAML); ``from_dict(to_dict())`` round-trips."""
        return to_dict(self)


#: Paper values that differ from the dataclass defaults (which are CycleGAN-VC's).
PAPER_DEFAULTS: dict[str, dict[str, Any]] = {
    # arXiv 1711.11293, Sec. 4.1.
    "cyclegan_vc": {"model": "cyclegan_vc"},
    # arXiv 1904.04631, Sec. 4.1: (VCC2018 with 35 MCEPs: the feature config's), two-step adversarial losses (Sec. 3.1),
    # 2x10^5 iterations with linear decay over the last 10^5.
    "cyclegan_vc2": {
        "model": "cyclegan_vc2",
        "two_step_adversarial": True,
        "n_iterations": 200_000,
        "decay_start": 100_000,
    },
}


#: Stands in for the feature dimension when the architecture overrides are checked before the
#: dump is known (their types and names do not depend on it; the real one is used to build).
_CHECK_DIM = 24


def _check_parts(cfg: CycleGANConfig, where: str, key: str) -> None:
    """The settings of ``cfg`` that need the model registry: adversarial loss, architecture
    overrides (type-checked against the model's config dataclasses) and crop length."""
    from vcgan.losses.adversarial import OBJECTIVES
    from vcgan.models import DISCRIMINATORS, GENERATORS

    def at(name: str) -> str:
        return f"{where}: {key}.{name}" if key else f"{where}: {name}"

    if cfg.adversarial_loss not in OBJECTIVES:
        raise ConfigError(f"{at('adversarial_loss')}: unknown adversarial loss {cfg.adversarial_loss!r}; "
                          f"choose one of {sorted(OBJECTIVES)}")
    gen_cls, gen_config_cls = GENERATORS[cfg.model]
    # The same merge as CycleGANTask's, so what is checked here is what gets built.
    gen = from_dict(gen_config_cls, {"mcep_dim": _CHECK_DIM, **cfg.generator}, where=where,
                    key=f"{key}.generator" if key else "generator")
    from_dict(DISCRIMINATORS[cfg.model][1], {"mcep_dim": _CHECK_DIM, **cfg.discriminator}, where=where,
              key=f"{key}.discriminator" if key else "discriminator")
    # The generators halve time per downsampling and need two frames after it (instance norm).
    multiple = 2 ** gen.n_downsample if hasattr(gen, "n_downsample") else gen_cls.frame_multiple
    for name in ("crop_frames", "inference_window"):  # lengths the generator is run on
        frames = getattr(cfg, name)
        if frames is not None and (frames % multiple or frames < 2 * multiple):
            raise ConfigError(f"{at(name)}: the {cfg.model} generator needs a multiple of {multiple} "
                              f"frames of at least {2 * multiple}, got {frames}")
    n_frames = cfg.discriminator.get("n_frames")
    if n_frames is not None and n_frames != cfg.crop_frames:
        raise ConfigError(f"{at('discriminator.n_frames')}: the discriminator scores whole crops, so it must "
                          f"equal crop_frames ({cfg.crop_frames}), got {n_frames}; leave it unset")


__all__ = ["CycleGANConfig", "PAPER_DEFAULTS", "identity_weight", "lr_lambda"]
