#!/usr/bin/env bash
# Runs on the GPU machine from the repository root with the folder staged by benchmarks/gpu/stage.sh
# (DEVICE_DIR, default .device/lstm-cuda; JDK from JDK_DIR, default .device/cuda/jdk): ptxas report of
# lstm.cu, LstmCudaTest (synchronising after every launch), our LstmBench, then torch.nn.LSTM (cuDNN)
# at the same shapes in the same call, then compute-sanitizer memcheck on the test. Logs go to $OUT.
set -o pipefail
D=${DEVICE_DIR:-.device/lstm-cuda}
OUT=${OUT:-/tmp/kokoro-gpu-out}
mkdir -p "$OUT"
JAVA="${JDK_DIR:-.device/cuda/jdk}/bin/java"
CP=$(ls "$D"/lib/*.jar | grep -v console-standalone | tr '\n' ':')
JOPTS="--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx16g"
{ date -u; nvidia-smi; nvcc --version; } > "$OUT/env.txt" 2>&1
grep -E "H100|H200|Driver" "$OUT/env.txt" | head -3

python3 -c "import zipfile,sys; zipfile.ZipFile(sys.argv[1]).extractall('/tmp/ptx')" "$D/lib/kernels.jar"
ptxas -arch=sm_90 -v /tmp/ptx/kernels/sm_90/lstm.ptx -o /tmp/lstm.cubin > "$OUT/ptxas.txt" 2>&1
grep -E "registers|spill" "$OUT/ptxas.txt" | tr '\n' ' '; echo

echo "== LstmCudaTest at ${SECONDS} s"
timeout ${TEST_S:-120} "$JAVA" $JOPTS -Dkokoro.cuda.sync=true -jar "$D"/lib/junit-platform-console-standalone-*.jar execute \
  --class-path "$CP" --select-class dev.kokoro.cuda.LstmCudaTest --include-tag gpu --details=tree --disable-banner > "$OUT/tests.log" 2>&1
echo "tests exit $?"
grep -E "✘|✔|tests (successful|failed|aborted|found)|rel L2|Exception|Error" "$OUT/tests.log" | grep -v "^\s*at " | head -40

echo "== LstmBench (ours) at ${SECONDS} s"
timeout ${BENCH_S:-60} "$JAVA" $JOPTS -cp "$CP" dev.kokoro.cuda.LstmBench 20 2>&1 | grep -v WARNING | tee "$OUT/bench-ours.log"
echo "== torch.nn.LSTM (cuDNN) at ${SECONDS} s"
timeout ${TORCH_S:-90} python3 "$D/lstm_cudnn_bench.py" 20 --tf32-too 2>&1 | grep -v Warning | tee "$OUT/bench-cudnn.log"

if command -v compute-sanitizer >/dev/null && [ "$SECONDS" -lt "${SANITIZE_BEFORE:-230}" ]; then
  echo "== compute-sanitizer memcheck at ${SECONDS} s"
  timeout ${MEMCHECK_S:-60} compute-sanitizer --tool memcheck --print-limit 20 "$JAVA" $JOPTS \
    -jar "$D"/lib/junit-platform-console-standalone-*.jar execute --class-path "$CP" --include-tag gpu \
    --select-class dev.kokoro.cuda.LstmCudaTest --details=summary --disable-banner > "$OUT/memcheck.log" 2>&1
  echo "memcheck exit $?"; grep -E "ERROR SUMMARY|tests (successful|failed)|Invalid" "$OUT/memcheck.log" | head
fi
if command -v compute-sanitizer >/dev/null && [ "$SECONDS" -lt "${RACECHECK_BEFORE:-240}" ]; then
  echo "== compute-sanitizer racecheck (one small test) at ${SECONDS} s"
  timeout ${RACECHECK_S:-50} compute-sanitizer --tool racecheck --print-limit 20 "$JAVA" $JOPTS \
    -jar "$D"/lib/junit-platform-console-standalone-*.jar execute --class-path "$CP" --include-tag gpu \
    --select-method 'dev.kokoro.cuda.LstmCudaTest#onlyDxWhenWeightsAreFrozen' --details=summary --disable-banner > "$OUT/racecheck.log" 2>&1
  echo "racecheck exit $?"; grep -E "ERROR SUMMARY|RACECHECK SUMMARY|hazard|tests (successful|failed)" "$OUT/racecheck.log" | head
fi
echo "done at ${SECONDS} s"
