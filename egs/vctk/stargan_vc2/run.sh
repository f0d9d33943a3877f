#!/usr/bin/env bash
# StarGAN-VC2-style many-to-many VC on VCTK 0.92 (see README.md).
# Run from this directory:  ./run.sh [--stage N] [--stop_stage N] [--nj N] ...  (--help)
set -euo pipefail

stage=0                  # first stage: 0 download, 1 data prep, 2 features, 3 stats, 4 training, 5 conversion, 6 synthesis, 7 evaluation
stop_stage=7             # last stage to run
nj=2                     # parallel processes for feature extraction
force=false              # true: redo stages already marked done in exp/stages/
conf=conf/feature.yaml   # feature configuration (YAML; rates in Hz, frame period in ms)
db_root=downloads        # corpus directory: stage 0 downloads (about 11 GB) and extracts VCTK 0.92 here
speakers="p225 p226 p227 p228"  # speakers of the many-to-many model (p225, p228 female; p226, p227 male)
n_dev=5                  # parallel dev sentences (shared rainbow-passage/elicitation sentences)
n_eval=10                # parallel eval sentences
mic=mic1                 # VCTK 0.92 microphone (mic1 or mic2)
sets="train dev eval"    # data sets whose features are extracted (drop dev with --n_dev 0)

. ./path.sh
. ./cmd.sh
. utils/parse_options.sh
. utils/vc_stages.sh

vc_stage 0 download   python -m vcgan.data.corpora.vctk download --dest "$db_root"
vc_stage 1 data_prep  local/data_prep.sh "$db_root" data "$speakers" "$n_dev" "$n_eval" "$mic"
vc_stage 2 extract    vc_extract $sets
vc_stage 3 stats      vc_stats train
vc_unavailable_stages StarGAN-VC2
