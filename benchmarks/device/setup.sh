# Sourced by the device scripts (gpu_all.sh, gpu_profile.sh, gpu_mem.sh) on the GPU machine: the staged folder
# of stage_all.sh (D = DEVICE_DIR, default .device/final), the log folder (OUT), its JDK unpacked (JAVA), the
# class path of its jars (CP) and the java command for the benchmarks (J).
set -o pipefail
D=${DEVICE_DIR:-.device/final}
OUT=${OUT:-/tmp/kokoro-out}
mkdir -p "$OUT" /tmp/j
[ -x /tmp/j/jdk/bin/java ] || tar xJf "$D/jdk.tar.xz" -C /tmp/j
JAVA=/tmp/j/jdk/bin/java
CP=$(ls "$D"/lib/*.jar | grep -v console-standalone | tr '\n' ':')
J="$JAVA --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx48g -Dfixtures.dir=$D/fixtures -cp $CP"

# gpu_tests SECONDS CLASSPATH CLASS...: the @Tag("gpu") tests of these test classes with the JUnit console
# launcher, per-launch sync on (a kernel error lands on the launch that caused it); output on stdout.
gpu_tests() {
  local secs=$1 cp=$2; shift 2
  local sel=(); for c in "$@"; do sel+=(--select-class "$c"); done
  timeout "$secs" $JAVA --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx16g -Dfixtures.dir=$D/fixtures \
    -Dkokoro.cuda.sync=true -jar "$D"/lib/junit-platform-console-standalone-1.14.1.jar execute --class-path "$cp" "${sel[@]}" \
    --include-tag gpu --details=tree --disable-banner --disable-ansi-colors 2>&1
}
