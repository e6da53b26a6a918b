#!/usr/bin/env bash
# On the GPU machine, with the folder of benchmarks/device/stage_all.sh carried (default .device/final):
# a few GPU test classes (TESTS, default the device-model ones), then synthesis, the PEFT step and the
# DurationEncoders on the GPU, each timed and then profiled per op (-Dkokoro.profile.ops with per-launch sync).
source benchmarks/device/setup.sh   # run from the repository root
P="-Dkokoro.cuda.sync=true -Dkokoro.profile.ops=true"
TESTS=${TESTS:-dev.kokoro.cuda.CudaBackendTest dev.kokoro.model.device.KokoroTinyCudaParityTest dev.kokoro.tests.TrainStepCudaParityTest}
gpu_tests 200 "$CP" $TESTS > "$OUT/tests.log"
echo "tests exit $?"; grep -E "✘|tests (successful|failed)|rel L2|float32 source" "$OUT/tests.log" | head -20
{
  echo "== synthesis"; timeout 100 $J dev.kokoro.bench.SynthBench --device cuda --reps 6 --warmup 2 --no-profile 2>&1 | grep -v WARNING
  echo "== synthesis, op profile"; timeout 100 $J $P dev.kokoro.bench.SynthBench --device cuda --reps 1 --warmup 1 --no-profile 2>&1 | grep -v WARNING
  echo "== PEFT step (TF32)"; timeout 150 $J -Dkokoro.cuda.tf32=true dev.kokoro.bench.TrainBench --device cuda --steps 5 --warmup 1 2>&1 | grep -v WARNING
  echo "== PEFT step, op profile"; timeout 150 $J -Dkokoro.cuda.tf32=true $P dev.kokoro.bench.TrainBench --device cuda --steps 1 --warmup 1 2>&1 | grep -v WARNING
  echo "== DurationEncoders, op profile"; timeout 100 $J $P dev.kokoro.bench.MambaVsLstmBench 3 512 16 cuda 2>&1 | grep -v WARNING
} > "$OUT/ours.log" 2>&1
grep -E "median|PEFT step|device ops|^ +[0-9]+ +[0-9]+ \||fell back|ran on the CPU|Exception|at dev" "$OUT/ours.log" | cut -c1-300 | head -40
echo "done at ${SECONDS}s"
