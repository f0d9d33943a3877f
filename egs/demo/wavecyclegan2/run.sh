#!/usr/bin/env bash
# WaveCycleGAN2 on the offline demo corpus (16 kHz): a waveform post-filter that learns, from
# non-parallel data, to turn vocoded speech of the target speaker into natural-sounding speech
# (Tanaka et al., arXiv 1904.02892), applied after WORLD analysis-synthesis and after
# CycleGAN-VC2 conversion, each evaluated with and without it.
# Run from this directory:  ./run.sh [--stage N] [--stop_stage N] [--nj N] ...  (--help)
set -euo pipefail

stage=0                  # first stage: 0 corpus, 1 data prep, 2 features, 3 stats, 4 front end, 5 post-filter, 6 conversion, 7 evaluation
stop_stage=7             # last stage to run
nj=2                     # parallel processes (corpus synthesis, feature extraction, conversion, evaluation)
force=false              # true: redo stages already marked done in exp/stages/
conf=conf/feature.yaml   # feature configuration (the CycleGAN-VC2 demo's)
corpus=../../../corpora/demo  # demo corpus directory, built by stage 0
n_sentences=100          # sentences per speaker in the demo corpus (1..100)
src_spk=kalM             # source speaker of the front end's conversions
trg_spk=sltF             # target speaker: the post-filter learns its natural speech
front_end=""             # CycleGAN-VC2 bundle converting src_spk -> trg_spk ("": ../cyclegan_vc2's if it was trained, else stage 4 trains one)
front_end_conf=../cyclegan_vc2/conf/cyclegan_vc2.yaml  # stage 4's config when it trains the front end
train_conf=conf/wavecyclegan2.yaml  # post-filter config (reduced for CPU: see the file)
model_name=wavecyclegan2 # experiment directory: exp/<model_name>_<src_spk>_<trg_spk>
device=auto              # cpu, cuda or auto (GPU when present)
threads=0                # torch CPU threads of training and conversion (0: one per core)
eval_set=eval            # data/<eval_set>_<spk> is converted and evaluated
metrics=mcd,f0,gv,sim,mos  # vcgan evaluate metrics (gv: global variance and modulation spectrum; sim: speaker similarity; mos: DNSMOS proxy)

. ./path.sh
. ./cmd.sh
. utils/parse_options.sh
. utils/vc_stages.sh

pair_dir=$vc_exp/${model_name}_${src_spk}_${trg_spk}
fe_default=../cyclegan_vc2/exp/cyclegan_vc2_${src_spk}_${trg_spk}/bundle
if [ -z "$front_end" ]; then
    if [ -f "$fe_default/manifest.yaml" ]; then front_end=$fe_default; else front_end=$vc_exp/cyclegan_vc2_${src_spk}_${trg_spk}/bundle; fi
    trained_here=$([ "$front_end" = "$fe_default" ] && echo false || echo true)
else
    trained_here=false
fi

wc_train() {  # wc_train front_end|postfilter: vcgan train via ${cuda_cmd} (resumes)
    local cfg out extra=() speakers=("$src_spk" "$trg_spk")
    if [ "$1" = front_end ]; then
        if [ "$trained_here" = false ]; then
            [ -f "$front_end/manifest.yaml" ] || { echo "error: --front_end $front_end: no bundle there" >&2; return 1; }
            echo "front end: $front_end (trained elsewhere; nothing to do)"
            return 0
        fi
        cfg=$front_end_conf out=${front_end%/bundle}
        [ -f dump/dev/feats.scp ] && extra=(--dev-dump dump/dev)
    else
        cfg=$train_conf out=$pair_dir extra=(--front-end "$front_end")
    fi
    echo "training $out with $cfg (progress: tail -f $vc_exp/log/train_${out##*/}.log)"
    if ! ${cuda_cmd:-$train_cmd} "$vc_exp/log/train_${out##*/}.log" vcgan train --config "$cfg" \
            --train-dump dump/train "${extra[@]}" --speakers "${speakers[@]}" --out "$out" \
            --device "$device" $(vc_threads) --resume --no-progress; then
        tail -n 20 "$vc_exp/log/train_${out##*/}.log" >&2
        return 1
    fi
    tail -n 2 "$vc_exp/log/train_${out##*/}.log"
}

wc_convert() {  # the evaluation set: WORLD resynthesis and CycleGAN-VC2 conversion, each with and without the post-filter
    local conv=$pair_dir/convert pf=$pair_dir/bundle
    vc_check_data "${eval_set}_$src_spk" "${eval_set}_$trg_spk"
    rm -rf "$conv/feats_$trg_spk"
    mkdir -p "$conv/feats_$trg_spk"
    while read -r utt _; do  # the target's eval features as extracted: WORLD analysis-synthesis
        ln -s "$(readlink -f "dump/$eval_set/feats/$utt.npz")" "$conv/feats_$trg_spk/$utt.npz"
    done < "data/${eval_set}_$trg_spk/wav.scp"
    echo "--- resynthesis ($trg_spk, WORLD analysis-synthesis)"
    vcgan synthesize --features "$conv/feats_$trg_spk" --out "$conv/resynthesis" \
        --config dump/train/feature_config.yaml -j "$nj"
    echo "--- resynthesis + $model_name"
    vcgan postfilter --model "$pf" -j "$nj" $(vc_threads) --overwrite "$conv/resynthesis" "$conv/resynthesis+$model_name"
    echo "--- $src_spk -> $trg_spk: cyclegan_vc2"
    vcgan convert --model "$front_end" --src-spk "$src_spk" --tgt-spk "$trg_spk" -j "$nj" $(vc_threads) \
        --overwrite "data/${eval_set}_$src_spk/wav.scp" "$conv/cyclegan_vc2"
    echo "--- $src_spk -> $trg_spk: cyclegan_vc2 + $model_name"
    vcgan convert --model "$front_end" --postfilter "$pf" --src-spk "$src_spk" --tgt-spk "$trg_spk" -j "$nj" \
        $(vc_threads) --overwrite "data/${eval_set}_$src_spk/wav.scp" "$conv/cyclegan_vc2+$model_name"
}

wc_evaluate() {  # MCD, F0, GV / modulation spectrum, similarity, DNSMOS of the four systems; tables, plots, listening page
    local ev=$pair_dir/eval conv=$pair_dir/convert name ref src rc
    local -a partial=()
    vc_link_by_sentence "data/${eval_set}_$trg_spk" "$trg_spk" "$trg_spk" "$ev/ref_$trg_spk"
    vc_link_by_sentence "data/${eval_set}_$trg_spk" "$trg_spk" "$src_spk" "$ev/ref_$src_spk"
    vc_link_by_sentence "data/${eval_set}_$src_spk" "$src_spk" "$src_spk" "$ev/src"
    for name in resynthesis "resynthesis+$model_name" cyclegan_vc2 "cyclegan_vc2+$model_name"; do
        # resynthesis is scored against the same utterances' natural speech; conversions
        # against the target's utterances of the same sentences
        if [[ $name == resynthesis* ]]; then ref=$ev/ref_$trg_spk src=$ev/ref_$trg_spk; else ref=$ev/ref_$src_spk src=$ev/src; fi
        echo "--- $name"
        rc=0
        vcgan evaluate --ref "$ref" --conv "$conv/$name" --src "$src" --metrics "$metrics" \
            --config dump/train/feature_config.yaml -j "$nj" --no-progress \
            --json "$ev/$name.json" --plot "$ev/$name.png" || rc=$?
        if [ "$rc" -eq 1 ] && [ -f "$ev/$name.json" ]; then partial+=("$ev/$name.json")
        elif [ "$rc" -ne 0 ]; then return "$rc"; fi
    done
    # Two groups, each system with and without the post-filter: their utterances differ
    # (resynthesis: the target's; conversions: the source's names).
    local group
    for group in resynthesis cyclegan_vc2; do
        echo "=== $group, with and without $model_name"
        vcgan report "$group=$ev/$group.json" "$group+$model_name=$ev/$group+$model_name.json" \
            --html "$ev/report_$group" | tee "$ev/report_$group.txt"
        if [[ "$metrics" == *gv* ]]; then
            vcgan report "$group=$ev/$group.json" "$group+$model_name=$ev/$group+$model_name.json" \
                --plot-gv "$ev/gv_ms_$group.png" > /dev/null
        fi
    done
    echo "results: $ev/*.json, tables: $ev/report_*.txt, GV and modulation spectrum: $ev/gv_ms_*.png,"
    echo "listening pages: $ev/report_resynthesis/index.html, $ev/report_cyclegan_vc2/index.html"
    if [ "${#partial[@]}" -gt 0 ]; then
        echo "warning: some utterances could not be scored; see the 'failed' entries of: ${partial[*]}" >&2
    fi
}

settings="front_end=$front_end trained_here=$trained_here fe_conf=$front_end_conf@$(vc_checksum "$front_end_conf")"
settings+=" conf=$train_conf@$(vc_checksum "$train_conf") pair=$src_spk:$trg_spk"
vc_stage 0 corpus       python "$VCGAN_ROOT/tools/make_demo_corpus.py" "$corpus" --n_sentences "$n_sentences" --nj "$nj"
vc_stage 1 data_prep    local/data_prep.sh "$corpus" data "$src_spk" "$trg_spk"
vc_stage 2 extract      vc_extract train dev eval
vc_stage 3 stats        vc_stats train
vc_stage 4 front_end    wc_train front_end "$settings"
vc_stage 5 postfilter   wc_train postfilter "$settings"
vc_stage 6 convert      wc_convert "$settings eval_set=$eval_set"
vc_stage 7 evaluate     wc_evaluate "$settings eval_set=$eval_set metrics=$metrics"
