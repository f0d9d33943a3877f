#!/usr/bin/env bash
# Kaldi data directories of CMU ARCTIC (split: see vcgan/data/corpora/cmu_arctic.py).
# Usage: local/data_prep.sh <corpus-dir> <data-dir> "<source speakers>" "<target speakers>" <n_dev> <n_eval>
set -euo pipefail
[ $# -eq 6 ] || { echo "Usage: $0 <corpus-dir> <data-dir> \"<src spks>\" \"<trg spks>\" <n_dev> <n_eval>" >&2; exit 1; }
python -m vcgan.data.corpora.cmu_arctic prepare --corpus-dir "$1" --data-dir "$2" \
    --src-spks "$3" --trg-spks "$4" --n-dev "$5" --n-eval "$6"
