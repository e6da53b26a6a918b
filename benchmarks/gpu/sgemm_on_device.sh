#!/usr/bin/env bash
# sgemm device run (FP32-accurate 3xTF32 matmuls): ptxas/SASS check, SgemmCudaTest + MatmulCudaTest, MatmulBench's
# FP32 set and torch_matmul_bench.py in one call, memcheck last. Staged folder: benchmarks/gpu/stage.sh into
# .device/sgemm plus this script and torch_matmul_bench.py; JDK from .device/cuda/jdk.
set -o pipefail
D=${DEVICE_DIR:-.device/sgemm}
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
JAVA=.device/cuda/jdk/bin/java
CP=$(ls $D/lib/*.jar | grep -v console-standalone | tr '\n' ':')
JOPTS="--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx16g"
JUNIT="$JAVA $JOPTS -Dkokoro.cuda.sync=true -jar $D/lib/junit-platform-console-standalone-1.14.1.jar execute --class-path $CP --include-tag gpu --disable-banner"
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,power.draw,temperature.gpu --format=csv; nvcc --version | tail -1; } > "$OUT/env.log" 2>&1; cat "$OUT/env.log"
python3 -c "import zipfile,sys; zipfile.ZipFile(sys.argv[1]).extractall('/tmp/ptx')" $D/lib/kernels.jar
ptxas -arch=sm_90 -v /tmp/ptx/kernels/sm_90/matmul.ptx -o /tmp/mm.cubin > "$OUT/ptxas.log" 2>&1; echo "ptxas rc $? spills: $(grep -o '[0-9]* bytes spill stores' $OUT/ptxas.log | sort | uniq -c | tr '\n' ' ')"
cuobjdump -sass /tmp/mm.cubin | awk '/Function :/{f=$3} /HMMA|LDS|LDSM|LDGSTS|BAR|LDL|STL|LOP3|FADD/{for(i=1;i<=NF;i++) if ($i ~ /^(HMMA|LDS|LDSM|LDGSTS|BAR|LDL|STL|LOP3|FADD)/) {split($i,o,"."); sub(/;/,"",o[1]); c[f" "o[1]]++; break}} END{for (k in c) print k, c[k]}' | sort | grep -E "mm3_128_nt_v|mm3_128x64_nt_v|mm3_32_nt_v|mm2_128_nt_v" > "$OUT/sass.log"; cat "$OUT/sass.log"
echo "== tests at ${SECONDS}s"
timeout 150 $JUNIT --select-class dev.kokoro.cuda.SgemmCudaTest --select-class dev.kokoro.cuda.MatmulCudaTest --details=tree > "$OUT/tests.log" 2>&1
echo "tests rc $?"; grep -E "✘|tests (successful|failed|aborted|found)" "$OUT/tests.log" | head -30; grep -E "relative L2|Exception" "$OUT/tests.log" | grep -v "^\s*at " | head -20
grep -o "sgemm-err.*" "$OUT/tests.log" > "$OUT/errors.log"
awk '/sgemm-err/ && /relL2=/{split($2,v," "); e=$NF; sub(/relL2=/,"",e); if (e+0 > w[$2]+0) {w[$2]=e; s[$2]=$0}} END{for (k in w) print "worst", k, w[k], "at", s[k]}' "$OUT/errors.log" | sort; grep -E "K=4096|random 80" "$OUT/errors.log"
echo "== MatmulBench f32 at ${SECONDS}s"
timeout 70 $JAVA $JOPTS -cp "$CP" dev.kokoro.cuda.MatmulBench 30 all f32 2>&1 | grep -v WARNING > "$OUT/bench-ours.log"; cat "$OUT/bench-ours.log"
echo "== torch at ${SECONDS}s"
timeout 50 python3 $D/torch_matmul_bench.py 30 > "$OUT/bench-torch.log" 2>&1; cat "$OUT/bench-torch.log"
echo "== memcheck at ${SECONDS}s"
if command -v compute-sanitizer >/dev/null && [ $SECONDS -lt 230 ]; then
  timeout $((285 - SECONDS)) compute-sanitizer --tool memcheck --print-limit 10 $JUNIT --select-method 'dev.kokoro.cuda.SgemmCudaTest#deterministicAndRoutedFromTensorOps()' --select-method 'dev.kokoro.cuda.SgemmCudaTest#boundSeparatesFp32FromTf32()' --details=summary > "$OUT/memcheck.log" 2>&1
  echo "memcheck rc $?"; grep -E "ERROR SUMMARY|tests (successful|failed)" "$OUT/memcheck.log"
fi
echo "done at ${SECONDS}s"
