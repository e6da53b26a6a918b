#!/usr/bin/env bash
# On the GPU machine: the CudaBackend kernel tests and the tiny Kokoro on CUDA (FP32, then once more
# without per-launch sync for a timing and once with TF32 matmuls for their accuracy). Logs go to OUT.
# Usage: bash DEST/run_backend_tests.sh DEST JAVA OUT
set -uo pipefail
D=${1:?staged folder}; JAVA=${2:?java}; OUT=${3:?log folder}
CP=$(ls "$D"/lib/*.jar | grep -v console-standalone | tr '\n' ':')
J="$JAVA --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Dfixtures.dir=$D/fixtures"
RUN="-jar $D/lib/junit-platform-console-standalone-1.14.1.jar execute --class-path $CP --include-tag gpu --details=tree --disable-banner --disable-ansi-colors"
nvidia-smi -L > "$OUT/gpu.txt" 2>&1
$J -Dkokoro.cuda.sync=true $RUN --select-class dev.kokoro.cuda.CudaBackendTest --select-class dev.kokoro.model.device.KokoroTinyCudaParityTest > "$OUT/backend-tests.log" 2>&1
echo "tests rc=$?"
$J $RUN --select-class dev.kokoro.model.device.KokoroTinyCudaParityTest > "$OUT/tiny-nosync.log" 2>&1
echo "tiny (no sync) rc=$?"
$J -Dkokoro.cuda.tf32=true $RUN --select-class dev.kokoro.model.device.KokoroTinyCudaParityTest > "$OUT/tiny-tf32.log" 2>&1
echo "tiny (tf32) rc=$?"
grep -E "rel L2|fallbacks|run [0-9]|device:|tests (successful|failed)|✘" "$OUT"/*.log | head -150
