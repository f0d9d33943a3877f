"""YAML <-> dataclass mapping shared by every config in vcgan (features, models, training).

Configs are plain data: a dataclass whose fields are numbers, strings, lists, dicts or nested
config dataclasses. Loading checks, before any work:

* keys: an unknown key is an error (a typo in a YAML file must not be ignored);
* types: every value against its field's annotation, strictly (pydantic's strict JSON mode):
  ``"24"``, ``24.5`` or ``true`` are not integers; an integer is a fine float (``lr: 1``);
* values: each dataclass's ``__post_init__`` (ranges, choices).

Errors are :class:`ConfigError` naming the file, the key as a dotted path
(``model.generator.n_res_blocks``), what was expected and the value given.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import os
import re
import types
import typing
from pathlib import Path
from typing import Any, TypeVar

import pydantic
import yaml

from vcgan.utils.io import atomic_write_text

T = TypeVar("T")


class ConfigError(ValueError):
    """A configuration file or dict that does not match its dataclass."""


def from_dict(cls: type[T], data: dict[str, Any] | None, *, where: str = "config", key: str = "") -> T:
    """Build dataclass ``cls`` from ``data``, type-checked, recursing into nested dataclass fields.

    Args:
        cls: The config dataclass.
        data: Its plain-data fields (from YAML); missing fields keep their defaults.
        where: What the data came from, first in every message (the file's path).
        key: Dotted path of ``data`` inside that file (``"model"``), prefixed to the keys named.

    Raises:
        ConfigError: an unknown key, a value of the wrong type, or one its ``__post_init__``
            refuses; the message names ``where``, the key, the expected type and the value.
    """
    data = {} if data is None else data
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: {key or 'config'}: expected a mapping of settings, got {_given(data)}")
    _check_keys(cls, data, where, key)
    _check_plain(data, where, key)
    try:
        # JSON mode: strict there still takes a mapping for a dataclass and a list for a list.
        return _adapter(cls).validate_json(json.dumps(data, allow_nan=True), strict=True)
    except pydantic.ValidationError as e:
        raise ConfigError("\n".join(_describe(err, cls, where, key) for err in e.errors(include_url=False))) from None


@functools.lru_cache(maxsize=None)
def _adapter(cls: type) -> pydantic.TypeAdapter:
    return pydantic.TypeAdapter(cls)


def _join(key: str, name: str | int) -> str:
    if isinstance(name, int):
        return f"{key}[{name}]"
    return f"{key}.{name}" if key else str(name)


def _check_keys(cls: type, data: dict[str, Any], where: str, key: str) -> None:
    """Unknown keys of ``data`` for dataclass ``cls`` and its nested dataclass fields."""
    fields = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(str(k) for k in set(data) - fields)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {[_join(key, k) for k in unknown]}; "
                          f"known keys{' of ' + key if key else ''}: {sorted(fields)}")
    hints = typing.get_type_hints(cls)
    for name, value in data.items():
        if dataclasses.is_dataclass(hints.get(name)) and isinstance(value, dict):
            _check_keys(hints[name], value, where, _join(key, name))


def _check_plain(value: Any, where: str, key: str) -> None:
    """Refuse what YAML can hold but a config cannot: dates, binary, non-string keys, .nan/.inf."""
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str):
                raise ConfigError(f"{where}: {_join(key, str(k))}: keys must be text, got {_given(k)}; quote it")
            _check_plain(v, where, _join(key, k))
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            _check_plain(v, where, _join(key, i))
    elif isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"{where}: {key}: expected a finite number, got {value}")
    elif value is not None and not isinstance(value, (str, bool, int, float)):
        raise ConfigError(f"{where}: {key}: expected a number, text, true/false, a list or a mapping, "
                          f"got {_given(value)}")


_EXPECTED = {
    "int_type": "an integer", "int_from_float": "an integer", "int_parsing": "an integer",
    "float_type": "a number", "float_parsing": "a number", "finite_number": "a finite number",
    "string_type": "text", "bool_type": "true or false", "bool_parsing": "true or false",
    "list_type": "a list", "tuple_type": "a list", "set_type": "a list",
    "dict_type": "a mapping", "dataclass_type": "a mapping", "dataclass_exact_type": "a mapping",
    "model_type": "a mapping", "none_required": "null",
}


def _given(value: Any) -> str:
    """``value`` as a user wrote it, and what YAML made of it: ``'24' (text)``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"{str(value).lower()} (true/false)"
    kind = {int: "an integer", float: "a number", str: "text", list: "a list", dict: "a mapping"}
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return f"{shown} ({kind.get(type(value), type(value).__name__)})"


def _hint_at(cls: type, loc: tuple) -> Any:
    """The annotation of the dataclass field at ``loc`` (field names from ``cls`` down), or None."""
    hint: Any = cls
    for name in loc:
        if not (dataclasses.is_dataclass(hint) and isinstance(name, str)):
            return None
        hint = typing.get_type_hints(hint).get(name)
    return hint


def _nullable(cls: type, loc: tuple) -> bool:
    """Whether the dataclass field at ``loc`` may be null (``int | None``)."""
    hint = _hint_at(cls, loc)
    return typing.get_origin(hint) in (typing.Union, types.UnionType) and type(None) in typing.get_args(hint)


def _describe(err: dict[str, Any], cls: type, where: str, key: str) -> str:
    """One pydantic error as ``WHERE: KEY: expected TYPE, got VALUE``."""
    path = key
    for part in err["loc"]:
        path = _join(path, part)
    where_key = f"{where}: {path}" if path else where
    if err["type"] == "value_error":  # from a __post_init__: its message names the setting
        message = str(err.get("ctx", {}).get("error", err["msg"]))
        target = _hint_at(cls, err["loc"])
        first = message.split(" ", 1)[0]
        if path and dataclasses.is_dataclass(target) and first in {f.name for f in dataclasses.fields(target)}:
            return f"{where}: {path}.{message}"  # "model.crop_frames must be ..."
        return f"{where_key}: {message}"
    expected = _EXPECTED.get(err["type"])
    if expected is None:
        return f"{where_key}: {err['msg']}, got {_given(err.get('input'))}"
    if _nullable(cls, err["loc"]):
        expected += " or null"
    return f"{where_key}: expected {expected}, got {_given(err.get('input'))}"


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


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader that also reads ``2e-4`` and ``1E5`` as floats.

    PyYAML follows YAML 1.1, where a float needs a dot (``2.0e-4``), so the way every ML config
    writes a learning rate would load as the text ``"2e-4"``; YAML 1.2 and most other loaders
    read it as a number, and so do we.
    """


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)[eE][-+]?[0-9]+$"),
    list("-+0123456789."),
)


def load_yaml(path: str | os.PathLike) -> dict[str, Any]:
    """The top-level mapping of YAML file ``path`` (``{}`` for an empty file).

    Raises:
        ConfigError: no such file, not valid YAML, or not a mapping at the top level.
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: config file does not exist")
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
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
