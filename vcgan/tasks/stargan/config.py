"""Training hyperparameters of StarGAN-VC and StarGAN-VC2, with the papers' values as defaults.

What is read from the papers' own network figures is taken as is: StarGAN-VC (Kameoka et al.,
arXiv 1806.02169, Fig. 2) trains every network on 512-frame segments with a domain classifier
and a real/fake discriminator conditioned on the target code; StarGAN-VC2 (Kaneko et al., arXiv
1907.12279, network figure) judges 128-frame crops with a projection discriminator conditioned on
the source-and-target code pair. Neither paper's text could be read (``shared/papers/FACTS.md``
sections 1.5, 1.6, 2.5, 2.6), so the training settings below are UNVERIFIED; each is the
best-supported candidate and is a config value:

StarGAN-VC
  * adversarial loss ``nonsaturating`` (cross-entropy): Fig. 2's discriminator ends in a sigmoid
    whose patch probabilities are multiplied, i.e. summed log-likelihoods.
  * λ_cyc 10, λ_id 5, λ_cls 3, Adam 1e-4 for G, D and C, β1 0.5, linear decay after 10^5 of
    2×10^5 iterations: the one complete set of values, hujinsen/StarGAN-Voice-Conversion
    (train.py), whose λ_cyc and λ_id are also CycleGAN-VC's (same group, same year).
  * batch 1 (the same port; CycleGAN-VC's too).
StarGAN-VC2
  * ``lsgan``, λ_cyc 10, λ_id 5 for the first 10^4 iterations, Adam 2e-4 (G) / 1e-4 (D),
    (0.5, 0.999), batch 8: what every public port agrees on (FACTS 2.6); no classifier
    (λ_cls 0: the conditioning moved into the adversarial loss; no port that follows the figure
    has one).
  * 2×10^5 iterations, linear decay over the last 10^5: the ports disagree (2, 3 or 5 ×10^5);
    we take CycleGAN-VC2's schedule, the same authors' paper of the same year.

Iterations are counted from 0 as in :mod:`vcgan.train.gan` (identity loss for iterations
``< identity_iterations``; the learning rates reach 0 at ``n_iterations``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from vcgan.conversion.streams import check_energy
from vcgan.train.gan import check_training_ranges
from vcgan.utils.config import ConfigError, from_dict, to_dict


@dataclass
class StarGANConfig:
    """Everything needed to build and train a StarGAN-VC-family model (plain data, YAML-able).

    Attributes:
        model: Registry name of the networks (``"stargan_vc"`` / ``"stargan_vc2"``).
        generator, discriminator, classifier: Overrides of the networks' architecture config
            fields (empty = the paper's), e.g. ``{"base_channels": 32}``. The feature rows and the
            number of speakers come from the dump and the speakers trained, never from here.
        adversarial_loss: ``"nonsaturating"`` / ``"lsgan"`` / ``"hinge"`` / ``"wgan-gp"``.
        gradient_penalty_weight: λ of WGAN-GP (only with ``"wgan-gp"``).
        lambda_classification: λ_cls of the domain-classification loss; 0 builds no classifier.
        lambda_cycle, lambda_identity: λ_cyc and λ_id.
        identity_iterations: The identity loss is used for iterations ``< identity_iterations``.
        lr_generator, lr_discriminator, lr_classifier: Initial Adam learning rates.
        adam_betas: Adam (β1, β2).
        batch_size: Crops per step; each has its own random source and target speaker.
        crop_frames: Training crop length (frames).
        n_iterations, decay_start: Total updates; the learning rates decay linearly from
            ``decay_start`` to 0 at ``n_iterations``.
        seed: Seed of initialisation, crops and speaker sampling.
        energy: ``"convert"`` (the papers: the network converts c0, the log energy, with the
            rest) or ``"source"`` (c0 stays the source's, the network sees c1 on;
            :mod:`vcgan.conversion.streams`).
    """

    model: str = "stargan_vc"
    generator: dict[str, Any] = field(default_factory=dict)
    discriminator: dict[str, Any] = field(default_factory=dict)
    classifier: dict[str, Any] = field(default_factory=dict)
    adversarial_loss: str = "nonsaturating"
    gradient_penalty_weight: float = 10.0
    lambda_classification: float = 3.0
    lambda_cycle: float = 10.0
    lambda_identity: float = 5.0
    identity_iterations: int = 10_000
    lr_generator: float = 1e-4
    lr_discriminator: float = 1e-4
    lr_classifier: float = 1e-4
    adam_betas: list[float] = field(default_factory=lambda: [0.5, 0.999])
    batch_size: int = 1
    crop_frames: int = 512
    n_iterations: int = 200_000
    decay_start: int = 100_000
    seed: int = 0
    energy: str = "convert"

    def __post_init__(self) -> None:
        check_energy(self.energy)
        check_training_ranges(self, ("lr_generator", "lr_discriminator", "lr_classifier"),
                              ("lambda_classification", "lambda_cycle", "lambda_identity", "gradient_penalty_weight"))

    @property
    def uses_classifier(self) -> bool:
        return self.lambda_classification > 0

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None, where: str = "stargan config", key: str = "") -> "StarGANConfig":
        """Paper configuration of ``data["model"]`` (default ``"stargan_vc"``) updated with ``data``,
        every value checked (types, ranges, architecture overrides, crop length).

        Raises:
            ConfigError: naming ``where``, the key and the problem.
        """
        data = dict(data or {})
        prefix = f"{key}." if key else ""
        for name in ("mcep_dim", "n_speakers"):
            if name in data:
                raise ConfigError(f"{where}: {prefix}{name}: not a model setting; it comes from the dump "
                                  "(feature config) and the speakers trained")
        model = data.get("model", cls.model)
        if not isinstance(model, str) or model not in PAPER_DEFAULTS:
            raise ConfigError(f"{where}: {prefix}model: unknown model {model!r}; known: {sorted(PAPER_DEFAULTS)}")
        cfg = from_dict(cls, {**PAPER_DEFAULTS[model], **data}, where=where, key=key)
        _check_parts(cfg, where, prefix)
        return cfg

    def to_dict(self) -> dict[str, Any]:
        """Plain-data dict (for YAML); ``from_dict(to_dict())`` round-trips."""
        return to_dict(self)


#: Paper values that differ from the dataclass defaults (which are StarGAN-VC's); see the
#: module docstring for where each comes from.
PAPER_DEFAULTS: dict[str, dict[str, Any]] = {
    "stargan_vc": {"model": "stargan_vc"},
    "stargan_vc2": {
        "model": "stargan_vc2",
        "adversarial_loss": "lsgan",
        "lambda_classification": 0.0,
        "lr_generator": 2e-4,
        "batch_size": 8,
        "crop_frames": 128,
    },
}

#: Stand-ins for the dump's feature rows and speaker count while overrides are type-checked.
_CHECK_DIM, _CHECK_SPEAKERS = 24, 2


def _check_parts(cfg: StarGANConfig, where: str, prefix: str) -> None:
    from vcgan.losses.adversarial import OBJECTIVES
    from vcgan.models import CLASSIFIERS, DISCRIMINATORS, GENERATORS

    if cfg.adversarial_loss not in OBJECTIVES:
        raise ConfigError(f"{where}: {prefix}adversarial_loss: unknown adversarial loss {cfg.adversarial_loss!r}; "
                          f"choose one of {sorted(OBJECTIVES)}")
    parts = [("generator", GENERATORS), ("discriminator", DISCRIMINATORS)]
    if cfg.uses_classifier:
        if cfg.model not in CLASSIFIERS:
            raise ConfigError(f"{where}: {prefix}lambda_classification: {cfg.model} has no domain classifier; set 0")
        parts.append(("classifier", CLASSIFIERS))
    elif cfg.classifier:
        raise ConfigError(f"{where}: {prefix}classifier: set, but lambda_classification is 0 (no classifier)")
    built = {}
    for name, registry in parts:
        overrides = getattr(cfg, name)
        for fixed in ("mcep_dim", "n_speakers"):
            if fixed in overrides:
                raise ConfigError(f"{where}: {prefix}{name}.{fixed}: comes from the dump and the speakers trained")
        built[name] = from_dict(registry[cfg.model][1], {"mcep_dim": _CHECK_DIM, "n_speakers": _CHECK_SPEAKERS,
                                                         **overrides}, where=where, key=f"{prefix}{name}")
    multiple = GENERATORS[cfg.model][0].frame_multiple
    minimum = 2 * multiple
    if cfg.uses_classifier:
        minimum = max(minimum, CLASSIFIERS[cfg.model][0].min_frames)
    minimum = max(minimum, getattr(DISCRIMINATORS[cfg.model][0], "min_frames", 1))
    if cfg.crop_frames % multiple or cfg.crop_frames < minimum:
        raise ConfigError(f"{where}: {prefix}crop_frames: {cfg.model} needs a multiple of {multiple} frames of at "
                          f"least {minimum}, got {cfg.crop_frames}")


__all__ = ["PAPER_DEFAULTS", "StarGANConfig"]
