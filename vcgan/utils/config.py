"""YAML <-> dataclass mapping shared by every config in vcgan (features, models, training).

Configs are plain data: a dataclass whose fields are numbers, strings, lists, dicts or nested
config dataclasses. Unknown keys are an error (a typo in a YAML file must not be ignored).
"""

from __future__ import annotations

import dataclasses
import os
import typing
from pathlib import Path
from typing import Any, TypeVar

import yaml

from vcgan.utils.io import atomic_write_text

T = TypeVar("T")


class ConfigError(ValueError):
    """A configuration file or dict that does not match its dataclass."""


def from_dict(cls: type[T], data: dict[str, Any] | None, *, where: str = "config") -> T:
    """Build dataclass ``cls`` from ``data``, recursing into nested dataclass fields."""
    data = dict(data or {})
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {unknown} for {cls.__name__}; known: {sorted(fields)}")
    hints = typing.get_type_hints(cls)
    kwargs = {}
    for name, value in data.items():
        hint = hints.get(name)
        if dataclasses.is_dataclass(hint) and isinstance(value, dict):
            value = from_dict(hint, value, where=f"{where}.{name}")
        kwargs[name] = value
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as e:
        raise ConfigError(f"{where}: {e}") from None


def to_dict(obj: Any) -> dict[str, Any]:
    """Plain-data dict of a config dataclass (tuples become lists, for YAML)."""
    def plain(v: Any) -> Any:
        if dataclasses.is_dataclass(v):
            return {f.name: plain(getattr(v, f.name)) for f in dataclasses.fields(v)}
        if isinstance(v, (list, tuple)):
            return [plain(i) for i in v]
        if isinstance(v, dict):
            return {str(k): plain(i) for k, i in v.items()}
        return v
    return plain(obj)


def load_yaml(path: str | os.PathLike) -> dict[str, Any]:
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: config file does not exist")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise ConfigError(f"{path}: not valid YAML ({e})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level, got {type(data).__name__}")
    return data


def save_yaml(path: str | os.PathLike, data: dict[str, Any]) -> None:
    """Write ``data`` (a dict or a config dataclass) as YAML, atomically."""
    if dataclasses.is_dataclass(data):
        data = to_dict(data)
    atomic_write_text(path, yaml.safe_dump(data, sort_keys=False, default_flow_style=None))
