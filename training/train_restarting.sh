#!/usr/bin/env bash
# Runs one training schedule as a chain of short processes.
#
# A codec process on this 2-core machine slows from ~0.55 to 1.1-1.6 s a step after about
# 8 minutes (see README); a fresh process resumed from the checkpoint is fast again. The
# schedule (budget and cosine lr) counts from one fixed start, so restarts do not reset it.
#
#   training/train_restarting.sh MINUTES <train.py args...>
#   e.g. training/train_restarting.sh 120 --stage codec --run training/runs/s4 \
#          --init training/checkpoints/flexicodec-fp16.pt --lr 2e-4 --lr-final 5e-5
# SCHEDULE_START=<unix time> continues a chain that was stopped (its schedule then counts from there).
set -euo pipefail
# .venv (bash .ci/setup) has the PyPI packages the ASR loss needs, over the system torch
python=${PYTHON:-$( [ -x .venv/bin/python ] && echo .venv/bin/python || echo /usr/bin/python3 )}
minutes=$1
shift
start=${SCHEDULE_START:-$(date +%s)}
end=$((start + ${minutes%.*} * 60))
while [ "$(date +%s)" -lt "$end" ]; do
  OMP_WAIT_POLICY=PASSIVE "$python" -m training.train "$@" \
    --minutes "$minutes" --schedule-start "$start" --process-minutes 5.5 --save-every-s 100000
done
