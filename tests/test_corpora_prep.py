"""Corpus preparers on small trees that mimic each corpus's real layout, and downloads."""

from __future__ import annotations

import hashlib
import http.server
import io
import tarfile
import threading
import zipfile
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from vcgan.data.corpora import cmu_arctic, demo, vcc2016, vcc2018, vctk
from vcgan.data.corpora.common import CorpusError
from vcgan.data.download import DownloadError, Resource, download, extract, fetch
from vcgan.data.kaldi import read_data_dir


def _wav(path: Path, sr: int = 16000, fmt: str = "WAV") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    t = np.arange(int(0.05 * sr)) / sr
    sf.write(str(path), 0.1 * np.sin(2 * np.pi * 150 * t), sr, format=fmt)


def _utts(d: Path) -> list[str]:
    return [line.split()[0] for line in (d / "utt2spk").read_text().splitlines()]


def _sentences(d: Path, spk: str) -> set[str]:
    return {u[len(spk) + 1:] for u in _utts(d) if u.startswith(spk + "_")}


# ------------------------------------------------------------------------ VCC2016
@pytest.fixture
def vcc2016_tree(tmp_path: Path) -> Path:
    root = tmp_path / "vcc2016"
    for spk in ("SF1", "SM1", "TF2", "TM3", "SF2"):
        for i in range(1, 13):
            _wav(root / "vcc2016_training" / spk / f"1000{i:02d}.wav")
        for i in range(1, 4):
            _wav(root / "evaluation_all" / spk / f"20000{i}.wav")
    return root


def test_vcc2016(vcc2016_tree: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    vcc2016.prepare(vcc2016_tree, data, ["SF1", "SM1"], ["TF2", "TM3"], n_dev=2)
    assert read_data_dir(data / "train").speakers == ["SF1", "SM1", "TF2", "TM3"]
    # 12 sentences - 2 dev = 10 shared; sources get 100001-05, targets 100006-10.
    assert _sentences(data / "train_SF1", "SF1") == {f"1000{i:02d}" for i in range(1, 6)}
    assert _sentences(data / "train_TM3", "TM3") == {f"1000{i:02d}" for i in range(6, 11)}
    assert _sentences(data / "dev_TF2", "TF2") == {"100011", "100012"}
    assert _utts(data / "eval_SM1") == ["SM1_200001", "SM1_200002", "SM1_200003"]
    wav = read_data_dir(data / "eval_SM1").wav_scp["SM1_200002"]
    assert wav == str((vcc2016_tree / "evaluation_all" / "SM1" / "200002.wav").resolve())
    assert not (data / "train" / "text").exists()
    # parallel training when asked
    vcc2016.prepare(vcc2016_tree, tmp_path / "par", ["SF1"], ["TF2"], n_dev=2, nonparallel=False)
    assert _sentences(tmp_path / "par" / "train_SF1", "SF1") == _sentences(
        tmp_path / "par" / "train_TF2", "TF2")


def test_vcc2016_errors(vcc2016_tree: Path, tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match=r"unknown speaker\(s\) TF9 .*speakers found there: SF1 SF2"):
        vcc2016.prepare(vcc2016_tree, tmp_path / "d", ["SF1"], ["TF9"])
    with pytest.raises(CorpusError, match="VCC2016 training set not found: .*nowhere"):
        vcc2016.prepare(tmp_path / "nowhere", tmp_path / "d")
    for p in (vcc2016_tree / "evaluation_all" / "TF2").glob("*.wav"):
        p.unlink()
    with pytest.raises(CorpusError, match="evaluation set has no wav files for TF2"):
        vcc2016.prepare(vcc2016_tree, tmp_path / "d", ["SF1"], ["TF2"])


def test_cli_reports_error(tmp_path: Path, capsys) -> None:
    assert vcc2016.main(["prepare", "--corpus-dir", str(tmp_path / "nope"),
                         "--data-dir", str(tmp_path / "d")]) == 1
    assert "VCC2016 training set not found" in capsys.readouterr().err


# ------------------------------------------------------------------------ VCC2018
def test_vcc2018(tmp_path: Path) -> None:
    root = tmp_path / "vcc2018"
    for spk in ("VCC2SF3", "VCC2SM3", "VCC2TF1", "VCC2TM1"):
        first = 20001 if spk.startswith("VCC2S") else 10001  # spoke sources: other sentences
        for i in range(8):
            _wav(root / "vcc2018_training" / spk / f"{first + i}.wav", 22050)
        kind = "vcc2018_evaluation" if spk.startswith("VCC2S") else "vcc2018_reference"
        for i in range(1, 4):
            _wav(root / kind / spk / f"3000{i}.wav", 22050)
    data = tmp_path / "data"
    vcc2018.prepare(root, data, n_dev=2)
    assert _sentences(data / "train_VCC2SF3", "VCC2SF3") == {str(20001 + i) for i in range(6)}
    assert _sentences(data / "dev_VCC2TM1", "VCC2TM1") == {"10007", "10008"}
    for spk in ("VCC2SF3", "VCC2TF1"):
        assert _sentences(data / f"eval_{spk}", spk) == {"30001", "30002", "30003"}
    assert "vcc2018_reference/VCC2TF1/30001.wav" in (data / "eval_VCC2TF1" / "wav.scp").read_text()
    vcc2018.prepare(root, tmp_path / "all", n_dev=0)
    assert not (tmp_path / "all" / "dev").exists()
    assert len(_utts(tmp_path / "all" / "train")) == 32
    # StarGAN-VC2's four sources alone (egs/vcc2018/stargan_vc2): no target speaker needed
    vcc2018.prepare(root, tmp_path / "sources", ["VCC2SF3", "VCC2SM3"], [], n_dev=2)
    assert sorted(_sentences(tmp_path / "sources" / "eval", "VCC2SM3")) == ["30001", "30002", "30003"]
    assert not (tmp_path / "sources" / "train_VCC2TF1").exists()
    # a target speaker missing from the reference set is named
    (root / "vcc2018_reference" / "VCC2TM1").rename(root / "vcc2018_reference" / "other")
    with pytest.raises(CorpusError, match=r"unknown speaker\(s\) VCC2TM1 in .*vcc2018_reference"):
        vcc2018.prepare(root, tmp_path / "d")


# ------------------------------------------------------------------------ CMU ARCTIC
def _arctic(root: Path, spk: str, names: list[str]) -> None:
    base = root / f"cmu_us_{spk}_arctic"
    lines = []
    for n in names:
        _wav(base / "wav" / f"{n}.wav")
        lines.append(f'( {n} "Sentence {n} for {spk}, with a comma." )')
    (base / "etc").mkdir(parents=True)
    (base / "etc" / "txt.done.data").write_text("\n".join(lines) + "\n")


def test_cmu_arctic(tmp_path: Path) -> None:
    names = [f"arctic_a{i:04d}" for i in range(1, 7)] + [f"arctic_b{i:04d}" for i in range(1, 5)]
    for spk in ("bdl", "slt", "clb"):
        _arctic(tmp_path / "arctic", spk, names)
    data = tmp_path / "data"
    cmu_arctic.prepare(tmp_path / "arctic", data, ["bdl"], ["slt", "clb"], n_dev=2, n_eval=2)
    assert _sentences(data / "eval_slt", "slt") == {"arctic_b0003", "arctic_b0004"}
    assert _sentences(data / "dev_bdl", "bdl") == {"arctic_b0001", "arctic_b0002"}
    assert _sentences(data / "train_bdl", "bdl") == {f"arctic_a{i:04d}" for i in range(1, 4)}
    assert _sentences(data / "train_clb", "clb") == {f"arctic_a{i:04d}" for i in range(4, 7)}
    text = read_data_dir(data / "train_bdl").text
    assert text["bdl_arctic_a0002"] == "Sentence arctic_a0002 for bdl, with a comma."


def test_cmu_arctic_errors(tmp_path: Path) -> None:
    _arctic(tmp_path / "arctic", "bdl", ["arctic_a0001", "arctic_a0002"])
    _arctic(tmp_path / "arctic", "slt", ["arctic_a0001", "arctic_a0002"])
    with pytest.raises(CorpusError, match="cannot take 50 dev \\+ 50 eval sentences from the 2"):
        cmu_arctic.prepare(tmp_path / "arctic", tmp_path / "d")
    with pytest.raises(CorpusError, match=r"unknown speaker\(s\) rms"):
        cmu_arctic.prepare(tmp_path / "arctic", tmp_path / "d", ["rms"], ["slt"])
    txt = tmp_path / "arctic" / "cmu_us_slt_arctic" / "etc" / "txt.done.data"
    txt.write_text("arctic_a0001 no parentheses\n")
    with pytest.raises(CorpusError, match="txt.done.data line 1: expected"):
        cmu_arctic.prepare(tmp_path / "arctic", tmp_path / "d", n_dev=0, n_eval=1)


# ------------------------------------------------------------------------ VCTK
def test_vctk_092(tmp_path: Path) -> None:
    root = tmp_path / "VCTK"
    shared = {"001": "Please call Stella.", "002": "Ask her to bring these things."}
    own = {"p225": ["010", "011", "012"], "p226": ["020", "021", "022"]}
    for spk in ("p225", "p226"):
        for num in [*shared, "003", *own[spk]]:
            for mic in ("mic1", "mic2"):
                _wav(root / "wav48_silence_trimmed" / spk / f"{spk}_{num}_{mic}.flac", 48000, "FLAC")
            text = shared.get(num, f"{spk} reads sentence {num}.")
            (root / "txt" / spk).mkdir(parents=True, exist_ok=True)
            (root / "txt" / spk / f"{spk}_{num}.txt").write_text(text + "\n")
    (root / "speaker-info.txt").write_text("ID  AGE  GENDER  ACCENTS  REGION COMMENTS\n")
    data = tmp_path / "data"
    vctk.prepare(root, data, ["p225", "p226"], n_dev=1, n_eval=1, mic="mic2")
    # 003 exists for both but its text differs, so only 001/002 are parallel.
    assert _utts(data / "eval") == ["p225_002", "p226_002"]
    assert _utts(data / "dev") == ["p225_001", "p226_001"]
    assert _sentences(data / "train_p226", "p226") == {"003", "020", "021", "022"}
    d = read_data_dir(data / "eval")
    assert d.wav_scp["p225_002"].endswith("wav48_silence_trimmed/p225/p225_002_mic2.flac")
    assert d.text["p226_002"] == "Ask her to bring these things."
    with pytest.raises(CorpusError, match="cannot take 1 dev \\+ 2 eval sentences from the 2"):
        vctk.prepare(root, tmp_path / "d", ["p225", "p226"], n_dev=1, n_eval=2)


def test_vctk_080_layout(tmp_path: Path) -> None:
    root = tmp_path / "VCTK-Corpus"
    for spk in ("p225", "p226"):
        for num in ("001", "002", "003"):
            _wav(root / "wav48" / spk / f"{spk}_{num}.wav", 48000)
            (root / "txt" / spk).mkdir(parents=True, exist_ok=True)
            (root / "txt" / spk / f"{spk}_{num}.txt").write_text(f"shared {num}\n")
    vctk.prepare(root, tmp_path / "data", ["p225", "p226"], n_dev=1, n_eval=1)
    assert _utts(tmp_path / "data" / "eval_p226") == ["p226_003"]
    with pytest.raises(CorpusError, match="VCTK audio directory"):
        vctk.prepare(tmp_path, tmp_path / "data", ["p225"], 1, 1)


# ------------------------------------------------------------------------ demo
def test_demo_split_and_missing_file(tmp_path: Path) -> None:
    corpus = tmp_path / "demo"
    n = 10
    (corpus).mkdir()
    (corpus / "sentences.txt").write_text("".join(f"s{i:03d} Sentence {i}.\n" for i in range(1, n + 1)))
    for spk in ("kalM", "sltF", "espM"):
        for i in range(1, n + 1):
            _wav(corpus / "wav" / spk / f"{spk}_s{i:03d}.wav")
    data = tmp_path / "data"
    demo.prepare(corpus, data, ["kalM"], ["sltF"])
    assert _sentences(data / "train_kalM", "kalM") == {f"s{i:03d}" for i in range(1, 5)}
    assert _sentences(data / "train_sltF", "sltF") == {f"s{i:03d}" for i in range(5, 9)}
    assert _sentences(data / "dev_kalM", "kalM") == {"s009"}
    assert _sentences(data / "eval_sltF", "sltF") == {"s010"}
    assert read_data_dir(data / "eval").speakers == ["kalM", "sltF"]
    # --parallel (the GAN post-filter recipe's front end): both train on all of s001-s008.
    demo.prepare(corpus, tmp_path / "parallel", ["kalM"], ["sltF"], parallel=True)
    for spk in ("kalM", "sltF"):
        assert _sentences(tmp_path / "parallel" / f"train_{spk}", spk) == {f"s{i:03d}" for i in range(1, 9)}
    assert _sentences(tmp_path / "parallel" / "eval_sltF", "sltF") == {"s010"}
    (corpus / "wav" / "sltF" / "sltF_s004.wav").unlink()
    with pytest.raises(CorpusError, match="sltF_s004.wav is missing"):
        demo.prepare(corpus, data, ["kalM"], ["sltF"])
    with pytest.raises(CorpusError, match="disjoint"):
        demo.prepare(corpus, data, ["kalM"], ["kalM"])


def test_demo_default_split_of_the_full_corpus(tmp_path: Path) -> None:
    """The split vcgan/data/corpora/demo.py and egs/demo/cyclegan_vc2/README.md describe."""
    corpus = tmp_path / "demo"
    n = 100  # the full demo corpus (tools/make_demo_corpus.py)
    corpus.mkdir()
    (corpus / "sentences.txt").write_text("".join(f"s{i:03d} Sentence {i}.\n" for i in range(1, n + 1)))
    for spk in ("kalM", "sltF"):
        for i in range(1, n + 1):
            _wav(corpus / "wav" / spk / f"{spk}_s{i:03d}.wav")
    data = tmp_path / "data"
    demo.prepare(corpus, data, ["kalM"], ["sltF"])

    def ids(first: int, last: int) -> set[str]:
        return {f"s{i:03d}" for i in range(first, last + 1)}

    assert _sentences(data / "train_kalM", "kalM") == ids(1, 40)
    assert _sentences(data / "train_sltF", "sltF") == ids(41, 80)
    for spk in ("kalM", "sltF"):
        assert _sentences(data / f"dev_{spk}", spk) == ids(81, 90)
        assert _sentences(data / f"eval_{spk}", spk) == ids(91, 100)


# ------------------------------------------------------------------------ downloads
class _RangeHandler(http.server.BaseHTTPRequestHandler):
    payload = b""
    ranges: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server API)
        body, status = self.payload, 200
        rng = self.headers.get("Range")
        type(self).ranges.append(rng or "")
        if rng:
            start = int(rng.split("=")[1].rstrip("-"))
            body, status = body[start:], 206
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def server():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("corpus/SPK/100001.wav", b"fake audio")
    _RangeHandler.payload = buf.getvalue()
    _RangeHandler.ranges = []
    httpd = http.server.HTTPServer(("127.0.0.1", 0), _RangeHandler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/c.zip", _RangeHandler
    httpd.shutdown()


def test_download_resumes_verifies_and_extracts(server, tmp_path: Path) -> None:
    url, handler = server
    digest = hashlib.sha256(handler.payload).hexdigest()
    res = Resource(url, "c.zip", digest)
    (tmp_path / "c.zip.part").write_bytes(handler.payload[:10])  # an interrupted transfer
    fetch(res, tmp_path)
    assert handler.ranges == ["bytes=10-"]
    assert (tmp_path / "c.zip").read_bytes() == handler.payload
    assert not (tmp_path / "c.zip.part").exists()
    assert (tmp_path / "corpus" / "SPK" / "100001.wav").read_bytes() == b"fake audio"
    fetch(res, tmp_path)  # complete: neither downloaded nor extracted again
    assert handler.ranges == ["bytes=10-"]


def test_download_checksum_mismatch(server, tmp_path: Path) -> None:
    url, _ = server
    with pytest.raises(DownloadError, match="checksum mismatch .*expected sha256 0000"):
        download(Resource(url, "c.zip", "0" * 64), tmp_path)
    assert not (tmp_path / "c.zip").exists() and not (tmp_path / "c.zip.part").exists()


def test_extract_refuses_escaping_members(tmp_path: Path) -> None:
    archive = tmp_path / "evil.tar.gz"
    with tarfile.open(archive, "w:gz") as t:
        info = tarfile.TarInfo("../escape.txt")
        info.size = 1
        t.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(DownloadError, match="outside"):
        extract(archive, tmp_path / "out")
    assert not (tmp_path / "escape.txt").exists()


def test_download_failure_names_url(tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match="download of http://127.0.0.1:9/x.zip failed"):
        download(Resource("http://127.0.0.1:9/x.zip", "x.zip"), tmp_path, timeout=5)
