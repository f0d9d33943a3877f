#!/usr/bin/env bash
# StarGAN-VC2 many-to-many VC (one model for every ordered pair of --speakers) on VCTK 0.92 (see README.md).
# Run from this directory:  ./run.sh [--stage N] [--stop_stage N] [--nj N] ...  (--help)
set -euo pipefail

stage=0                  # first stage: 0 download, 1 data prep, 2 features, 3 stats, 4 training, 5 conversion, 6 synthesis, 7 evaluation, 8 quality against training time (snapshots)
stop_stage=8             # last stage to run
nj=2                     # parallel processes for feature extraction and conversion
force=false              # true: redo stages already marked done in exp/stages/
conf=conf/feature.yaml   # feature configuration (YAML; rates in Hz, frame period in ms)
db_root=downloads        # corpus directory: stage 0 downloads (about 11 GB) and extracts VCTK 0.92 here
speakers="p225 p226 p227 p228"  # speakers of the many-to-many model (p225, p228 female; p226, p227 male)
n_dev=5                  # parallel dev sentences (shared rainbow-passage/elicitation sentences)
n_eval=10                # parallel eval sentences
mic=mic1                 # VCTK 0.92 microphone (mic1 or mic2)
sets="train dev eval"    # data sets whose features are extracted (drop dev with --n_dev 0)
train_sets=""            # speaker sets spk1:spk2[:spk3...], one many-to-many model each ("": one set of all --speakers)
pairs=""                 # source:target pairs to convert and evaluate ("": every ordered pair of --speakers)
train_conf=conf/stargan_vc2.yaml  # training config (the paper's settings, as egs/vcc2018/stargan_vc2)
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

. ./path.sh
. ./cmd.sh
. utils/parse_options.sh
. utils/vc_stages.sh

[ -n "$train_sets" ] || train_sets=$(echo $speakers | tr ' ' ':')
[ -n "$pairs" ] || pairs=$(vc_all_pairs "$speakers" | tr '\n' ' ')

vc_stage 0 download   python -m vcgan.data.corpora.vctk download --dest "$db_root"
vc_stage 1 data_prep  local/data_prep.sh "$db_root" data "$speakers" "$n_dev" "$n_eval" "$mic"
vc_stage 2 extract    vc_extract $sets
vc_stage 3 stats      vc_stats train
vc_later_stages
