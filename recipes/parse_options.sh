#!/usr/bin/env bash
# Kaldi-style option parsing for recipe scripts. SOURCE it after declaring the options:
#
#   stage=0        # first stage to run
#   nj=4           # parallel jobs
#   . utils/parse_options.sh
#
# Semantics (as Kaldi's parse_options.sh):
#   --name value   sets the shell variable `name` (dashes become underscores) and is an
#                  error when no such variable was declared before sourcing;
#   --name=value   same;
#   --help, -h     prints $help_message (if set) and the options, then exits 0.
#                  Options are the `name=value  # comment` lines of the calling script
#                  above the line that sources this file, shown with their current value;
#                  the comment is the help text (put units there).
#   --             ends option parsing.
# Parsing stops at the first argument not starting with --; the remaining positional
# arguments are left in "$@" of the caller.

_po_usage() {
    local script=${0}
    [ -n "${help_message:-}" ] && printf '%s\n\n' "$help_message"
    echo "Usage: $(basename "$script") [options]"
    echo "Options (current value in brackets):"
    # Declared options: assignments at the start of a line, before parse_options is sourced.
    local line name comment
    while IFS= read -r line; do
        case $line in *parse_options.sh*) break ;; esac
        if [[ $line =~ ^([A-Za-z_][A-Za-z0-9_]*)=[^#]*(#[[:space:]]*(.*))?$ ]]; then
            name=${BASH_REMATCH[1]}
            [ "$name" = help_message ] && continue
            comment=${BASH_REMATCH[3]}
            printf '  --%-18s [%s]  %s\n' "$name" "${!name-}" "$comment"
        fi
    done < "$script"
}

while [ $# -gt 0 ]; do
    case "$1" in
        --help|-h)
            _po_usage
            exit 0 ;;
        --)
            shift
            break ;;
        --*=*)
            _po_name=${1%%=*}; _po_name=${_po_name#--}; _po_name=${_po_name//-/_}
            _po_value=${1#*=}
            shift ;;
        --*)
            _po_name=${1#--}; _po_name=${_po_name//-/_}
            if [ $# -lt 2 ]; then
                echo "$0: option --${_po_name} needs a value" >&2
                exit 1
            fi
            _po_value=$2
            shift 2 ;;
        *)
            break ;;
    esac
    if [[ ! $_po_name =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || [ -z "${!_po_name+set}" ]; then
        echo "$0: invalid option --${_po_name} (no variable '${_po_name}' is declared; see --help)" >&2
        exit 1
    fi
    # Booleans must stay true/false so that `if $flag; then` works, as in Kaldi.
    case "${!_po_name}" in
        true|false)
            case "$_po_value" in
                true|false) ;;
                *) echo "$0: option --${_po_name} expects true or false, got '$_po_value'" >&2
                   exit 1 ;;
            esac ;;
    esac
    printf -v "$_po_name" '%s' "$_po_value"
done
unset _po_name _po_value
true
