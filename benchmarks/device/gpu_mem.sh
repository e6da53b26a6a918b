#!/usr/bin/env bash
# On the GPU machine, with the folder of benchmarks/device/stage_all.sh carried (DEVICE_DIR): gpu_profile.sh's
# device-model tests, synthesis and PEFT step (timed, then profiled per op over the timed steps only), plus the
# PEFT step's peak memory with the generator's resblocks checkpointed (-Dkokoro.checkpoint=last|all) and with
# the nested no-grad scopes off (-Dkokoro.frozen.scopes=false). Run from the repository root.
source benchmarks/device/setup.sh   # run from the repository root
P="-Dkokoro.cuda.sync=true -Dkokoro.profile.ops=true"
TESTS=${TESTS:-dev.kokoro.cuda.CudaBackendTest dev.kokoro.cuda.CudaUploadTest dev.kokoro.model.device.KokoroTinyCudaParityTest dev.kokoro.tests.TrainStepCudaParityTest}
gpu_tests 130 "$CP" $TESTS > "$OUT/tests.log"
echo "tests exit $? at ${SECONDS}s"; grep -E "✘|tests (successful|failed)|rel L2|float32 source" "$OUT/tests.log" | head -20
T="timeout 60 $JAVA --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx48g -Dfixtures.dir=$D/fixtures -cp $CP -Dkokoro.cuda.tf32=true"
{
  echo "== PEFT step (TF32)"; $T dev.kokoro.bench.TrainBench --device cuda --steps 5 --warmup 1 2>&1 | grep -v WARNING
  echo "== PEFT step (TF32), generator resblocks of the last stage checkpointed"; $T -Dkokoro.checkpoint=last dev.kokoro.bench.TrainBench --device cuda --steps 3 --warmup 1 2>&1 | grep -v WARNING
  echo "== PEFT step (TF32), all generator resblocks checkpointed"; $T -Dkokoro.checkpoint=all dev.kokoro.bench.TrainBench --device cuda --steps 3 --warmup 1 2>&1 | grep -v WARNING
  echo "== PEFT step (TF32), nested no-grad scopes off"; $T -Dkokoro.frozen.scopes=false dev.kokoro.bench.TrainBench --device cuda --steps 3 --warmup 1 2>&1 | grep -v WARNING
  echo "== synthesis"; timeout 60 $J dev.kokoro.bench.SynthBench --device cuda --reps 6 --warmup 2 --no-profile 2>&1 | grep -v WARNING
  echo "== PEFT step, op profile (timed step only)"; $T $P dev.kokoro.bench.TrainBench --device cuda --steps 1 --warmup 1 2>&1 | grep -v WARNING
  echo "== synthesis, op profile (timed run only)"; timeout 60 $J $P dev.kokoro.bench.SynthBench --device cuda --reps 1 --warmup 1 --no-profile 2>&1 | grep -v WARNING
} > "$OUT/ours.log" 2>&1
grep -E "^==|median|PEFT step|device ops|fell back|ran on the CPU|Exception|at dev" "$OUT/ours.log" | cut -c1-300 | head -60
echo "done at ${SECONDS}s"
