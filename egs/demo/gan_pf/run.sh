#!/usr/bin/env bash
# GAN post-filters on the offline demo corpus (16 kHz): a frame-wise DNN front end trained
# with a squared error (over-smoothed on purpose), then a GAN post-filter of its mel-cepstra
# (Kaneko et al., ICASSP 2017) and one of its STFT spectrograms in bands (Interspeech 2017).
# Run from this directory:  ./run.sh [--stage N] [--stop_stage N] [--nj N] ...  (--help)
set -euo pipefail

stage=0                  # first stage: 0 corpus, 1 data prep, 2 features, 3 stats, 4 front ends, 5 post-filters, 6 conversion, 7 evaluation
stop_stage=7             # last stage to run
nj=2                     # parallel processes (corpus synthesis, feature extraction, conversion, evaluation)
force=false              # true: redo stages already marked done in exp/stages/
conf=conf/feature.yaml   # feature configuration (mel-cepstra and STFT log magnitudes)
corpus=../../../corpora/demo  # demo corpus directory, built by stage 0
n_sentences=100          # sentences per speaker in the demo corpus (1..100)
src_spks="kalM"          # source speakers (parallel training: every speaker trains on every training sentence)
trg_spks="sltF"          # target speakers
pairs="kalM:sltF"        # source:target pairs: one front end and two post-filters each
streams="mcep spec"      # which post-filters: mcep (WORLD vocoder) and/or spec (Griffin-Lim)
front_end_conf=conf/dnn_vc_%s.yaml   # front-end config per stream (%s: mcep or spec)
postfilter_conf=conf/ganpf_%s.yaml   # post-filter config per stream
device=auto              # cpu, cuda or auto (GPU when present)
threads=0                # torch CPU threads of training and conversion (0: one per core)
eval_set=eval            # data/<eval_set>_<spk> is converted and evaluated
metrics=mcd,f0,gv,mos    # vcgan evaluate metrics (gv: global variance and modulation spectrum; mos: DNSMOS proxy)

. ./path.sh
. ./cmd.sh
. utils/parse_options.sh
. utils/vc_stages.sh

# The vocoder of each stream's systems: WORLD resynthesises mel-cepstra, Griffin-Lim the STFT.
declare -A vocoder_of=([mcep]=world [spec]=griffin-lim)

pf_check() {  # the options, before any work
    local p s
    [ -n "$pairs" ] || { echo "error: --pairs is empty" >&2; return 1; }
    for p in $pairs; do
        [[ $p =~ ^[^:]+:[^:]+$ ]] || { echo "error: --pairs takes src:tgt pairs, got '$p'" >&2; return 1; }
    done
    for s in $streams; do
        [ -n "${vocoder_of[$s]:-}" ] || { echo "error: --streams: '$s' is neither mcep nor spec" >&2; return 1; }
        for f in "$(printf "$front_end_conf" "$s")" "$(printf "$postfilter_conf" "$s")"; do
            [ -f "$f" ] || { echo "error: config $f not found (options --front_end_conf, --postfilter_conf)" >&2; return 1; }
        done
    done
}

pf_settings() {  # what stages 4 and 5 depend on: the configs (with checksums) and the pairs
    local s out="pairs=$pairs streams=$streams"
    for s in $streams; do
        out+=" $(printf "$front_end_conf" "$s")@$(vc_checksum "$(printf "$front_end_conf" "$s")")"
        out+=" $(printf "$postfilter_conf" "$s")@$(vc_checksum "$(printf "$postfilter_conf" "$s")")"
    done
    echo "$out"
}

pf_train() {  # pf_train front_end|postfilter: one model per pair and stream (resumes)
    local p src tgt s cfg out fe=() extra=() dev=()
    [ -f dump/dev/feats.scp ] && dev=(--dev-dump dump/dev)
    for p in $pairs; do
        src=${p%%:*} tgt=${p##*:}
        for s in $streams; do
            if [ "$1" = front_end ]; then
                cfg=$(printf "$front_end_conf" "$s") out=$vc_exp/dnn_vc_${s}_${src}_${tgt} extra=("${dev[@]}")
            else
                cfg=$(printf "$postfilter_conf" "$s") out=$vc_exp/ganpf_${s}_${src}_${tgt}
                extra=(--front-end "$vc_exp/dnn_vc_${s}_${src}_${tgt}/bundle")
            fi
            echo "training $out with $cfg (progress: tail -f $vc_exp/log/train_${out##*/}.log)"
            if ! ${cuda_cmd:-$train_cmd} "$vc_exp/log/train_${out##*/}.log" vcgan train --config "$cfg" \
                    --train-dump dump/train "${extra[@]}" --speakers "$src" "$tgt" --out "$out" \
                    --device "$device" $(vc_threads) --resume --no-progress; then
                tail -n 20 "$vc_exp/log/train_${out##*/}.log" >&2
                return 1
            fi
            tail -n 2 "$vc_exp/log/train_${out##*/}.log"
        done
    done
}

pf_systems() {  # pf_systems <src> <tgt>: "name model postfilter-or-- vocoder" per system, one per line
    local s fe
    echo "baseline $vc_exp/dnn_vc_mcep_$1_$2/bundle -- world"
    for s in $streams; do
        fe=$vc_exp/dnn_vc_${s}_$1_$2/bundle
        echo "dnn_$s $fe -- ${vocoder_of[$s]}"
        echo "dnn_${s}+ganpf $fe $vc_exp/ganpf_${s}_$1_$2/bundle ${vocoder_of[$s]}"
    done
}

pf_convert() {  # the evaluation set of every pair through every system (redone: the bundles may have changed)
    local p src tgt name model pf voc opts
    for p in $pairs; do
        src=${p%%:*} tgt=${p##*:}
        vc_check_data "${eval_set}_$src" "${eval_set}_$tgt"
        while read -r name model pf voc; do
            opts=(--vocoder "$voc")
            [ "$pf" = -- ] || opts+=(--postfilter "$pf")
            [[ "$name" = baseline ]] && [[ "$streams" != *mcep* ]] && continue
            [ "$name" = baseline ] && opts+=(--baseline)
            echo "--- $src -> $tgt: $name"
            vcgan convert --model "$model" "${opts[@]}" --src-spk "$src" --tgt-spk "$tgt" -j "$nj" $(vc_threads) \
                --overwrite "data/${eval_set}_$src/wav.scp" "$vc_exp/gan_pf_${src}_${tgt}/convert/$name"
        done < <(pf_systems "$src" "$tgt")
    done
}

pf_evaluate() {  # MCD, F0, GV / modulation spectrum, DNSMOS per system; table; GV and MS plots
    local p src tgt ev name model pf voc rc s
    local -a partial=() reports
    for p in $pairs; do
        src=${p%%:*} tgt=${p##*:} ev=$vc_exp/gan_pf_${src}_${tgt}/eval
        vc_link_by_sentence "data/${eval_set}_$tgt" "$tgt" "$src" "$ev/ref"
        vc_link_by_sentence "data/${eval_set}_$src" "$src" "$src" "$ev/src"
        reports=()
        while read -r name model pf voc; do
            [[ "$name" = baseline ]] && [[ "$streams" != *mcep* ]] && continue
            echo "--- $src -> $tgt: $name"
            rc=0
            vcgan evaluate --ref "$ev/ref" --conv "$vc_exp/gan_pf_${src}_${tgt}/convert/$name" --src "$ev/src" \
                --metrics "$metrics" --config dump/train/feature_config.yaml -j "$nj" --no-progress \
                --json "$ev/$name.json" --plot "$ev/$name.png" || rc=$?
            if [ "$rc" -eq 1 ] && [ -f "$ev/$name.json" ]; then partial+=("$ev/$name.json")
            elif [ "$rc" -ne 0 ]; then return "$rc"; fi
            reports+=("$name=$ev/$name.json")
        done < <(pf_systems "$src" "$tgt")
        echo "=== $src -> $tgt: front ends with and without their GAN post-filter"
        vcgan report "${reports[@]}" --html "$ev/report" | tee "$ev/report.txt"
        if [[ "$metrics" == *gv* ]]; then
            for s in $streams; do
                vcgan report "dnn_$s=$ev/dnn_$s.json" "dnn_${s}+ganpf=$ev/dnn_${s}+ganpf.json" \
                    --plot-gv "$ev/gv_ms_$s.png" > /dev/null
            done
        fi
        echo "results: $ev/*.json, table: $ev/report.txt, GV and modulation spectrum: $ev/gv_ms_*.png,"
        echo "listening page: $ev/report/index.html"
    done
    if [ "${#partial[@]}" -gt 0 ]; then
        echo "warning: some utterances could not be scored; see the 'failed' entries of: ${partial[*]}" >&2
    fi
}

pf_check
vc_stage 0 corpus       python "$VCGAN_ROOT/tools/make_demo_corpus.py" "$corpus" --n_sentences "$n_sentences" --nj "$nj"
vc_stage 1 data_prep    local/data_prep.sh "$corpus" data "$src_spks" "$trg_spks"
vc_stage 2 extract      vc_extract train dev eval
vc_stage 3 stats        vc_stats train
vc_stage 4 front_ends   pf_train front_end "$(pf_settings)"
vc_stage 5 postfilters  pf_train postfilter "$(pf_settings)"
vc_stage 6 convert      pf_convert "$(pf_settings) eval_set=$eval_set"
vc_stage 7 evaluate     pf_evaluate "$(pf_settings) eval_set=$eval_set metrics=$metrics"
