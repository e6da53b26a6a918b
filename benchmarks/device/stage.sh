#!/usr/bin/env bash
# Stages everything side_by_side.sh needs into .device/ (git-ignored; carry .device/cuda, .device/cpu, .device/anchor):
#   .device/cuda    benchmarks/gpu/stage.sh (jlinked JDK 25, engine/kernels jars, GPU tests, mamba-ssm csrc)
#   .device/cpu     kokoro and benchmarks classes for SynthBench / TrainBench
#   .device/anchor  the PyTorch side: hexgrad/kokoro's model files, a loguru stub and config.json, which you
#                   place there yourself (they are not part of this repository; see ../shared/anchors/README.md)
# Usage (from the repository root): MAMBA_REPO=<state-spaces/mamba git dir> benchmarks/device/stage.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
JAVA_HOME=$JAVA_HOME mvn -q -B -o -pl benchmarks -am compile
bash benchmarks/gpu/stage.sh .device/cuda
mkdir -p .device/cpu
"$JAVA_HOME/bin/jar" cf .device/cpu/kokoro.jar -C kokoro/target/classes .
"$JAVA_HOME/bin/jar" cf .device/cpu/trainer.jar -C trainer/target/classes .
"$JAVA_HOME/bin/jar" cf .device/cpu/bench.jar -C benchmarks/target/classes .
cp benchmarks/device/side_by_side.sh benchmarks/scripts/pytorch_cpu_synth.py .device/cpu/
[ -f .device/anchor/py/kokoro/model.py ] || echo "note: .device/anchor/py/kokoro is missing: the PyTorch rows will be skipped"
du -sh .device
