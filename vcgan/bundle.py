"""Model bundles: everything conversion needs, in one self-contained directory.

Format 2 (written by this version)::

    BUNDLE/manifest.yaml         format, vcgan version, iteration, speakers, and the components:
                                   converter:   {family, config, weights: converter.pt, sha256}
                                   postfilters: [{family, config, weights: postfilter-0.pt, sha256}, ...]
                                   vocoder:     a vocoder name (world, griffin-lim, ...) or a component
    BUNDLE/<component>.pt        the networks' weights of one component: {network name: state dict}
    BUNDLE/feature_config.yaml   analysis settings of the training data (re-used at conversion)
    BUNDLE/stats/<spk>.npz       statistics of the bundle's speakers

A component names its *family* (:mod:`vcgan.tasks`), which builds the converter or post-filter
back from the component's config and weights; nothing here knows a family. The weights' SHA-256
in the manifest tells a damaged or swapped weights file at load time.

Format 1 (``BUNDLE/model.pt`` holding ``{"format": 1, "task", "config", "speakers",
"generators", "iteration"}``, written by vcgan before the pipeline redesign) still loads: its
``task`` becomes the converter's family and its ``generators`` the converter's weights.

A user who receives the directory converts with ``vcgan convert --model BUNDLE``; no recipe
directory is needed. Writing goes to a temporary directory renamed into place, so a bundle is
either complete or absent.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

import vcgan
from vcgan.features.config import FeatureConfig
from vcgan.features.stats import SpeakerStats
from vcgan.utils.config import ConfigError, load_yaml, save_yaml
from vcgan.utils.io import make_public_dir

FORMAT = 2
MANIFEST = "manifest.yaml"
#: The format-1 model file (read only).
MODEL_FILE = "model.pt"

#: A component's weights: network name -> state dict.
Weights = dict[str, dict[str, torch.Tensor]]


@dataclass
class Component:
    """One trained part of a conversion chain.

    Attributes:
        family: Registry name of the family that builds it (:func:`vcgan.tasks.get_family`).
        config: The family's config, as plain data (what ``family.parse_config`` reads).
        weights: Network name -> state dict (CPU tensors).
    """

    family: str
    config: dict[str, Any]
    weights: Weights = field(default_factory=dict)


@dataclass
class Bundle:
    """A loaded (or to-be-saved) bundle; see the module docstring for the layout.

    Attributes:
        speakers: The speakers the bundle's statistics describe (converter order: the first
            is the default source).
        stats: Their statistics.
        feature_config: Analysis settings of the training data.
        converter: The feature converter, or None (a post-filter or vocoder bundle).
        postfilters: Post-filters applied after the converter, in order.
        vocoder: A vocoder name, a vocoder component, or None (``world``).
        iteration: Training iterations behind the weights.
        format: The format it was read in (:data:`FORMAT` when built here).
        vcgan_version: The vcgan version that wrote it.
        path: Where it was read from, or None.
    """

    speakers: list[str]
    stats: dict[str, SpeakerStats]
    feature_config: FeatureConfig
    converter: Component | None = None
    postfilters: list[Component] = field(default_factory=list)
    vocoder: str | Component | None = None
    iteration: int = 0
    format: int = FORMAT
    vcgan_version: str = vcgan.__version__
    path: Path | None = None

    def roles(self) -> list[str]:
        """The roles this bundle fills (``converter``, ``postfilter``, ``vocoder``)."""
        return ([r for r, c in (("converter", self.converter),) if c is not None]
                + (["postfilter"] if self.postfilters else [])
                + (["vocoder"] if isinstance(self.vocoder, Component) else []))

    # -- writing ---------------------------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> Path:
        """Write the bundle (format 2) to ``path`` atomically, replacing an older one there."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
        try:
            make_public_dir(tmp)  # the mode mkdir() would give, not mkdtemp's 0700
            components: dict[str, Any] = {}
            if self.converter is not None:
                components["converter"] = _save_component(tmp, "converter", self.converter)
            if self.postfilters:
                components["postfilters"] = [_save_component(tmp, f"postfilter-{i}", c)
                                             for i, c in enumerate(self.postfilters)]
            if self.vocoder is not None:
                components["vocoder"] = (self.vocoder if isinstance(self.vocoder, str)
                                         else _save_component(tmp, "vocoder", self.vocoder))
            save_yaml(tmp / MANIFEST, {
                "format": FORMAT, "vcgan_version": vcgan.__version__, "iteration": int(self.iteration),
                "speakers": list(self.speakers), "components": components,
            })
            self.feature_config.save(tmp / "feature_config.yaml")
            for spk in self.speakers:
                self.stats[spk].save(tmp / "stats" / f"{spk}.npz")
            _replace_dir(tmp, path)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return path

    # -- reading ---------------------------------------------------------------------------------
    @classmethod
    def load(cls, path: str | os.PathLike) -> "Bundle":
        """Read a bundle of format 2 or 1.

        Raises:
            FileNotFoundError: ``path`` is no bundle, or a file it lists is missing.
            ValueError: naming the file: a format newer than this vcgan reads, a damaged or
                swapped weights file (checksum), a damaged manifest, feature config or statistics.
        """
        path = Path(path)
        if (path / MANIFEST).is_file():
            bundle = _load_format2(path)
        elif (path / MODEL_FILE).is_file():
            bundle = _load_format1(path)
        else:
            raise FileNotFoundError(f"{path}: not a model bundle (no {MANIFEST}); "
                                    "bundles are written by `vcgan train` into EXP/bundle")
        bundle.path = path
        return bundle


def _save_component(directory: Path, name: str, component: Component) -> dict[str, Any]:
    weights_file = f"{name}.pt"
    torch.save({k: {n: t.detach().cpu() for n, t in sd.items()} for k, sd in component.weights.items()},
               directory / weights_file)
    return {"family": component.family, "config": component.config, "weights": weights_file,
            "sha256": _sha256(directory / weights_file)}


def _replace_dir(tmp: Path, path: Path) -> None:
    if path.exists():
        old = path.with_name(f".{path.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(path, old)
        os.replace(tmp, path)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, path)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _load_format2(path: Path) -> Bundle:
    manifest_file = path / MANIFEST
    try:
        manifest = load_yaml(manifest_file)
    except UnicodeDecodeError as e:
        raise ValueError(f"{manifest_file}: not a text (YAML) file or corrupt ({e.reason})") from None
    fmt = manifest.get("format")
    if not isinstance(fmt, int):
        raise ValueError(f"{manifest_file}: not a vcgan bundle manifest (no format number)")
    if fmt > FORMAT:
        raise ValueError(f"{manifest_file}: bundle format {fmt} was written by vcgan "
                         f"{manifest.get('vcgan_version', '(unknown)')}; this vcgan ({vcgan.__version__}) "
                         f"reads formats 1 to {FORMAT}: upgrade vcgan")
    for key, kind in (("speakers", list), ("components", dict)):
        if not isinstance(manifest.get(key), kind):
            raise ValueError(f"{manifest_file}: '{key}' missing or not a {kind.__name__}")
    parts = manifest["components"]
    vocoder = parts.get("vocoder")
    return Bundle(
        speakers=[str(s) for s in manifest["speakers"]],
        stats=_load_stats(path, [str(s) for s in manifest["speakers"]]),
        feature_config=_load_feature_config(path),
        converter=_load_component(path, parts["converter"], "converter") if parts.get("converter") else None,
        postfilters=[_load_component(path, c, f"postfilters[{i}]") for i, c in enumerate(parts.get("postfilters") or [])],
        vocoder=vocoder if vocoder is None or isinstance(vocoder, str) else _load_component(path, vocoder, "vocoder"),
        iteration=int(manifest.get("iteration", 0)),
        format=fmt,
        vcgan_version=str(manifest.get("vcgan_version", "")),
    )


def _load_component(path: Path, entry: Any, role: str) -> Component:
    where = f"{path / MANIFEST}: components.{role}"
    if not isinstance(entry, dict) or not isinstance(entry.get("family"), str):
        raise ValueError(f"{where}: expected a mapping with a 'family' name, got {entry!r}")
    weights: Weights = {}
    if entry.get("weights"):
        weights_file = path / str(entry["weights"])
        if not weights_file.is_file():
            raise FileNotFoundError(f"{weights_file}: missing (listed in {path / MANIFEST}); copy the whole bundle")
        if entry.get("sha256") and _sha256(weights_file) != entry["sha256"]:
            raise ValueError(f"{weights_file}: checksum differs from the manifest's: the file is damaged "
                             "or from another bundle (write the bundle again with `vcgan train --export-bundle`)")
        weights = _torch_load(weights_file)
    config = entry.get("config") or {}
    if not isinstance(config, dict):
        raise ConfigError(f"{where}.config: expected a mapping, got {type(config).__name__}")
    return Component(family=entry["family"], config=config, weights=weights)


def _load_format1(path: Path) -> Bundle:
    model_file = path / MODEL_FILE
    data = _torch_load(model_file)
    if data.get("format") != 1:
        raise ValueError(f"{model_file}: bundle format {data.get('format')} not supported (expected 1 in model.pt)")
    missing = [k for k in _FORMAT1_KEYS if k not in data]
    if missing:
        raise ValueError(f"{model_file}: not a complete vcgan model file (no {', '.join(missing)})")
    speakers = [str(s) for s in data["speakers"]]
    return Bundle(speakers=speakers, stats=_load_stats(path, speakers), feature_config=_load_feature_config(path),
                  converter=Component(family=str(data["task"]), config=dict(data["config"]),
                                      weights=dict(data["generators"])),
                  iteration=int(data.get("iteration", 0)), format=1, vcgan_version="")


# What a format-1 model.pt must hold besides "format" (and the optional "iteration").
_FORMAT1_KEYS = ("task", "config", "speakers", "generators")


def _torch_load(weights_file: Path) -> dict[str, Any]:
    """The dict in a ``.pt`` file of a bundle; ValueError naming the file when it is not one."""
    try:
        # weights_only: a bundle may come from someone else; it holds only tensors and plain data.
        data = torch.load(weights_file, map_location="cpu", weights_only=True)
    except OSError:
        raise
    except Exception as e:  # torch reports damage as RuntimeError, EOFError, UnpicklingError, ...
        detail = str(e).strip().splitlines()[0] if str(e).strip() else "no details"
        raise ValueError(f"{weights_file}: not a vcgan model file or corrupt (truncated?): "
                         f"{type(e).__name__}: {detail}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{weights_file}: not a vcgan model file (holds a {type(data).__name__}, not a dict)")
    return data


def _load_feature_config(path: Path) -> FeatureConfig:
    cfg_file = path / "feature_config.yaml"
    if not cfg_file.is_file():
        raise FileNotFoundError(f"{path}: incomplete model bundle (no feature_config.yaml); copy the whole "
                                "bundle directory, or write it again with `vcgan train --export-bundle`")
    if not cfg_file.read_bytes().strip():
        # An empty file would silently mean every default setting, not the training data's.
        raise ValueError(f"{cfg_file}: empty; the bundle's analysis settings are lost (write the bundle again "
                         "with `vcgan train --export-bundle`)")
    try:
        return FeatureConfig.from_yaml(cfg_file)
    except UnicodeDecodeError as e:
        raise ValueError(f"{cfg_file}: not a text (YAML) file or corrupt ({e.reason} at byte {e.start})") from None


def _load_stats(path: Path, speakers: list[str]) -> dict[str, SpeakerStats]:
    """The statistics of the bundle's ``speakers`` from ``path/stats/<spk>.npz``."""
    missing = [s for s in speakers if not (path / "stats" / f"{s}.npz").is_file()]
    if missing:
        raise FileNotFoundError(f"{path}/stats: incomplete model bundle (no statistics for speaker(s) "
                                f"{', '.join(missing)}); copy the whole bundle directory")
    stats = {s: SpeakerStats.load(path / "stats" / f"{s}.npz") for s in speakers}
    wrong = [s for s, st in stats.items() if st.speaker != s]
    if wrong:
        raise ValueError(f"{path}/stats: file(s) of another speaker: "
                         + ", ".join(f"{s}.npz holds {stats[s].speaker}" for s in wrong))
    return stats
