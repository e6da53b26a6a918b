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
python3 -c "import zipfile,sys; zipfile.ZipFile(sys.argv[1]).extractall('/tmp/ptx')" "$D/lib/kernels.jar"
for f in /tmp/ptx/kernels/sm_90/*.ptx; do echo "== $f"; ptxas -arch=sm_90 -v "$f" -o /dev/null 2>&1; done > "$OUT/ptxas.txt" 2>&1
echo "ptxas: $(grep -c 'Compiling entry' "$OUT/ptxas.txt") kernels, $(grep -c -i 'error' "$OUT/ptxas.txt") errors, spills: $(grep -o '[0-9]* bytes spill stores' "$OUT/ptxas.txt" | sort | uniq -c | tr '\n' ' ')"

# which atomics / matrix instructions each kernel uses (SASS)
for f in /tmp/ptx/kernels/sm_90/*.ptx; do ptxas -arch=sm_90 "$f" -o "/tmp/ptx/$(basename "$f" .ptx).cubin"; done
for c in /tmp/ptx/*.cubin; do cuobjdump -sass "$c" | awk '/Function :/{f=$3} /ATOMS|ATOMG|RED\.|HMMA|MUFU|SHFL/{split($2,o,"."); if ($2 ~ /^@/) split($3,o,"."); c[f" "o[1]]++} END{for (k in c) print k, c[k]}' | sort; done > "$OUT/sass.txt" 2>&1
grep -E "bwd.*ATOM" "$OUT/sass.txt" | head -20

# mamba-ssm's own CUDA scan, built in the background from carried sources (only when they were staged)
MPID=
if [ "${MAMBA:-1}" = 1 ] && [ -d "$D/mamba_csrc" ]; then
  setsid python3 "$D/mamba_ssm_bench.py" "$D/mamba_csrc" /tmp/mamba_build --build-only > "$OUT/mamba.log" 2>&1 &
  MPID=$!
fi

echo "== GPU tests"
timeout 300 "$JAVA" $JOPTS -Dkokoro.cuda.sync=true -jar "$D"/lib/junit-platform-console-standalone-*.jar execute \
  --class-path "$CP" --select-package dev.kokoro.cuda --include-tag gpu --details=tree --disable-banner \
  > "$OUT/tests.log" 2>&1
TESTS_RC=$?
echo "tests exit $TESTS_RC"
grep -E "✘|tests (successful|failed|aborted|found)" "$OUT/tests.log" | head -40
grep -E "relative L2|Exception|Error" "$OUT/tests.log" | grep -v "^\s*at " | head -20

if [ -n "$MPID" ] && [ "$TESTS_RC" != 0 ] && [ "${KILL_BUILD_ON_FAIL:-1}" = 1 ]; then echo "tests failed: stopping the mamba-ssm build"; kill -- -"$MPID" 2>/dev/null; MPID=; fi

if [ "$TESTS_RC" = 0 ] && [ "${SANITIZE:-1}" = 1 ] && command -v compute-sanitizer >/dev/null; then
  echo "== compute-sanitizer memcheck (scan incl. bwd v2 + conv + norms tests)"
  timeout 100 compute-sanitizer --tool memcheck --print-limit 20 "$JAVA" $JOPTS -Dkokoro.cuda.sync=true \
    -jar "$D"/lib/junit-platform-console-standalone-*.jar execute --class-path "$CP" --include-tag gpu \
    --select-class dev.kokoro.cuda.SelectiveScanCudaTest --select-class dev.kokoro.cuda.SelectiveScanBwdV2CudaTest --select-class dev.kokoro.cuda.CausalConv1dCudaTest \
    --select-class dev.kokoro.cuda.LayerNormCudaTest --details=summary --disable-banner > "$OUT/memcheck.log" 2>&1
  echo "memcheck exit $?"; grep -E "ERROR SUMMARY|tests (successful|failed)" "$OUT/memcheck.log"
fi

if [ -n "$MPID" ]; then
  # wait for the build, at most until BUILD_DEADLINE seconds after this script started
  while kill -0 "$MPID" 2>/dev/null && ! grep -q "built in" "$OUT/mamba.log" && [ "$SECONDS" -lt "${BUILD_DEADLINE:-180}" ]; do sleep 1; done
  if ! grep -q "built in" "$OUT/mamba.log"; then echo "mamba-ssm build not done at ${SECONDS} s: stopped"; kill -- -"$MPID" 2>/dev/null; MPID=; fi
  tail -3 "$OUT/mamba.log"
fi

echo "== benchmark (ours) at ${SECONDS} s"
timeout 200 "$JAVA" $JOPTS -cp "$CP" dev.kokoro.cuda.ScanBench 30 2>&1 | grep -v WARNING | tee "$OUT/bench.log"
if [ -n "$MPID" ] && grep -q "built in" "$OUT/mamba.log"; then
  echo "== benchmark (mamba-ssm CUDA kernel, same machine, same run)"
  timeout 120 python3 "$D/mamba_ssm_bench.py" "$D/mamba_csrc" /tmp/mamba_build 2>&1 | grep -v Warning | tee -a "$OUT/mamba.log"
fi
echo "done at ${SECONDS} s"
