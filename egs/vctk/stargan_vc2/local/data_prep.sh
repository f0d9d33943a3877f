#!/usr/bin/env bash
# Kaldi data directories of VCTK (split: see vcgan/data/corpora/vctk.py).
# Usage: local/data_prep.sh <corpus-dir> <data-dir> "<speakers>" <n_dev> <n_eval> <mic>
set -euo pipefail
[ $# -eq 6 ] || { echo "Usage: $0 <corpus-dir> <data-dir> \"<speakers>\" <n_dev> <n_eval> <mic1|mic2>" >&2; exit 1; }
python -m vcgan.data.corpora.vctk prepare --corpus-dir "$1" --data-dir "$2" \
    --speakers "$3" --n-dev "$4" --n-eval "$5" --mic "$6"
