"""Model families by name: what a training config's ``task:`` and a bundle component's
``family:`` refer to.

A family is one package under ``vcgan/tasks/`` (or anywhere: see :func:`register`) providing a
:class:`~vcgan.tasks.base.Family`: its config, training task, batches, validation, bundle export
and the converter (or post-filter) it builds back from a bundle. ``vcgan train`` and
``vcgan convert`` look families up here and name none of them.

    >>> from vcgan.tasks import get_family
    >>> get_family("cyclegan").speakers
    (2, 2)

Built-in families are the sub-packages of :mod:`vcgan.tasks`, each named as its family and
imported on first use (so looking one up does not import the others); a family of another
package registers itself with :func:`register` when that package is imported.
"""

from __future__ import annotations

import importlib
import pkgutil

from vcgan.tasks.base import Family

_registered: dict[str, Family] = {}


def _builtin() -> list[str]:
    """Names of the family packages under vcgan/tasks/ (imported lazily: each imports torch and
    its networks)."""
    return [m.name for m in pkgutil.iter_modules(__path__) if m.ispkg]


def register(family: Family) -> Family:
    """Make ``family`` available under ``family.name``; returns it (usable as a decorator on an
    instance-building function's result). A family of another package registers itself when
    that package is imported; a name already taken by another family is an error."""
    known = _registered.get(family.name)
    if known is not None and known is not family:
        raise ValueError(f"model family {family.name!r} is registered already ({type(known).__module__})")
    _registered[family.name] = family
    return family


def unregister(name: str) -> None:
    """Remove family ``name`` (for tests that register a family of their own)."""
    _registered.pop(name, None)


def known_families() -> list[str]:
    """Names of every family, registered or built in."""
    return sorted(set(_builtin()) | set(_registered))


def get_family(name: str) -> Family:
    """The family called ``name``; ``ValueError`` listing the known ones when there is none."""
    if name not in _registered and name in _builtin():
        importlib.import_module(f"{__name__}.{name}")
    try:
        return _registered[name]
    except KeyError:
        raise ValueError(f"unknown model family {name!r}; known: {known_families()}") from None


__all__ = ["Family", "get_family", "known_families", "register", "unregister"]
