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
FIX=${FIXTURES:-$ROOT/../shared/fixtures}
cd "$ROOT"
JAVA_HOME=$JAVA_HOME mvn -q -B -o test-compile -DskipTests
rm -rf "$DEST/lib" "$DEST/fixtures" && mkdir -p "$DEST/lib" "$DEST/fixtures"
if [ ! -f "$DEST/jdk.tar.xz" ]; then
  T=$(mktemp -d)
  "$JAVA_HOME/bin/jlink" --add-modules java.base,jdk.incubator.vector,java.logging,jdk.unsupported,java.management,jdk.management,java.xml,jdk.jfr \
    --strip-java-debug-attributes --strip-native-debug-symbols=exclude-debuginfo-files --no-man-pages --no-header-files \
    --compress=zip-9 --output "$T/jdk"
  strip --strip-unneeded "$T/jdk/lib/server/libjvm.so"
  tar cJf "$DEST/jdk.tar.xz" -C "$T" jdk
  rm -rf "$T"
fi
NO_JDK=1 bash benchmarks/gpu/stage.sh "$DEST" >/dev/null   # engine/kernels (+ tests), JCuda, JUnit console, mamba csrc
rm -f "$DEST"/run_on_device.sh "$DEST"/mamba_ssm_bench.py
J="$JAVA_HOME/bin/jar"
for m in kokoro trainer benchmarks; do "$J" cf "$DEST/lib/$m.jar" -C $m/target/classes .; done
for m in kokoro tests trainer; do [ -d $m/target/test-classes ] && "$J" cf "$DEST/lib/$m-tests.jar" -C $m/target/test-classes .; done
cp "$FIX"/kokoro-tiny.{pth,config.json,ref.safetensors} "$FIX"/train-step.ref.safetensors "$DEST/fixtures/"
[ -n "${ANCHOR_DIR:-}" ] && { rm -rf "$DEST/anchor"; cp -r "$ANCHOR_DIR" "$DEST/anchor"; }
du -sh --apparent-size "$DEST"
