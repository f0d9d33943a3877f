#!/usr/bin/env bash
# How recipes run their jobs. Every heavy command in a recipe is started as
#
#   ${train_cmd} [--gpu N] [--mem 4G] [--num-threads N] [JOB=1:N] <log> <command...>
#
# (the interface of Kaldi's run.pl/slurm.pl). The default runs jobs on this machine with
# recipes/run_local.sh. For a cluster, replace the values below with a backend that takes
# the same arguments (for example a slurm.pl-style script); recipes do not change.
# To customise one recipe only, replace its cmd.sh link with a copy of this file.

export train_cmd="run_local.sh"
export cuda_cmd="run_local.sh --gpu 1"
export decode_cmd="run_local.sh"
