package dev.kokoro.bench;

import dev.kokoro.audio.MelSpectrogram;
import dev.kokoro.engine.AdamW;
import dev.kokoro.engine.Autograd;
import dev.kokoro.engine.DType;
import dev.kokoro.engine.Tensor;
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
 * CPU training throughput of the real-size surgered model (random weights): one PEFT step (forward,
 * backward into the Mamba block, AdamW) per utterance of ~3 s (40 tokens, 120 frames = 72,000 samples).
 * Prints seconds per step, utterances/s and the peak heap; JSON on the last line.
 *
 * <p>{@code java --add-modules jdk.incubator.vector -Xmx16g -cp benchmarks/target/benchmarks.jar dev.kokoro.bench.TrainBench [steps] [tokens] [frames]}
 */
public final class TrainBench {
    public static void main(String[] args) throws Exception {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 4;
        int tokens = args.length > 1 ? Integer.parseInt(args[1]) : 40;
        int frames = args.length > 2 ? Integer.parseInt(args[2]) : 120;
        KokoroConfig cfg;
        try (InputStream in = KModel.class.getResourceAsStream("/kokoro/config-v1_0.json")) {
            cfg = KokoroConfig.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        KModel model = KModel.random(cfg, 0);
        model.deterministic(true);
        Surgery.apply(model, 0);
        Map<String, Tensor> params = Surgery.trainable(model);
        SplittableRandom rng = new SplittableRandom(1);
        long[] ids = new long[tokens];
        for (int i = 1; i < tokens - 1; i++) ids[i] = 1 + rng.nextInt(177);
        long[] dur = new long[tokens];
        for (int i = 0; i < frames; i++) dur[i % tokens]++;
        Tensor refS = Tensor.randn(rng, DType.F32, 1, 256).mul(0.1);
        float[] target = new float[frames * 600];
        for (int i = 0; i < target.length; i++) target[i] = (float) (0.1 * Tensor.gaussian(rng));
        MelSpectrogram mel = new MelSpectrogram();
        Tensor lm = Autograd.noGrad(() -> mel.logMel(Tensor.of(target, target.length).to(DType.F64)).to(DType.F32));
        Peft.Example ex = new Peft.Example("bench", Tensor.of(ids, 1, tokens), refS, dur, lm.reshape(1, lm.size(0), lm.size(1)), null, null);
        AdamW opt = new AdamW(new ArrayList<>(params.values()), 1e-4);
        double[] times = new double[steps];
        for (int s = -1; s < steps; s++) { // one warm-up step
            long t0 = System.nanoTime();
            opt.zeroGrad();
            Peft.Result r = Peft.loss(model, mel, ex, Peft.Weights.plan());
            r.loss().backward();
            opt.step();
            double secs = (System.nanoTime() - t0) / 1e9;
            if (s >= 0) times[s] = secs;
            System.out.printf(Locale.ROOT, "step %d: %.2f s (loss %.4f)%n", s + 1, secs, r.parts().total());
        }
        Arrays.sort(times);
        double median = times[steps / 2];
        long peak = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) if (p.getType() == MemoryType.HEAP) peak += p.getPeakUsage().getUsed();
        System.out.printf(Locale.ROOT, "PEFT step, real-size surgered Kokoro, %d tokens, %d frames (%.1f s audio), batch 1, %d threads: %.2f s/step, %.3f utterances/s, peak heap %.2f GB%n",
                tokens, frames, frames * 600 / 24000.0, dev.kokoro.engine.Parallel.threads(), median, 1 / median, peak / 1e9);
        System.out.printf(Locale.ROOT, "JSON {\"step_s\": %.4f, \"utt_per_s\": %.4f, \"peak_heap_gb\": %.3f, \"threads\": %d}%n", median, 1 / median, peak / 1e9,
                dev.kokoro.engine.Parallel.threads());
    }
}
