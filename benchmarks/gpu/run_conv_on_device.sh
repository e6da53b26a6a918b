#!/usr/bin/env bash
# On the GPU machine (device tool), from the repository root, with a folder staged by
# `NO_JDK=1 benchmarks/gpu/stage.sh DIR` plus this script and conv_torch_bench.py copied into it, and the
# shared jlinked JDK at .device/cuda/jdk: the decoder-side kernel tests (conv1d, conv_transpose1d, instance
# norm/AdaIN, snake, resample, stft/istft), compute-sanitizer memcheck on all of them, then ConvCudaBench and
# the same shapes through PyTorch. Logs to $OUT.
set -o pipefail
D=${DEVICE_DIR:-.device/gpu-conv}
OUT=${OUT:-/tmp/kokoro-gpu-out}
mkdir -p "$OUT"
JAVA=.device/cuda/jdk/bin/java
CP=$(ls "$D"/lib/*.jar | grep -v console-standalone | tr '\n' ':')
JOPTS="--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx16g"
JUNIT="$D/lib/junit-platform-console-standalone-1.14.1.jar"
CLASSES="Conv1dCudaTest ConvTranspose1dCudaTest InstanceNormCudaTest ActivationsCudaTest ResampleCudaTest SpectralCudaTest"
SEL=""; for c in $CLASSES; do SEL="$SEL --select-class dev.kokoro.cuda.$c"; done
CONVSEL="--select-class dev.kokoro.cuda.Conv1dCudaTest --select-class dev.kokoro.cuda.ConvTranspose1dCudaTest"
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv; } | tee "$OUT/env.txt"
# SASS: the conv kernels' tensor-core (HMMA) and local-memory (LDL/STL) instruction counts
python3 -c "import zipfile,sys; zipfile.ZipFile(sys.argv[1]).extract('kernels/sm_90/conv1d.ptx', '/tmp/cptx')" "$D/lib/kernels.jar" \
  && ptxas -arch=sm_90 /tmp/cptx/kernels/sm_90/conv1d.ptx -o /tmp/cptx/conv1d.cubin \
  && cuobjdump -sass /tmp/cptx/conv1d.cubin | awk '/Function :/{f=$3} /HMMA|LDL|STL/{split($2,o,"."); if ($2 ~ /^@/) split($3,o,"."); c[f" "o[1]]++} END{for (k in c) print k, c[k]}' | sort >> "$OUT/env.txt" 2>&1

echo "== GPU tests (all classes; conv kernel version 2, the default)"
timeout ${TEST_TIMEOUT:-110} "$JAVA" $JOPTS -Dkokoro.cuda.sync=true -Dkokoro.test.convVersions=2 -jar "$JUNIT" execute --class-path "$CP" $SEL \
  --include-tag gpu --details=tree --disable-banner > "$OUT/tests.log" 2>&1
echo "tests exit $? at ${SECONDS}s"
grep -E "tests (successful|failed|aborted|found|skipped)" "$OUT/tests.log"
grep -E "✘" "$OUT/tests.log" | head -30
grep -E "relative L2|Exception|Error:" "$OUT/tests.log" | grep -v "^\s*at " | sort | uniq | head -30
BENCHV=2
for v in 3 1; do  # the other tensor-core versions, each in its own process (a fault cannot spoil the others)
  echo "== conv tests, kernel version $v"
  timeout 60 "$JAVA" $JOPTS -Dkokoro.cuda.sync=true -Dkokoro.test.convVersions=$v -jar "$JUNIT" execute --class-path "$CP" $CONVSEL \
    --include-tag gpu --details=tree --disable-banner > "$OUT/tests-conv-v$v.log" 2>&1
  rc=$?; echo "conv v$v tests exit $rc at ${SECONDS}s"; [ $rc = 0 ] && BENCHV="$BENCHV,$v"
  grep -E "tests (successful|failed)" "$OUT/tests-conv-v$v.log"
  grep -E "relative L2|Exception|Error:" "$OUT/tests-conv-v$v.log" | grep -v "^\s*at " | sort | uniq | head -12
done

if [ "${SANITIZE:-1}" = 1 ] && command -v compute-sanitizer >/dev/null; then
  echo "== memcheck"
  timeout ${SAN_TIMEOUT:-100} compute-sanitizer --tool memcheck --print-limit 10 "$JAVA" $JOPTS -Dkokoro.cuda.sync=true -jar "$JUNIT" execute \
    --class-path "$CP" --include-tag gpu $SEL \
    --details=summary --disable-banner > "$OUT/memcheck.log" 2>&1
  echo "memcheck exit $? at ${SECONDS}s"; grep -E "ERROR SUMMARY|tests (successful|failed)|Invalid" "$OUT/memcheck.log" | head
fi

echo "== ConvCudaBench at ${SECONDS}s"
timeout ${BENCH_TIMEOUT:-90} "$JAVA" $JOPTS -Dkokoro.bench.convVersions=$BENCHV -cp "$CP" dev.kokoro.cuda.ConvCudaBench 20 2>&1 | grep -v WARNING | tee "$OUT/bench.log"
echo "== PyTorch at ${SECONDS}s"
timeout ${TORCH_TIMEOUT:-45} python3 "$D/conv_torch_bench.py" 20 2>&1 | grep -v Warning | tee "$OUT/torch.log"
echo "done at ${SECONDS}s"
