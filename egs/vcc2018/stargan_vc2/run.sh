#!/usr/bin/env bash
# StarGAN-VC2 on VCC2018 (Kaneko et al., Interspeech 2019): one model for every ordered pair of
# four speakers (see README.md).
# Run from this directory:  ./run.sh [--stage N] [--stop_stage N] [--nj N] ...  (--help)
set -euo pipefail

stage=0                  # first stage: 0 download, 1 data prep, 2 features, 3 stats, 4 training, 5 conversion, 6 synthesis, 7 evaluation, 8 quality against training time (snapshots)
stop_stage=8             # last stage to run
nj=2                     # parallel processes for feature extraction and conversion
force=false              # true: redo stages already marked done in exp/stages/
conf=conf/feature.yaml   # feature configuration (YAML; rates in Hz, frame period in ms)
db_root=downloads        # corpus directory: stage 0 downloads and extracts VCC2018 here
speakers="VCC2SF1 VCC2SF2 VCC2SM1 VCC2SM2"  # the model's speakers (UNVERIFIED candidate of the paper's set: README.md)
n_dev=5                  # last training utterances per speaker held out as dev (0: none)
train_sets=""            # speaker sets spk1:spk2[:spk3...], one many-to-many model each ("": one set of all --speakers)
pairs=""                 # source:target pairs to convert and evaluate ("": every ordered pair of --speakers)
train_conf=conf/stargan_vc2.yaml  # training config (the paper's settings)
model_name=stargan_vc2   # experiment directories: exp/<model_name>_<spk1>_<spk2>_...
device=auto              # cpu, cuda or auto (GPU when present)
ngpu=1                   # training processes per node (torchrun: one per GPU; >1 with device cpu: CPU processes)
nnodes=1                 # nodes of one training job (>1: the same command on every node, rendezvous at rdzv_endpoint)
rdzv_endpoint=""         # HOST:PORT of the torchrun c10d rendezvous when nnodes > 1
threads=0                # torch CPU threads of training and conversion (0: one per core; 1 when jobs share the cores)
eval_set=eval            # data/<eval_set>_<spk> is converted and evaluated
metrics=mcd,f0,gv,sim,mos  # vcgan evaluate metrics (sim: speaker similarity; mos: DNSMOS naturalness proxy)
postfilters=""           # post-filter bundle directories applied in order to the model's conversions (stage 5; not the baseline)
vocoder=world            # stage 6 vocoder, a name vcgan synthesize --vocoder takes (world: the WORLD features the model converts)
sets="train dev eval"    # data sets whose features are extracted (drop dev with --n_dev 0)

. ./path.sh
. ./cmd.sh
. utils/parse_options.sh
. utils/vc_stages.sh

[ -n "$train_sets" ] || train_sets=$(echo $speakers | tr ' ' ':')
[ -n "$pairs" ] || pairs=$(vc_all_pairs "$speakers" | tr '\n' ' ')

# The data preparation takes source (VCC2S*: evaluation set) and target (VCC2T*: reference set)
# speakers apart; both read the same 35 evaluation sentences, so every pair is parallel there.
src_spks=$(printf '%s\n' $speakers | grep '^VCC2S' | tr '\n' ' ' || true)
trg_spks=$(printf '%s\n' $speakers | grep -v '^VCC2S' | tr '\n' ' ' || true)
vc_stage 0 download   python -m vcgan.data.corpora.vcc2018 download --dest "$db_root"
vc_stage 1 data_prep  local/data_prep.sh "$db_root" data "$src_spks" "$trg_spks" "$n_dev"
vc_stage 2 extract    vc_extract $sets
vc_stage 3 stats      vc_stats train
vc_later_stages
