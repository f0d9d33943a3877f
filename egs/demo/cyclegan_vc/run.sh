#!/usr/bin/env bash
# CycleGAN-VC (the first version: 1D gated CNN) on the offline demo corpus: 4 synthetic speakers, 16 kHz (see README.md).
# Run from this directory:  ./run.sh [--stage N] [--stop_stage N] [--nj N] ...  (--help)
set -euo pipefail

stage=0                  # first stage: 0 corpus build, 1 data prep, 2 features, 3 stats, 4 training, 5 conversion, 6 synthesis, 7 evaluation, 8 quality against training time (snapshots)
stop_stage=8             # last stage to run
nj=2                     # parallel processes (corpus synthesis, feature extraction)
force=false              # true: redo stages already marked done in exp/stages/
conf=conf/feature.yaml   # feature configuration (YAML; rates in Hz, frame period in ms)
corpus=../../../corpora/demo  # demo corpus directory, built by stage 0
n_sentences=100          # sentences per speaker in the demo corpus (1..100; e.g. 8 for a quick test)
src_spks="kalM espM"     # source speakers (train on the first half of the training sentences)
trg_spks="sltF espF"     # target speakers (train on the second half: non-parallel)
pairs="kalM:sltF"        # source:target pairs to convert and evaluate (each with the first training set holding both)
train_sets=""            # speaker sets spk1:spk2[:spk3...] to train, one model each ("": one per pair of --pairs, both directions)
train_conf=conf/cyclegan_vc.yaml  # training config (reduced for CPU: see the file; paper sizes in egs/vcc2016)
model_name=cyclegan_vc   # experiment directories: exp/<model_name>_<spk1>_<spk2>[_<spk3>...], one per training set
device=auto              # cpu, cuda or auto (GPU when present)
ngpu=1                   # training processes per node (torchrun: one per GPU; >1 with device cpu: CPU processes)
nnodes=1                 # nodes of one training job (>1: the same command on every node, rendezvous at rdzv_endpoint)
rdzv_endpoint=""         # HOST:PORT of the torchrun c10d rendezvous when nnodes > 1
threads=0                # torch CPU threads of training and conversion (0: one per core; 1 when jobs share the cores)
eval_set=eval            # data/<eval_set>_<spk> is converted and evaluated
metrics=mcd,f0,gv,sim,mos  # vcgan evaluate metrics (sim: speaker similarity; mos: DNSMOS naturalness proxy)
postfilters=""           # post-filter bundle directories applied in order to the model's conversions (stage 5; not the baseline)
vocoder=world            # stage 6 vocoder, a name vcgan synthesize --vocoder takes (world: the WORLD features the model converts)

. ./path.sh
. ./cmd.sh
. utils/parse_options.sh
. utils/vc_stages.sh

vc_stage 0 corpus     python "$VCGAN_ROOT/tools/make_demo_corpus.py" "$corpus" --n_sentences "$n_sentences" --nj "$nj"
vc_stage 1 data_prep  local/data_prep.sh "$corpus" data "$src_spks" "$trg_spks"
vc_stage 2 extract    vc_extract train dev eval
vc_stage 3 stats      vc_stats train
vc_later_stages
