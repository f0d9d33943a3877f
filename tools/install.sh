#!/usr/bin/env bash
# Install vcgan and everything it needs into a virtual environment (tools/venv).
#
#   bash tools/install.sh            # idempotent: a second run only checks
#
# On a fresh Debian machine with Python 3.11 as root this installs the Debian packages
# the demo corpus needs (espeak-ng, festival and voices, sox) and the browser the listening
# page is tested in (chromium, headless), creates tools/venv and
# installs the project with its test and docs extras from pyproject.toml at the exact versions of
# tools/constraints.txt, then checks that the installed stack works (tools/check_install.py)
# and fails with a message when it does not.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${VCGAN_VENV:-$root/tools/venv}
python=${PYTHON:-python3}

debian_packages=(espeak-ng festival festvox-kallpc16k festvox-us-slt-hts sox chromium)

apt_install() {
    local missing=()
    for p in "${debian_packages[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if ! command -v apt-get >/dev/null; then
        echo "install.sh: apt-get not found; install these yourself: ${missing[*]}" >&2
        return 0
    fi
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "install.sh: installing Debian packages: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

apt_install

if [ ! -x "$venv/bin/python" ]; then
    echo "install.sh: creating virtual environment $venv"
    "$python" -m venv "$venv"
fi

constraints="$root/tools/constraints.txt"
pip_install() { "$venv/bin/python" -m pip install -q -c "$constraints" "$@"; }

# Re-install only when the project's requirements or pinned versions changed.
stamp="$venv/.vcgan-installed"
want=$(cat "$root/pyproject.toml" "$root/tools/requirements-nodeps.txt" "$constraints" | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] \
        || ! "$venv/bin/python" -c "import vcgan" 2>/dev/null; then
    rm -f "$stamp"
    pip_install --upgrade pip
    # setuptools<81 first: pyworld and pysptk build from source and import pkg_resources.
    pip_install setuptools wheel numpy cython
    # --no-build-isolation lets pyworld/pysptk build against the numpy installed above.
    pip_install --no-build-isolation pyworld pysptk
    pip_install -e "$root[test,docs]"
    pip_install --no-deps -r "$root/tools/requirements-nodeps.txt"
fi
# Installed is not working: check that every compiled part loads and runs (a torchaudio built
# for another torch installs and imports, then fails at its first call).
if ! "$venv/bin/python" "$root/tools/check_install.py"; then
    echo "install.sh: FAILED: the installed packages do not work (see the check above)." >&2
    echo "install.sh: remove $venv and run tools/install.sh again; if that fails too, tools/constraints.txt needs updating." >&2
    rm -f "$stamp"
    exit 1
fi
echo "$want" > "$stamp"
echo "install.sh: ready ($("$venv/bin/python" -c 'import torch, torchaudio; print("torch", torch.__version__, "torchaudio", torchaudio.__version__)'))"
