"""A training YAML: which family (``task``), its settings (``model``), the loop's (``trainer``).

    task: cyclegan              # a family of vcgan.tasks
    model: {model: cyclegan_vc2, crop_frames: 64, ...}   # the family's config; unset = the paper's
    trainer: {checkpoint_interval: 1000, ...}            # vcgan.train.trainer.TrainerConfig

Loading checks all three sections before any work (the ``model`` section by the family's own
``parse_config``), with errors naming the file and the dotted key.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from vcgan.tasks import Family, get_family, known_families
from vcgan.train.trainer import TrainerConfig
from vcgan.utils.config import ConfigError, from_dict, load_yaml, to_dict


@dataclass
class TrainingConfig:
    """A whole training YAML (see the module docstring).

    Attributes:
        task: Registry name of the model family.
        model: The family's settings as written (parsed by :meth:`model_config`).
        trainer: The loop's settings.
    """

    task: str
    model: dict[str, Any] = field(default_factory=dict)
    trainer: TrainerConfig = field(default_factory=TrainerConfig)

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: str = "training config") -> "TrainingConfig":
        """The config of ``data`` (a whole YAML), every section checked now."""
        data = dict(data or {})
        if "task" not in data:
            raise ConfigError(f"{where}: task: missing; name the model family (one of "
                              f"{', '.join(known_families())})")
        cfg = from_dict(cls, data, where=where)
        cfg._where = where  # for the messages of model_config(); not a setting
        try:
            cfg.family
        except ValueError as e:
            raise ConfigError(f"{where}: task: {e}") from None
        cfg.model_config()
        return cfg

    @classmethod
    def from_yaml(cls, path: str | os.PathLike) -> "TrainingConfig":
        return cls.from_dict(load_yaml(path), where=str(path))

    @property
    def family(self) -> Family:
        return get_family(self.task)

    def model_config(self) -> Any:
        """The ``model`` section as the family's typed config (errors name the file and key)."""
        return self.family.parse_config(self.model, getattr(self, "_where", "training config"))

    def to_dict(self) -> dict[str, Any]:
        """Plain data with every model setting resolved (the paper's values filled in)."""
        return {"task": self.task, "model": self.model_config().to_dict(), "trainer": to_dict(self.trainer)}
