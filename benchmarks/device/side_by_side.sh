#!/usr/bin/env bash
# On the GPU machine (device tool), from the repository root, with .device/{cuda,cpu,anchor} carried:
# 1. CPU synthesis of the real-size random Kokoro, ours (SynthBench) and PyTorch's (pytorch_cpu_synth.py),
#    at 2 and 16 threads, on the otherwise idle machine;
# 2. benchmarks/gpu/run_on_device.sh: GPU tests of the kernels module and the scan benchmark beside mamba-ssm.
# PY_SCRIPT: the PyTorch side (default benchmarks/scripts/pytorch_cpu_synth.py; a staged copy when this checkout is older).
# CPU_EXTRA=1 adds the DurationEncoder and PEFT-step CPU benchmarks; CPU_ONLY=1 skips the GPU part. Logs go to $OUT.
set -o pipefail
OUT=${OUT:-/tmp/kokoro-out}
mkdir -p "$OUT"
JAVA=.device/cuda/jdk/bin/java
# LIB_DIR (engine/kernels/jcuda jars) and CPU_DIR (kokoro/trainer/bench jars) may point at other staged folders.
LIB_DIR=${LIB_DIR:-.device/cuda/lib}; CPU_DIR=${CPU_DIR:-.device/cpu}
CP=$(ls $LIB_DIR/*.jar | grep -v console-standalone | tr '\n' ':')$CPU_DIR/kokoro.jar:$CPU_DIR/trainer.jar:$CPU_DIR/bench.jar
JOPTS="--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx24g"
{ lscpu | grep -E "Model name|^CPU\(s\)|Thread|Core|Socket"; nproc; } | tee "$OUT/cpu.txt"
echo "== CPU synthesis, ours"
# equal warm-up and repetitions on both sides (SYNTH_WARMUP untimed runs, then the median of SYNTH_REPS)
W=${SYNTH_WARMUP:-3}; R=${SYNTH_REPS:-5}
for t in 2 16; do
  timeout 240 "$JAVA" $JOPTS -cp "$CP" dev.kokoro.bench.SynthBench --threads $t --reps $R --warmup $W 2>&1 | grep -v WARNING | tee -a "$OUT/synth-ours.log" | grep -E "JSON|median|RTF" | tail -3
done
if [ -f .device/anchor/py/kokoro/model.py ]; then
  echo "== CPU synthesis, PyTorch"
  WARMUP=$W REPS=$R PYTHONPATH=.device/anchor/py REF_DIR=.device/anchor timeout 200 python3 ${PY_SCRIPT:-benchmarks/scripts/pytorch_cpu_synth.py} 2 16 2>&1 | grep -v -i warn | tee "$OUT/synth-pytorch.log" | tail -5
fi
# SYNTH_ALT_JOPTS: extra JVM options for a second run of ours at SYNTH_ALT_THREADS (16) threads, e.g. a fixed pre-touched heap
if [ -n "${SYNTH_ALT_JOPTS:-}" ]; then
  echo "== CPU synthesis, ours with $SYNTH_ALT_JOPTS"
  timeout 200 "$JAVA" $JOPTS $SYNTH_ALT_JOPTS -cp "$CP" dev.kokoro.bench.SynthBench --threads ${SYNTH_ALT_THREADS:-16} --reps $R --warmup $W 2>&1 | grep -v WARNING | tee -a "$OUT/synth-ours-alt.log" | grep -E "JSON|median|RTF" | tail -3
fi
if [ "${CPU_EXTRA:-0}" = 1 ]; then
  echo "== DurationEncoder on the CPU: Mamba vs 3xBiLSTM (16 threads)"
  timeout 200 "$JAVA" $JOPTS -Djava.util.concurrent.ForkJoinPool.common.parallelism=15 -cp "$CP" dev.kokoro.bench.MambaVsLstmBench 3 64,128,256,512 1,16 2>&1 | grep -v WARNING | tee "$OUT/durenc.log" | tail -10
  echo "== PEFT training step on the CPU (16 threads)"
  timeout 200 "$JAVA" $JOPTS -Djava.util.concurrent.ForkJoinPool.common.parallelism=15 -cp "$CP" dev.kokoro.bench.TrainBench 3 2>&1 | grep -v WARNING | tee "$OUT/train.log" | tail -3
fi
[ "${CPU_ONLY:-0}" = 1 ] && { echo "all done at ${SECONDS} s"; exit 0; }
echo "== GPU kernels (tests and scan benchmark) at ${SECONDS} s"
DEVICE_DIR=.device/cuda BUILD_DEADLINE=${BUILD_DEADLINE:-150} KILL_BUILD_ON_FAIL=0 OUT="$OUT" bash .device/cuda/run_on_device.sh 2>&1 | tail -60
echo "all done at ${SECONDS} s"
