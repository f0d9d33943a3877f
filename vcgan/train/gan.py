"""What every adversarial training task shares: its networks, one Adam optimiser and one
learning-rate schedule per group of networks, exact resumption, bfloat16 autocast, and the
schedules of the Kaneko/Kameoka papers.

A family's task (CycleGAN-VC's, StarGAN-VC's, ...) subclasses :class:`GANTask`, builds its
networks under names that start with their group (``generator_a2b`` belongs to the group
``generator``) and writes only ``train_step``.
"""

from __future__ import annotations

import contextlib
import functools
from typing import Any, Protocol

import torch
from torch import nn

from vcgan.train.distributed import no_gradient_sync, unwrapped


class Schedule(Protocol):
    """The config fields the schedules read (every GAN family's config has them)."""

    n_iterations: int
    decay_start: int
    lambda_identity: float
    identity_iterations: int


def check_training_ranges(cfg: Any, learning_rates: tuple[str, ...], weights: tuple[str, ...]) -> None:
    """Refuse, when a family's config is built, values that would fail only later or waste a
    run: sizes and iterations below 1, a decay start outside ``[0, n_iterations]``, the named
    learning rates not positive, the named loss weights negative, Adam betas outside
    ``[0, 1)``, a seed numpy's global seed would not take.

    Raises:
        vcgan.utils.config.ConfigError: naming the field and its value.
    """
    from vcgan.utils.config import ConfigError

    for name in ("batch_size", "crop_frames", "n_iterations"):
        if hasattr(cfg, name) and getattr(cfg, name) < 1:  # a waveform family has no crop_frames
            raise ConfigError(f"{name} must be at least 1, got {getattr(cfg, name)}")
    if getattr(cfg, "identity_iterations", 0) < 0:  # families without an identity loss have none
        raise ConfigError(f"identity_iterations must be at least 0, got {cfg.identity_iterations}")
    if not 0 <= cfg.decay_start <= cfg.n_iterations:
        raise ConfigError(f"need 0 <= decay_start ({cfg.decay_start}) <= n_iterations ({cfg.n_iterations})")
    for name in learning_rates:
        if not getattr(cfg, name) > 0:
            raise ConfigError(f"{name} must be positive, got {getattr(cfg, name)}")
    for name in weights:
        if getattr(cfg, name) < 0:
            raise ConfigError(f"{name} must be at least 0, got {getattr(cfg, name)}")
    if len(cfg.adam_betas) != 2 or not all(0 <= b < 1 for b in cfg.adam_betas):
        raise ConfigError(f"adam_betas must be two values in [0, 1), got {cfg.adam_betas}")
    if not 0 <= cfg.seed < 2 ** 32:
        raise ConfigError(f"seed must be in [0, 2**32), got {cfg.seed}")


def identity_weight(iteration: int, cfg: Schedule) -> float:
    """Weight of the identity-mapping loss at ``iteration`` (0-based).

    ``cfg.lambda_identity`` while ``iteration < cfg.identity_iterations``, 0 afterwards
    (CycleGAN-VC, arXiv 1711.11293, Sec. 4.1: "only for the first 10^4 iterations").
    """
    return float(cfg.lambda_identity) if iteration < cfg.identity_iterations else 0.0


def lr_lambda(iteration: int, cfg: Schedule) -> float:
    """Learning-rate factor at ``iteration`` (0-based) for :class:`torch.optim.lr_scheduler.LambdaLR`.

    1 before ``cfg.decay_start``; then linear, ``(n_iterations - iteration) / (n_iterations -
    decay_start)``, reaching 0 at ``n_iterations`` (arXiv 1711.11293, Sec. 4.1). Each optimizer
    multiplies its own initial learning rate by this factor.
    """
    if iteration < cfg.decay_start:
        return 1.0
    span = cfg.n_iterations - cfg.decay_start
    if span <= 0:
        return 0.0
    return max(0.0, (cfg.n_iterations - iteration) / span)


class GANTask:
    """Networks, optimisers, schedulers and the state of a training step's randomness.

    Args:
        modules: Networks by name; a name's group is the text before its first ``_``
            (``generator_a2b`` -> ``generator``).
        learning_rates: Initial Adam learning rate per group; every group named needs one.
        betas: Adam (β1, β2), the same for every group.
        schedule: The config whose ``decay_start``/``n_iterations`` give the linear decay.
        seed: Seed of the task's own random generator (:attr:`rng`: gradient-penalty mixing,
            target-code sampling, ...).
        device: Where the networks live.
        autocast_dtype: Autocast dtype of forward passes and losses (``torch.bfloat16``), or
            ``None`` for float32 throughout.

    ``train_step`` must step the schedulers once (:meth:`step_schedulers`): the loop does not.
    """

    def __init__(self, modules: dict[str, nn.Module], learning_rates: dict[str, float], betas: tuple[float, float],
                 schedule: Schedule, seed: int, device: torch.device, autocast_dtype: torch.dtype | None = None):
        self.device = torch.device(device)
        self.autocast_dtype = autocast_dtype
        self._modules = {k: m.to(self.device) for k, m in modules.items()}
        groups = {name.split("_", 1)[0] for name in self._modules}
        if groups != set(learning_rates):
            raise ValueError(f"learning rates given for {sorted(learning_rates)}, networks in groups {sorted(groups)}")
        self._optimizers = {g: torch.optim.Adam(self._params(g), lr=lr, betas=tuple(betas), fused=self._fused)
                            for g, lr in learning_rates.items()}
        factor = functools.partial(lr_lambda, cfg=schedule)
        self._schedulers = {g: torch.optim.lr_scheduler.LambdaLR(o, factor) for g, o in self._optimizers.items()}
        self.rng = torch.Generator(device=self.device)
        self.rng.manual_seed(seed)

    @property
    def _fused(self) -> bool:
        # Fused Adam updates every tensor of a group in one kernel: on a 2-core CPU 7x faster
        # than the per-tensor loop, the same update to float32 rounding.
        return self.device.type in ("cpu", "cuda")

    def modules(self) -> dict[str, nn.Module]:
        """The networks by name (as declared: without the loop's data-parallel wrappers)."""
        return {k: unwrapped(m) for k, m in self._modules.items()}

    def distribute(self, wrap, seed: int) -> None:
        """Data-parallel training (:mod:`vcgan.train.distributed`): every network becomes
        ``wrap(network)`` for ``train_step`` (the optimisers keep the same parameters), and the
        step's random generator restarts from this rank's ``seed``."""
        self._modules = {k: wrap(m) for k, m in self._modules.items()}
        self.rng.manual_seed(seed)

    def compile(self, **options: Any) -> None:
        """``torch.compile`` every network in place (:meth:`torch.nn.Module.compile`: the same
        parameters and ``state_dict``), with ``options`` (``backend``, ``mode``, ...); the first
        steps of each kind run slowly while it compiles."""
        for module in self._modules.values():
            module.compile(**options)

    def random_state(self) -> torch.Tensor:
        """The state of the step's random generator (each rank's goes into a checkpoint)."""
        return self.rng.get_state()

    def set_random_state(self, state: torch.Tensor) -> None:
        self.rng.set_state(state)

    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        """One optimizer per group (``{"generator": ..., "discriminator": ...}``)."""
        return dict(self._optimizers)

    def schedulers(self) -> dict[str, torch.optim.lr_scheduler.LRScheduler]:
        """One scheduler per optimizer, same keys as :meth:`optimizers`."""
        return dict(self._schedulers)

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to resume: networks, optimizers, schedulers, RNG state and config."""
        return {
            "config": self.cfg.to_dict(),
            "modules": {k: m.state_dict() for k, m in self.modules().items()},
            "optimizers": {k: o.state_dict() for k, o in self._optimizers.items()},
            "schedulers": {k: s.state_dict() for k, s in self._schedulers.items()},
            "rng": self.rng.get_state(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore :meth:`state_dict` output (the task must have been built with the same config)."""
        for key, part in (("modules", self.modules()), ("optimizers", self._optimizers), ("schedulers", self._schedulers)):
            missing = set(part) ^ set(state[key])
            if missing:
                raise KeyError(f"state {key} do not match this task: {sorted(missing)}")
            for name, obj in part.items():
                obj.load_state_dict(state[key][name])
        for opt in self._optimizers.values():  # a saved group brings its own kernel choice
            for group in opt.param_groups:
                group["fused"], group["foreach"] = self._fused, None
        self.rng.set_state(state["rng"])

    # -- for train_step ----------------------------------------------------------------------

    def update(self, group: str, loss: torch.Tensor) -> None:
        """Backpropagate ``loss`` and step the optimizer of ``group``."""
        opt = self._optimizers[group]
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    def step_schedulers(self) -> None:
        for sched in self._schedulers.values():
            sched.step()

    def learning_rates(self) -> dict[str, float]:
        """``{"lr/<group>": current learning rate}``, for the step's log."""
        return {f"lr/{g}": float(o.param_groups[0]["lr"]) for g, o in self._optimizers.items()}

    @contextlib.contextmanager
    def frozen(self, *groups: str):
        """The parameters of ``groups`` need no gradient inside the block (a generator update
        leaves the discriminators' gradients alone); in data-parallel training their wrappers
        then wait for no gradients either."""
        params = [p for g in groups for p in self._params(g)]
        for p in params:
            p.requires_grad_(False)
        try:
            with no_gradient_sync(m for name, m in self._modules.items() if name.split("_", 1)[0] in groups):
                yield
        finally:
            for p in params:
                p.requires_grad_(True)

    def autocast(self):
        # Autocast for the forward passes and losses only (backward runs outside, as PyTorch
        # recommends); bf16 keeps float32's range, so no gradient scaler is needed.
        return torch.autocast(self.device.type, dtype=self.autocast_dtype or torch.bfloat16,
                              enabled=self.autocast_dtype is not None)

    def train_mode(self) -> None:
        for net in self._modules.values():
            net.train()

    def _params(self, group: str) -> list[nn.Parameter]:
        return [p for name, mod in self._modules.items() if name.split("_", 1)[0] == group for p in mod.parameters()]


__all__ = ["GANTask", "Schedule", "identity_weight", "lr_lambda"]
