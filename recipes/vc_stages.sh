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
# Expects from run.sh: stage, stop_stage, nj, force, conf, and train_cmd (cmd.sh).
#
# Each stage prints a banner, logs everything to exp/log/stage<N>_<name>.log (and to the
# screen), and on success writes exp/stages/<N>_<name>.done holding the stage's
# signature (its command line and the checksum of $conf). A stage whose marker matches is
# skipped, so re-running a finished recipe is a no-op; a stage interrupted halfway has no
# marker and runs again (its tools resume from their atomic outputs). Running a stage
# again removes the markers of all later stages, so they follow.

vc_exp=${vc_exp:-exp}

vc_signature() {  # vc_signature <command...>: identifies what a stage run did
    local conf_sum="none"
    [ -f "$conf" ] && conf_sum=$(sha256sum "$conf" | cut -d' ' -f1)
    printf 'command: %s\nconf: %s %s\n' "$*" "$conf" "$conf_sum"
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

vc_not_implemented() {  # vc_not_implemented <what>: placeholder of a later stage
    echo "$1: not implemented yet: issue 5" >&2
    return 1
}

vc_later_stages() {  # vc_later_stages: stages 4-7, placeholders until issue 5 lands
    vc_stage 4 train      vc_not_implemented "training"
    vc_stage 5 convert    vc_not_implemented "conversion of the evaluation set"
    vc_stage 6 synthesis  vc_not_implemented "waveform synthesis (vocoder)"
    vc_stage 7 evaluate   vc_not_implemented "evaluation"
}
