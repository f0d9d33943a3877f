#!/usr/bin/env bash
# Install vcgan and everything it needs into a virtual environment (tools/venv).
#
#   bash tools/install.sh            # idempotent: a second run only checks
#
# On a fresh Debian machine with Python 3.11 as root this installs the Debian packages
# the demo corpus needs (espeak-ng, festival and voices, sox), creates tools/venv and
# installs the project with its test extras from pyproject.toml.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${VCGAN_VENV:-$root/tools/venv}
python=${PYTHON:-python3}

debian_packages=(espeak-ng festival festvox-kallpc16k festvox-us-slt-hts sox)

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

# Re-install only when the project's requirements changed.
stamp="$venv/.vcgan-installed"
want=$(cat "$root/pyproject.toml" "$root/tools/requirements-nodeps.txt" | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] \
        || ! "$venv/bin/python" -c "import vcgan" 2>/dev/null; then
    "$venv/bin/python" -m pip install -q --upgrade pip
    # setuptools<81 first: pyworld and pysptk build from source and import pkg_resources.
    "$venv/bin/python" -m pip install -q "setuptools<81" wheel "numpy>=1.24" cython
    # --no-build-isolation lets pyworld/pysptk build against the numpy installed above.
    "$venv/bin/python" -m pip install -q --no-build-isolation "pyworld>=0.3.4" "pysptk>=1.0.1"
    "$venv/bin/python" -m pip install -q -e "$root[test]"
    "$venv/bin/python" -m pip install -q --no-deps -r "$root/tools/requirements-nodeps.txt"
    echo "$want" > "$stamp"
fi
echo "install.sh: ready ($("$venv/bin/python" -c 'import torch, torchaudio; print("torch", torch.__version__, "torchaudio", torchaudio.__version__)'))"
