#!/usr/bin/env bash
# Train the codec on a lent GPU for MINUTES (at most 9) and leave a compact fp16 checkpoint in $OUT.
#
#   bash training/gpu/run_on_device.sh MINUTES [extra train.py args, e.g. --pitch]
#
# The device command (carry ["training/data/gpu-pack"], built by python3 -m training.gpu.pack; see
# training/README.md "On a lent GPU"). Runs the CPU line's codec training (--lr 1.5e-4 --lr-final 3e-5
# --delta-weight 2, the cosine over MINUTES) at --batch 32 on the pack, from INIT, then writes to $OUT:
#   flexicodec-gpu-fp16.pt  weights-only fp16 (training/compact.py; resume with --init, as any compact one)
#   log.txt                 this script's output, training's included
#   log.jsonl, config.json  the run's log rows and model config
# The full run directory (codec.pt with the optimiser, ~60 MB) stays on the machine: the device tool
# brings back files of at most 16 MiB.
#
# FAMILY=v3 trains the shipped v3 model instead (training/v3/train.py, weighted feature loss, --lr 4e-4
# to 4e-5) on the feature pack of `python -m training.gpu.pack_v3` (carry ["training/data/gpu-pack-v3"]),
# from training/checkpoints/v3-fp16.pt, and brings back v3-gpu-fp16.pt.
# Environment: FAMILY (codec or v3), INIT (default training/checkpoints/flexicodec-fp16.pt), CORPUS (training/data/gpu-pack),
# BATCH (32), THREADS (4; 1 on cpu), DEVICE (cuda; DEVICE=cpu for a dry run on a machine without one),
# DRY_STEPS=N (stop N steps past INIT's step: a plumbing check), RUN (run folder; default a new temp
# folder), PYTHON (an interpreter to try before /usr/bin/python3 and python3), OUT (a temp folder when
# unset), NAME (checkpoint file name), LIMIT_S (the whole script's wall-clock limit, 590).
# Exit status: 0 trained and compacted; 2 bad arguments; 3 no usable Python/torch/CUDA or pack;
# 4 compacted, but training ended abnormally (see log.txt); 5 nothing to bring back.
set -uo pipefail
T0=$(date +%s)
cd "$(dirname "$0")/../.." || exit 3

usage() { echo "usage: $0 MINUTES [train.py args]   (0 < MINUTES <= 9)" >&2; exit 2; }
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
FAMILY=${FAMILY:-codec}
case "$FAMILY" in
  codec) INIT=${INIT:-training/checkpoints/flexicodec-fp16.pt}; CORPUS=${CORPUS:-training/data/gpu-pack}
         NAME=${NAME:-flexicodec-gpu-fp16.pt}; PACK_FILE=manifest.jsonl; MODULE=training.train ;;
  v3)    INIT=${INIT:-training/checkpoints/v3-fp16.pt}; CORPUS=${CORPUS:-training/data/gpu-pack-v3}
         NAME=${NAME:-v3-gpu-fp16.pt}; PACK_FILE=train.npz; MODULE=training.v3.train ;;
  *) echo "FAMILY=$FAMILY: codec or v3" >&2; exit 2 ;;
esac
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
  if [ -n "${FORCE_SF_SHIM:-}" ] || ! "$PY" -c 'import soundfile' 2>/dev/null; then
    echo "-- no soundfile module: reading the pack's WAVs with training/gpu/shim/soundfile.py"
    export PYTHONPATH="$PWD/training/gpu/shim${PYTHONPATH:+:$PYTHONPATH}"
  fi
  if ! err=$("$PY" -c "import $MODULE, training.compact" 2>&1); then
    echo "ERROR: $PY cannot import the training code:"; echo "$err" | tail -n 5; exit 3
  fi
  "$PY" -c "
import numpy, torch
print('python', __import__('sys').version.split()[0], '| torch', torch.__version__, 'cuda', torch.version.cuda, '| numpy', numpy.__version__)
if '$DEVICE' != 'cpu':
    print('gpu:', torch.cuda.get_device_name(0), round(torch.cuda.get_device_properties(0).total_memory / 2**30), 'GiB')"
  [ -f "$CORPUS/$PACK_FILE" ] || {
    echo "ERROR: $CORPUS/$PACK_FILE missing: build it with python3 -m training.gpu.pack$([ "$FAMILY" = v3 ] && echo _v3) and name it in carry"; exit 3; }
  [ -f "$INIT" ] || { echo "ERROR: INIT=$INIT missing (carry it if it is git-ignored)"; exit 3; }
  echo "pack: $([ "$FAMILY" = v3 ] && cat "$CORPUS/pack.json" || echo "$(wc -l < "$CORPUS/manifest.jsonl") utterances"), $(du -sh "$CORPUS" | cut -f1)"
  [ -n "$RUN" ] || RUN=$(mktemp -d)/run
  local step0
  step0=$("$PY" -c "import torch; print(int(torch.load('$INIT', map_location='cpu').get('step', 0)))") || exit 3
  [ "$FAMILY" = codec ] || step0=0  # a v3 run from --init counts its own steps from 0
  # what is left of LIMIT_S after start-up, less 40 s for compaction, is the hard stop; train.py's budget
  # (its clock starts after loading, so allow 30 s for that) ends inside it, the cosine schedule with it
  local left=$(( LIMIT_S - ($(date +%s) - T0) - 40 ))
  local hard minutes
  hard=$(awk -v m="$MINUTES" -v l="$left" 'BEGIN { h = int(m * 60) + 60; print (h < l ? h : l) }')
  minutes=$(awk -v m="$MINUTES" -v h="$hard" 'BEGIN { s = (h - 30) / 60; printf "%g", (m < s ? m : s) }')
  [ "$hard" -ge 60 ] || { echo "ERROR: only ${left}s left for training"; exit 3; }
  [ "$minutes" = "$MINUTES" ] || echo "-- only ${left}s left: training budget cut to $minutes min"
  local args ckpt
  if [ "$FAMILY" = v3 ]; then
    args=(-m training.v3.train --device "$DEVICE" --cache "$CORPUS" --run "$RUN" --init "$INIT"
          --minutes "$minutes" --batch "$BATCH" --threads "$THREADS" --save-every-s 60)
    ckpt=$RUN/v3.pt
  else
    args=(-m training.train --stage codec --device "$DEVICE" --corpus "$CORPUS" --run "$RUN" --init "$INIT"
          --minutes "$minutes" --batch "$BATCH" --lr 1.5e-4 --lr-final 3e-5
          --delta-weight 2 --threads "$THREADS" --save-every-s 60 --snapshot-every-s 0)
    ckpt=$RUN/codec.pt
  fi
  [ -z "${DRY_STEPS:-}" ] || args+=(--max-steps $(( step0 + DRY_STEPS )))
  args+=("$@")
  echo "== init step $step0, run $RUN; training for at most ${hard}s: $PY ${args[*]}"
  local t1=$(date +%s) rc
  timeout --signal=INT --kill-after=10 "$hard" "$PY" "${args[@]}"
  rc=$?
  echo "== training exited $rc after $(( $(date +%s) - t1 ))s"
  cp "$RUN/log.jsonl" "$RUN/config.json" "$OUT/" 2>/dev/null
  if [ ! -f "$ckpt" ]; then echo "ERROR: no $ckpt: nothing to bring back"; exit 5; fi
  if [ "$FAMILY" = v3 ]; then
    "$PY" -c "from training.v3.train import compact; compact('$ckpt', '$OUT/$NAME')" || { echo "ERROR: compaction failed"; exit 5; }
  else
    "$PY" -m training.compact --ckpt "$ckpt" --out "$OUT/$NAME" || { echo "ERROR: compaction failed"; exit 5; }
  fi
  "$PY" -c "
import torch
from training.checkpoint import load_codec
from training.v3.train import load
ck = torch.load('$OUT/$NAME', map_location='cpu')
m = load('$OUT/$NAME') if '$FAMILY' == 'v3' else load_codec('$OUT/$NAME')[0]
n = sum(p.numel() for p in m.parameters())
print(f'compact checkpoint loads: step {ck[\"step\"]} ({ck[\"step\"] - $step0} on this machine), '
      f'{n / 1e6:.2f} M parameters, {ck[\"seconds\"] / 3600:.3f} h trained in all')" || exit 5
  echo "== done in $(( $(date +%s) - T0 ))s: $OUT/$NAME"
  [ "$rc" -eq 0 ] || exit 4
}

main "$@" 2>&1 | tee -a "$OUT/log.txt"
exit "${PIPESTATUS[0]}"
