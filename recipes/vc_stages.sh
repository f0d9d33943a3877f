#!/usr/bin/env bash
# Stage logic shared by every voice-conversion recipe (egs/<corpus>/<recipe>/run.sh).
# SOURCE it after utils/parse_options.sh. The recipe then lists its stages:
#
#   vc_stage 0 download   <command...>
#   vc_stage 1 data_prep  local/data_prep.sh ...
#   vc_stage 2 extract    vc_extract train dev eval
#   vc_stage 3 stats      vc_stats train
#   vc_later_stages                      (stages 4-7: train, convert, synthesis, evaluate)
#
# Expects from run.sh: stage, stop_stage, nj, force, conf, and train_cmd (cmd.sh); for
# stages 4-7 also train_conf, model_name, pairs ("src:tgt ..."), device, eval_set, metrics, and
# optionally threads (torch CPU threads; 0 or unset: torch's default).
#
# Each stage prints a banner, logs everything to exp/log/stage<N>_<name>.log (and to the
# screen), and on success writes exp/stages/<N>_<name>.done holding the stage's
# signature (its command line and the checksum of $conf). A stage whose marker matches is
# skipped, so re-running a finished recipe is a no-op; a stage interrupted halfway has no
# marker and runs again (its tools resume from their atomic outputs). Running a stage
# again removes the markers of all later stages, so they follow.

vc_exp=${vc_exp:-exp}

vc_checksum() {  # vc_checksum <file>: its SHA-256, or "none" when it does not exist
    if [ -f "$1" ]; then sha256sum "$1" | cut -d' ' -f1; else echo none; fi
}

vc_signature() {  # vc_signature <command...>: identifies what a stage run did
    printf 'command: %s\nconf: %s %s\n' "$*" "$conf" "$(vc_checksum "$conf")"
}

vc_stage() {  # vc_stage <number> <name> <command...>
    local n=$1 name=$2
    shift 2
    if [ "$n" -lt "$stage" ] || [ "$n" -gt "$stop_stage" ]; then
        return 0
    fi
    local marker="$vc_exp/stages/${n}_${name}.done"
    local log="$vc_exp/log/stage${n}_${name}.log"
    local signature
    signature=$(vc_signature "$@")
    if [ "$force" != true ] && [ -f "$marker" ] && [ "$(cat "$marker")" = "$signature" ]; then
        echo "=== stage $n: $name: already done ($marker); --force true redoes it"
        return 0
    fi
    mkdir -p "$vc_exp/log" "$vc_exp/stages"
    # Later stages used this stage's old output: they must run again.
    local m
    for m in "$vc_exp"/stages/*.done; do
        [ -e "$m" ] || continue
        local k=${m##*/}
        k=${k%%_*}
        if [ "$k" -gt "$n" ]; then rm -f "$m"; fi
    done
    rm -f "$marker"
    echo "=== stage $n: $name: $* (log: $log)"
    local rc
    set +e
    ( set -e; "$@" ) 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    set -e
    if [ "$rc" -ne 0 ]; then
        echo "=== stage $n: $name FAILED (exit code $rc); log: $log" >&2
        exit "$rc"
    fi
    printf '%s\n' "$signature" > "$marker.tmp" && mv "$marker.tmp" "$marker"
    echo "=== stage $n: $name: done"
}

vc_check_data() {  # vc_check_data <set...>: fast validation of data/<set> before long work
    local s missing=()
    for s in "$@"; do
        [ -d "data/$s" ] || missing+=("data/$s")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        echo "error: missing data director(y/ies): ${missing[*]}; run stage 1 (data preparation) first" >&2
        return 1
    fi
    python -m vcgan.data.kaldi "${@/#/data/}"
}

vc_extract() {  # vc_extract <set...>: features of data/<set> into dump/<set>
    if [ ! -f "$conf" ]; then
        echo "error: feature configuration $conf not found (option --conf)" >&2
        return 1
    fi
    vc_check_data "$@"
    local s
    for s in "$@"; do
        echo "extracting features: data/$s -> dump/$s ($nj processes; progress: tail -f $vc_exp/log/extract_$s.log)"
        ${train_cmd} "$vc_exp/log/extract_$s.log" \
            vcgan extract --data-dir "data/$s" --out-dir "dump/$s" --config "$conf" -j "$nj"
        tail -n 3 "$vc_exp/log/extract_$s.log"
    done
}

vc_stats() {  # vc_stats <set...>: per-speaker statistics of dump/<set> into dump/<set>/stats
    local s
    for s in "$@"; do
        if [ ! -f "dump/$s/feats.scp" ]; then
            echo "error: dump/$s/feats.scp not found; run stage 2 (feature extraction) first" >&2
            return 1
        fi
    done
    for s in "$@"; do
        echo "statistics: dump/$s -> dump/$s/stats"
        ${train_cmd} "$vc_exp/log/stats_$s.log" vcgan stats --dump-dir "dump/$s"
        ls "dump/$s/stats"
    done
}

vc_expdir() {  # vc_expdir <src> <tgt>: experiment directory of one speaker pair
    echo "$vc_exp/${model_name}_$1_$2"
}

vc_pairs() {  # vc_pairs: the "src:tgt" pairs of $pairs, one per line, checked
    local p
    for p in $pairs; do
        if [[ $p != *:* ]]; then
            echo "error: --pairs takes source:target speaker pairs, got '$p'" >&2
            return 1
        fi
        echo "$p"
    done
}

vc_threads() {  # vc_threads: the --threads option of vcgan train/convert, when $threads is set
    if [ "${threads:-0}" -gt 0 ]; then echo "--threads $threads"; fi
}

vc_train() {  # vc_train: train one model per pair of $pairs with $train_conf (resumes)
    if [ ! -f "$train_conf" ]; then
        echo "error: training configuration $train_conf not found (option --train_conf)" >&2
        return 1
    fi
    local p src tgt dir
    for p in $(vc_pairs); do
        src=${p%%:*} tgt=${p##*:} dir=$(vc_expdir "$src" "$tgt")
        local dev=()
        [ -f dump/dev/feats.scp ] && dev=(--dev-dump dump/dev)
        echo "training $src <-> $tgt with $train_conf into $dir (log: $dir/train.log)"
        vcgan train --config "$train_conf" --train-dump dump/train "${dev[@]}" $(vc_threads) \
            --speakers "$src" "$tgt" --out "$dir" --device "$device" --resume
    done
}

# Stages 5 and 6 take seconds, and their outputs depend on the bundle, which a re-run of
# stage 4 (another config, more iterations) replaces: they always redo every file
# (--overwrite) rather than resume, so no result of an earlier model survives.
vc_convert() {  # vc_convert: features of data/<eval_set>_<src> converted to <tgt>, model and baseline
    local p src tgt dir
    for p in $(vc_pairs); do
        src=${p%%:*} tgt=${p##*:} dir=$(vc_expdir "$src" "$tgt")
        vc_check_data "${eval_set}_$src" "${eval_set}_$tgt"
        echo "converting data/${eval_set}_$src to $tgt with $dir/bundle"
        vcgan convert --model "$dir/bundle" --src-spk "$src" --tgt-spk "$tgt" --features-only -j "$nj" $(vc_threads) \
            --overwrite "data/${eval_set}_$src/wav.scp" "$dir/convert/model/feats"
        echo "statistical baseline (mean/variance of mel-cepstra, log-F0 transform) for comparison"
        vcgan convert --model "$dir/bundle" --src-spk "$src" --tgt-spk "$tgt" --features-only -j "$nj" $(vc_threads) \
            --overwrite --baseline "data/${eval_set}_$src/wav.scp" "$dir/convert/baseline/feats"
    done
}

vc_synthesis() {  # vc_synthesis: waveforms of the converted features (WORLD vocoder)
    local p src tgt dir system
    for p in $(vc_pairs); do
        src=${p%%:*} tgt=${p##*:} dir=$(vc_expdir "$src" "$tgt")
        for system in model baseline; do
            vcgan synthesize --features "$dir/convert/$system/feats" --out "$dir/convert/$system/wav" \
                --config "$dir/bundle/feature_config.yaml" --vocoder world -j "$nj" --overwrite
        done
    done
}

vc_link_by_sentence() {  # vc_link_by_sentence <data-dir> <speaker> <src-speaker> <out-dir>
    # Links each utterance of <speaker> under the name of <src-speaker>'s utterance of the same
    # sentence (ids are <speaker>_<sentence>), so `vcgan evaluate` pairs them by file name.
    local data=$1 spk=$2 src=$3 out=$4 utt path
    rm -rf "$out"
    mkdir -p "$out"
    while read -r utt path; do
        ln -s "$(readlink -f "$path")" "$out/${src}_${utt#"${spk}"_}.wav"
    done < "$data/wav.scp"
}

vc_evaluate() {  # vc_evaluate: MCD & co. of no conversion, the baseline and the model, per pair
    local p src tgt dir ev system
    for p in $(vc_pairs); do
        src=${p%%:*} tgt=${p##*:} dir=$(vc_expdir "$src" "$tgt") ev=$(vc_expdir "$src" "$tgt")/eval
        vc_link_by_sentence "data/${eval_set}_$tgt" "$tgt" "$src" "$ev/ref"
        vc_link_by_sentence "data/${eval_set}_$src" "$src" "$src" "$ev/src"
        for system in none baseline model; do
            local conv="$dir/convert/$system/wav"
            [ "$system" = none ] && conv="$ev/src"
            echo "--- $src -> $tgt: $system"
            vcgan evaluate --ref "$ev/ref" --conv "$conv" --src "$ev/src" --metrics "$metrics" \
                --config dump/train/feature_config.yaml -j "$nj" --no-progress \
                --json "$ev/$system.json" --plot "$ev/$system.png"
        done
        echo "=== $src -> $tgt: no conversion vs statistical baseline vs $model_name"
        vcgan report none="$ev/none.json" baseline="$ev/baseline.json" "$model_name=$ev/model.json" \
            | tee "$ev/report.txt"
        echo "results: $ev/{none,baseline,model}.json, table: $ev/report.txt, plots: $ev/*.png"
    done
}

vc_later_stages() {  # vc_later_stages: stages 4-7 of a voice-conversion recipe
    # The stage functions read these options from run.sh; passing them (and the training
    # config's checksum) puts them in each stage's signature, so changing one re-runs the
    # stage and those after it. The functions themselves ignore their arguments.
    local settings="pairs=$pairs model_name=$model_name eval_set=$eval_set train_conf=$train_conf@$(vc_checksum "$train_conf")"
    vc_stage 4 train      vc_train "$settings"
    vc_stage 5 convert    vc_convert "$settings"
    vc_stage 6 synthesis  vc_synthesis "$settings"
    vc_stage 7 evaluate   vc_evaluate "$settings" "metrics=$metrics"
}

vc_fail() {  # vc_fail <message>: a stage that cannot run in this version
    echo "$1" >&2
    return 1
}

vc_unavailable_stages() {  # vc_unavailable_stages <model>: stages 4-7 of a model vcgan lacks yet
    local why="$1 is not implemented in this version of vcgan yet"
    vc_stage 4 train      vc_fail "training: $why"
    vc_stage 5 convert    vc_fail "conversion: $why"
    vc_stage 6 synthesis  vc_fail "synthesis: $why"
    vc_stage 7 evaluate   vc_fail "evaluation: $why"
}
