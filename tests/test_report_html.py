"""The HTML listening page (`vcgan report --html`): its content from the results JSONs, a
folder that stands alone, and in a real browser (headless Chromium) every player and image."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from vcgan.bin.cli import main

VCGAN = str(Path(sys.executable).with_name("vcgan"))


class _Page(HTMLParser):
    """The audio and image sources and the summary cells of a page."""

    def __init__(self):
        super().__init__()
        self.audio, self.images, self.cells, self.links = [], [], [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "audio":
            self.audio.append(a["src"])
        elif tag == "img":
            self.images.append(a["src"])
        elif tag == "td" and "data-key" in a:
            self.cells.append((a["data-system"], a["data-key"], float(a["data-mean"]), "best" in a.get("class", "")))
        for k in ("href", "src"):
            if k in a:
                self.links.append(a[k])


def _parse(page: Path) -> _Page:
    p = _Page()
    p.feed(page.read_text(encoding="utf-8"))
    return p


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory, arctic):
    """Two systems (a mild and a strong distortion of the target) evaluated against it, with a
    source column, as `vcgan evaluate` leaves them: results name their directories relatively."""
    x, fs = arctic
    root = tmp_path_factory.mktemp("html")
    n = len(x) // 2
    rng = np.random.default_rng(0)
    for d in ("ref", "src", "mild", "strong"):
        (root / d).mkdir()
    for i in range(2):
        seg = x[i * n:(i + 1) * n]
        sf.write(root / "ref" / f"u{i}.wav", seg, fs)
        sf.write(root / "src" / f"u{i}.wav", np.roll(seg, 800), fs)
        sf.write(root / "mild" / f"u{i}.wav", seg + 0.002 * rng.normal(size=len(seg)), fs)
        sf.write(root / "strong" / f"u{i}.wav", np.clip(seg + 0.05 * rng.normal(size=len(seg)), -1, 1), fs)
    paths = {}
    for name in ("mild", "strong"):
        paths[name] = root / f"{name}.json"
        assert subprocess.run([VCGAN, "evaluate", "--ref", "ref", "--conv", name, "--src", "src", "--metrics", "mcd,gv",
                               "--json", str(paths[name]), "--no-progress"], cwd=root, capture_output=True).returncode == 0
    return root, paths


def test_page_holds_the_numbers_players_and_images(evaluated, monkeypatch):
    root, paths = evaluated
    monkeypatch.chdir(root)  # where `vcgan evaluate` ran: the results' directories are relative to it
    assert main(["report", f"mild={paths['mild']}", f"strong={paths['strong']}", "--html", "report"]) == 0
    page = root / "report" / "index.html"
    parsed = _parse(page)
    results = {n: json.loads(p.read_text()) for n, p in paths.items()}
    # Summary: every mean of both JSONs, the lower MCD marked best.
    cells = {(s, k): (m, best) for s, k, m, best in parsed.cells}
    for name, res in results.items():
        for key, s in res["summary"].items():
            assert cells[(name, key)][0] == pytest.approx(s["mean"], rel=1e-12)
    assert results["mild"]["summary"]["mcd_db"]["mean"] < results["strong"]["summary"]["mcd_db"]["mean"]
    assert cells[("mild", "mcd_db")][1] and not cells[("strong", "mcd_db")][1]
    # Players: per utterance source, both systems, target; every file exists relative to the page.
    assert len(parsed.audio) == 2 * 4
    for src in parsed.audio + parsed.images:
        assert (page.parent / src).is_file(), src
    assert sum("src/u0.wav" in a for a in parsed.audio) == 1 and sum("ref/u1.wav" in a for a in parsed.audio) == 1
    assert "img/gv_ms.png" in parsed.images and len(parsed.images) == 2 * 4 + 1
    # Nothing from the network.
    assert not [link for link in parsed.links if re.match(r"(https?:)?//", link)]


def test_copied_audio_makes_a_folder_that_can_be_moved(evaluated, monkeypatch, tmp_path):
    root, paths = evaluated
    monkeypatch.chdir(root)
    assert main(["report", f"mild={paths['mild']}", "--html", str(tmp_path / "r"), "--copy-audio"]) == 0
    moved = tmp_path / "elsewhere"
    shutil.move(tmp_path / "r", moved)
    parsed = _parse(moved / "index.html")
    assert len(parsed.audio) == 2 * 3
    for src in parsed.audio:
        assert not src.startswith("..") and (moved / src).is_file(), src


def test_an_unreadable_file_is_named_in_its_cell_and_the_rest_of_the_page_is_written(evaluated, tmp_path):
    root, paths = evaluated
    copy = tmp_path / "copy"
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns("report"))
    (copy / "strong" / "u1.wav").write_bytes(b"RIFF not really a wav")
    assert main(["report", f"mild={paths['mild']}", f"strong={paths['strong']}", "--html", str(tmp_path / "r"),
                 "--base-dir", str(copy)]) == 0
    page = (tmp_path / "r" / "index.html").read_text()
    assert page.count("unreadable: not a readable audio file") == 1
    assert len(_parse(tmp_path / "r" / "index.html").audio) == 2 * 4 - 1


def test_bad_uses_are_named(evaluated, monkeypatch, tmp_path, capsys):
    root, paths = evaluated
    assert main(["report", str(paths["mild"]), "--copy-audio"]) == 2
    assert "--copy-audio: only with --html" in capsys.readouterr().err
    monkeypatch.chdir(tmp_path)  # not where evaluate ran: the relative directories are not here
    assert main(["report", str(paths["mild"]), "--html", "r"]) != 0
    assert "the conv directory of the results is missing" in capsys.readouterr().err
    assert main(["report", str(paths["mild"]), "--html", "r", "--base-dir", str(root)]) == 0
    assert len(_parse(tmp_path / "r" / "index.html").audio) == 2 * 3


def chromium() -> str | None:
    """The headless browser the pages are tested in, or ``None``."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


BROWSER_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--allow-file-access-from-files",
                 "--virtual-time-budget=20000"]


def open_in_chromium(page: Path, screenshot: Path | None = None) -> tuple[dict, _Page]:
    """Load ``page`` from disk in headless Chromium: the page's own check of its players and
    images (``data-check``), and the DOM as the browser built it."""
    browser = chromium()
    dom = subprocess.run([browser, *BROWSER_FLAGS, "--dump-dom", page.resolve().as_uri()],
                         capture_output=True, text=True, timeout=180)
    found = re.search(r'data-check="([^"]*)"', dom.stdout)
    assert found, dom.stdout[-2000:] + dom.stderr[-2000:]
    if screenshot is not None:
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([browser, *BROWSER_FLAGS, f"--screenshot={screenshot}", "--window-size=1400,1000",
                        page.resolve().as_uri()], capture_output=True, timeout=180)
    parsed = _Page()
    parsed.feed(dom.stdout)
    return json.loads(found.group(1).replace("&quot;", '"')), parsed


def test_every_player_and_image_loads_in_headless_chromium(evaluated, monkeypatch, tmp_path):
    if chromium() is None:
        pytest.skip("no Chromium installed (tools/install.sh installs the Debian package 'chromium')")
    root, paths = evaluated
    monkeypatch.chdir(root)
    assert main(["report", f"mild={paths['mild']}", f"strong={paths['strong']}", "--html", "report"]) == 0
    # The screenshot is the test's artefact: $VCGAN_TEST_ARTIFACTS/listening_page.png when set.
    shot = Path(os.environ.get("VCGAN_TEST_ARTIFACTS", tmp_path)) / "listening_page.png"
    check, dom = open_in_chromium(root / "report" / "index.html", shot)
    assert check["audio"] == 8 and check["audio_ok"] == 8, check
    assert check["images"] == 9 and check["images_ok"] == 9, check
    # The summary table as the browser shows it holds the JSON's numbers.
    shown = {(s, k): m for s, k, m, _ in dom.cells}
    for name, p in paths.items():
        for key, s in json.loads(p.read_text())["summary"].items():
            assert shown[(name, key)] == pytest.approx(s["mean"], rel=1e-12)
    assert shot.is_file() and shot.stat().st_size > 10_000


def test_matrix_page_shows_the_heat_maps_and_links_each_pairs_page(tmp_path):
    def result(mcd):
        return {"settings": {"preset": "vcgan", "mcep_dim": 24, "alpha": 0.41, "overrides": []},
                "summary": {"mcd_db": {"n": 2, "mean": mcd, "ci": 0.1, "std": 0.1}}, "utterances": {"u0": {}, "u1": {}}}
    items = []
    for src, tgt, mcd in (("a", "b", 7.0), ("b", "a", 8.0)):
        d = tmp_path / "eval" / f"{src}_{tgt}"
        d.mkdir(parents=True)
        (d / "model.json").write_text(json.dumps(result(mcd)))
        items.append(f"{src}:{tgt}/model={d / 'model.json'}")
    (tmp_path / "eval" / "a_b" / "report").mkdir()
    (tmp_path / "eval" / "a_b" / "report" / "index.html").write_text("<html></html>")
    out = tmp_path / "eval" / "report"
    assert main(["report", "--matrix", "--metrics", "mcd_db", "--html", str(out), *items]) == 0
    page = (out / "index.html").read_text()
    assert re.findall(r'<a href="([^"]+)">a -&gt; b</a>', page) == ["../a_b/report/index.html"]
    assert "b -&gt; a (no listening page)" in page and "7.00" in page and "8.00" in page
    assert (out / "img" / "matrices.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
