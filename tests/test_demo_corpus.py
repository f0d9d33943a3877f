"""The offline demo corpus builder: the sentence list, real synthesis, speakers differ, 16 kHz,
deterministic."""

from __future__ import annotations

import hashlib
import importlib.util
import re
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("make_demo_corpus", ROOT / "tools" / "make_demo_corpus.py")
mdc = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = mdc  # dataclasses look their module up there
_spec.loader.exec_module(mdc)

# Only the tests that synthesise need the tools; the sentence list and argument checks do not.
needs_tools = pytest.mark.skipif(bool(mdc.missing_tools()),
                                 reason="demo corpus tools (espeak-ng, festival, sox) missing")

N_SENTENCES = 100  # the corpus size the docs, recipes (n_sentences=100) and split describe


def test_sentence_list() -> None:
    assert len(mdc.SENTENCES) == N_SENTENCES
    assert [mdc.sentence_id(i) for i in (0, 9, 49, 50, N_SENTENCES - 1)] == [
        "s001", "s010", "s050", "s051", "s100"]
    # No duplicates, not even up to case, spacing and punctuation.
    normalised = [" ".join(re.findall(r"[a-z]+", s.lower())) for s in mdc.SENTENCES]
    assert len(set(normalised)) == len(normalised)
    for s in mdc.SENTENCES:
        # Plain text the engines read alike: letters, spaces, commas; a capital first letter,
        # a full stop or question mark at the end; no digits, abbreviations or symbols.
        assert re.fullmatch(r"[A-Z][A-Za-z ,]*[a-z][.?]", s), s
        assert "  " not in s and ". " not in s, s
        assert 8 <= len(s.split()) <= 13, s  # short spoken sentences of similar length
    assert sum(s.endswith("?") for s in mdc.SENTENCES) >= 5  # some questions, too


def test_cli_default_is_all_sentences(capsys) -> None:
    with pytest.raises(SystemExit) as e:
        mdc.main(["--help"])
    assert e.value.code == 0
    help_text = " ".join(capsys.readouterr().out.split())
    assert f"1..{N_SENTENCES} (default: {N_SENTENCES};" in help_text


def _digests(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "corpus"
    mdc.build(out, n_sentences=2, nj=2, quiet=True)
    return out


@needs_tools
def test_layout_and_format(corpus: Path) -> None:
    speakers = [line.split()[0] for line in (corpus / "speakers.txt").read_text().splitlines()]
    assert speakers == ["kalM", "sltF", "espM", "espF"]
    assert (corpus / "sentences.txt").read_text().splitlines() == [
        f"s001 {mdc.SENTENCES[0]}", f"s002 {mdc.SENTENCES[1]}"]
    for spk in speakers:
        for sid in ("s001", "s002"):
            info = sf.info(str(corpus / "wav" / spk / f"{spk}_{sid}.wav"))
            assert (info.samplerate, info.channels, info.subtype) == (16000, 1, "PCM_16")
            assert 1.0 < info.duration < 10.0  # a spoken sentence, not an empty file


def _mean_f0(paths: list[Path]) -> float:
    import pyworld

    voiced = []
    for p in paths:
        x, sr = sf.read(str(p), dtype="float64")
        f0, _ = pyworld.dio(x, sr, f0_floor=60.0, f0_ceil=500.0, frame_period=5.0)
        voiced.append(f0[f0 > 0])
    return float(np.mean(np.concatenate(voiced)))


@needs_tools
def test_speakers_differ(corpus: Path) -> None:
    f0 = {spk: _mean_f0(sorted((corpus / "wav" / spk).glob("*.wav")))
          for spk in ("kalM", "sltF", "espM", "espF")}
    # Every female voice is clearly higher than every male voice (Hz).
    assert min(f0["sltF"], f0["espF"]) > 1.3 * max(f0["kalM"], f0["espM"])
    # And the two voices of one gender are not the same voice.
    assert abs(f0["sltF"] - f0["espF"]) > 20 and abs(f0["kalM"] - f0["espM"]) > 5
    # Same sentence, different speakers: the waveforms differ.
    a, _ = sf.read(str(corpus / "wav" / "kalM" / "kalM_s001.wav"))
    b, _ = sf.read(str(corpus / "wav" / "espM" / "espM_s001.wav"))
    assert len(a) != len(b) or not np.allclose(a, b)


@needs_tools
def test_deterministic_and_resumable(corpus: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    mdc.build(again, n_sentences=2, nj=1, quiet=True)
    assert _digests(again) == _digests(corpus)
    # Resume: a lost file is rebuilt identically, the others are kept as they are.
    lost = again / "wav" / "sltF" / "sltF_s002.wav"
    lost.unlink()
    kept = again / "wav" / "kalM" / "kalM_s001.wav"
    mtime = kept.stat().st_mtime_ns
    mdc.build(again, n_sentences=2, nj=2, quiet=True)
    assert _digests(again) == _digests(corpus)
    assert kept.stat().st_mtime_ns == mtime


def test_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="n_sentences"):
        mdc.build(tmp_path, n_sentences=0)
    with pytest.raises(ValueError, match=rf"1\.\.{N_SENTENCES}, got {N_SENTENCES + 1}"):
        mdc.build(tmp_path, n_sentences=N_SENTENCES + 1)
    with pytest.raises(ValueError, match="unknown demo speaker"):
        mdc.build(tmp_path, n_sentences=1, speakers=["nobody"])
