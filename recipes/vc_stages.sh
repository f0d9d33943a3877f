#!/usr/bin/env bash
# Stage logic shared by every voice-conversion recipe (egs/<corpus>/<recipe>/run.sh).
# SOURCE it after utils/parse_options.sh. The recipe then lists its stages:
#
#   vc_stage 0 download   <command...>
#   vc_stage 1 data_prep  local/data_prep.sh ...
#   vc_stage 2 extract    vc_extract train dev eval
#   vc_stage 3 stats      vc_stats train
#   vc_later_stages                      (stages 4-8: train, convert, synthesis, evaluate, progress)
#
# Expects from run.sh: stage, stop_stage, nj, force, conf, and train_cmd (cmd.sh); for
# stages 4-7 also train_conf, model_name, pairs ("src:tgt ..."), device, eval_set, metrics,
# cuda_cmd (cmd.sh; train_cmd when unset), and optionally threads (torch CPU threads; 0 or
# unset: torch's default), ngpu/nnodes/rdzv_endpoint (data-parallel training, vc_train_launcher),
# train_sets, postfilters and vocoder (below).
#
# Models and pairs (stages 4-7):
#   train_sets  "a:b[:c...] ..."  speaker sets, ONE model each, trained in
#               exp/<model_name>_<a>_<b>[_<c>...]. Empty (the default): one set per unordered
#               pair of $pairs, in first-seen order ("kalM:sltF sltF:kalM" -> one set kalM:sltF),
#               so a pair recipe's experiment is exp/<model_name>_<src>_<tgt> as it always was.
#   pairs       "src:tgt ..."  the ordered pairs to convert and evaluate; each uses the model
#               of the FIRST set that contains both speakers. A pair in no set stops the
#               recipe before any stage runs. vc_all_pairs "a b c" prints every ordered pair.
#   postfilters "BUNDLE ..."  post-filter bundles applied in stage 5 to the model's output
#               (vcgan convert --postfilter, in this order), never to the baseline.
#   vocoder     stage 6's vocoder (vcgan synthesize --vocoder; default world), for both
#               the model and the baseline so that they stay comparable.
# Layout: a model that converts exactly ONE requested pair keeps the pair layout,
# <expdir>/convert/{model,baseline}/{feats,wav} and <expdir>/eval/{none,baseline,model}.json;
# a model that converts several pairs puts each pair one level down, in
# <expdir>/convert/<src>_<tgt>/... and <expdir>/eval/<src>_<tgt>/... (vc_pair_dir).
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

_vc_error() {  # _vc_error <message>: prints "error: <message>" on stderr and fails
    echo "error: $1" >&2
    return 1
}

_vc_same_speakers() {  # _vc_same_speakers <set> <set>: true when both hold the same speakers
    # Sets have no repeated speaker (vc_plan checks), so equal size + containment is equality.
    [ "${1//[^:]/}" = "${2//[^:]/}" ] || return 1
    local x
    for x in ${1//:/ }; do
        [[ ":$2:" == *":$x:"* ]] || return 1
    done
}

_vc_find_set() {  # _vc_find_set <src> <tgt>: the first set of VC_SETS holding both speakers
    local s
    for s in "${VC_SETS[@]}"; do
        if [[ ":$s:" == *":$1:"* && ":$s:" == *":$2:"* ]]; then
            echo "$s"
            return 0
        fi
    done
    return 1
}

vc_plan() {  # vc_plan: checks $pairs and $train_sets, and resolves which model converts each pair
    # Sets VC_PAIRS (the "src:tgt" pairs, in order), VC_SETS (the speaker sets "a:b[:c...]",
    # in order), VC_SET_OF (pair -> its set) and VC_NPAIRS (set -> how many pairs it converts).
    # Fails with a message naming the option on a malformed or repeated pair or set, and on
    # a pair that no set contains. Pure bash and cheap: every helper below calls it again.
    VC_PAIRS=() VC_SETS=()
    declare -gA VC_SET_OF=() VC_NPAIRS=()
    local p s t set x
    local -A seen=()
    for p in ${pairs:-}; do
        [[ $p =~ ^([^:]+):([^:]+)$ ]] \
            || _vc_error "--pairs takes source:target speaker pairs, got '$p'" || return 1
        s=${BASH_REMATCH[1]} t=${BASH_REMATCH[2]}
        [ "$s" != "$t" ] || _vc_error "--pairs: '$p' converts $s to itself" || return 1
        [ -z "${seen[$p]:-}" ] || _vc_error "--pairs: '$p' is listed twice" || return 1
        seen[$p]=1
        VC_PAIRS+=("$p")
    done
    if [ -n "${train_sets:-}" ]; then
        local -A names=() in_set=()
        for set in $train_sets; do
            [[ $set =~ ^[^:]+(:[^:]+)+$ ]] \
                || _vc_error "--train_sets takes speaker sets spk1:spk2[:spk3...], got '$set'" || return 1
            in_set=()
            for x in ${set//:/ }; do
                [ -z "${in_set[$x]:-}" ] || _vc_error "--train_sets: '$set' lists $x twice" || return 1
                in_set[$x]=1
            done
            for s in "${VC_SETS[@]}"; do
                ! _vc_same_speakers "$s" "$set" \
                    || _vc_error "--train_sets: '$set' has the same speakers as '$s' (one model per set)" || return 1
            done
            # Speaker names with "_" could map two sets onto one experiment directory.
            x=${set//:/_}
            [ -z "${names[$x]:-}" ] \
                || _vc_error "--train_sets: '$set' and '${names[$x]}' would share $vc_exp/${model_name}_$x" || return 1
            names[$x]=$set
            VC_SETS+=("$set")
        done
    else
        for p in "${VC_PAIRS[@]}"; do
            _vc_find_set "${p%%:*}" "${p##*:}" >/dev/null || VC_SETS+=("$p")
        done
    fi
    [ "${#VC_SETS[@]}" -gt 0 ] || _vc_error "nothing to train: --pairs and --train_sets are both empty" || return 1
    for p in "${VC_PAIRS[@]}"; do
        set=$(_vc_find_set "${p%%:*}" "${p##*:}") \
            || _vc_error "pair $p is in no training set (--train_sets \"${train_sets:-}\")" || return 1
        VC_SET_OF[$p]=$set
        VC_NPAIRS[$set]=$(( ${VC_NPAIRS[$set]:-0} + 1 ))
    done
}

vc_all_pairs() {  # vc_all_pairs "<spk> ...": every ordered pair "a:b" of the speakers, one per line
    local a b
    for a in $1; do
        for b in $1; do
            if [ "$a" != "$b" ]; then echo "$a:$b"; fi
        done
    done
}

vc_train_sets() {  # vc_train_sets: the speaker sets to train (see vc_plan), one per line
    vc_plan || return 1
    printf '%s\n' "${VC_SETS[@]}"
}

vc_set_dir() {  # vc_set_dir <set>: experiment directory of the model of speaker set "a:b[:c...]"
    echo "$vc_exp/${model_name}_${1//:/_}"
}

vc_set_of_pair() {  # vc_set_of_pair <src> <tgt>: the speaker set whose model converts the pair
    vc_plan || return 1
    _vc_find_set "$1" "$2" \
        || _vc_error "pair $1:$2 is in no training set (--train_sets \"${train_sets:-}\")"
}

vc_expdir() {  # vc_expdir <src> <tgt>: experiment directory of the model that converts the pair
    local set
    set=$(vc_set_of_pair "$1" "$2") || return 1
    vc_set_dir "$set"
}

vc_pair_dir() {  # vc_pair_dir <src> <tgt> <convert|eval>: where the pair's conversions / evaluation go
    # The layout rule of the header: one level down per pair only when the model converts
    # several requested pairs, so a pair model keeps <expdir>/convert and <expdir>/eval.
    vc_plan || return 1
    local set=${VC_SET_OF[$1:$2]:-}
    [ -n "$set" ] || _vc_error "pair $1:$2 is not in --pairs \"${pairs:-}\"" || return 1
    if [ "${VC_NPAIRS[$set]}" -eq 1 ]; then
        echo "$(vc_set_dir "$set")/$3"
    else
        echo "$(vc_set_dir "$set")/$3/$1_$2"
    fi
}

vc_pairs() {  # vc_pairs: the "src:tgt" pairs of $pairs, one per line, checked
    vc_plan || return 1
    if [ "${#VC_PAIRS[@]}" -gt 0 ]; then printf '%s\n' "${VC_PAIRS[@]}"; fi
}

vc_threads() {  # vc_threads: the --threads option of vcgan train/convert, when $threads is set
    if [ "${threads:-0}" -gt 0 ]; then echo "--threads $threads"; fi
}

vc_train_launcher() {  # vc_train_launcher <run-id>: the command that runs `vcgan train` (torchrun when ngpu or nnodes > 1)
    local ngpu=${ngpu:-1} nnodes=${nnodes:-1}
    if [ "$ngpu" -le 1 ] && [ "$nnodes" -le 1 ]; then echo vcgan; return 0; fi
    if [ "$nnodes" -le 1 ]; then
        echo "python -m torch.distributed.run --standalone --nproc-per-node $ngpu -m vcgan"
    elif [ -z "${rdzv_endpoint:-}" ]; then
        _vc_error "--nnodes $nnodes needs --rdzv_endpoint HOST:PORT (a host every node reaches)"
    else
        echo "python -m torch.distributed.run --nnodes $nnodes --nproc-per-node $ngpu --rdzv-backend c10d" \
             "--rdzv-endpoint $rdzv_endpoint --rdzv-id $1 -m vcgan"
    fi
}

vc_bundle_checksum() {  # vc_bundle_checksum <bundle>: SHA-256 of what identifies a bundle's weights
    # Format 2 bundles checksum their weights in manifest.yaml; format 1 ones only have model.pt.
    local f
    for f in "$1/manifest.yaml" "$1/model.pt" "$1"; do
        if [ -f "$f" ]; then vc_checksum "$f"; return 0; fi
    done
    echo none
}

vc_check_postfilters() {  # vc_check_postfilters: every bundle of $postfilters exists
    local b
    for b in ${postfilters:-}; do
        [ -e "$b" ] || _vc_error "post-filter bundle $b not found (option --postfilters)" || return 1
    done
}

vc_train() {  # vc_train: one model per speaker set (vc_plan) with $train_conf, via ${cuda_cmd} (resumes)
    if [ ! -f "$train_conf" ]; then
        echo "error: training configuration $train_conf not found (option --train_conf)" >&2
        return 1
    fi
    vc_plan || return 1
    local set dir log launcher gpus dev=()
    [ -f dump/dev/feats.scp ] && dev=(--dev-dump dump/dev)
    for set in "${VC_SETS[@]}"; do
        dir=$(vc_set_dir "$set")
        launcher=$(vc_train_launcher "${dir##*/}") || return 1
        gpus=""; [ "${ngpu:-1}" -gt 1 ] && gpus="--gpu $ngpu"
        log=$vc_exp/log/train_${dir##*/}.log
        echo "training ${set//:/, } with $train_conf into $dir"
        echo "progress: tail -f $log   (the trainer's own log: $dir/train.log)"
        # Through ${cuda_cmd} like every other job, so that a cluster backend (cmd.sh) can
        # put training on a GPU node (cmd.sh's cuda_cmd asks for one GPU; --gpu N, given after
        # it, asks for the ngpu processes of a node).
        if ! ${cuda_cmd:-$train_cmd} $gpus "$log" $launcher train --config "$train_conf" --train-dump dump/train \
                "${dev[@]}" $(vc_threads) --speakers ${set//:/ } --out "$dir" --device "$device" --resume; then
            tail -n 20 "$log" >&2
            echo "error: training ${set//:/, } failed; full log: $log" >&2
            return 1
        fi
        tail -n 6 "$log"
    done
}

# Stages 5 and 6 take seconds, and their outputs depend on the bundle, which a re-run of
# stage 4 (another config, more iterations) replaces: they always redo every file
# (--overwrite) rather than resume, so no result of an earlier model survives.
vc_convert() {  # vc_convert: features of data/<eval_set>_<src> converted to <tgt>, model and baseline
    vc_plan || return 1
    vc_check_postfilters || return 1
    local p src tgt dir out b pf=()
    for b in ${postfilters:-}; do pf+=(--postfilter "$b"); done
    for p in "${VC_PAIRS[@]}"; do
        src=${p%%:*} tgt=${p##*:} dir=$(vc_set_dir "${VC_SET_OF[$p]}") out=$(vc_pair_dir "$src" "$tgt" convert)
        vc_check_data "${eval_set}_$src" "${eval_set}_$tgt"
        echo "converting data/${eval_set}_$src to $tgt with $dir/bundle${postfilters:+, post-filters: $postfilters}"
        vcgan convert --model "$dir/bundle" "${pf[@]}" --src-spk "$src" --tgt-spk "$tgt" --features-only -j "$nj" $(vc_threads) \
            --overwrite "data/${eval_set}_$src/wav.scp" "$out/model/feats"
        echo "statistical baseline (mean/variance of mel-cepstra, log-F0 transform) for comparison"
        vcgan convert --model "$dir/bundle" --src-spk "$src" --tgt-spk "$tgt" --features-only -j "$nj" $(vc_threads) \
            --overwrite --baseline "data/${eval_set}_$src/wav.scp" "$out/baseline/feats"
    done
}

vc_synthesis() {  # vc_synthesis: waveforms of the converted features ($vocoder, default WORLD)
    vc_plan || return 1
    local p src tgt dir out system
    for p in "${VC_PAIRS[@]}"; do
        src=${p%%:*} tgt=${p##*:} dir=$(vc_set_dir "${VC_SET_OF[$p]}") out=$(vc_pair_dir "$src" "$tgt" convert)
        for system in model baseline; do
            vcgan synthesize --features "$out/$system/feats" --out "$out/$system/wav" \
                --config "$dir/bundle/feature_config.yaml" --vocoder "${vocoder:-world}" -j "$nj" --overwrite
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
    vc_plan || return 1
    local p src tgt out ev system rc
    # `vcgan evaluate` exits 1 when some utterances could not be scored (e.g. a converted file
    # in which the speaker encoder finds no speech): its result file holds the others and
    # names the failures. One such utterance must not stop the evaluation of every other
    # pair: they are listed at the end instead. Any other failure stops the stage.
    local -a partial=()
    for p in "${VC_PAIRS[@]}"; do
        src=${p%%:*} tgt=${p##*:} out=$(vc_pair_dir "$src" "$tgt" convert) ev=$(vc_pair_dir "$src" "$tgt" eval)
        vc_link_by_sentence "data/${eval_set}_$tgt" "$tgt" "$src" "$ev/ref"
        vc_link_by_sentence "data/${eval_set}_$src" "$src" "$src" "$ev/src"
        for system in none baseline model; do
            local conv="$out/$system/wav"
            [ "$system" = none ] && conv="$ev/src"
            echo "--- $src -> $tgt: $system"
            rc=0
            vcgan evaluate --ref "$ev/ref" --conv "$conv" --src "$ev/src" --metrics "$metrics" \
                --config dump/train/feature_config.yaml -j "$nj" --no-progress \
                --json "$ev/$system.json" --plot "$ev/$system.png" || rc=$?
            if [ "$rc" -eq 1 ] && [ -f "$ev/$system.json" ]; then
                partial+=("$ev/$system.json")
            elif [ "$rc" -ne 0 ]; then
                return "$rc"
            fi
        done
        echo "=== $src -> $tgt: no conversion vs statistical baseline vs $model_name"
        vcgan report none="$ev/none.json" baseline="$ev/baseline.json" "$model_name=$ev/model.json" \
            --html "$ev/report" | tee "$ev/report.txt"
        echo "results: $ev/{none,baseline,model}.json, table: $ev/report.txt, plots: $ev/*.png,"
        echo "listening page: $ev/report/index.html"
    done
    # A model that converts several pairs: its pairs also as source x target matrices.
    local set
    local -a items
    for set in "${VC_SETS[@]}"; do
        [ "${VC_NPAIRS[$set]:-0}" -gt 1 ] || continue
        items=()
        for p in "${VC_PAIRS[@]}"; do
            [ "${VC_SET_OF[$p]}" = "$set" ] || continue
            ev=$(vc_pair_dir "${p%%:*}" "${p##*:}" eval)
            items+=("$p/none=$ev/none.json" "$p/baseline=$ev/baseline.json" "$p/$model_name=$ev/model.json")
        done
        ev=$(vc_set_dir "$set")/eval
        echo "=== ${set//:/, }: source x target matrices, no conversion vs statistical baseline vs $model_name"
        vcgan report --matrix --plot "$ev/matrix.png" --json "$ev/matrix.json" --html "$ev/report" "${items[@]}" \
            | tee "$ev/matrix.txt"
        echo "matrices: $ev/matrix.txt, $ev/matrix.json, heatmaps: $ev/matrix.png; all pairs' pages: $ev/report/index.html"
    done
    if [ "${#partial[@]}" -gt 0 ]; then
        echo "warning: some utterances could not be scored; these results leave them out (their \"errors\" say why):" >&2
        printf '  %s\n' "${partial[@]}" >&2
    fi
}

vc_progress() {  # vc_progress: quality against training time from each model's snapshots, per pair
    # A model trained with trainer.snapshot_interval > 0 has a bundle of every N-th iteration in
    # <expdir>/snapshots/; each converts the pair's eval set as stage 5-6 do (same post-filters
    # and vocoder) and is scored as stage 7 scores the final model, whose none/baseline results
    # are the plot's reference lines. Snapshots scored before are not redone.
    vc_plan || return 1
    local p src tgt dir ev b pf=()
    for b in ${postfilters:-}; do pf+=(--postfilter "$b"); done
    for p in "${VC_PAIRS[@]}"; do
        src=${p%%:*} tgt=${p##*:} dir=$(vc_set_dir "${VC_SET_OF[$p]}") ev=$(vc_pair_dir "$src" "$tgt" eval)
        if [ ! -d "$dir/snapshots" ]; then
            echo "$dir: no snapshots (trainer.snapshot_interval is 0 in $train_conf): nothing to plot for $src -> $tgt"
            continue
        fi
        echo "--- $src -> $tgt: every snapshot of $dir converted and scored"
        vcgan progress --exp "$dir" --input "data/${eval_set}_$src/wav.scp" --ref "$ev/ref" --src "$ev/src" \
            --src-spk "$src" --tgt-spk "$tgt" "${pf[@]}" --vocoder "${vocoder:-world}" --metrics "$metrics" \
            --config dump/train/feature_config.yaml --reference none="$ev/none.json" baseline="$ev/baseline.json" \
            --out "$ev/progress" -j "$nj" $(vc_threads)
        echo "quality against training time: $ev/progress/progress.png (table: $ev/progress/progress.txt)"
    done
}

vc_settings() {  # vc_settings <stage>: the options stage 4, 5, 6 or 7 depends on, one line
    # The stage functions read these options from run.sh; passing them (with checksums of the
    # files they name) puts them in the stage's signature, so changing one re-runs that stage
    # and those after it. The functions themselves ignore their arguments. Stage 4 depends
    # only on what is trained (the sets, not the pairs: converting one more pair of a trained
    # set does not retrain it); each later stage adds its own options to the earlier ones'.
    vc_plan || return 1
    local s b pf=""
    s="train_sets=${VC_SETS[*]} model_name=$model_name train_conf=$train_conf@$(vc_checksum "$train_conf")"
    if [ "$1" -ge 5 ]; then
        for b in ${postfilters:-}; do pf+=" $b@$(vc_bundle_checksum "$b")"; done
        s+=" pairs=${VC_PAIRS[*]} eval_set=$eval_set postfilters=${pf# }"
    fi
    if [ "$1" -ge 6 ]; then
        b=${vocoder:-world}
        # A vocoder given as a bundle directory is identified by its weights, as a post-filter.
        if [ -d "$b" ]; then b+="@$(vc_bundle_checksum "$b")"; fi
        s+=" vocoder=$b"
    fi
    if [ "$1" -ge 7 ]; then s+=" metrics=$metrics"; fi
    echo "$s"
}

vc_later_stages() {  # vc_later_stages: stages 4-8 of a voice-conversion recipe
    # A bad pair or set, or a pair no set contains, stops the recipe before any work (a
    # typo must not cost a training run); so does a missing post-filter when stage 5 runs.
    vc_plan || exit 1
    if [ "$stage" -le 5 ] && [ "$stop_stage" -ge 5 ]; then vc_check_postfilters || exit 1; fi
    local settings
    settings=$(vc_settings 4)
    vc_stage 4 train      vc_train "$settings"
    settings=$(vc_settings 5)
    vc_stage 5 convert    vc_convert "$settings"
    settings=$(vc_settings 6)
    vc_stage 6 synthesis  vc_synthesis "$settings"
    settings=$(vc_settings 7)
    vc_stage 7 evaluate   vc_evaluate "$settings"
    vc_stage 8 progress   vc_progress "$settings"
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
