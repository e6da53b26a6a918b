#!/usr/bin/env bash
# Stages one folder for benchmarks/device/gpu_all.sh (one device call: every GPU test, then ours beside
# PyTorch): a jlinked JDK 25 as jdk.tar.xz (unpacked on the device; keeps the carry under 64 MiB), all jars
# (engine, kernels, kokoro, trainer, benchmarks, their test classes, JCuda, JUnit console), the fixtures the
# GPU tests read, mamba-ssm's csrc/selective_scan (MAMBA_REPO), and the PyTorch anchor files (ANCHOR_DIR:
# hexgrad/kokoro's model files + loguru stub + config.json, see ../shared/anchors/README.md).
# Usage: MAMBA_REPO=<mamba git dir> ANCHOR_DIR=.device/anchor benchmarks/device/stage_all.sh .device/final
set -euo pipefail
DEST=${1:?destination folder (git-ignored)}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
M2=${M2:-$HOME/.m2/repository}
FIX=${FIXTURES:-$ROOT/../shared/fixtures}
cd "$ROOT"
JAVA_HOME=$JAVA_HOME mvn -q -B -o test-compile -DskipTests
rm -rf "$DEST/lib" "$DEST/fixtures" && mkdir -p "$DEST/lib" "$DEST/fixtures"
if [ ! -f "$DEST/jdk.tar.xz" ]; then
  T=$(mktemp -d)
  "$JAVA_HOME/bin/jlink" --add-modules java.base,jdk.incubator.vector,java.logging,jdk.unsupported,java.management,jdk.management,java.xml \
    --strip-java-debug-attributes --strip-native-debug-symbols=exclude-debuginfo-files --no-man-pages --no-header-files \
    --compress=zip-9 --output "$T/jdk"
  strip --strip-unneeded "$T/jdk/lib/server/libjvm.so"
  tar cJf "$DEST/jdk.tar.xz" -C "$T" jdk
  rm -rf "$T"
fi
J="$JAVA_HOME/bin/jar"
for m in engine kernels kokoro trainer benchmarks; do "$J" cf "$DEST/lib/$m.jar" -C $m/target/classes .; done
for m in kernels kokoro tests trainer; do [ -d $m/target/test-classes ] && "$J" cf "$DEST/lib/$m-tests.jar" -C $m/target/test-classes .; done
cp "$M2/org/jcuda/jcuda/12.6.0/jcuda-12.6.0.jar" "$M2"/org/junit/platform/junit-platform-console-standalone/1.14.1/junit-platform-console-standalone-1.14.1.jar "$DEST/lib/"
T=$(mktemp -d); mkdir -p "$T/lib"
(cd "$T" && unzip -q -o "$M2/org/jcuda/jcuda-natives/12.6.0/jcuda-natives-12.6.0-linux-x86_64.jar" 'lib/libJCudaDriver-*')
"$J" cf "$DEST/lib/jcuda-natives-driver-only.jar" -C "$T" .; rm -rf "$T"
cp "$FIX"/kokoro-tiny.{pth,config.json,ref.safetensors} "$FIX"/train-step.ref.safetensors "$DEST/fixtures/"
if [ -n "${MAMBA_REPO:-}" ]; then
  rm -rf "$DEST/mamba_csrc" && mkdir -p "$DEST/mamba_csrc"
  git --git-dir="$MAMBA_REPO" archive HEAD csrc/selective_scan | tar -x -C "$DEST/mamba_csrc" --strip-components=2
fi
[ -n "${ANCHOR_DIR:-}" ] && { rm -rf "$DEST/anchor"; cp -r "$ANCHOR_DIR" "$DEST/anchor"; }
du -sh --apparent-size "$DEST"
