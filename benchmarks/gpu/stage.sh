#!/usr/bin/env bash
# Stages what benchmarks/gpu/run_on_device.sh needs into one folder to carry to the GPU machine:
# a jlinked JDK 25, the engine and kernels jars (PTX inside), the kernels test classes, JCuda with only
# its driver-API native library, and the JUnit console launcher (from ~/.m2; fetch it once with
# mvn dependency:get -Dartifact=org.junit.platform:junit-platform-console-standalone:1.14.1).
# Usage: benchmarks/gpu/stage.sh DEST   (DEST must be git-ignored in the repository that travels)
# NO_JDK=1 skips the jlinked JDK (carry one staged elsewhere, e.g. .device/cuda/jdk, beside DEST).
set -euo pipefail
DEST=${1:?destination folder}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
M2=${M2:-$HOME/.m2/repository}
cd "$ROOT"
JAVA_HOME=$JAVA_HOME mvn -q -B -o -pl kernels -am test-compile
mkdir -p "$DEST/lib"
rm -f "$DEST"/lib/*.jar
if [ "${NO_JDK:-0}" != 1 ] && [ ! -x "$DEST/jdk/bin/java" ]; then
  "$JAVA_HOME/bin/jlink" --add-modules java.base,jdk.incubator.vector,java.logging,jdk.unsupported,java.management,jdk.management,java.xml,jdk.zipfs \
    --strip-java-debug-attributes --strip-native-debug-symbols=exclude-debuginfo-files --no-man-pages --no-header-files \
    --compress=zip-6 --output "$DEST/jdk"
fi
J="$JAVA_HOME/bin/jar"
"$J" cf "$DEST/lib/engine.jar" -C engine/target/classes .
"$J" cf "$DEST/lib/kernels.jar" -C kernels/target/classes .
"$J" cf "$DEST/lib/kernels-tests.jar" -C kernels/target/test-classes .
cp "$M2/org/jcuda/jcuda/12.6.0/jcuda-12.6.0.jar" "$DEST/lib/"
cp "$M2"/org/junit/platform/junit-platform-console-standalone/1.14.1/junit-platform-console-standalone-1.14.1.jar "$DEST/lib/"
T=$(mktemp -d)
mkdir -p "$T/lib"
(cd "$T" && unzip -q -o "$M2/org/jcuda/jcuda-natives/12.6.0/jcuda-natives-12.6.0-linux-x86_64.jar" 'lib/libJCudaDriver-*')
"$J" cf "$DEST/lib/jcuda-natives-driver-only.jar" -C "$T" .
rm -rf "$T"
cp benchmarks/gpu/run_on_device.sh benchmarks/gpu/mamba_ssm_bench.py "$DEST/"
# optional: mamba-ssm's csrc/selective_scan for the side-by-side timing (MAMBA_REPO = a git dir of state-spaces/mamba)
if [ -n "${MAMBA_REPO:-}" ]; then
  rm -rf "$DEST/mamba_csrc" && mkdir -p "$DEST/mamba_csrc"
  git --git-dir="$MAMBA_REPO" archive HEAD csrc/selective_scan | tar -x -C "$DEST/mamba_csrc" --strip-components=2
fi
du -sh "$DEST"
