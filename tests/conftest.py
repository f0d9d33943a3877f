"""Shared fixtures: real speech (the CMU ARCTIC recording pysptk ships) and small variants."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def single_torch_thread():
    """Tiny networks: thread start-up dominates, and the 2 shared cores thrash with more threads."""
    import torch
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture(scope="session")
def arctic_path() -> str:
    """A real 16 kHz CMU ARCTIC utterance (about 2.9 s) shipped with pysptk."""
    import pysptk
    return pysptk.util.example_audio_file()


@pytest.fixture(scope="session")
def arctic(arctic_path) -> tuple[np.ndarray, int]:
    x, fs = sf.read(arctic_path, dtype="float64")
    return x, fs


def write_data_dir(root: Path, utts: dict[str, tuple[str, str]]) -> Path:
    """Write a Kaldi data directory: ``utts`` maps utt-id -> (speaker, wav path)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "wav.scp").write_text("".join(f"{u} {utts[u][1]}\n" for u in sorted(utts)))
    (root / "utt2spk").write_text("".join(f"{u} {utts[u][0]}\n" for u in sorted(utts)))
    spk2utt: dict[str, list[str]] = {}
    for u in sorted(utts):
        spk2utt.setdefault(utts[u][0], []).append(u)
    (root / "spk2utt").write_text("".join(f"{s} {' '.join(v)}\n" for s, v in sorted(spk2utt.items())))
    return root


def make_two_speaker_wavs(root: Path, x: np.ndarray, fs: int, n_parts: int = 3) -> dict[str, tuple[str, str]]:
    """Two "speakers" from one real recording: the male original cut into ``n_parts`` and the
    same parts re-synthesised by WORLD an octave higher. Utterance ids are ``<spk>_<part>``
    (so parts are parallel "sentences"). Returns utt-id -> (speaker, wav path)."""
    from vcgan.features import FeatureConfig, extract_features
    from vcgan.vocoders import world_vocode

    cfg = FeatureConfig(sample_rate=fs, mcep_dim=24, f0_method="dio")
    feats = extract_features(x, cfg)
    high = world_vocode({**feats, "f0": feats["f0"] * 2.0}, cfg)
    utts = {}
    n = len(x) // n_parts
    for i in range(n_parts):
        for spk, sig in (("low", x), ("high", high)):
            p = root / f"{spk}_{i}.wav"
            sf.write(p, sig[i * n:(i + 1) * n], fs)
            utts[f"{spk}_{i}"] = (spk, str(p))
    return utts


def write_format1_bundle(path: Path, config: dict, speakers: list[str], generators: dict, feature_config,
                         stats: dict, iteration: int = 0) -> Path:
    """A bundle in format 1, written as vcgan wrote bundles before format 2 (``model.pt`` with
    the task, config, speakers and generators; ``config.yaml``; ``feature_config.yaml``;
    ``stats/<spk>.npz``), for the tests that format-1 bundles still load and convert."""
    import torch
    import yaml

    path.mkdir(parents=True)
    torch.save({"format": 1, "task": "cyclegan", "config": config, "speakers": speakers,
                "generators": generators, "iteration": iteration}, path / "model.pt")
    (path / "config.yaml").write_text(yaml.safe_dump({"task": "cyclegan", "speakers": speakers,
                                                      "iteration": iteration, "config": config}))
    feature_config.save(path / "feature_config.yaml")
    for spk in speakers:
        stats[spk].save(path / "stats" / f"{spk}.npz")
    return path


@pytest.fixture(scope="module")
def dump3(tmp_path_factory, arctic):
    """A dump of three "speakers" (``low``: the recording, ``high``: an octave up, ``mid``: a
    fifth up), two utterances each, 24 mel-cepstra, with statistics; ``wav`` is one of ``low``'s."""
    from vcgan.bin.cli import main
    from vcgan.features import FeatureConfig, extract_features
    from vcgan.vocoders import world_vocode

    x, fs = arctic
    root = tmp_path_factory.mktemp("pipeline")
    utts = make_two_speaker_wavs(root, x, fs, n_parts=2)
    cfg = FeatureConfig(sample_rate=fs, mcep_dim=24, f0_method="dio")
    feats = extract_features(x, cfg)
    mid = world_vocode({**feats, "f0": feats["f0"] * 1.5}, cfg)
    n = len(x) // 2
    for i in range(2):
        p = root / f"mid_{i}.wav"
        sf.write(p, mid[i * n:(i + 1) * n], fs)
        utts[f"mid_{i}"] = ("mid", str(p))
    data = write_data_dir(root / "data", utts)
    cfg.save(root / "feature.yaml")
    assert main(["extract", "--data-dir", str(data), "--out-dir", str(root / "dump"),
                 "--config", str(root / "feature.yaml")]) == 0
    assert main(["stats", "--dump-dir", str(root / "dump")]) == 0
    return {"root": root, "dump": root / "dump", "wav": utts["low_1"][1]}
