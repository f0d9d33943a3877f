"""Using vcgan on one's own corpus, and what commands print: data directories from speaker
folders, warnings as log lines, log lines above progress bars, the recipes' thread option."""

from __future__ import annotations

import logging
import subprocess
import warnings

import pytest
import soundfile as sf
from tqdm import tqdm

from conftest import REPO
from vcgan.audio import AudioWarning
from vcgan.bin.cli import main
from vcgan.data.folders import scan_speaker_folders
from vcgan.data.kaldi import DataDirError, read_data_dir
from vcgan.utils.console import console_output


@pytest.fixture
def corpus(tmp_path, arctic):
    x, fs = arctic
    root = tmp_path / "corpus"
    for spk, names in {"alice": ["s01", "s02"], "bob": ["s01", "s03"]}.items():
        (root / spk).mkdir(parents=True)
        for n in names:
            sf.write(root / spk / f"{n}.wav", x[: fs // 2], fs)
    (root / "bob" / "notes.txt").write_text("not audio")
    (root / "empty").mkdir()
    sf.write(root / "stray.wav", x[: fs // 2], fs)
    return root


def test_data_dir_from_speaker_folders(corpus, tmp_path, caplog):
    out = tmp_path / "data" / "train"
    with caplog.at_level(logging.INFO, logger="vcgan"):
        assert main(["data-dir", str(corpus), str(out)]) == 0
    data = read_data_dir(out)  # validates, files included
    assert data.utt2spk == {"alice_s01": "alice", "alice_s02": "alice", "bob_s01": "bob", "bob_s03": "bob"}
    assert data.wav_scp["bob_s03"] == str((corpus / "bob" / "s03.wav").resolve())
    assert (out / "spk2utt").read_text() == "alice alice_s01 alice_s02\nbob bob_s01 bob_s03\n"
    text = caplog.text
    assert "stray.wav: not in a speaker folder" in text and "empty: no" in text
    assert "4 utterances of 2 speakers (alice 2, bob 2)" in text


def test_data_dir_speaker_subset_and_errors(corpus, tmp_path, capsys):
    data, _ = scan_speaker_folders(corpus, speakers=["bob"])
    assert data.speakers == ["bob"]
    assert main(["data-dir", str(corpus), str(tmp_path / "d"), "--speakers", "carol"]) == 2
    assert "no folder for speaker(s) ['carol']" in capsys.readouterr().err
    (corpus / "alice" / "s01.flac").write_bytes((corpus / "alice" / "s01.wav").read_bytes())
    with pytest.raises(DataDirError, match=r"s01\.wav: same name as .*s01\.flac"):
        scan_speaker_folders(corpus)
    (corpus / "alice" / "s01.flac").unlink()
    (corpus / "alice" / "s 04.wav").write_bytes((corpus / "alice" / "s01.wav").read_bytes())
    with pytest.raises(DataDirError, match="white space"):
        scan_speaker_folders(corpus)
    with pytest.raises(DataDirError, match="no audio files"):
        scan_speaker_folders(corpus / "empty")


def test_warnings_become_log_lines_and_are_restored(caplog):
    before = warnings.showwarning
    with caplog.at_level(logging.WARNING, logger="vcgan"), console_output():
        warnings.warn("in.wav: resampled from 16000 Hz to 22050 Hz", AudioWarning)
        warnings.warn("old api", FutureWarning)
    assert warnings.showwarning is before
    messages = [r.getMessage() for r in caplog.records if r.name == "vcgan.warnings"]
    assert messages == ["in.wav: resampled from 16000 Hz to 22050 Hz", "FutureWarning: old api"]


def test_log_lines_are_written_above_a_progress_bar(capsys):
    root = logging.getLogger()
    handler = logging.StreamHandler()  # the console handler `vcgan` sets up, on stderr
    root.addHandler(handler)
    try:
        with console_output():
            bar = tqdm(total=3, desc="work")
            bar.update(1)
            logging.getLogger("vcgan.test").warning("a log line")
            bar.close()
    finally:
        root.removeHandler(handler)
    err = capsys.readouterr().err
    # The line stands alone: the bar is cleared first (carriage return), then redrawn after it.
    line = next(l for l in err.split("\n") if "a log line" in l)
    assert line.split("\r")[-1] == "a log line"


def test_recipes_take_a_threads_option():
    for recipe in ("demo/cyclegan_vc2", "vcc2018/cyclegan_vc2"):
        r = subprocess.run(["./run.sh", "--help"], cwd=REPO / "egs" / recipe, capture_output=True, text=True)
        assert "--threads" in r.stdout + r.stderr, recipe
    script = f". {REPO}/recipes/vc_stages.sh >/dev/null 2>&1; threads=1; vc_threads; threads=0; vc_threads; echo end"
    r = subprocess.run(["bash", "-c", script], capture_output=True, text=True)
    assert r.stdout.split() == ["--threads", "1", "end"], r.stdout + r.stderr
