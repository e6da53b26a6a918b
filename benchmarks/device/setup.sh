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
