package dev.kokoro.bench;

import dev.kokoro.audio.MelSpectrogram;
import dev.kokoro.engine.backend.OpProfile;
import dev.kokoro.engine.AdamW;
import dev.kokoro.engine.Autograd;
import dev.kokoro.engine.DType;
import dev.kokoro.engine.Device;
import dev.kokoro.engine.Parallel;
import dev.kokoro.engine.Tensor;
import dev.kokoro.engine.backend.Backend;
import dev.kokoro.engine.backend.Backends;
import dev.kokoro.engine.backend.DeviceScope;
import dev.kokoro.engine.backend.Fallbacks;
import dev.kokoro.model.Alignment;
import dev.kokoro.model.KModel;
import dev.kokoro.model.KokoroConfig;
import dev.kokoro.model.surgery.Surgery;
import dev.kokoro.trainer.Peft;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Training throughput of the real-size surgered model (random weights): one PEFT step (forward, backward
 * into the Mamba block, AdamW) on a batch of B utterances of T tokens × f frames each, the step of
 * ../shared/anchors/pytorch_anchor.py: ids random in [1, 178), ref_s ~ 0.1·N(0, 1), every token f frames,
 * target audio ~ 0.05·N(0, 1); loss = L1 between the log-mels (the trainer's normalised log-mel, an affine
 * map of the anchor's log(1e-5 + mel)) of the decoded and the target audio, the target's mel computed in
 * the step as the anchor does, + L1 of the durations against f. Prints the median step, the peak memory
 * (device: the caching allocator's peak in use and reserved; CPU: heap) and the ops that fell back to the
 * CPU; JSON on the last line.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp ... dev.kokoro.bench.TrainBench [--device cpu|cuda] [--batch 8] [--tokens 64]
 *      [--frames-per-token 4] [--steps 5] [--warmup 1]        (-Dkokoro.cuda.tf32=true for TF32 matmuls, as the anchor)
 * java ... dev.kokoro.bench.TrainBench [steps] [tokens] [frames]   (the older CPU form: batch 1)
 * </pre>
 */
public final class TrainBench {
    public static void main(String[] args) throws Exception {
        String device = "cpu";
        int steps = 4, warmup = 1, batch = 1, tokens = 40, fpt = 3;
        if (args.length > 0 && !args[0].startsWith("--")) {   // [steps] [tokens] [frames]
            steps = Integer.parseInt(args[0]);
            if (args.length > 1) tokens = Integer.parseInt(args[1]);
            int frames = args.length > 2 ? Integer.parseInt(args[2]) : 120;
            fpt = Math.max(1, frames / tokens);
        } else {
            batch = 8;
            tokens = 64;
            fpt = 4;
            steps = 5;
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--device" -> device = args[++i];
                    case "--batch" -> batch = Integer.parseInt(args[++i]);
                    case "--tokens" -> tokens = Integer.parseInt(args[++i]);
                    case "--frames-per-token" -> fpt = Integer.parseInt(args[++i]);
                    case "--steps" -> steps = Integer.parseInt(args[++i]);
                    case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                    default -> throw new IllegalArgumentException("unknown argument " + args[i]
                            + " (use --device cpu|cuda --batch B --tokens T --frames-per-token F --steps N --warmup W)");
                }
            }
        }
        Device dev = switch (device) {
            case "cpu" -> Device.CPU;
            case "cuda" -> Device.CUDA;
            default -> throw new IllegalArgumentException("--device must be cpu or cuda, got " + device);
        };
        if (dev != Device.CPU) Backends.require(dev);
        int frames = tokens * fpt;
        KokoroConfig cfg;
        try (InputStream in = KModel.class.getResourceAsStream("/kokoro/config-v1_0.json")) {
            cfg = KokoroConfig.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        long tb = System.nanoTime();
        KModel model = KModel.random(cfg, 0);
        model.deterministic(true);
        Surgery.apply(model, 0);
        model.to(dev);
        Map<String, Tensor> params = Surgery.trainable(model);
        double buildS = (System.nanoTime() - tb) / 1e9;

        SplittableRandom rng = new SplittableRandom(1);
        long[] ids = new long[batch * tokens];
        for (int i = 0; i < ids.length; i++) ids[i] = 1 + rng.nextInt(177);
        long[][] dur = new long[batch][tokens];
        for (long[] d : dur) Arrays.fill(d, fpt);
        Tensor inputIds = Tensor.of(ids, batch, tokens);
        Tensor refS = Tensor.randn(rng, DType.F32, batch, 256).mul(0.1);
        Tensor aln = Alignment.fromDurations(dur, tokens, DType.F32);
        float[] target = new float[batch * frames * 600];
        for (int i = 0; i < target.length; i++) target[i] = (float) (0.05 * Tensor.gaussian(rng));
        Tensor targetAudio = Tensor.of(target, batch, frames * 600).to(dev);
        Tensor durTarget = Tensor.full(DType.F32, fpt, batch, tokens).to(dev);
        MelSpectrogram mel = new MelSpectrogram();
        AdamW opt = new AdamW(new ArrayList<>(params.values()), 1e-4);
        Backend be = dev == Device.CPU ? null : Backends.require(dev);

        System.out.printf(Locale.ROOT, "TrainBench: real-size surgered Kokoro (random weights, built in %.1f s), %d trainable tensors, device %s, batch %d × %d tokens × %d frames (%.1f s audio each), %s%n",
                buildS, params.size(), dev, batch, tokens, frames, frames * 600 / 24000.0, dev == Device.CPU ? Parallel.threads() + " threads" : "TF32 " + Boolean.getBoolean("kokoro.cuda.tf32"));
        double[] times = new double[steps], enqueued = new double[steps];
        Map<String, Long> c0 = Map.of();
        double loss = Double.NaN;
        Fallbacks.quiet(true);
        for (int s = -warmup; s < steps; s++) {
            if (s == 0) {
                Fallbacks.reset();
                OpProfile.reset();   // the profile covers the timed steps only (the warm-up loads modules and JIT-compiles kernels)
                if (be != null) {
                    be.resetPeakMemory();
                    c0 = be.counters();
                }
                for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) p.resetPeakUsage();
            }
            long t0 = System.nanoTime();
            try (DeviceScope scope = DeviceScope.open()) {
                opt.zeroGrad();
                KModel.Aligned out = model.forwardAligned(inputIds, null, refS, aln, null);
                Tensor lm = Peft.logMel(mel, out.audio().reshape(batch, -1));
                Tensor lmT = DeviceScope.nested(() -> Autograd.noGrad(() -> Peft.logMel(mel, targetAudio)));   // frees the target STFT's temporaries at once
                Tensor l = Peft.l1(lm, lmT).add(Peft.l1(out.durations(), durTarget));
                l.backward();
                opt.step();
                opt.zeroGrad();
                if (s >= 0) enqueued[s] = (System.nanoTime() - t0) / 1e9;
                loss = l.item();
                params.values().iterator().next().getFlat(0);   // a download waits for the step's kernels (AdamW included)
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            if (s >= 0) times[s] = secs;
            System.out.printf(Locale.ROOT, "step %d%s: %.1f ms (loss %.4f)%n", s + 1, s < 0 ? " (warm-up)" : "", secs * 1e3, loss);
        }
        double[] sorted = times.clone();
        Arrays.sort(sorted);
        double median = sorted[steps / 2];
        long heap = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) if (p.getType() == MemoryType.HEAP) heap += p.getPeakUsage().getUsed();
        Map<String, Long> mem = be == null ? Map.of() : be.memory();
        double peakGb = mem.getOrDefault("peak_in_use", 0L) / 1e9, reservedGb = mem.getOrDefault("peak_reserved", 0L) / 1e9;
        String fb = Fallbacks.summary();
        System.out.printf(Locale.ROOT, "PEFT step, %s, batch %d × %d tokens × %d frames: median %.1f ms (%s), %.2f utterances/s; device peak %.2f GB in use, %.2f GB reserved; peak heap %.2f GB%n",
                dev, batch, tokens, frames, median * 1e3, Arrays.toString(Arrays.stream(times).map(t -> Math.round(t * 1e4) / 10.0).toArray()),
                batch / median, peakGb, reservedGb, heap / 1e9);
        System.out.println("per timed step: " + fb + " (counts over " + steps + " steps)");
        if (be != null && !be.counters().isEmpty()) {
            // host time until the last op of the step was handed to the device (before the loss is read back):
            // close to the step time means the host, not the device, sets the pace
            Map<String, Long> c1 = be.counters(), cs = c0;
            int n = steps;
            double[] enq = enqueued.clone();
            Arrays.sort(enq);
            System.out.printf(Locale.ROOT, "per timed step: host enqueue median %.1f ms of %.1f ms; %s%n", enq[steps / 2] * 1e3, median * 1e3,
                    String.join(", ", c1.keySet().stream().sorted().map(k -> k + " " + (c1.get(k) - cs.getOrDefault(k, 0L)) / n).toList()));
        }
        if (OpProfile.ON) System.out.print("timed steps only, " + OpProfile.summary());
        System.out.printf(Locale.ROOT, "JSON {\"bench\":\"train_step\",\"device\":\"%s\",\"tf32\":%s,\"batch\":%d,\"tokens\":%d,\"frames\":%d,\"step_ms\":%.1f,\"steps_ms\":%s,"
                        + "\"utt_per_s\":%.3f,\"device_peak_gb\":%.3f,\"device_reserved_gb\":%.3f,\"peak_heap_gb\":%.3f,\"threads\":%d,\"fallbacks\":\"%s\"}%n",
                dev, Boolean.getBoolean("kokoro.cuda.tf32"), batch, tokens, frames, median * 1e3,
                Arrays.toString(Arrays.stream(times).map(t -> Math.round(t * 1e4) / 10.0).toArray()), batch / median, peakGb, reservedGb, heap / 1e9,
                Parallel.threads(), fb.replace("\"", "'"));
    }
}
