#!/usr/bin/env bash
# gpu-conv2's one device call (2026-11-25), staged with benchmarks/device/stage_all.sh into .device/gpu-conv2 plus a copy of
# benchmarks/gpu/conv_torch_bench.py and this script there: conv tests, ConvCudaBench, PEFT step and synthesis with conv v4
# (default) and v2 (baseline, same machine), PyTorch conv timings, PEFT op profile. Every step bounded; all under ~285 s.
# (The 2026-11-25 run passed the v2 baseline as -Dkokoro.conv.kernel=2, the property's first name; renamed after it
# because the CPU engine reads kokoro.conv.kernel (Gemm.java, "6x2"), which that value did not affect.)
D=.device/gpu-conv2
OUT=${OUT:-/tmp/kokoro-out}; mkdir -p "$OUT" /tmp/j
left() { local l=$((285 - SECONDS)); [ $l -gt $1 ] && echo $1 || echo $(( l > 1 ? l : 1 )); }
{ nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u; } > "$OUT/env.log" 2>&1
tar xJf "$D/jdk.tar.xz" -C /tmp/j
JAVA=/tmp/j/jdk/bin/java
CP=$(ls "$D"/lib/*.jar | grep -v console-standalone | tr '\n' ':')
J="$JAVA --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx48g -Dfixtures.dir=$D/fixtures -cp $CP"
timeout $(left 110) $JAVA --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx16g -Dfixtures.dir=$D/fixtures -Dkokoro.cuda.sync=true \
  -jar "$D"/lib/junit-platform-console-standalone-1.14.1.jar execute --class-path "$CP" \
  --select-class dev.kokoro.cuda.Conv1dCudaTest --select-class dev.kokoro.cuda.ConvTranspose1dCudaTest --select-class dev.kokoro.tests.TrainStepCudaParityTest \
  --include-tag gpu --details=tree --disable-banner --disable-ansi-colors > "$OUT/tests.log" 2>&1
echo "tests exit $? at ${SECONDS}s"; grep -E "✘|tests (successful|failed)|rel L2" "$OUT/tests.log" | head -30
timeout $(left 45) $J dev.kokoro.cuda.ConvCudaBench 15 > "$OUT/bench.log" 2>&1; echo "bench exit $? at ${SECONDS}s"
{
  echo "== PEFT step (TF32), conv v4"; timeout $(left 40) $J -Dkokoro.cuda.tf32=true dev.kokoro.bench.TrainBench --device cuda --steps 5 --warmup 1 2>&1 | grep -v WARNING
  echo "== PEFT step (TF32), conv v2"; timeout $(left 35) $J -Dkokoro.cuda.tf32=true -Dkokoro.cuda.conv.kernel=2 dev.kokoro.bench.TrainBench --device cuda --steps 5 --warmup 1 2>&1 | grep -v WARNING
  echo "== synthesis, conv v4"; timeout $(left 25) $J dev.kokoro.bench.SynthBench --device cuda --reps 6 --warmup 2 --no-profile 2>&1 | grep -v WARNING
  echo "== synthesis, conv v2"; timeout $(left 25) $J -Dkokoro.cuda.conv.kernel=2 dev.kokoro.bench.SynthBench --device cuda --reps 6 --warmup 2 --no-profile 2>&1 | grep -v WARNING
} > "$OUT/ours.log" 2>&1
echo "ours at ${SECONDS}s"; grep -E "median|==" "$OUT/ours.log" | cut -c1-200
timeout $(left 40) python3 $D/conv_torch_bench.py 15 > "$OUT/torch.log" 2>&1; echo "torch exit $? at ${SECONDS}s"
{ echo "== PEFT step, op profile, conv v4"; timeout $(left 40) $J -Dkokoro.cuda.tf32=true -Dkokoro.cuda.sync=true -Dkokoro.profile.ops=true dev.kokoro.bench.TrainBench --device cuda --steps 1 --warmup 1 2>&1 | grep -v WARNING; } > "$OUT/profile.log" 2>&1
echo "done at ${SECONDS}s"; grep -E "conv" "$OUT/profile.log" | head
