#!/usr/bin/env bash
# Runs on the GPU machine (the device tool), from the repository root, with the staged folder made by
# benchmarks/gpu/stage.sh carried along (default .device/cuda: jlinked JDK 25, jars, this script).
# Checks the toolchain and PTX, runs every @Tag("gpu") test of the kernels module with the JUnit
# console launcher, then the benchmark; logs go to $OUT (at most 8 files come back).
set -o pipefail
D=${DEVICE_DIR:-.device/cuda}
OUT=${OUT:-/tmp/kokoro-gpu-out}
mkdir -p "$OUT"
JAVA="$D/jdk/bin/java"
CP=$(ls "$D"/lib/*.jar | grep -v console-standalone | tr '\n' ':')
JOPTS="--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx8g"
if [ ! -x "$JAVA" ]; then echo "staged folder $D missing here: $(pwd)"; ls -la; exit 2; fi

{ date -u; nvidia-smi; nvcc --version; } > "$OUT/env.txt" 2>&1
head -20 "$OUT/env.txt" | grep -E "NVIDIA|Driver|release" 

# build check: the shipped PTX assembles for sm_90 here (resource usage per kernel)
mkdir -p /tmp/ptx && (cd /tmp/ptx && unzip -o -q "$OLDPWD/$D/lib/kernels.jar" 'kernels/*')
for f in /tmp/ptx/kernels/sm_90/*.ptx; do echo "== $f"; ptxas -arch=sm_90 -v "$f" -o /dev/null 2>&1; done > "$OUT/ptxas.txt" 2>&1
echo "ptxas: $(grep -c 'Compiling entry' "$OUT/ptxas.txt") kernels, $(grep -c -i 'error' "$OUT/ptxas.txt") errors, spills: $(grep -o '[0-9]* bytes spill stores' "$OUT/ptxas.txt" | sort | uniq -c | tr '\n' ' ')"

echo "== GPU tests"
timeout 300 "$JAVA" $JOPTS -Dkokoro.cuda.sync=true -jar "$D"/lib/junit-platform-console-standalone-*.jar execute \
  --class-path "$CP" --select-package dev.kokoro.cuda --include-tag gpu --details=tree --disable-banner \
  > "$OUT/tests.log" 2>&1
echo "tests exit $?"
grep -E "✘|tests (successful|failed|aborted|found)" "$OUT/tests.log" | head -40
grep -E "relative L2|Exception|Error" "$OUT/tests.log" | grep -v "^\s*at " | head -20

echo "== benchmark"
timeout 200 "$JAVA" $JOPTS -cp "$CP" dev.kokoro.cuda.ScanBench 30 2>&1 | grep -v WARNING | tee "$OUT/bench.log"

if [ "${SANITIZE:-1}" = 1 ] && command -v compute-sanitizer >/dev/null; then
  echo "== compute-sanitizer memcheck (scan + conv + norms tests)"
  timeout 150 compute-sanitizer --tool memcheck --print-limit 20 "$JAVA" $JOPTS -Dkokoro.cuda.sync=true \
    -jar "$D"/lib/junit-platform-console-standalone-*.jar execute --class-path "$CP" --include-tag gpu \
    --select-class dev.kokoro.cuda.SelectiveScanCudaTest --select-class dev.kokoro.cuda.CausalConv1dCudaTest \
    --select-class dev.kokoro.cuda.LayerNormCudaTest --details=summary --disable-banner > "$OUT/memcheck.log" 2>&1
  echo "memcheck exit $?"; grep -E "ERROR SUMMARY|tests (successful|failed)" "$OUT/memcheck.log"
fi
