#!/usr/bin/env bash
# Kaldi data directories of the demo corpus (see vcgan/data/corpora/demo.py for the split).
# Usage: local/data_prep.sh <corpus-dir> <data-dir> "<source speakers>" "<target speakers>"
set -euo pipefail
if [ $# -ne 4 ]; then
    echo "Usage: $0 <corpus-dir> <data-dir> \"<source speakers>\" \"<target speakers>\"" >&2
    exit 1
fi
python -m vcgan.data.corpora.demo prepare --corpus-dir "$1" --data-dir "$2" \
    --src-spks "$3" --trg-spks "$4"
