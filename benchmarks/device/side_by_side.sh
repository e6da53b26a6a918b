#!/usr/bin/env bash
# On the GPU machine (device tool), from the repository root, with .device/{cuda,cpu,anchor} carried:
# (or, with DEVICE_DIR=.device/final, the one folder of stage_all.sh carried):
# 1. CPU synthesis of the real-size random Kokoro, ours (SynthBench) and PyTorch's (pytorch_cpu_synth.py),
#    at 2 and 16 threads, on the otherwise idle machine;
# 2. benchmarks/gpu/run_on_device.sh: GPU tests of the kernels module and the scan benchmark beside mamba-ssm.
# PY_SCRIPT: the PyTorch side (default benchmarks/scripts/pytorch_cpu_synth.py; a staged copy when this checkout is older).
# CPU_EXTRA=1 adds the DurationEncoder and PEFT-step CPU benchmarks; CPU_ONLY=1 skips the GPU part. Logs go to $OUT.
set -o pipefail
OUT=${OUT:-/tmp/kokoro-out}
mkdir -p "$OUT"
JOPTS="--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx24g"
if [ -n "${DEVICE_DIR:-}" ]; then
  # one folder staged by stage_all.sh (jdk.tar.xz, lib/, anchor/): the same folder gpu_all.sh uses
  source benchmarks/device/setup.sh
  ANCHOR=$D/anchor
else
  JAVA=.device/cuda/jdk/bin/java
  # LIB_DIR (engine/kernels/jcuda jars) and CPU_DIR (kokoro/trainer/bench jars) may point at other staged folders.
  LIB_DIR=${LIB_DIR:-.device/cuda/lib}; CPU_DIR=${CPU_DIR:-.device/cpu}
  CP=$(ls $LIB_DIR/*.jar | grep -v console-standalone | tr '\n' ':')$CPU_DIR/kokoro.jar:$CPU_DIR/trainer.jar:$CPU_DIR/bench.jar
  ANCHOR=.device/anchor
fi
{ lscpu | grep -E "Model name|^CPU\(s\)|Thread|Core|Socket|^Flags"; nproc; } | tee "$OUT/cpu.txt" | grep -v Flags
# equal warm-up and repetitions on both sides (SYNTH_WARMUP untimed runs, then the median of SYNTH_REPS), ours
# then PyTorch's, ROUNDS times over (alternating shows how much the machine itself drifts between runs)
W=${SYNTH_WARMUP:-3}; R=${SYNTH_REPS:-5}
for round in $(seq 1 ${ROUNDS:-1}); do
  echo "== CPU synthesis, ours (round $round)"
  for t in ${SYNTH_THREADS:-2 16}; do
    timeout 240 "$JAVA" $JOPTS -cp "$CP" dev.kokoro.bench.SynthBench --threads $t --reps $R --warmup $W 2>&1 | grep -v WARNING | tee -a "$OUT/synth-ours.log" | grep -E "JSON|median|RTF" | tail -3
  done
  if [ -f $ANCHOR/py/kokoro/model.py ]; then
    echo "== CPU synthesis, PyTorch (round $round)"
    WARMUP=$W REPS=$R PYTHONPATH=$ANCHOR/py REF_DIR=$ANCHOR timeout 200 python3 ${PY_SCRIPT:-benchmarks/scripts/pytorch_cpu_synth.py} ${SYNTH_THREADS:-2 16} 2>&1 | grep -v -i warn | tee -a "$OUT/synth-pytorch.log" | tail -5
  fi
done
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
