#!/usr/bin/env bash
# Train v3 on a lent GPU for MINUTES (at most 9) and leave a compact fp16 checkpoint in $OUT.
#
#   bash training/gpu/run_on_device.sh MINUTES [extra training/v3/train.py args]
#
# The device command (carry ["training/data/gpu-pack-v3"], built by python -m training.gpu.pack_v3; see
# training/README.md "On a lent GPU"). Runs training/v3/train.py (weighted feature loss, --lr 4e-4 to
# 4e-5, the cosine over MINUTES) at --batch 32 on the pack, from INIT, then writes to $OUT:
#   v3-gpu-fp16.pt          weights-only fp16 (training/v3/run.py compact_run; resume with --init)
#   log.txt                 this script's output, training's included
#   log.jsonl               the run's log rows
# The full run directory (v3.pt with the optimiser) stays on the machine.
# Environment: INIT (default training/checkpoints/v3-fp16.pt), CORPUS (training/data/gpu-pack-v3),
# BATCH (32), THREADS (4; 1 on cpu), DEVICE (cuda; DEVICE=cpu for a dry run on a machine without one),
# DRY_STEPS=N (stop after N steps: a plumbing check), RUN (run folder; default a new temp folder),
# PYTHON (an interpreter to try before /usr/bin/python3 and python3), OUT (a temp folder when unset),
# NAME (checkpoint file name), LIMIT_S (the whole script's wall-clock limit, 590). FAMILY=v3 is
# accepted as before; the earlier family's training (FAMILY=codec) is retired.
# Exit status: 0 trained and compacted; 2 bad arguments; 3 no usable Python/torch/CUDA or pack;
# 4 compacted, but training ended abnormally (see log.txt); 5 nothing to bring back.
set -uo pipefail
T0=$(date +%s)
cd "$(dirname "$0")/../.." || exit 3

usage() { echo "usage: $0 MINUTES [training/v3/train.py args]   (0 < MINUTES <= 9)" >&2; exit 2; }
[ $# -ge 1 ] || usage
MINUTES=$1; shift
[[ $MINUTES =~ ^[0-9]+([.][0-9]+)?$ ]] || usage
if ! awk -v m="$MINUTES" 'BEGIN { exit !(m > 0 && m <= 9) }'; then
  echo "refusing MINUTES=$MINUTES: at most 9, so that start-up, training and compaction end inside the device's 600 s" >&2
  exit 2
fi

OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT"
DEVICE=${DEVICE:-cuda}
[ "${FAMILY:-v3}" = v3 ] || { echo "FAMILY=$FAMILY: only v3 trains here (the earlier family is retired)" >&2; exit 2; }
INIT=${INIT:-training/checkpoints/v3-fp16.pt}
CORPUS=${CORPUS:-training/data/gpu-pack-v3}
NAME=${NAME:-v3-gpu-fp16.pt}
BATCH=${BATCH:-32}
if [ "$DEVICE" = cpu ]; then THREADS=${THREADS:-1}; else THREADS=${THREADS:-4}; fi
RUN=${RUN:-}
LIMIT_S=${LIMIT_S:-590}
export OMP_WAIT_POLICY=PASSIVE PYTHONUNBUFFERED=1

main() {
  echo "== run_on_device.sh $MINUTES $* | device $DEVICE, init $INIT, corpus $CORPUS, batch $BATCH, out $OUT"
  date -u
  local check='import torch'
  [ "$DEVICE" = cpu ] || check='import torch; assert torch.cuda.is_available(), "torch.cuda.is_available() is False"'
  PY=
  for py in ${PYTHON:-} /usr/bin/python3 python3; do
    command -v "$py" >/dev/null 2>&1 || { echo "-- $py: not found"; continue; }
    if err=$("$py" -c "$check" 2>&1); then PY=$py; break; fi
    echo "-- $py: $(echo "$err" | tail -n 1)"
  done
  if [ -z "$PY" ]; then
    echo "ERROR: no Python here has torch$([ "$DEVICE" = cpu ] || echo ' with CUDA') (tried ${PYTHON:+$PYTHON }/usr/bin/python3 python3); nothing trained"
    command -v nvidia-smi >/dev/null && nvidia-smi -L
    exit 3
  fi
  if ! err=$("$PY" -c "import training.v3.train" 2>&1); then
    echo "ERROR: $PY cannot import the training code:"; echo "$err" | tail -n 5; exit 3
  fi
  "$PY" -c "
import numpy, torch
print('python', __import__('sys').version.split()[0], '| torch', torch.__version__, 'cuda', torch.version.cuda, '| numpy', numpy.__version__)
if '$DEVICE' != 'cpu':
    print('gpu:', torch.cuda.get_device_name(0), round(torch.cuda.get_device_properties(0).total_memory / 2**30), 'GiB')"
  [ -f "$CORPUS/train.npz" ] || {
    echo "ERROR: $CORPUS/train.npz missing: build it with python -m training.gpu.pack_v3 and name it in carry"; exit 3; }
  [ -f "$INIT" ] || { echo "ERROR: INIT=$INIT missing (carry it if it is git-ignored)"; exit 3; }
  echo "pack: $(cat "$CORPUS/pack.json"), $(du -sh "$CORPUS" | cut -f1)"
  [ -n "$RUN" ] || RUN=$(mktemp -d)/run
  "$PY" -c "import torch; torch.load('$INIT', map_location='cpu')" || exit 3
  # what is left of LIMIT_S after start-up, less 40 s for compaction, is the hard stop; train.py's budget
  # (its clock starts after loading, so allow 30 s for that) ends inside it, the cosine schedule with it
  local left=$(( LIMIT_S - ($(date +%s) - T0) - 40 ))
  local hard minutes
  hard=$(awk -v m="$MINUTES" -v l="$left" 'BEGIN { h = int(m * 60) + 60; print (h < l ? h : l) }')
  minutes=$(awk -v m="$MINUTES" -v h="$hard" 'BEGIN { s = (h - 30) / 60; printf "%g", (m < s ? m : s) }')
  [ "$hard" -ge 60 ] || { echo "ERROR: only ${left}s left for training"; exit 3; }
  [ "$minutes" = "$MINUTES" ] || echo "-- only ${left}s left: training budget cut to $minutes min"
  local args=(-m training.v3.train --device "$DEVICE" --cache "$CORPUS" --run "$RUN" --init "$INIT"
              --minutes "$minutes" --batch "$BATCH" --threads "$THREADS" --save-every-s 60)
  local ckpt=$RUN/v3.pt
  # a run from --init counts its own steps from 0
  [ -z "${DRY_STEPS:-}" ] || args+=(--max-steps "$DRY_STEPS")
  args+=("$@")
  echo "== run $RUN; training for at most ${hard}s: $PY ${args[*]}"
  local t1=$(date +%s) rc
  timeout --signal=INT --kill-after=10 "$hard" "$PY" "${args[@]}"
  rc=$?
  echo "== training exited $rc after $(( $(date +%s) - t1 ))s"
  cp "$RUN/log.jsonl" "$OUT/" 2>/dev/null
  if [ ! -f "$ckpt" ]; then echo "ERROR: no $ckpt: nothing to bring back"; exit 5; fi
  "$PY" -c "from training.v3.train import compact; compact('$ckpt', '$OUT/$NAME')" || { echo "ERROR: compaction failed"; exit 5; }
  "$PY" -c "
import torch
from training.v3.train import load
ck = torch.load('$OUT/$NAME', map_location='cpu')
n = sum(p.numel() for p in load('$OUT/$NAME').parameters())
print(f'compact checkpoint loads: step {ck[\"step\"]}, {n / 1e6:.2f} M parameters, '
      f'{ck[\"seconds\"] / 3600:.3f} h trained in all')" || exit 5
  echo "== done in $(( $(date +%s) - T0 ))s: $OUT/$NAME"
  [ "$rc" -eq 0 ] || exit 4
}

main "$@" 2>&1 | tee -a "$OUT/log.txt"
exit "${PIPESTATUS[0]}"
