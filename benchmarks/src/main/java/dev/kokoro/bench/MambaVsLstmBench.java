package dev.kokoro.bench;

import dev.kokoro.engine.backend.OpProfile;
import dev.kokoro.engine.CausalConv1d;
import dev.kokoro.engine.DType;
import dev.kokoro.engine.Device;
import dev.kokoro.engine.Parallel;
import dev.kokoro.engine.SelectiveScan;
import dev.kokoro.engine.Reductions;
import dev.kokoro.engine.Tensor;
import dev.kokoro.engine.backend.DeviceScope;
import dev.kokoro.engine.backend.Fallbacks;
import dev.kokoro.model.mamba.MambaDurationEncoder;
import dev.kokoro.model.prosody.DurationEncoder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * CPU timing of the prosody DurationEncoder replacement: MambaDurationEncoder (one Mamba(d_model 640)
 * block, Kokoro's hidden 512 + style 128) against the original DurationEncoder (Kokoro's own class:
 * 3 × [BiLSTM(640 → 2×256), AdaLayerNorm, style concatenation]). Forward, and forward + backward with
 * each encoder's own parameters trainable. Prints the median of several runs in milliseconds.
 *
 * <p>Usage: {@code java --add-modules jdk.incubator.vector -cp ... dev.kokoro.bench.MambaVsLstmBench [reps] [T,...] [B,...] [ops|cuda]}
 * ({@code cuda}: both encoders and their inputs on the GPU, each run in its own DeviceScope and timed to a
 * host read of its result; ops that ran on the CPU instead are listed at the end.)
 */
public final class MambaVsLstmBench {
    static final int HIDDEN = 512, STYLE = 128;
    /** Tensors whose gradients are cleared before each timed run, as a training step would. */
    static final List<Tensor> LEAVES = new ArrayList<>();
    static Device device = Device.CPU;

    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int[] ts = args.length > 1 ? parse(args[1]) : new int[]{64, 128, 256, 512};
        int[] bs = args.length > 2 ? parse(args[2]) : new int[]{1, 16};
        System.out.printf("threads %d, %s, Java %s%n", Parallel.threads(), System.getProperty("os.arch"), Runtime.version());
        SplittableRandom rng = new SplittableRandom(42);
        MambaDurationEncoder enc = new MambaDurationEncoder(HIDDEN, STYLE);
        enc.initRandom(rng);
        DurationEncoder original = new DurationEncoder(STYLE, HIDDEN, 3);
        original.initRandom(rng);
        if (args.length > 3 && args[3].equals("cuda")) {
            device = Device.CUDA;
            enc.to(device);
            original.to(device);
            System.out.println("device: cuda");
        }
        enc.requiresGrad(true);
        enc.namedParams().values().forEach(p -> LEAVES.add(p.get()));
        original.requiresGrad(true);
        original.namedParams().values().forEach(p -> LEAVES.add(p.get()));

        if (args.length > 3 && args[3].equals("ops")) {
            ops(reps, ts, bs, rng);
            return;
        }
        System.out.printf("%4s %5s | %12s %12s | %12s %12s%n", "B", "T", "mamba fwd", "mamba f+b", "3xBiLSTM fwd", "3xBiLSTM f+b");
        for (int b : bs)
            for (int t : ts) {
                Tensor x = Tensor.randn(rng, DType.F32, b, HIDDEN, t).to(device), s = Tensor.randn(rng, DType.F32, b, STYLE).to(device);
                int[] lengths = new int[b];
                Arrays.fill(lengths, t);
                double mf = time(reps, () -> enc.forward(x, s, lengths), false);
                double mb = time(reps, () -> enc.forward(x, s, lengths), true);
                String lf, lb;
                try {
                    Supplier<Tensor> lstm = () -> original.forward(x, s, lengths, null);
                    lf = String.format("%12.1f", time(reps, lstm, false));
                    lb = String.format("%12.1f", time(reps, lstm, true));
                } catch (UnsupportedOperationException e) {
                    lf = lb = String.format("%12s", "n/a");
                }
                System.out.printf("%4d %5d | %12.2f %12.2f | %s %s%n", b, t, mf, mb, lf, lb);
            }
        if (OpProfile.ON) System.out.print(OpProfile.summary());
        if (device != Device.CPU) System.out.println("ran on the CPU instead of the device: " + Fallbacks.summary());
    }

    /** The block's own kernels alone at d_inner 1280: the selective scan and the causal conv. */
    static void ops(int reps, int[] ts, int[] bs, SplittableRandom rng) {
        int d = 2 * (HIDDEN + STYLE), n = 16;
        System.out.printf("%4s %5s | %12s %12s | %12s %12s%n", "B", "T", "scan fwd", "scan f+b", "conv fwd", "conv f+b");
        for (int b : bs)
            for (int t : ts) {
                Tensor u = Tensor.randn(rng, DType.F32, b, d, t).requiresGrad(true), delta = Tensor.randn(rng, DType.F32, b, d, t).requiresGrad(true);
                Tensor z = Tensor.randn(rng, DType.F32, b, d, t).requiresGrad(true);
                Tensor a = Tensor.rand(rng, DType.F32, -16, -1, d, n).requiresGrad(true), dd = Tensor.randn(rng, DType.F32, d).requiresGrad(true);
                Tensor bm = Tensor.randn(rng, DType.F32, b, n, t).requiresGrad(true), cm = Tensor.randn(rng, DType.F32, b, n, t).requiresGrad(true);
                Tensor bias = Tensor.randn(rng, DType.F32, d).requiresGrad(true), w = Tensor.randn(rng, DType.F32, d, 4).requiresGrad(true);
                LEAVES.addAll(List.of(u, delta, z, a, dd, bm, cm, bias, w));
                Supplier<Tensor> scan = () -> SelectiveScan.scan(u, delta, a, bm, cm, dd, z, bias, true);
                Supplier<Tensor> conv = () -> CausalConv1d.apply(u, w, bias, true);
                System.out.printf("%4d %5d | %12.1f %12.1f | %12.1f %12.1f%n", b, t, time(reps, scan, false), time(reps, scan, true),
                        time(reps, conv, false), time(reps, conv, true));
            }
    }

    /**
     * Median wall time in ms of {@code reps} runs after two warm-up runs; backward starts from a
     * ready-made contiguous output gradient (the cost of the loss is not measured).
     */
    static double time(int reps, Supplier<Tensor> f, boolean backward) {
        double[] ms = new double[reps];
        Tensor g = null;
        for (int r = -2; r < reps; r++) {
            for (Tensor t : LEAVES) t.zeroGrad();
            long t0, t1;
            try (DeviceScope scope = DeviceScope.open()) {
                t0 = System.nanoTime();
                Tensor y = f.get();
                if (backward) {
                    if (g == null || g.device() != y.device()) g = scope.keep(Tensor.full(y.dtype, 1.0, y.shape()).to(y.device()));
                    y.backward(g);
                }
                if (device != Device.CPU) Reductions.sum(y).item();   // one stream: this read waits for every queued kernel
                t1 = System.nanoTime();
            }
            if (r >= 0) ms[r] = (t1 - t0) / 1e6;
        }
        Arrays.sort(ms);
        return ms[reps / 2];
    }

    static int[] parse(String csv) {
        return Arrays.stream(csv.split(",")).mapToInt(Integer::parseInt).toArray();
    }
}
