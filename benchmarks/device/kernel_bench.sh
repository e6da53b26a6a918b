#!/usr/bin/env bash
# On the GPU machine (device tool), from the repository root, with the folder of benchmarks/device/stage_all.sh
# carried (default .device/final; DEVICE_DIR picks another). One call, about two minutes:
#   1. CeilingsCudaTest: the ceiling kernels compute exactly what they claim and give plausible numbers;
#   2. dev.kokoro.cuda.KernelBench: the card's ceilings (bandwidth, FP32 FMA, TF32 mma.sync), then every named
#      kernel forward and backward at B 1..32 x T 32..512, one markdown table per kernel, and a summary.
# KERNEL_BENCH_ARGS passes options through (e.g. "--quick", "--only lstm"). Full log: $OUT/kernel-bench.log.
source benchmarks/device/setup.sh   # run from the repository root
{
  date -u; nvidia-smi -L; nvidia-smi --query-gpu=driver_version,clocks.sm,clocks.max.sm,power.limit,temperature.gpu --format=csv
  echo "== CeilingsCudaTest"
  gpu_tests 90 "$CP" dev.kokoro.cuda.CeilingsCudaTest
  echo "tests exit $?"
  echo "== KernelBench ${KERNEL_BENCH_ARGS:-}"
  timeout ${KB_TIMEOUT:-200} $J dev.kokoro.cuda.KernelBench ${KERNEL_BENCH_ARGS:-} 2>&1 | grep -v WARNING
  echo "bench exit $?"
} > "$OUT/kernel-bench.log" 2>&1
grep -E "✘|tests (successful|failed|aborted)|tests exit|bench exit|^\| (memory|FP32|TF32) |NON-FINITE|Exception|done in" "$OUT/kernel-bench.log" | cut -c1-300 | head -30
sed -n '/^## Summary/,$p' "$OUT/kernel-bench.log" | grep '^|' | head -20
echo "kernel bench done at ${SECONDS}s"
