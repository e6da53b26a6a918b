#!/usr/bin/env bash
# Stages the GPU training run into DEST: engine, kernels, kokoro, trainer and benchmark classes, the tests
# module's test classes (TrainStepCudaParityTest), JCuda (driver library only), the JUnit console and the
# fixtures the train-step test reads. Carry a jlinked JDK beside it (e.g. .device/cuda/jdk).
# Usage: benchmarks/gpu/stage_train.sh DEST   then on the GPU machine: bash DEST/run_train.sh DEST JAVA OUT
set -euo pipefail
DEST=${1:?destination folder}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
cd "$ROOT"
JAVA_HOME=$JAVA_HOME mvn -q -B -o -pl tests,benchmarks -am test-compile
NO_JDK=1 bash benchmarks/gpu/stage.sh "$DEST" > /dev/null
rm -f "$DEST/lib/kernels-tests.jar" "$DEST/mamba_ssm_bench.py" "$DEST/run_on_device.sh"
J="$JAVA_HOME/bin/jar"
"$J" cf "$DEST/lib/kokoro.jar" -C kokoro/target/classes .
"$J" cf "$DEST/lib/trainer.jar" -C trainer/target/classes .
"$J" cf "$DEST/lib/tests-tests.jar" -C tests/target/test-classes .
"$J" cf "$DEST/lib/bench.jar" -C benchmarks/target/classes dev/kokoro/bench
mkdir -p "$DEST/fixtures"
cp "${FIXTURES:-../shared/fixtures}"/{train-step.ref.safetensors,kokoro-tiny.pth,kokoro-tiny.config.json} "$DEST/fixtures/"
cp benchmarks/gpu/run_train.sh "$DEST/"
du -sh "$DEST"
