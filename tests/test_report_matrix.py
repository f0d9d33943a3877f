"""`vcgan report --matrix`: source x target matrices of a many-to-many evaluation, and the
recipe step (vc_evaluate) that prints them for a model converting several pairs.

Every result file gets values that depend on its source, its target and its system in
different ways, so that a transposed matrix, a swapped system or a wrong file fails."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from vcgan.bin.cli import main
from vcgan.metrics.matrix import collect, matrices_to_dict, parse_item, resolve_metrics

ROOT = Path(__file__).resolve().parent.parent
SPEAKERS = ["kalM", "sltF", "p225", "bdl2"]
SYSTEMS = {"none": 3.0, "baseline": 1.5, "stargan": 0.0}  # name -> offset of its MCD


def _values(system: str, src: str, tgt: str) -> dict[str, float]:
    """Scores of one file: the source moves MCD by 1 dB, the target by 0.1 dB."""
    i, j = SPEAKERS.index(src), SPEAKERS.index(tgt)
    return {"mcd_db": 5.0 + i + 0.1 * j + SYSTEMS[system],
            "f0_rmse_cents": 100.0 * (i + 1) + 10.0 * j + 7.0 * list(SYSTEMS).index(system),
            "sim_target": 0.5 + 0.1 * i + 0.01 * j}


def _result(values: dict[str, float], n: int = 3, **settings) -> dict:
    return {
        "settings": {"preset": "vcgan", "mcep_dim": 25, "alpha": 0.41, "overrides": [], **settings},
        "summary": {k: {"n": n, "mean": v, "ci": 0.1, "std": 0.2} for k, v in values.items()},
        "utterances": {f"u{i}": {} for i in range(n)},
    }


def _write(tmp_path: Path, system: str, src: str, tgt: str, result: dict | None = None) -> str:
    """Writes one result file where the recipe puts it; returns its command-line item."""
    path = tmp_path / "eval" / f"{src}_{tgt}" / f"{system}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result if result is not None else _result(_values(system, src, tgt))))
    return f"{src}:{tgt}/{system}={path}"


def _all_items(tmp_path: Path, skip: set[tuple[str, str, str]] = frozenset()) -> list[str]:
    return [_write(tmp_path, sy, s, t) for s, t in itertools.permutations(SPEAKERS, 2)
            for sy in SYSTEMS if (sy, s, t) not in skip]


def _report(capsys, *args: str) -> str:
    assert main(["report", "--matrix", *args]) == 0
    return capsys.readouterr().out


def _block(out: str, label: str) -> list[str]:
    """The lines of one score's matrices in the text output."""
    return next(b for b in out.split("\n\n") if b.startswith(label)).splitlines()


def test_cells_are_the_pair_summaries_rows_sources(tmp_path: Path, capsys) -> None:
    out_json = tmp_path / "m.json"
    out = _report(capsys, "--json", str(out_json), *_all_items(tmp_path))
    d = json.loads(out_json.read_text())
    assert d["speakers"] == SPEAKERS and d["systems"] == list(SYSTEMS)
    assert d["metrics"] == ["mcd_db", "f0_rmse_cents", "sim_target"]
    for key in d["metrics"]:
        for system in SYSTEMS:
            m = d["matrices"][key][system]
            for (i, s), (j, t) in itertools.product(enumerate(SPEAKERS), repeat=2):
                expected = None if s == t else _values(system, s, t)[key]
                assert m[i][j] == pytest.approx(expected), (key, system, s, t)
    # Text: the row of source sltF (index 1) lists sltF -> kalM, p225, bdl2 for each system
    # side by side; the diagonal cell is blank.
    mcd = _block(out, "MCD (dB)")
    assert mcd[1].split() == list(SYSTEMS)
    row = next(line for line in mcd if line.startswith("sltF"))
    expected = []
    for system in SYSTEMS:
        expected += ["sltF"] + [f"{_values(system, 'sltF', t)['mcd_db']:.2f}" for t in ("kalM", "p225", "bdl2")]
    assert row.split() == expected
    sim_row = next(line for line in _block(out, "speaker sim. to target") if line.startswith("bdl2"))
    assert sim_row.split()[1:4] == ["0.800", "0.810", "0.820"]  # bdl2 -> kalM, sltF, p225
    assert "missing" not in out and "WARNING" not in out
    assert "utterances: none 36 in 12 pairs, baseline 36 in 12 pairs, stargan 36 in 12 pairs" in out


def test_means_over_pairs_per_system(tmp_path: Path, capsys) -> None:
    out_json = tmp_path / "m.json"
    out = _report(capsys, "--json", str(out_json), *_all_items(tmp_path))
    d = json.loads(out_json.read_text())
    pairs = list(itertools.permutations(SPEAKERS, 2))
    means = []
    for system in SYSTEMS:
        mean = sum(_values(system, s, t)["mcd_db"] for s, t in pairs) / len(pairs)
        assert d["means"]["mcd_db"][system] == {"mean": pytest.approx(mean), "n_pairs": 12}
        means.append(f"mean over 12 pairs: {mean:.2f} dB")
    # Under each system's matrix, in its column.
    mean_line = next(line for line in _block(out, "MCD (dB)") if line.startswith("mean over"))
    assert [part.strip() for part in mean_line.split("    ") if part.strip()] == means
    f0_mean = sum(_values("baseline", s, t)["f0_rmse_cents"] for s, t in pairs) / 12
    assert f"mean over 12 pairs: {f0_mean:.2f} cents" in out


def test_missing_pairs_are_marked_named_and_left_out_of_the_mean(tmp_path: Path, capsys) -> None:
    # baseline lacks p225 -> kalM; nobody evaluated bdl2 -> sltF; one model file has no F0.
    skip = {("baseline", "p225", "kalM")} | {(sy, "bdl2", "sltF") for sy in SYSTEMS}
    items = _all_items(tmp_path, skip)
    no_f0 = {k: v for k, v in _values("stargan", "kalM", "p225").items() if k != "f0_rmse_cents"}
    items = [i for i in items if not i.startswith("kalM:p225/stargan=")]
    items.append(_write(tmp_path, "stargan", "kalM", "p225", _result(no_f0)))
    out_json = tmp_path / "m.json"
    out = _report(capsys, "--json", str(out_json), *items)
    d = json.loads(out_json.read_text())
    ix = SPEAKERS.index
    assert d["matrices"]["mcd_db"]["baseline"][ix("p225")][ix("kalM")] is None
    assert d["matrices"]["mcd_db"]["none"][ix("p225")][ix("kalM")] is not None
    assert all(d["matrices"]["mcd_db"][sy][ix("bdl2")][ix("sltF")] is None for sy in SYSTEMS)
    assert d["matrices"]["f0_rmse_cents"]["stargan"][ix("kalM")][ix("p225")] is None
    assert d["matrices"]["mcd_db"]["stargan"][ix("kalM")][ix("p225")] is not None
    assert d["missing"]["mcd_db"]["baseline"] == ["p225:kalM", "bdl2:sltF"]
    assert [d["means"]["mcd_db"][sy]["n_pairs"] for sy in SYSTEMS] == [11, 10, 11]
    gone = {("p225", "kalM"), ("bdl2", "sltF")}
    kept = [(s, t) for s, t in itertools.permutations(SPEAKERS, 2) if (s, t) not in gone]
    assert d["means"]["mcd_db"]["baseline"]["mean"] == pytest.approx(
        sum(_values("baseline", s, t)["mcd_db"] for s, t in kept) / 10)

    mcd = _block(out, "MCD (dB)")
    row = next(line for line in mcd if line.startswith("p225"))
    assert row.split()[4:8] == ["p225", "-", f"{_values('baseline', 'p225', 'sltF')['mcd_db']:.2f}",
                                f"{_values('baseline', 'p225', 'bdl2')['mcd_db']:.2f}"]
    mean_line = next(line for line in mcd if line.startswith("mean over"))
    assert [part.split(":")[0].strip() for part in mean_line.split("    ") if part.strip()] == [
        "mean over 11 pairs", "mean over 10 pairs", "mean over 11 pairs"]
    assert "  missing in baseline (-): p225:kalM (no result), bdl2:sltF (no result)" in mcd
    assert "  missing in none, stargan (-): bdl2:sltF (no result)" in mcd  # one line for both
    f0 = _block(out, "F0 RMSE (cents)")
    assert "  missing in stargan (-): kalM:p225 (no f0_rmse_cents), bdl2:sltF (no result)" in f0


def test_settings_that_differ_are_warned(tmp_path: Path, capsys) -> None:
    items = _all_items(tmp_path)
    # One pair of the baseline under another preset; the whole model at another dimension.
    _write(tmp_path, "baseline", "sltF", "p225", _result(_values("baseline", "sltF", "p225"), preset="espnet"))
    for s, t in itertools.permutations(SPEAKERS, 2):
        _write(tmp_path, "stargan", s, t, _result(_values("stargan", s, t), mcep_dim=30))
    out = _report(capsys, *items)
    assert "WARNING: baseline: pairs computed with different settings, not comparable: preset" in out
    assert "WARNING: systems computed with different settings, not comparable: mcep_dim" in out
    assert "stargan: pairs" not in out and "none: pairs" not in out


@pytest.mark.parametrize("item", [
    "kalM-sltF/none=x.json",       # no ':' between the speakers
    "kalM:sltF:p225/none=x.json",  # three speakers
    "kalM:kalM/none=x.json",       # to itself
    "kalM:sltF/none",              # no file
    "kalM:sltF/a/b=x.json",        # two names
])
def test_malformed_item_is_named(tmp_path: Path, capsys, item: str) -> None:
    good = _write(tmp_path, "none", "kalM", "sltF")
    assert main(["report", "--matrix", good, item]) == 2
    err = capsys.readouterr().err
    assert f"'{item}'" in err, err


def test_missing_non_result_and_duplicate_files_are_named(tmp_path: Path, capsys) -> None:
    good = _write(tmp_path, "none", "kalM", "sltF")
    item = f"sltF:kalM/none={tmp_path / 'nowhere.json'}"
    assert main(["report", "--matrix", good, item]) == 2
    assert f"{item}: {tmp_path / 'nowhere.json'}: no such result file" in capsys.readouterr().err
    (tmp_path / "other.json").write_text(json.dumps({"speakers": []}))
    item = f"sltF:kalM/none={tmp_path / 'other.json'}"
    assert main(["report", "--matrix", good, item]) == 2
    assert f"{item}: {tmp_path / 'other.json'}: not a `vcgan evaluate` result" in capsys.readouterr().err
    (tmp_path / "bad.json").write_text("{not json")
    item = f"sltF:kalM/none={tmp_path / 'bad.json'}"
    assert main(["report", "--matrix", good, item]) == 2
    assert f"{item}: {tmp_path / 'bad.json'}: not a JSON result file" in capsys.readouterr().err
    assert main(["report", "--matrix", good, good]) == 2
    assert "none on kalM:sltF is given twice" in capsys.readouterr().err


def test_metrics_option_unknown_and_absent_scores(tmp_path: Path, capsys) -> None:
    items = [_write(tmp_path, "none", s, t, _result({"mcd_db": _values("none", s, t)["mcd_db"]}))
             for s, t in (("kalM", "sltF"), ("sltF", "kalM"))]
    out = _report(capsys, *items)
    assert "not in any result (skipped): f0_rmse_cents, sim_target" in out
    assert "MCD (dB): rows = source, columns = target" in out and "F0 RMSE" not in out
    assert main(["report", "--matrix", "--metrics", "mcd,f0", *items]) == 2
    err = capsys.readouterr().err
    assert "unknown score(s) mcd, f0" in err and "mcd_db" in err
    assert main(["report", "--matrix", "--metrics", "sim_target", *items]) == 2
    assert "none of the results has sim_target" in capsys.readouterr().err
    # The matrix options mean nothing to the side-by-side table: refused, not ignored.
    assert main(["report", "--plot", str(tmp_path / "x.png"), str(tmp_path / "eval/kalM_sltF/none.json")]) == 2
    assert "--plot: only with --matrix" in capsys.readouterr().err


def test_png_written_atomically_and_json_round_trips(tmp_path: Path, capsys) -> None:
    items = _all_items(tmp_path, {("stargan", "kalM", "sltF")})
    out_dir = tmp_path / "out"
    png, js = out_dir / "matrix.png", out_dir / "matrix.json"
    _report(capsys, "--plot", str(png), "--json", str(js), *items)
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert width > 300 and height > 300  # 3 systems x 3 scores of 4 x 4 cells
    assert sorted(p.name for p in out_dir.iterdir()) == ["matrix.json", "matrix.png"]  # no temporaries
    metrics = resolve_metrics(["mcd_db", "f0_rmse_cents", "sim_target"])
    assert json.loads(js.read_text()) == matrices_to_dict(collect(items), metrics)
    assert json.loads(js.read_text())["files"]["stargan"]["sltF:kalM"] == str(tmp_path / "eval/sltF_kalM/stargan.json")


def test_unwritable_output_stops_before_reading(tmp_path: Path, capsys) -> None:
    (tmp_path / "adir").mkdir()
    assert main(["report", "--matrix", "--json", str(tmp_path / "adir"), "kalM:sltF/none=nowhere.json"]) == 2
    err = capsys.readouterr().err
    assert "--json" in err and "is a directory" in err and "nowhere.json" not in err


def test_item_name_defaults_to_file_stem(tmp_path: Path) -> None:
    item = parse_item("p225:bdl2=exp/x/eval/p225_bdl2/model.json")
    assert (item.src, item.tgt, item.system, item.path) == ("p225", "bdl2", "model",
                                                            Path("exp/x/eval/p225_bdl2/model.json"))


def test_side_by_side_report_unchanged(tmp_path: Path, capsys) -> None:
    """Without --matrix the old table, to the character."""
    for name, mcd in (("none", 9.87), ("model", 6.25)):
        r = _result({"mcd_db": mcd})
        (tmp_path / f"{name}.json").write_text(json.dumps(r))
    assert main(["report", str(tmp_path / "none.json"), f"m={tmp_path / 'model.json'}"]) == 0
    assert capsys.readouterr().out == (
        "metric          none           m\n"
        "--------------------------------\n"
        "MCD (dB)  9.87 ±0.10  6.25 ±0.10\n"
        "\n"
        "utterances: none 3, m 3\n"
    )


# --- The recipe step: vc_evaluate of recipes/vc_stages.sh, with `vcgan evaluate` replaced by
# a script writing result files (values as above) and the real `vcgan report`.

FAKE_EVALUATE = f"""
import json, sys
from pathlib import Path
sys.path.insert(0, {str(Path(__file__).resolve().parent)!r})
from test_report_matrix import _result, _values
args = sys.argv[2:]
out = Path(args[args.index("--json") + 1])
# <expdir>/eval/<src>_<tgt>/X.json, or <expdir>/eval/X.json for a model of one pair
pair = out.parent.name if out.parent.name != "eval" else out.parent.parent.name.split("_", 1)[1]
src, tgt = pair.split("_")
system = {{"model": "stargan"}}.get(out.stem, out.stem)
asked = {{"mcd": "mcd_db", "f0": "f0_rmse_cents", "sim": "sim_target"}}
keys = [asked[m] for m in args[args.index("--metrics") + 1].split(",") if m in asked]
out.write_text(json.dumps(_result({{k: v for k, v in _values(system, src, tgt).items() if k in keys}})))
"""


def test_vc_evaluate_prints_and_saves_matrices_of_a_model_of_several_pairs(tmp_path: Path) -> None:
    (tmp_path / "fake_evaluate.py").write_text(FAKE_EVALUATE)
    for spk in SPEAKERS:
        d = tmp_path / "data" / f"eval_{spk}"
        d.mkdir(parents=True)
        (tmp_path / f"{spk}_s1.wav").write_text("")
        (d / "wav.scp").write_text(f"{spk}_s1 {tmp_path}/{spk}_s1.wav\n")
    script = tmp_path / "run.sh"
    # Three pairs of the 3-speaker model (three cells of six; the others '-'), and one pair
    # of a 2-speaker model, which keeps the pair layout and gets no matrix.
    script.write_text("#!/usr/bin/env bash\nset -euo pipefail\n" + textwrap.dedent(f"""
        model_name=stargan eval_set=eval metrics=mcd,f0 nj=1
        pairs="kalM:p225 p225:bdl2 bdl2:kalM sltF:kalM"
        train_sets="kalM:p225:bdl2 sltF:kalM"
        . {ROOT}/recipes/vc_stages.sh
        vcgan() {{
            if [ "$1" = evaluate ]; then "$PY" fake_evaluate.py "$@"; else "$PY" -m vcgan.bin.cli "$@"; fi
        }}
        vc_evaluate
        """))
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    env = {**os.environ, "PY": sys.executable, "OMP_NUM_THREADS": "1", "PYTHONPATH": path}
    r = subprocess.run(["bash", str(script)], cwd=tmp_path, capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    ev = tmp_path / "exp" / "stargan_kalM_p225_bdl2" / "eval"
    text = (ev / "matrix.txt").read_text()
    assert "=== kalM, p225, bdl2: source x target matrices" in r.stdout and text in r.stdout
    assert (ev / "matrix.png").stat().st_size > 0
    d = json.loads((ev / "matrix.json").read_text())
    assert d["speakers"] == ["kalM", "p225", "bdl2"] and d["systems"] == ["none", "baseline", "stargan"]
    m = d["matrices"]["mcd_db"]["stargan"]
    assert m[0][1] == pytest.approx(_values("stargan", "kalM", "p225")["mcd_db"])
    assert m[1][2] == pytest.approx(_values("stargan", "p225", "bdl2")["mcd_db"])
    assert m[2][0] == pytest.approx(_values("stargan", "bdl2", "kalM")["mcd_db"])
    assert m[1][0] is None and d["missing"]["mcd_db"]["none"] == ["kalM:bdl2", "p225:kalM", "bdl2:p225"]
    assert ("  missing in none, baseline, stargan (-): kalM:bdl2 (no result), p225:kalM (no result), "
            "bdl2:p225 (no result)") in text.splitlines()
    assert "mean over 3 pairs:" in text and "not in any result (skipped): sim_target" in text
    assert not list((tmp_path / "exp" / "stargan_sltF_kalM").glob("eval/matrix*"))
    assert (tmp_path / "exp" / "stargan_sltF_kalM" / "eval" / "report.txt").is_file()
