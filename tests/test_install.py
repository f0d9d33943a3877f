"""The installed stack: every module imports, versions are the pinned ones, the check reports failures."""

from __future__ import annotations

import importlib
import importlib.metadata
import pkgutil
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONSTRAINTS = ROOT / "tools" / "constraints.txt"

sys.path.insert(0, str(ROOT / "tools"))
import check_install  # noqa: E402


def _pins() -> dict[str, str]:
    pins = {}
    for line in CONSTRAINTS.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            m = re.fullmatch(r"([A-Za-z0-9_.\-]+)==([^\s;]+)", line)
            assert m, f"{CONSTRAINTS}: not an exact pin: {line!r}"
            pins[m.group(1).lower()] = m.group(2)
    return pins


def _modules() -> list[str]:
    import vcgan
    return sorted(m.name for m in pkgutil.walk_packages(vcgan.__path__, "vcgan.") if not m.name.endswith("__main__"))


@pytest.mark.parametrize("name", _modules())
def test_every_module_imports(name: str) -> None:
    importlib.import_module(name)


def test_torch_and_torchaudio_are_one_release() -> None:
    pins = _pins()
    assert pins["torch"] == pins["torchaudio"]
    assert importlib.metadata.version("torch") == importlib.metadata.version("torchaudio")


def test_installed_versions_are_the_pinned_ones() -> None:
    """In the venv tools/install.sh made, every pinned package is at its pinned version."""
    if Path(sys.prefix).resolve() != (ROOT / "tools" / "venv").resolve():
        pytest.skip("not the venv of tools/install.sh (an environment of your own may hold other versions)")
    pins = _pins()
    installed = {d.metadata["Name"].lower(): d.version for d in importlib.metadata.distributions()}
    wrong = {n: (v, installed.get(n)) for n, v in pins.items() if installed.get(n.replace("_", "-"), installed.get(n)) != v}
    assert not wrong, f"pinned vs installed: {wrong}"


def test_check_reports_each_failing_part(monkeypatch, capsys) -> None:
    def broken() -> str:
        raise OSError("libtorchaudio.so: undefined symbol: torch_exception_get_what_without_backtrace")

    monkeypatch.setattr(check_install, "CHECKS", {"works": lambda: "1.0", "torchaudio": broken, "other": broken})
    assert check_install.main() == 1
    out, err = capsys.readouterr()
    assert "works: ok (1.0)" in out
    assert "torchaudio: FAILED: OSError: libtorchaudio.so: undefined symbol" in err
    assert "2 check(s) failed (torchaudio, other)" in err and "tools/install.sh" in err


def test_checks_pass_here() -> None:
    """The real checks (compiled torchaudio, WORLD/SPTK, evaluation models) on this install."""
    for name, check in check_install.CHECKS.items():
        assert check(), name
