#!/usr/bin/env bash
# Run a command, or an array of jobs,, on this machine with one log file per job.
#
#   run_local.sh [options] [JOB=1:N] <log-file> <command> [args...]
#
# With JOB=A:B the command runs once per JOB index A..B, up to --max-jobs-run at a time;
# every occurrence of the string JOB in the log path and in the command is replaced by the
# index (e.g. exp/log/extract.JOB.log -> exp/log/extract.3.log). Each log starts with the
# command line and ends with its exit code and the run time in seconds.
# Exit status: 0 if every job succeeded; otherwise 1, after printing each failing job's
# log path on stderr.
#
# Options (the interface of Kaldi's run.pl / slurm.pl, so that a cluster backend can be
# put behind cmd.sh without touching recipes):
#   --max-jobs-run N   jobs running at the same time [default: number of CPU cores]
#   --gpu N, --mem SIZE, --num-threads N, --time T
#                      resource requests; accepted and ignored by this local runner.
set -euo pipefail

me=$(basename "$0")
max_jobs=$(nproc 2>/dev/null || echo 1)

while [ $# -gt 0 ]; do
    case "$1" in
        --max-jobs-run) max_jobs=$2; shift 2 ;;
        --gpu|--mem|--num-threads|--time|--config) shift 2 ;;
        --*) echo "$me: unknown option $1" >&2; exit 2 ;;
        *) break ;;
    esac
done

first=1
last=1
array=false
if [[ ${1:-} =~ ^JOB=([0-9]+):([0-9]+)$ ]]; then
    first=${BASH_REMATCH[1]}
    last=${BASH_REMATCH[2]}
    array=true
    shift
elif [[ ${1:-} == JOB=* ]]; then
    echo "$me: bad job range '$1' (expected JOB=first:last, e.g. JOB=1:4)" >&2
    exit 2
fi
if [ $# -lt 2 ]; then
    echo "Usage: $me [--max-jobs-run N] [JOB=1:N] <log-file> <command> [args...]" >&2
    exit 2
fi
if [ "$first" -gt "$last" ]; then
    echo "$me: empty job range JOB=$first:$last" >&2
    exit 2
fi
if ! [[ $max_jobs =~ ^[1-9][0-9]*$ ]]; then
    echo "$me: --max-jobs-run must be a positive integer, got '$max_jobs'" >&2
    exit 2
fi
log_template=$1
shift
if $array && [[ $log_template != *JOB* ]]; then
    echo "$me: the log path '$log_template' must contain JOB for an array job" >&2
    exit 2
fi

# One command string, built as Kaldi's run.pl does: an argument without whitespace is
# passed to the shell as is (so `\|`, `\;` and `\&\&` given as separate arguments act as
# shell operators); an argument with whitespace is quoted and stays one word.
cmd=""
for arg in "$@"; do
    if [[ $arg =~ [[:space:]] || -z $arg ]]; then
        cmd+="$(printf '%q' "$arg") "
    else
        cmd+="$arg "
    fi
done

run_one() {  # run_one <index> : runs the job with its own log; returns its exit code
    local j=$1
    local log=${log_template//JOB/$j}
    local job_cmd=${cmd//JOB/$j}
    mkdir -p "$(dirname "$log")"
    local start rc
    start=$(date +%s)
    {
        echo "# $job_cmd"
        echo "# Started at $(date)"
    } > "$log"
    set +e
    ( export JOB=$j; bash -c "$job_cmd" ) >> "$log" 2>&1 < /dev/null
    rc=$?
    set -e
    {
        echo "# Accounting: time=$(( $(date +%s) - start )) seconds"
        echo "# Ended (code $rc) at $(date)"
    } >> "$log"
    return "$rc"
}

declare -A job_of_pid=()
failed=()
n_jobs=$(( last - first + 1 ))

reap_one() {  # wait for any one job, record a failure
    local pid rc=0
    wait -n -p pid || rc=$?
    if [ "$rc" -ne 0 ]; then
        failed+=("${job_of_pid[$pid]}")
    fi
    unset "job_of_pid[$pid]"
}

for (( j = first; j <= last; j++ )); do
    while [ "${#job_of_pid[@]}" -ge "$max_jobs" ]; do
        reap_one
    done
    run_one "$j" &
    job_of_pid[$!]=$j
done
while [ "${#job_of_pid[@]}" -gt 0 ]; do
    reap_one
done

if [ "${#failed[@]}" -gt 0 ]; then
    for j in $(printf '%s\n' "${failed[@]}" | sort -n); do
        echo "$me: job $j failed, log is in ${log_template//JOB/$j}" >&2
    done
    echo "$me: ${#failed[@]} / $n_jobs failed" >&2
    exit 1
fi
exit 0
