"""`vcgan report`: systems side by side, and a loud warning when settings differ."""

from __future__ import annotations

import json

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
