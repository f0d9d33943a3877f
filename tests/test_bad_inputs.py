"""Bad inputs, bundles and dumps (issue 16): each is reported naming the file (and the
utterance), before any work where possible, never as a raw traceback.

Inputs are small: one real recording cut in pieces, dumps written directly as .npz files,
a bundle made from an untrained tiny CycleGAN-VC2 (conversion runs, quality is irrelevant).
"""

from __future__ import annotations

import struct
import warnings

import numpy as np
import pytest
import soundfile as sf
import torch

from conftest import write_data_dir
from vcgan.audio import AudioError, AudioWarning, read_wav
from vcgan.bin.cli import main
from vcgan.bundle import Bundle
from vcgan.data.dump import CONFIG_FILE, FEATS_SCP, DumpError, FeatureDump, write_features
from vcgan.data.kaldi import write_table
from vcgan.features import FeatureConfig, SpeakerStats
from vcgan.utils.npz import CorruptFileError

CFG = FeatureConfig(sample_rate=16000, mcep_dim=24, f0_method="dio", f0_range_auto=False)
TINY_MODEL = {"model": "cyclegan_vc2", "crop_frames": 32, "n_iterations": 2, "decay_start": 1,
              "identity_iterations": 1, "generator": {"base_channels": 8, "res_channels": 8, "n_res_blocks": 1},
              "discriminator": {"base_channels": 8}}


@pytest.fixture(scope="module")
def wavs(tmp_path_factory, arctic):
    """Three 1-second pieces of the real recording, and the feature config."""
    x, fs = arctic
    root = tmp_path_factory.mktemp("wavs")
    paths = []
    for i in range(3):
        p = root / f"piece{i}.wav"
        sf.write(p, x[i * fs:(i + 1) * fs], fs)
        paths.append(p)
    CFG.save(root / "feature.yaml")
    return {"root": root, "paths": paths, "config": root / "feature.yaml"}


def _extract(data, out, cfg, *extra):
    return main(["extract", "--data-dir", str(data), "--out-dir", str(out), "--config", str(cfg), *extra])


# ------------------------------------------------------------------------- truncated audio
def test_truncated_wav_warns_with_declared_and_held_duration(arctic_path, tmp_path):
    full = open(arctic_path, "rb").read()
    info = sf.info(arctic_path)
    cut = tmp_path / "cut.wav"
    cut.write_bytes(full[:44 + (len(full) - 44) // 3])  # an interrupted copy: header intact
    held = (len(cut.read_bytes()) - 44) // 2 / info.samplerate
    with pytest.warns(AudioWarning) as seen:
        x, fs = read_wav(cut)
    assert len(x) / fs == pytest.approx(held, abs=1e-3)
    message = str(seen[0].message)
    assert str(cut) in message
    assert f"header declares {info.duration:.2f} s, file holds {held:.2f} s; truncated?" in message


def test_complete_and_streamed_wavs_do_not_warn(arctic_path, tmp_path):
    streamed = bytearray(open(arctic_path, "rb").read())
    # A WAV written to a pipe does not know its length: RIFF and data sizes are 0xffffffff.
    streamed[4:8] = streamed[40:44] = struct.pack("<I", 0xFFFFFFFF)
    (tmp_path / "streamed.wav").write_bytes(bytes(streamed))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        n_full = len(read_wav(arctic_path)[0])
        assert len(read_wav(tmp_path / "streamed.wav")[0]) == n_full


def test_truncated_aiff_warns(arctic, tmp_path):
    x, fs = arctic
    full = tmp_path / "full.aiff"
    sf.write(full, x, fs)
    data = full.read_bytes()
    (tmp_path / "cut.aiff").write_bytes(data[:len(data) // 3])
    with pytest.warns(AudioWarning, match=f"header declares {len(x) / fs:.2f} s"):
        read_wav(tmp_path / "cut.aiff")


def test_truncated_wav_warning_reaches_the_extract_log(wavs, tmp_path, caplog):
    data = wavs["paths"][0].read_bytes()
    cut = tmp_path / "cut.wav"
    cut.write_bytes(data[:len(data) // 2])
    d = write_data_dir(tmp_path / "data", {"s_cut": ("s", str(cut))})
    assert _extract(d, tmp_path / "dump", wavs["config"]) == 0
    assert f"{cut}: header declares 1.00 s, file holds" in caplog.text


# ------------------------------------------------------------------------- missing files
def test_extract_reports_a_missing_wav_and_finishes_the_others(wavs, tmp_path, caplog):
    missing = tmp_path / "gone.wav"
    d = write_data_dir(tmp_path / "data", {"s_0": ("s", str(wavs["paths"][0])), "s_1": ("s", str(wavs["paths"][1])),
                                           "s_gone": ("s", str(missing))})
    out = tmp_path / "dump"
    assert _extract(d, out, wavs["config"]) == 1
    assert f"s_gone: {missing}: file does not exist" in caplog.text
    assert FeatureDump(out).utterances == ["s_0", "s_1"]
    assert "s_gone" in (out / "bad_files.txt").read_text()
    assert _extract(d, out, wavs["config"], "--skip-bad") == 0


def test_extract_with_no_existing_file_stops_before_work(wavs, tmp_path, capsys):
    d = write_data_dir(tmp_path / "data", {"s_0": ("s", "nowhere/a.wav"), "s_1": ("s", "nowhere/b.wav")})
    assert _extract(d, tmp_path / "dump", wavs["config"], "--skip-bad") == 2
    err = capsys.readouterr().err
    assert "none of the 2 audio files in wav.scp exists" in err and "s_0 -> nowhere/a.wav" in err
    assert not (tmp_path / "dump").exists()


# ------------------------------------------------------------------------- Kaldi pipes
def test_pipe_entry_reads_the_command_output(wavs):
    path = wavs["paths"][0]
    x, fs = read_wav(f"cat '{path}' |")
    y, fs_y = read_wav(path)
    assert fs == fs_y
    np.testing.assert_array_equal(x, y)


def test_failing_pipe_names_command_status_and_stderr():
    with pytest.raises(AudioError) as e:
        read_wav("sh -c 'echo cannot open in.flac >&2; exit 3' |")
    assert str(e.value).startswith("sh -c 'echo cannot open in.flac >&2; exit 3' |: ")
    assert "exit status 3" in str(e.value) and "cannot open in.flac" in str(e.value)
    with pytest.raises(AudioError, match="wrote nothing"):
        read_wav("true |")


def test_extract_pipe_entries_like_files_and_names_a_failing_one(wavs, tmp_path, caplog):
    path = wavs["paths"][0]
    d = write_data_dir(tmp_path / "data", {"s_file": ("s", str(path)), "s_pipe": ("s", f"cat '{path}' |"),
                                           "s_fail": ("s", "sh -c 'echo sox FAIL >&2; exit 2' |")})
    out = tmp_path / "dump"
    assert _extract(d, out, wavs["config"]) == 1
    assert "s_fail: sh -c 'echo sox FAIL >&2; exit 2' |: command failed (exit status 2): sox FAIL" in caplog.text
    dump = FeatureDump(out)
    assert dump.utterances == ["s_file", "s_pipe"]
    a, b = dump.load("s_file"), dump.load("s_pipe")
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])


# ------------------------------------------------------------------------- -j
@pytest.mark.parametrize("command", [
    ["extract", "--data-dir", "d", "--out-dir", "o", "--config", "c"],
    ["convert", "--model", "m", "in.wav", "out.wav"],
    ["synthesize", "--features", "f", "--out", "o", "--config", "c"],
])
@pytest.mark.parametrize("jobs", ["0", "-2", "two"])
def test_jobs_below_one_refused_at_parsing(command, jobs, capsys):
    with pytest.raises(SystemExit) as e:
        main([*command, "-j", jobs])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert f"vcgan {command[0]}: error: argument -j/--jobs:" in err and jobs in err


# ------------------------------------------------------------------------- dumps
def _utterance(n_frames: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    f0 = np.where(np.arange(n_frames) % 10 < 7, 120.0 + 10 * rng.standard_normal(n_frames), 0.0)
    return {"f0": f0.astype(np.float32), "mcep": rng.standard_normal((n_frames, 24)).astype(np.float32),
            "cap": np.zeros((n_frames, 1), np.float32)}


def _write_dump(root, n_per_speaker=2, n_frames=80):
    """A two-speaker dump (speakers a, b) written directly, without extraction."""
    utt2spk = {f"{spk}_{i}": spk for spk in "ab" for i in range(n_per_speaker)}
    for k, utt in enumerate(sorted(utt2spk)):
        write_features(root / "feats" / f"{utt}.npz", _utterance(n_frames, k))
    write_table(root / FEATS_SCP, {u: f"feats/{u}.npz" for u in utt2spk})
    write_table(root / "utt2spk", utt2spk)
    CFG.save(root / CONFIG_FILE)
    return root


def _damage(path, how):
    if how == "truncated":
        data = path.read_bytes()
        path.write_bytes(data[:len(data) // 2])
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "no mcep":
        feats = dict(np.load(path))
        del feats["mcep"]
        np.savez(path, **feats)
    elif how == "nan frames":
        feats = dict(np.load(path))
        feats["mcep"][[5, 6, 40]] = np.nan
        feats["f0"][41] = np.inf
        np.savez(path, **feats)


PROBLEMS = {"truncated": "damaged .npz archive (truncated?)", "empty": "file is empty (0 bytes)",
            "no mcep": "no 'mcep' stream", "nan frames": "NaN or infinite values in 1 of 80 frames of 'f0' (first: frame 41), "
                           "3 of 80 frames of 'mcep' (first: frame 5)"}


@pytest.mark.parametrize("how", list(PROBLEMS))
def test_damaged_dump_utterance_named_by_load(tmp_path, how):
    dump_dir = _write_dump(tmp_path / "dump")
    bad = dump_dir / "feats" / "b_1.npz"
    _damage(bad, how)
    dump = FeatureDump(dump_dir)
    with pytest.raises(DumpError) as e:
        dump.load("b_1")
    assert str(bad) in str(e.value) and "utterance b_1" in str(e.value) and PROBLEMS[how] in str(e.value)
    dump.load("a_0")  # the others are fine


@pytest.mark.parametrize("how", ["truncated", "nan frames"])
def test_stats_names_a_damaged_utterance(tmp_path, capsys, how):
    dump_dir = _write_dump(tmp_path / "dump")
    _damage(dump_dir / "feats" / "a_1.npz", how)
    assert main(["stats", "--dump-dir", str(dump_dir)]) == 2
    err = capsys.readouterr().err
    assert f"{dump_dir}/feats/a_1.npz: " in err and "utterance a_1" in err and PROBLEMS[how] in err


@pytest.mark.parametrize("how", ["truncated", "empty", "nan frames"])
def test_train_names_every_damaged_utterance_before_training(tmp_path, capsys, how, single_torch_thread):
    import yaml
    dump_dir = _write_dump(tmp_path / "dump")
    assert main(["stats", "--dump-dir", str(dump_dir)]) == 0
    _damage(dump_dir / "feats" / "a_0.npz", how)
    _damage(dump_dir / "feats" / "b_1.npz", how)
    (tmp_path / "train.yaml").write_text(yaml.safe_dump({"task": "cyclegan", "model": TINY_MODEL}))
    out = tmp_path / "exp"
    code = main(["train", "--config", str(tmp_path / "train.yaml"), "--train-dump", str(dump_dir),
                 "--speakers", "a", "b", "--out", str(out), "--device", "cpu", "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2
    assert "2 of 4 utterance(s) unusable" in err and PROBLEMS[how] in err
    assert "utterance a_0" in err and "utterance b_1" in err
    assert not (out / "checkpoints").exists() or not any((out / "checkpoints").iterdir())


def test_stats_on_an_empty_dump_says_so(wavs, tmp_path, capsys):
    sf.write(tmp_path / "silent.wav", np.zeros(16000), 16000)
    d = write_data_dir(tmp_path / "data", {"s_0": ("s", str(tmp_path / "silent.wav"))})
    out = tmp_path / "dump"
    assert _extract(d, out, wavs["config"], "--skip-bad") == 0
    assert main(["stats", "--dump-dir", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{out}: the dump has no utterances (feats.scp is empty; every file was bad, see {out}/bad_files.txt)" in err


# ------------------------------------------------------------------------- bundles
def _untrained_parts():
    from vcgan.tasks.cyclegan import CycleGANConfig, CycleGANTask
    torch.manual_seed(0)
    task = CycleGANTask(CycleGANConfig.from_dict(TINY_MODEL), 24, "cpu")
    gens = {d: {k: v.detach().clone() for k, v in task.modules()[f"generator_{d}"].state_dict().items()}
            for d in ("a2b", "b2a")}
    stats = {s: SpeakerStats(s, mean={"mcep": np.zeros(24, np.float32)}, std={"mcep": np.ones(24, np.float32)},
                             logf0_mean=np.log(110.0 * (1 + k)), logf0_std=0.2, f0_floor=60.0, f0_ceil=400.0,
                             n_frames=100, n_voiced=80)
             for k, s in enumerate("ab")}
    return task, gens, stats


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    """An untrained tiny CycleGAN-VC2 bundle (format 2) for speakers a and b."""
    from vcgan.bundle import Component
    task, gens, stats = _untrained_parts()
    path = tmp_path_factory.mktemp("bundle") / "bundle"
    Bundle(speakers=["a", "b"], stats=stats, feature_config=CFG,
           converter=Component("cyclegan", task.cfg.to_dict(), gens)).save(path)
    return path


@pytest.fixture(scope="module")
def bundle_v1(tmp_path_factory):
    """The same, written in format 1 (``model.pt``), as vcgan wrote bundles before format 2."""
    from conftest import write_format1_bundle
    task, gens, stats = _untrained_parts()
    return write_format1_bundle(tmp_path_factory.mktemp("bundle1") / "bundle", {**task.cfg.to_dict(), "mcep_dim": 24},
                                ["a", "b"], gens, CFG, stats)


def _copy(bundle, tmp_path):
    import shutil
    return shutil.copytree(bundle, tmp_path / "bundle")


def test_convert_wav_scp_pipe_entry_equals_the_file(bundle, wavs, tmp_path):
    path = wavs["paths"][1]
    scp = tmp_path / "wav.scp"
    scp.write_text(f"u_file {path}\nu_pipe cat '{path}' |\n")
    assert main(["convert", "--model", str(bundle), str(scp), str(tmp_path / "out")]) == 0
    a, _ = sf.read(tmp_path / "out" / "u_file.wav")
    b, _ = sf.read(tmp_path / "out" / "u_pipe.wav")
    np.testing.assert_array_equal(a, b)


# (bundle fixture, damaged file, message): format 2's manifest checksum tells a damaged weights
# file before torch reads it; format 1 has no checksum, so torch's failure is named instead.
DAMAGED_BUNDLE_FILES = {
    "format2": ("bundle", "converter.pt", "checksum differs from the manifest's: the file is damaged"),
    "format1": ("bundle_v1", "model.pt", "not a vcgan model file or corrupt"),
}


@pytest.mark.parametrize("fmt", sorted(DAMAGED_BUNDLE_FILES))
@pytest.mark.parametrize("how", ["truncated", "garbage", "empty", "text"])
def test_damaged_weights_file_named(request, tmp_path, capsys, wavs, how, fmt):
    fixture, name, message = DAMAGED_BUNDLE_FILES[fmt]
    b = _copy(request.getfixturevalue(fixture), tmp_path)
    weights = b / name
    data = weights.read_bytes()
    weights.write_bytes({"truncated": data[:len(data) // 2], "empty": b"",
                         "garbage": np.random.default_rng(0).bytes(4096),
                         "text": "model: cyclegan\n\xff\xfe weights\n".encode("latin-1")}[how])
    with pytest.raises(ValueError, match=message) as e:
        Bundle.load(b)
    assert str(weights) in str(e.value)
    assert main(["convert", "--model", str(b), str(wavs["paths"][0]), str(tmp_path / "o.wav")]) == 2
    assert f"vcgan convert: error: {weights}: {message.split(':')[0]}" in capsys.readouterr().err


def test_bundle_missing_or_damaged_parts_named(bundle, tmp_path):
    b = _copy(bundle, tmp_path)
    (b / "feature_config.yaml").unlink()
    with pytest.raises(FileNotFoundError, match=r"incomplete model bundle \(no feature_config.yaml\)"):
        Bundle.load(b)
    (b / "feature_config.yaml").write_text("")
    with pytest.raises(ValueError, match="feature_config.yaml: empty"):
        Bundle.load(b)
    CFG.save(b / "feature_config.yaml")
    (b / "stats" / "b.npz").unlink()
    with pytest.raises(FileNotFoundError, match=r"no statistics for speaker\(s\) b"):
        Bundle.load(b)
    (b / "stats" / "b.npz").write_bytes((bundle / "stats" / "b.npz").read_bytes()[:100])
    with pytest.raises(CorruptFileError, match="b.npz: damaged .npz archive"):
        Bundle.load(b)
    Bundle.load(bundle)  # the intact one loads


def test_format1_model_file_of_another_kind_named(bundle_v1, tmp_path):
    b = _copy(bundle_v1, tmp_path)
    torch.save([1, 2], b / "model.pt")
    with pytest.raises(ValueError, match=r"model.pt: not a vcgan model file \(holds a list"):
        Bundle.load(b)
    Bundle.load(bundle_v1)
