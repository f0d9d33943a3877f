#!/usr/bin/env bash
# Kaldi data directories of VCC2016 (split: see vcgan/data/corpora/vcc2016.py).
# Usage: local/data_prep.sh <corpus-dir> <data-dir> "<source speakers>" "<target speakers>" <n_dev>
set -euo pipefail
[ $# -eq 5 ] || { echo "Usage: $0 <corpus-dir> <data-dir> \"<src spks>\" \"<trg spks>\" <n_dev>" >&2; exit 1; }
python -m vcgan.data.corpora.vcc2016 prepare --corpus-dir "$1" --data-dir "$2" \
    --src-spks "$3" --trg-spks "$4" --n-dev "$5"
