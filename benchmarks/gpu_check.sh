#!/usr/bin/env bash
# One prepared GPU check: the fast path's images against the eager loop's, step speed
# eager vs fast at batch 1/8/32, and the paper preset's estimated time, 1 vs 16 cells per job.
# Each part has its own time limit so that a slow part still leaves the others' results; every
# part writes its output to $OUT as it goes.
#
#   PYTHONPATH=src OUT=/tmp/check benchmarks/gpu_check.sh                  # on the GPU machine
#   DEVICE=cpu WIDTH=192 EQ_STEPS=2 SPEED_STEPS=1 PRESET_STEPS=1 BATCHES="1 2" \
#       PYTHONPATH=src OUT=/tmp/check benchmarks/gpu_check.sh              # dry run on a CPU
set -u
OUT=${OUT:-/tmp/gpu_check}
DEVICE=${DEVICE:-cuda}
WIDTH=${WIDTH:-512}
EQ_STEPS=${EQ_STEPS:-50}
SPEED_STEPS=${SPEED_STEPS:-50}
PRESET_STEPS=${PRESET_STEPS:-100}
PRESET_WIDTH=${PRESET_WIDTH:-}
BATCHES=${BATCHES:-"1 8 32"}
EQ_BATCHES=${EQ_BATCHES:-"1 8"}
PYTHON=${PYTHON:-python}
export PYTHONPATH=${PYTHONPATH:-src}
mkdir -p "$OUT"

part() {  # part NAME SECONDS COMMAND...: run with a time limit, output to the terminal and $OUT/NAME.txt
  local name=$1 limit=$2
  shift 2
  echo "=== $name (limit ${limit}s): $*" | tee "$OUT/$name.txt"
  local start=$SECONDS
  timeout --kill-after=5 "$limit" "$@" 2>&1 | tee -a "$OUT/$name.txt"
  local code=${PIPESTATUS[0]}
  echo "=== $name: exit $code after $((SECONDS - start)) s" | tee -a "$OUT/$name.txt"
}

part machine 30 bash -c "nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>/dev/null; \
  $PYTHON -c 'import torch; print(torch.__version__, torch.cuda.is_available() and torch.cuda.get_device_name(0))'"
# shellcheck disable=SC2086
part equality 100 "$PYTHON" benchmarks/fast_equality.py --device "$DEVICE" --width "$WIDTH" \
  --steps "$EQ_STEPS" --batch $EQ_BATCHES --resume
# shellcheck disable=SC2086
part step_speed 130 "$PYTHON" benchmarks/step_speed.py --device "$DEVICE" --width "$WIDTH" \
  --batch $BATCHES --steps "$SPEED_STEPS" --repeats 3 --warmup 1 --modes eager fast --json "$OUT/step_speed.json"
preset_args=(presets/paper.yaml --device "$DEVICE" --steps "$PRESET_STEPS" --warmup 0)
[ -n "$PRESET_WIDTH" ] && preset_args+=(--width "$PRESET_WIDTH")
part preset_16 110 "$PYTHON" benchmarks/preset_time.py "${preset_args[@]}" --cells-per-job 16 \
  --json "$OUT/preset_16.json"
part preset_32 70 "$PYTHON" benchmarks/preset_time.py "${preset_args[@]}" --cells-per-job 32 \
  --json "$OUT/preset_32.json"
echo "done; results in $OUT"
