package dev.kokoro.bench;

import dev.kokoro.engine.backend.OpProfile;
import dev.kokoro.engine.Activations;
import dev.kokoro.engine.Autograd;
import dev.kokoro.engine.DType;
import dev.kokoro.engine.Device;
import dev.kokoro.engine.backend.Backend;
import dev.kokoro.engine.backend.Backends;
import dev.kokoro.engine.backend.DeviceScope;
import dev.kokoro.engine.backend.Fallbacks;
import dev.kokoro.engine.Parallel;
import dev.kokoro.engine.Tensor;
import dev.kokoro.model.Alignment;
import dev.kokoro.model.KModel;
import dev.kokoro.model.KokoroConfig;
import dev.kokoro.model.prosody.ProsodyPredictor;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * CPU synthesis of the real-size Kokoro-82M (random weights), timed like benchmarks/../shared/anchors/
 * pytorch_anchor.py: 120 tokens (ids[0] = ids[-1] = 0, the rest random in [1, 178)), ref_s ~ 0.1·N(0, 1),
 * forced to 360 frames (3 per token, 9.0 s of audio) so the work equals the anchor's whatever the random
 * duration head predicts. The timed body is KModel.forward_with_tokens (bert, bert_encoder, predictor text
 * encoder + duration LSTM + projection, durations, F0Ntrain, text encoder, decoder) with the alignment given.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp engine/target/classes:kokoro/target/classes:benchmarks/target/classes \
 *      dev.kokoro.bench.SynthBench --threads 2 [--reps 3] [--warmup 1] [--seed 0] [--no-profile]
 * </pre>
 * {@code --threads N} sets {@code java.util.concurrent.ForkJoinPool.common.parallelism = N-1} before the
 * common pool starts (the calling thread works too, so N threads compute); passing that -D flag yourself
 * instead does the same. Prints a per-module breakdown of one extra run and, last, one line
 * {@code JSON {...}} for scripts.
 */
public final class SynthBench {
    static final int TOKENS = 120, FRAMES_PER_TOKEN = 3;

    public static void main(String[] args) throws Exception {
        int threads = -1, reps = 3, warmup = 1;
        long seed = 0;
        boolean profile = true;
        String device = "cpu";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--seed" -> seed = Long.parseLong(args[++i]);
                case "--no-profile" -> profile = false;
                case "--device" -> device = args[++i];
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + " (use --threads N --reps R --warmup W --seed S --no-profile --device cpu|cuda)");
            }
        }
        if (threads > 0)
            System.setProperty("java.util.concurrent.ForkJoinPool.common.parallelism", Integer.toString(threads - 1));
        int used = Parallel.threads();

        KokoroConfig cfg;
        try (InputStream in = KModel.class.getResourceAsStream("/kokoro/config-v1_0.json")) {
            cfg = KokoroConfig.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        long t0 = System.nanoTime();
        KModel model = KModel.random(cfg, seed);
        model.decoder.seed(seed);
        Device dev = switch (device) {
            case "cpu" -> Device.CPU;
            case "cuda" -> Device.CUDA;
            default -> throw new IllegalArgumentException("--device must be cpu or cuda, got " + device);
        };
        Backend be = dev == Device.CPU ? null : Backends.require(dev);
        if (be != null) {
            model.to(dev);
            profile = false;   // per-module laps of asynchronous kernels would mislead
        }
        double buildS = (System.nanoTime() - t0) / 1e9;
        long params = model.parameterCount();

        SplittableRandom rng = new SplittableRandom(seed + 1);
        long[] ids = new long[TOKENS];
        for (int i = 1; i < TOKENS - 1; i++) ids[i] = 1 + rng.nextInt(177);
        Tensor inputIds = Tensor.of(ids, 1, TOKENS);
        float[] ref = new float[256];
        for (int i = 0; i < ref.length; i++) ref[i] = (float) (0.1 * Tensor.gaussian(rng));
        Tensor refS = Tensor.of(ref, 1, 256).to(dev);
        long[][] dur = {new long[TOKENS]};
        Arrays.fill(dur[0], FRAMES_PER_TOKEN);
        Tensor aln = Alignment.fromDurations(dur, TOKENS, DType.F32).to(dev);
        int frames = TOKENS * FRAMES_PER_TOKEN;

        System.out.printf(Locale.ROOT, "SynthBench: Kokoro-82M random weights (%d params, built in %.1f s), %d tokens -> %d frames, %s, %s%n",
                params, buildS, TOKENS, frames, be == null ? used + " threads" : dev + " (TF32 " + Boolean.getBoolean("kokoro.cuda.tf32") + ")", Runtime.version());
        Fallbacks.quiet(true);
        Tensor audio = null;
        for (int i = 0; i < warmup; i++) {
            long jit = jitMs(), t = System.nanoTime();
            audio = timedSynth(model, inputIds, refS, aln);
            System.out.printf(Locale.ROOT, "  warm-up %d: %.3f s wall; JIT compiling %d ms%n", i, (System.nanoTime() - t) / 1e9, jitMs() - jit);
        }
        Fallbacks.reset();
        OpProfile.reset();   // the profile covers the timed runs only (the warm-up loads modules and JIT-compiles kernels)
        if (be != null) be.resetPeakMemory();
        double secs = audio == null ? frames * 600 / 24000.0 : audio.numel() / 24000.0;

        resetPeaks();
        double[] ts = new double[reps], cpu = new double[reps];
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        for (int i = 0; i < reps; i++) {
            long c = os.getProcessCpuTime(), jit = jitMs(), gcMs = gcMs(), gcN = gcCount(), t = System.nanoTime();
            audio = timedSynth(model, inputIds, refS, aln);
            ts[i] = (System.nanoTime() - t) / 1e9;
            cpu[i] = (os.getProcessCpuTime() - c) / 1e9;
            System.out.printf(Locale.ROOT, "  run %d: %.3f s wall, %.3f s process CPU (all threads, JIT and GC included); JIT compiling %d ms, %d GCs %d ms%n",
                    i, ts[i], cpu[i], jitMs() - jit, gcCount() - gcN, gcMs() - gcMs);
        }
        secs = audio.numel() / 24000.0;
        double peakHeapMb = peakHeapBytes() / 1048576.0;
        double[] sorted = ts.clone();
        Arrays.sort(sorted);
        double median = sorted[reps / 2];
        double[] cs = cpu.clone();
        Arrays.sort(cs);
        double cpuMedian = cs[reps / 2];
        System.out.printf(Locale.ROOT, "median %.3f s for %.2f s audio: RTF %.4f; peak heap %.0f MB (sum of the heap pools' peaks during the timed runs); "
                + "median process CPU %.3f s; load average %.2f%n", median, secs, median / secs, peakHeapMb, cpuMedian, os.getSystemLoadAverage());
        Map<String, Long> mem = be == null ? Map.of() : be.memory();
        String fb = Fallbacks.summary();
        if (be != null) System.out.printf(Locale.ROOT, "device %s: peak %.2f GB in use, %.2f GB reserved; over %d runs: %s%n", dev,
                mem.getOrDefault("peak_in_use", 0L) / 1e9, mem.getOrDefault("peak_reserved", 0L) / 1e9, reps, fb);

        Map<String, Double> stages = new LinkedHashMap<>();
        if (profile) {
            Timer timer = new Timer();
            synth(model, inputIds, refS, aln, timer);
            System.out.println("per-module (one run): wall ms, share, process CPU ms (CPU/wall near the thread count = parallel), heap MB allocated");
            double total = 0;
            for (var e : timer.ms.entrySet()) total += e.getValue();
            for (var e : timer.ms.entrySet())
                System.out.printf(Locale.ROOT, "  %-42s %9.1f  %5.1f%%  %9.1f  %8.1f%n", e.getKey(), e.getValue(), 100 * e.getValue() / total,
                        timer.cpuMs.get(e.getKey()), timer.allocMb.get(e.getKey()));
            stages = timer.ms;
        }
        StringBuilder json = new StringBuilder("{");
        json.append(String.format(Locale.ROOT, "\"bench\":\"synth_%s\",\"tf32\":%s,\"device_peak_gb\":%.3f,\"fallbacks\":\"%s\",", dev,
                Boolean.getBoolean("kokoro.cuda.tf32"), mem.getOrDefault("peak_in_use", 0L) / 1e9, fb.replace("\"", "'")));
        json.append(String.format(Locale.ROOT, "\"warmup\":%d,\"reps\":%d,", warmup, reps));
        json.append(String.format(Locale.ROOT, "\"threads\":%d,\"tokens\":%d,\"frames\":%d,\"audio_s\":%.3f,", used, TOKENS, frames, secs));
        json.append(String.format(Locale.ROOT, "\"median_s\":%.4f,\"rtf\":%.5f,\"runs_s\":%s,\"peak_heap_mb\":%.0f,\"cpu_s_median\":%.3f,\"load_avg_1m\":%.2f,",
                median, median / secs, Arrays.toString(ts), peakHeapMb, cpuMedian, os.getSystemLoadAverage()));
        json.append(String.format(Locale.ROOT, "\"cpu\":\"%s\",\"cores\":%d,\"java\":\"%s\",\"params\":%d", cpuName(),
                Runtime.getRuntime().availableProcessors(), Runtime.version(), params));
        if (!stages.isEmpty()) {
            json.append(",\"stages_ms\":{");
            int k = 0;
            for (var e : stages.entrySet())
                json.append(k++ == 0 ? "" : ",").append(String.format(Locale.ROOT, "\"%s\":%.1f", e.getKey(), e.getValue()));
            json.append('}');
        }
        if (OpProfile.ON) System.out.print("timed runs only, " + OpProfile.summary());
        System.out.println("JSON " + json.append('}'));
    }

    /** One synthesis inside a DeviceScope; the audio comes back to the host (on a device this waits for every kernel). */
    static Tensor timedSynth(KModel m, Tensor inputIds, Tensor refS, Tensor aln) {
        try (DeviceScope scope = DeviceScope.open()) {
            return synth(m, inputIds, refS, aln, null).to(Device.CPU);
        }
    }

    /**
     * KModel.forwardWithTokens with the alignment given (kokoro's model.py order). With a timer, each
     * module's time is recorded; the decoder's and generator's inner stages are timed from their trace
     * callbacks (called right after each submodule finishes).
     */
    static Tensor synth(KModel m, Tensor inputIds, Tensor refS, Tensor aln, Timer timer) {
        try (var scope = Autograd.disable()) {
            int sd = m.cfg.styleDim();
            Tensor sDec = refS.slice(1, 0, sd), s = refS.slice(1, sd, 2 * sd);
            if (timer != null) timer.mark();
            Tensor bertDur = m.bert.forward(inputIds, null);
            lap(timer, "bert");
            Tensor dEn = m.bertEncoder.forward(bertDur).transpose(1, 2);
            lap(timer, "bert_encoder");
            Tensor d = m.predictor.textEncoder().forward(dEn, s, null, null);
            lap(timer, "predictor.text_encoder (DurationEncoder)");
            Tensor logits = m.predictor.durationLogits(d, null, null);
            Activations.sigmoid(logits).sum(-1, false);   // pred durations (replaced by the fixed alignment)
            lap(timer, "predictor.lstm + duration_proj");
            Tensor en = d.transpose(1, 2).matmul(aln);
            ProsodyPredictor p = m.predictor;
            Tensor[] f0n = p.f0nTrain(en, s);
            lap(timer, "predictor.F0Ntrain");
            Tensor tEn = m.textEncoder.forward(inputIds, null);
            lap(timer, "text_encoder");
            Tensor asr = tEn.matmul(aln);
            if (timer == null) return m.decoder.forward(asr, f0n[0], f0n[1], sDec);
            Map<String, Tensor> trace = timer.trace("decoder.");
            Tensor x = decoderBody(m, asr, f0n, sDec, trace);
            Tensor audio = m.decoder.generator.forward(x, sDec, f0n[0], timer.trace("generator."));
            lap(timer, "generator.istft");
            return audio;
        }
    }

    /** decoder.forward up to (not including) the generator, by running it with a trace that stops it there. */
    private static Tensor decoderBody(KModel m, Tensor asr, Tensor[] f0n, Tensor sDec, Map<String, Tensor> trace) {
        try {
            m.decoder.forward(asr, f0n[0], f0n[1], sDec, new StopAt(trace, "decode.3"));
        } catch (StopAt.Stop stop) {
            return stop.x;
        }
        throw new IllegalStateException("decoder trace never reached decode.3");
    }

    private static void lap(Timer t, String name) {
        if (t != null) t.lap(name);
    }

    /** Wall-clock laps; trace maps whose put() closes a lap named after the module just finished. */
    static final class Timer {
        final Map<String, Double> ms = new LinkedHashMap<>(), cpuMs = new LinkedHashMap<>(), allocMb = new LinkedHashMap<>();
        final com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long last, lastCpu, lastAlloc;

        void mark() { last = System.nanoTime(); lastCpu = os.getProcessCpuTime(); lastAlloc = allocated(); }

        /** Bytes allocated on the heap by all threads so far (-1 when the JVM cannot tell). */
        long allocated() {
            try {
                return threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled() ? threads.getTotalThreadAllocatedBytes() : -1;
            } catch (UnsupportedOperationException e) {
                return -1;
            }
        }

        void lap(String name) {
            long now = System.nanoTime(), cpu = os.getProcessCpuTime(), alloc = allocated();
            ms.merge(name, (now - last) / 1e6, Double::sum);
            cpuMs.merge(name, (cpu - lastCpu) / 1e6, Double::sum);
            allocMb.merge(name, (alloc - lastAlloc) / 1048576.0, Double::sum);
            last = now;
            lastCpu = cpu;
            lastAlloc = allocated();
        }

        Map<String, Tensor> trace(String prefix) {
            return new LinkedHashMap<>() {
                @Override
                public Tensor put(String k, Tensor v) {
                    lap(prefix + k.replaceAll("\\.\\d+$", ".*"));
                    return null;
                }
            };
        }
    }

    /** A trace map that forwards puts and aborts the decoder once {@code name} is recorded. */
    private static final class StopAt extends LinkedHashMap<String, Tensor> {
        static final class Stop extends RuntimeException {
            final Tensor x;
            Stop(Tensor x) { super(null, null, false, false); this.x = x; }
        }

        final Map<String, Tensor> inner;
        final String name;

        StopAt(Map<String, Tensor> inner, String name) { this.inner = inner; this.name = name; }

        @Override
        public Tensor put(String k, Tensor v) {
            inner.put(k, v);
            if (k.equals(name)) throw new Stop(v);
            return null;
        }
    }

    /** Milliseconds the JIT compilers have spent so far (all compiler threads). */
    static long jitMs() {
        var c = ManagementFactory.getCompilationMXBean();
        return c != null && c.isCompilationTimeMonitoringSupported() ? c.getTotalCompilationTime() : -1;
    }

    static long gcMs() {
        long s = 0;
        for (var g : ManagementFactory.getGarbageCollectorMXBeans()) s += Math.max(0, g.getCollectionTime());
        return s;
    }

    static long gcCount() {
        long s = 0;
        for (var g : ManagementFactory.getGarbageCollectorMXBeans()) s += Math.max(0, g.getCollectionCount());
        return s;
    }

    static void resetPeaks() {
        System.gc();
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) p.resetPeakUsage();
    }

    static long peakHeapBytes() {
        long sum = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans())
            if (p.getType() == MemoryType.HEAP && p.getPeakUsage() != null) sum += p.getPeakUsage().getUsed();
        return sum;
    }

    static String cpuName() {
        try {
            List<String> lines = new ArrayList<>(java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/cpuinfo")));
            for (String l : lines) if (l.startsWith("model name")) return l.substring(l.indexOf(':') + 1).trim().replace("\"", "'");
        } catch (Exception ignored) {
        }
        return System.getProperty("os.arch");
    }
}
