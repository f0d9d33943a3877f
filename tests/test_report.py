"""`vcgan report`: systems side by side, and a loud warning when settings differ."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf

from vcgan.bin.cli import main


def _result(mcd: float, ci: float | None, preset: str = "vcgan", n: int = 3) -> dict:
    return {
        "settings": {"preset": preset, "mcep_dim": 24, "alpha": 0.41, "overrides": []},
        "summary": {"mcd_db": {"n": n, "mean": mcd, "ci": ci, "std": 0.1},
                    "f0_rmse_cents": {"n": n, "mean": 150.0, "ci": 12.5, "std": 3.0}},
        "utterances": {f"u{i}": {} for i in range(n)},
    }


def test_report_puts_systems_in_columns(tmp_path, capsys):
    for name, mcd in (("none", 9.87), ("baseline", 7.5), ("model", 6.25)):
        (tmp_path / f"{name}.json").write_text(json.dumps(_result(mcd, 0.3)))
    assert main(["report", f"none={tmp_path / 'none.json'}", str(tmp_path / "baseline.json"),
                 f"cyclegan={tmp_path / 'model.json'}"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["metric", "none", "baseline", "cyclegan"]
    mcd_row = next(line for line in out if line.startswith("MCD (dB)"))
    assert mcd_row.split()[2:] == ["9.87", "±0.30", "7.50", "±0.30", "6.25", "±0.30"]
    assert "not comparable" not in "\n".join(out)


def test_report_flags_different_settings_and_bad_files(tmp_path, capsys):
    (tmp_path / "a.json").write_text(json.dumps(_result(5.0, None)))
    (tmp_path / "b.json").write_text(json.dumps(_result(4.0, None, preset="espnet")))
    assert main(["report", str(tmp_path / "a.json"), str(tmp_path / "b.json")]) == 0
    assert "WARNING: computed with different settings, not comparable: preset" in capsys.readouterr().out
    (tmp_path / "c.json").write_text("{not json")
    assert main(["report", str(tmp_path / "c.json")]) == 2
    assert "c.json: not a JSON result file" in capsys.readouterr().err
    assert main(["report", str(tmp_path / "missing.json")]) == 2


# ----------------------------------------------------------------------------- GV / MS plot
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _eval_json(caplog, root, name: str, names: list[str], *extra) -> dict:
    """`vcgan evaluate --metrics gv` on ``root/ref`` vs ``root/conv`` restricted to ``names``."""
    import logging
    import shutil

    d = root / name
    for side in ("ref", "conv"):
        (d / side).mkdir(parents=True)
        for n in names:
            shutil.copy(root / side / f"{n}.wav", d / side / f"{n}.wav")
    out = d / "r.json"
    with caplog.at_level(logging.INFO):
        code = main(["evaluate", "--ref", str(d / "ref"), "--conv", str(d / "conv"), "--metrics", "gv",
                     "--f0-method", "dio", "--no-progress", "--json", str(out), *extra])
    assert code == 0, caplog.text
    return json.loads(out.read_text())


@pytest.fixture(scope="module")
def gv_dirs(tmp_path_factory, arctic):
    """ref/: two 1.2 s crops of the ARCTIC recording; conv/: the same, temporally smoothed
    (a moving average over 3 ms, which over-smooths nothing much) plus noise."""
    x, fs = arctic
    root = tmp_path_factory.mktemp("gv")
    rng = np.random.default_rng(1)
    for side in ("ref", "conv"):
        (root / side).mkdir()
    for name, t0 in (("a", 0.3), ("b", 1.4)):
        seg = x[int(t0 * fs): int((t0 + 1.2) * fs)]
        sf.write(root / "ref" / f"{name}.wav", seg, fs)
        conv = np.convolve(seg, np.ones(48) / 48, mode="same") + 0.003 * rng.standard_normal(len(seg))
        sf.write(root / "conv" / f"{name}.wav", conv, fs)
    return root


def test_json_has_mean_modulation_spectrum_and_its_frequency_axis(gv_dirs, tmp_path, caplog):
    both = _eval_json(caplog, gv_dirs, "both", ["a", "b"])
    assert set(both["gv"]) == {"dims", "ref", "conv"} and both["gv"]["dims"] == list(range(1, 25))
    ms = both["ms"]
    assert ms["dims"] == both["gv"]["dims"] and ms["n_fft"] == 64 and ms["frame_period_ms"] == 5.0
    assert np.shape(ms["ref"]) == np.shape(ms["conv"]) == (33, 24)  # (MS_FFT // 2 + 1, dims 1..24)
    assert ms["freqs_hz"] == pytest.approx(np.arange(33) * 200.0 / 64, abs=1e-4)  # 5 ms: 200 frames/s, up to 100 Hz
    # The mean over utterances, in dB, of each utterance's own spectrum ...
    a, b = (_eval_json(caplog, gv_dirs, n, [n])["ms"] for n in ("a", "b"))
    for side in ("ref", "conv"):
        assert np.asarray(ms[side]) == pytest.approx((np.asarray(a[side]) + np.asarray(b[side])) / 2, abs=2e-4)
    # ... and of one utterance it is the spectrum its MS distance was computed from.
    u = _eval_json(caplog, gv_dirs, "a2", ["a"])
    rms = np.sqrt(np.mean((np.asarray(u["ms"]["conv"]) - np.asarray(u["ms"]["ref"])) ** 2))
    assert u["utterances"]["a"]["ms_distance_db"] > 0.5
    assert rms == pytest.approx(u["utterances"]["a"]["ms_distance_db"], abs=1e-3)


def test_ms_frequency_axis_follows_the_settings_frame_period(gv_dirs, caplog):
    # espnet: SPTK frames every 256 samples (16 ms at 16 kHz), c0 included.
    r = _eval_json(caplog, gv_dirs, "espnet", ["a"], "--preset", "espnet", "--dtw", "exact")
    ms = r["ms"]
    assert ms["frame_period_ms"] == pytest.approx(16.0) and ms["dims"] == list(range(0, 24))
    assert np.shape(ms["ref"]) == (33, 24)
    assert ms["freqs_hz"][1] == pytest.approx(62.5 / 64, abs=1e-4) and ms["freqs_hz"][-1] == pytest.approx(31.25)


def _gv_result(scale: float, ref_scale: float = 1.0, c0: bool = False, ms: bool = True, dim: int = 6) -> dict:
    """A result with synthetic ``gv`` and ``ms`` entries: conv GV = ``scale`` x ref GV."""
    r = _result(5.0, 0.2)
    dims = list(range(0 if c0 else 1, dim))
    ref = [ref_scale * 0.5 ** d for d in dims]
    r["gv"] = {"dims": dims, "ref": ref, "conv": [scale * g for g in ref]}
    if ms:
        k = np.arange(33)[:, None]
        base = -10.0 - 0.3 * k - np.asarray(dims)[None, :]
        r["ms"] = {"dims": dims, "frame_period_ms": 5.0, "n_fft": 64, "freqs_hz": (k[:, 0] * 200 / 64).tolist(),
                   "ref": base.tolist(), "conv": (base + 10 * np.log10(scale)).tolist()}
    return r


def test_plot_gv_writes_a_png(tmp_path, capsys):
    (tmp_path / "front.json").write_text(json.dumps(_gv_result(0.3)))
    (tmp_path / "post.json").write_text(json.dumps(_gv_result(0.9)))
    png = tmp_path / "figs" / "gv.png"
    assert main(["report", f"frontend={tmp_path / 'front.json'}", f"postfilter={tmp_path / 'post.json'}",
                 "--plot-gv", str(png)]) == 0
    data = png.read_bytes()
    assert data[:8] == PNG_MAGIC and len(data) > 20_000
    import matplotlib.image

    img = matplotlib.image.imread(png)  # decodes the whole file
    assert img.shape[0] > 300 and img.shape[1] > 800 and img.std() > 0.01  # not blank
    assert not [p for p in png.parent.iterdir() if p.name != "gv.png"]  # no temporary file left
    assert "MCD (dB)" in capsys.readouterr().out  # the table is still printed


def test_plot_gv_needs_a_result_with_gv(tmp_path, capsys, caplog):
    import logging

    (tmp_path / "old.json").write_text(json.dumps(_result(5.0, 0.2)))
    (tmp_path / "older.json").write_text(json.dumps({**_result(5.0, 0.2), "gv": None}))
    png = tmp_path / "gv.png"
    assert main(["report", str(tmp_path / "old.json"), str(tmp_path / "older.json"), "--plot-gv", str(png)]) == 2
    err = capsys.readouterr().err
    assert "--plot-gv: no GV in" in err and "old.json" in err and "older.json" in err and "gv" in err
    assert not png.exists()
    # One file with GV is enough; the other is named as left out.
    (tmp_path / "new.json").write_text(json.dumps(_gv_result(0.5)))
    with caplog.at_level(logging.INFO):
        assert main(["report", str(tmp_path / "old.json"), str(tmp_path / "new.json"), "--plot-gv", str(png)]) == 0
    assert png.read_bytes()[:8] == PNG_MAGIC
    assert "left out" in caplog.text and "old.json" in caplog.text
    assert main(["report", "--matrix", f"a:b/x={tmp_path / 'new.json'}", "--plot-gv", str(png)]) == 2
    assert "--plot-gv: not with --matrix" in capsys.readouterr().err


def test_plotted_values_are_the_systems_values(tmp_path):
    from vcgan.metrics.plot import plot_oversmoothing

    systems = {"frontend": _gv_result(0.3, c0=True), "postfilter": _gv_result(0.9, c0=True)}
    shown = plot_oversmoothing(systems, tmp_path / "gv.png")
    assert set(shown["gv"]) == {"natural", "frontend", "postfilter"} and shown["warnings"] == []
    for name, r in systems.items():
        x, y = shown["gv"][name]
        assert x.tolist() == r["gv"]["dims"] and y == pytest.approx(r["gv"]["conv"])
    assert shown["gv"]["natural"][1] == pytest.approx(systems["frontend"]["gv"]["ref"])
    assert shown["gv"]["frontend"][1] != pytest.approx(shown["gv"]["postfilter"][1])
    # (b) over dims 1..5: c0 is in the results but not in the mean.
    assert shown["ms_dims"] == [1, 2, 3, 4, 5]
    for name, r in systems.items():
        f, m = shown["ms"][name]
        assert f.tolist() == r["ms"]["freqs_hz"]
        assert m == pytest.approx(np.asarray(r["ms"]["conv"])[:, 1:].mean(axis=1))
    assert shown["ms"]["natural"][1] == pytest.approx(np.asarray(systems["frontend"]["ms"]["ref"])[:, 1:].mean(axis=1))
    gv_ax, ms_ax = shown["axes"]["gv"], shown["axes"]["ms"]
    assert gv_ax["yscale"] == "log" and gv_ax["xlabel"] == "mel-cepstral dimension"
    assert ms_ax["yscale"] == "linear" and "(Hz)" in ms_ax["xlabel"] and "(dB)" in ms_ax["ylabel"]
    assert "dims 1-5 (c0 excluded)" in ms_ax["title"]


def test_plot_warns_when_references_differ_and_refuses_other_dims(tmp_path, caplog):
    import logging

    from vcgan.metrics.plot import plot_oversmoothing

    same = {"a": _gv_result(0.3), "b": _gv_result(0.9, ref_scale=1.0005)}  # within 1e-3
    assert plot_oversmoothing(same, tmp_path / "same.png")["warnings"] == []
    caplog.clear()
    differ = {"a": _gv_result(0.3), "b": _gv_result(0.9, ref_scale=1.01)}
    with caplog.at_level(logging.WARNING):
        shown = plot_oversmoothing(differ, tmp_path / "differ.png")
    assert len(shown["warnings"]) == 1 and "reference GVs of b and a differ" in shown["warnings"][0]
    assert "reference GVs of b and a differ" in caplog.text
    with pytest.raises(ValueError, match="dimensions"):
        plot_oversmoothing({"a": _gv_result(0.3), "b": _gv_result(0.9, dim=8)}, tmp_path / "dims.png")
    with pytest.raises(ValueError, match="natural"):
        plot_oversmoothing({"natural": _gv_result(1.0)}, tmp_path / "n.png")
    assert not (tmp_path / "dims.png").exists() and not (tmp_path / "n.png").exists()
