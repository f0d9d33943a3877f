"""Kaldi data directories: round trip, sorting, and every validation error."""

from __future__ import annotations

from pathlib import Path

import pytest

from vcgan.data.kaldi import DataDir, DataDirError, main, read_data_dir, write_data_dir


def _wavs(tmp_path: Path, names: list[str]) -> dict[str, str]:
    out = {}
    for n in names:
        p = tmp_path / "wav" / f"{n}.wav"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"RIFF")  # existence is all the data dir checks
        out[n] = str(p)
    return out


@pytest.fixture
def data(tmp_path: Path) -> DataDir:
    wav = _wavs(tmp_path, ["b_02", "a_01", "b_01", "a_02"])
    return DataDir(wav_scp=wav, utt2spk={u: u.split("_")[0] for u in wav},
                   text={u: f"sentence {u}" for u in wav})


def test_round_trip_sorted_and_spk2utt(tmp_path: Path, data: DataDir) -> None:
    d = write_data_dir(tmp_path / "data" / "train", data)
    lines = (d / "utt2spk").read_text().splitlines()
    assert lines == ["a_01 a", "a_02 a", "b_01 b", "b_02 b"]
    assert (d / "spk2utt").read_text() == "a a_01 a_02\nb b_01 b_02\n"
    back = read_data_dir(d)
    assert back == data
    assert back.speakers == ["a", "b"]
    assert back.text["b_02"] == "sentence b_02"


def test_paths_with_spaces_survive(tmp_path: Path) -> None:
    p = tmp_path / "dir with space" / "x.wav"
    p.parent.mkdir()
    p.write_bytes(b"x")
    d = write_data_dir(tmp_path / "d", DataDir({"s_1": str(p)}, {"s_1": "s"}))
    assert read_data_dir(d).wav_scp["s_1"] == str(p)


def test_subset_and_filter_speakers(data: DataDir) -> None:
    sub = data.filter_speakers(["b"])
    assert sub.utt_ids == ["b_01", "b_02"]
    assert set(sub.text) == {"b_01", "b_02"}
    assert data.subset(["a_02"]).utt_ids == ["a_02"]
    with pytest.raises(DataDirError, match="unknown speaker.*zz"):
        data.filter_speakers(["zz"])
    with pytest.raises(DataDirError, match="unknown utterance.*nope"):
        data.subset(["nope"])


def test_missing_wav_named(tmp_path: Path, data: DataDir) -> None:
    d = write_data_dir(tmp_path / "d", data)
    Path(data.wav_scp["b_01"]).unlink()
    with pytest.raises(DataDirError) as e:
        read_data_dir(d)
    msg = str(e.value)
    assert str(d) in msg and "b_01" in msg and "do not exist" in msg
    # the structure alone is still readable when files are not checked
    assert len(read_data_dir(d, check_files=False)) == 4


def test_duplicate_id_names_file_and_lines(tmp_path: Path, data: DataDir) -> None:
    d = write_data_dir(tmp_path / "d", data)
    with open(d / "utt2spk", "a") as f:
        f.write("a_01 a\n")
    with pytest.raises(DataDirError, match=r"utt2spk has duplicate id 'a_01' on lines 1 and 5"):
        read_data_dir(d)


def test_mismatch_between_wav_scp_and_utt2spk(tmp_path: Path, data: DataDir) -> None:
    d = write_data_dir(tmp_path / "d", data)
    (d / "utt2spk").write_text("a_01 a\na_02 a\nb_01 b\n")
    with pytest.raises(DataDirError, match="in wav.scp but not in utt2spk: b_02"):
        read_data_dir(d)


def test_spk2utt_disagreement_and_empty_speaker(tmp_path: Path, data: DataDir) -> None:
    d = write_data_dir(tmp_path / "d", data)
    (d / "spk2utt").write_text("a a_01\nb a_02 b_01 b_02\n")
    with pytest.raises(DataDirError, match="spk2utt disagrees.*a_02"):
        read_data_dir(d)
    (d / "spk2utt").write_text("a a_01 a_02\nb b_01 b_02\nc \n")
    with pytest.raises(DataDirError, match="spk2utt line 3: speaker 'c' has no utterances"):
        read_data_dir(d)


def test_empty_dir_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(DataDirError, match="does not exist"):
        read_data_dir(tmp_path / "nowhere")
    (tmp_path / "e").mkdir()
    with pytest.raises(DataDirError, match="missing file wav.scp"):
        read_data_dir(tmp_path / "e")
    (tmp_path / "e" / "wav.scp").write_text("")
    (tmp_path / "e" / "utt2spk").write_text("")
    with pytest.raises(DataDirError, match="no utterances"):
        read_data_dir(tmp_path / "e")


def test_malformed_lines(tmp_path: Path, data: DataDir) -> None:
    d = write_data_dir(tmp_path / "d", data)
    (d / "wav.scp").write_text((d / "wav.scp").read_text() + "\n")
    with pytest.raises(DataDirError, match="wav.scp line 5 is empty"):
        read_data_dir(d)
    write_data_dir(d, data)
    (d / "utt2spk").write_text("a_01\n")
    with pytest.raises(DataDirError, match="utt2spk line 1 has a key but no value"):
        read_data_dir(d)


def test_input_pipes_accepted_output_pipes_rejected(tmp_path: Path) -> None:
    # Input pipes are read as Kaldi does (tests/test_bad_inputs.py); they are not files to check.
    data = DataDir({"u1": "sox in.flac -t wav - |"}, {"u1": "s"})
    assert read_data_dir(write_data_dir(tmp_path / "d", data)).wav_scp == data.wav_scp
    data = DataDir({"u1": "| sox in.flac -t wav -"}, {"u1": "s"})
    with pytest.raises(DataDirError, match="output pipe"):
        write_data_dir(tmp_path / "e", data, check_files=False)


def test_text_with_unknown_utterance(tmp_path: Path, data: DataDir) -> None:
    data.text["zz_01"] = "stray"
    with pytest.raises(DataDirError, match="in text but not in utt2spk: zz_01"):
        write_data_dir(tmp_path / "d", data)


def test_cli_validates_and_checks_speakers(tmp_path: Path, data: DataDir, capsys) -> None:
    d = write_data_dir(tmp_path / "d", data)
    assert main([str(d), "--speakers", "a b"]) == 0
    assert main([str(d), "--speakers", "a c"]) == 1
    err = capsys.readouterr().err
    assert "no utterances for speaker(s) c" in err and str(d) in err
