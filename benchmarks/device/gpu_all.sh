#!/usr/bin/env bash
# On the GPU machine (device tool), from the repository root, with the folder made by
# benchmarks/device/stage_all.sh carried (default .device/final). One call:
#   1. every @Tag("gpu") test (kernels, backend, tiny Kokoro on CUDA, train step on CUDA), per-launch sync on;
#   2. (after the background build, on a quiet machine) ours: GPU synthesis (real size, 120 tokens -> 360 frames), the PEFT step (B8 x 64 tokens x 256 frames,
#      TF32 like the anchor), DurationEncoder 3xBiLSTM vs Mamba on the GPU;
#   3. PyTorch in the same call: ../shared/anchors/pytorch_anchor.py on cuda (synthesis, DurationEncoder,
#      PEFT step), with mamba-ssm's selective_scan_cuda built in the background from the carried sources.
# Logs go to $OUT (8 files at most come back).
source benchmarks/device/setup.sh   # run from the repository root
{ date -u; nvidia-smi -L; nvidia-smi --query-gpu=driver_version,memory.total --format=csv; lscpu | grep "Model name"; } > "$OUT/env.txt" 2>&1
cat "$OUT/env.txt"
MPID=
if [ -d "$D/mamba_csrc" ]; then
  setsid python3 benchmarks/gpu/mamba_ssm_bench.py "$D/mamba_csrc" /tmp/mamba_build --build-only > "$OUT/mamba-build.log" 2>&1 &
  MPID=$!
fi
echo "== GPU tests at ${SECONDS}s"
# every test class of the carried test jars (package scanning does not look into them); the tag picks the GPU ones
ALL=$(python3 -c "import zipfile,sys,re; [print(n[:-6].replace('/', '.')) for j in sys.argv[1:] for n in zipfile.ZipFile(j).namelist() if re.search(r'(Test|Tests)\.class$', n) and '\$' not in n]" "$D"/lib/*-tests.jar)
gpu_tests ${TEST_TIMEOUT:-240} "$CP" $ALL > "$OUT/tests.log"
echo "tests exit $?"
grep -E "✘|tests (successful|failed|aborted|found)" "$OUT/tests.log" | head -30
# the timings below want a quiet machine: wait for the background build (it compiles on every core) first
if [ -n "$MPID" ]; then
  for i in $(seq 1 ${BUILD_WAIT:-200}); do kill -0 $MPID 2>/dev/null || break; sleep 1; done
  tail -2 "$OUT/mamba-build.log"
fi
{
  echo "== synthesis on the GPU (FP32 matmuls, TF32 convs: PyTorch's defaults)"
  timeout 120 $J dev.kokoro.bench.SynthBench --device cuda --reps 10 --warmup 6 2>&1 | grep -v WARNING
  echo "== PEFT step on the GPU (TF32)"
  timeout 200 $J -Dkokoro.cuda.tf32=true dev.kokoro.bench.TrainBench --device cuda --steps 10 --warmup 2 2>&1 | grep -v WARNING
  echo "== DurationEncoder on the GPU"
  timeout 90 $J dev.kokoro.bench.MambaVsLstmBench 6 ${DURENC_T:-128,512} ${DURENC_B:-1,16} cuda 2>&1 | grep -v WARNING
} > "$OUT/ours.log" 2>&1
grep -E "median|PEFT step|JSON|^ +[0-9]+ +[0-9]+ \||fell back|ran on the CPU|Exception" "$OUT/ours.log" | cut -c1-400 | head -40
if [ -f "$D/alt/kernels.jar" ]; then   # a second kernels build (e.g. a branch): its GPU tests and the model benchmarks
  ACP=$(echo "$CP" | sed "s|$D/lib/kernels.jar|$D/alt/kernels.jar|; s|$D/lib/kernels-tests.jar|$D/alt/kernels-tests.jar|")
  {
    echo "== alt kernels: GPU tests"
    gpu_tests 150 "$ACP" ${ALT_TESTS:-}
    echo "tests exit $?"
    AJ="$JAVA --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx48g ${ALT_JOPTS:-} -cp $ACP"
    echo "== alt kernels: synthesis"; timeout 90 $AJ dev.kokoro.bench.SynthBench --device cuda --reps 6 --warmup 2 --no-profile 2>&1 | grep -v WARNING
    echo "== alt kernels: PEFT step (TF32)"; timeout 120 $AJ -Dkokoro.cuda.tf32=true dev.kokoro.bench.TrainBench --device cuda --steps 5 --warmup 1 2>&1 | grep -v WARNING
  } > "$OUT/alt.log" 2>&1
  grep -E "✘|tests (successful|failed)|tests exit|median|PEFT step" "$OUT/alt.log" | cut -c1-300 | head -20
fi
if [ -f "$D/anchor/py/kokoro/model.py" ]; then
  echo "== PyTorch (hexgrad/kokoro + mamba-ssm) on the same GPU at ${SECONDS}s"
  PYTHONUNBUFFERED=1 ANCHOR_DEVICES=cuda PYTHONPATH=/tmp/mamba_build:$D/anchor/py REF_DIR=$D/anchor \
    timeout 240 python3 $D/anchor/pytorch_anchor.py 2>&1 | grep -v -i warn > "$OUT/pytorch.log"
  grep -v JSON "$OUT/pytorch.log" | tail -12
fi
echo "all done at ${SECONDS}s"
