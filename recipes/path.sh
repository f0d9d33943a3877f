#!/usr/bin/env bash
# Environment of every recipe: source it from egs/<corpus>/<recipe>/ (as ./path.sh, a link
# to recipes/path.sh). Puts the project venv and the shared recipe scripts on PATH.

# Resolve through the recipe's symlink to find the repository root.
VCGAN_ROOT=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
export VCGAN_ROOT
if [ -d "$VCGAN_ROOT/tools/venv/bin" ]; then
    export PATH="$VCGAN_ROOT/tools/venv/bin:$PATH"
fi
export PATH="$VCGAN_ROOT/recipes:$PATH"
# Lets the recipe run from a source checkout even if the package is not installed.
export PYTHONPATH="$VCGAN_ROOT${PYTHONPATH:+:$PYTHONPATH}"
# Logs appear as they are written, not when a buffer fills.
export PYTHONUNBUFFERED=1
# Kaldi convention: byte-order sorting everywhere.
export LC_ALL=C
