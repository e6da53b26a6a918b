#!/usr/bin/env bash
# On the GPU machine: the train-step fixture on CUDA (FP32), then the anchor's PEFT step (real-size
# surgered model, B 8 × 64 tokens × 256 frames, AdamW, TF32) and synthesis (120 tokens → 360 frames)
# timings. VARIANTS="label:-Dprop,-Dprop2 label2:..." runs everything once per variant with those JVM flags;
# PARTS="test train synth synthtf32" picks what runs; STEPS, WARMUP, TRAIN_TIMEOUT, SYNTH_REPS, SYNTH_WARMUP,
# SYNTH_TIMEOUT trim it.
# Usage: bash DEST/run_train.sh DEST JAVA OUT
set -uo pipefail
D=${1:?staged folder}; JAVA=${2:?java}; OUT=${3:?log folder}
CP=$(ls "$D"/lib/*.jar | grep -v console-standalone | tr '\n' ':')
J="$JAVA --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Dfixtures.dir=$D/fixtures -Dkokoro.fallback.quiet=true"
TEST="-jar $D/lib/junit-platform-console-standalone-1.14.1.jar execute --class-path $CP --include-tag gpu --details=tree --disable-banner --disable-ansi-colors"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv > "$OUT/gpu.txt" 2>&1
run() {   # label, timeout, extra JVM flags, what
  local label=$1 t=$2 flags=$3; shift 3
  timeout "$t" $J $flags "$@" > "$OUT/$label.log" 2>&1
  echo "$label rc=$?"
}
for variant in ${VARIANTS:-default:}; do
  name=${variant%%:*}; flags=${variant#*:}; flags=${flags//,/ }
  has() { [[ " ${PARTS:-test train synth synthtf32} " == *" $1 "* ]]; }
  has test && run "$name-trainstep-test" 120 "$flags" $TEST --select-class dev.kokoro.tests.TrainStepCudaParityTest
  has train && run "$name-trainbench-tf32" ${TRAIN_TIMEOUT:-150} "$flags -Dkokoro.cuda.tf32=true" -cp "$CP" dev.kokoro.bench.TrainBench --device cuda --batch 8 --tokens 64 --frames-per-token 4 --steps ${STEPS:-5} --warmup ${WARMUP:-1}
  has synth && run "$name-synth-fp32" ${SYNTH_TIMEOUT:-60} "$flags" -cp "$CP" dev.kokoro.bench.SynthBench --device cuda --reps ${SYNTH_REPS:-5} --warmup ${SYNTH_WARMUP:-2}
  has synthtf32 && run "$name-synth-tf32" ${SYNTH_TIMEOUT:-60} "$flags -Dkokoro.cuda.tf32=true" -cp "$CP" dev.kokoro.bench.SynthBench --device cuda --reps ${SYNTH_REPS:-5} --warmup ${SYNTH_WARMUP:-2}
done
[ -n "${QUIET:-}" ] || grep -hE "train step on CUDA|tests (successful|failed)|✘|PEFT step|per timed step|^median|device cuda|^step [0-9]|Exception|Error" "$OUT"/*.log | cut -c1-600 | head -80
