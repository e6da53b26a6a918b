#!/usr/bin/env bash
# Stages the device-backend GPU tests (kernels' CudaBackendTest and kokoro's KokoroTinyCudaParityTest)
# into DEST: benchmarks/gpu/stage.sh's jars (engine, kernels + tests, JCuda, JUnit console) plus the kokoro
# classes and test classes and the tiny Kokoro fixtures. Carry a jlinked JDK beside it (e.g. .device/cuda/jdk).
# Usage: benchmarks/gpu/stage_backend.sh DEST   then on the GPU machine: bash DEST/run_backend_tests.sh DEST JAVA OUT
set -euo pipefail
DEST=${1:?destination folder}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
cd "$ROOT"
JAVA_HOME=$JAVA_HOME mvn -q -B -o -pl kokoro -am test-compile
NO_JDK=1 bash benchmarks/gpu/stage.sh "$DEST"
"$JAVA_HOME/bin/jar" cf "$DEST/lib/kokoro.jar" -C kokoro/target/classes .
"$JAVA_HOME/bin/jar" cf "$DEST/lib/kokoro-tests.jar" -C kokoro/target/test-classes .
mkdir -p "$DEST/fixtures"
cp "${FIXTURES:-../shared/fixtures}"/kokoro-tiny.{pth,config.json,ref.safetensors} "$DEST/fixtures/"
cp benchmarks/gpu/run_backend_tests.sh "$DEST/"
du -sh "$DEST"
