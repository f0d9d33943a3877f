#!/usr/bin/env bash
# The test command of the README: install what is needed (idempotent), then run the tests.
#   bash tools/run_tests.sh [pytest args...]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/tools/install.sh"
cd "$root"
exec tools/venv/bin/python -m pytest -q -p no:cacheprovider "${@:-tests}"
