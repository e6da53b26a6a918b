package dev.kokoro.bench;

import dev.kokoro.engine.Conv;
import dev.kokoro.engine.DType;
import dev.kokoro.engine.Gemm;
import dev.kokoro.engine.Tensor;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The generator's convolution shapes at 360 frames (9 s of audio), and three of the decoder's, float32 forward, timed one by one:
 * GFLOP/s = 2·Cout·Cin·K·Tout / time (median and best of reps; best is the steadier figure on a shared machine). {@code --threads N} as in SynthBench;
 * {@code --backward} times forward plus the input gradient (weights frozen, as in fine-tuning) and counts
 * twice the flops. {@code --kernels 6x4,4x3} times each shape under each of the conv micro-kernels
 * (Gemm.setConvKernel), rep by rep in turn in one JVM, so a noisy machine's drift hits all of them alike.
 * Every shape runs {@code --warmup} times (default 3) under every kernel before any timing.
 */
public final class ConvBench {
    public static void main(String[] args) {
        int threads = -1, reps = 5, warmup = 3;
        boolean backward = false;
        String[] kernels = {System.getProperty("kokoro.conv.kernel", "6x4")};
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                case "--backward" -> backward = true;
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--kernels" -> kernels = args[++i].split(",");
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (threads > 0)
            System.setProperty("java.util.concurrent.ForkJoinPool.common.parallelism", Integer.toString(threads - 1));
        // name, transpose, cin, cout, k, stride, padding, dilation, T in
        Object[][] shapes = {
                {"256 k3 d1 T7200", false, 256, 256, 3, 1, 1, 1, 7200},
                {"256 k7 d3 T7200", false, 256, 256, 7, 1, 9, 3, 7200},
                {"256 k11 d5 T7200", false, 256, 256, 11, 1, 25, 5, 7200},
                {"128 k3 d1 T43200", false, 128, 128, 3, 1, 1, 1, 43200},
                {"128 k7 d3 T43200", false, 128, 128, 7, 1, 9, 3, 43200},
                {"128 k11 d1 T43200", false, 128, 128, 11, 1, 5, 1, 43200},
                {"post 128>22 k7 T43200", false, 128, 22, 7, 1, 3, 1, 43200},
                {"convT 512>256 k20 s10 T720", true, 512, 256, 20, 10, 5, 1, 720},
                {"convT 256>128 k12 s6 T7200", true, 256, 128, 12, 6, 3, 1, 7200},
                {"dec 1090>1024 k3 T360", false, 1090, 1024, 3, 1, 1, 1, 360},
                {"dec 1024>1024 k3 T360", false, 1024, 1024, 3, 1, 1, 1, 360},
                {"dec 512>512 k3 T720", false, 512, 512, 3, 1, 1, 1, 720},
        };
        SplittableRandom rng = new SplittableRandom(0);
        int nk = kernels.length;
        Runnable[] runs = new Runnable[shapes.length];
        long[] flops = new long[shapes.length];
        for (int si = 0; si < shapes.length; si++) {
            Object[] s = shapes[si];
            boolean tr = (boolean) s[1];
            int cin = (int) s[2], cout = (int) s[3], k = (int) s[4], stride = (int) s[5], pad = (int) s[6], dil = (int) s[7], t = (int) s[8];
            Tensor x = rand(rng, 1, cin, t).requiresGrad(backward);
            Tensor w = tr ? rand(rng, cin, cout, k) : rand(rng, cout, cin, k);
            Tensor bias = rand(rng, cout);
            boolean bw = backward;
            runs[si] = () -> {
                Tensor y = tr ? Conv.convTranspose1d(x, w, bias, stride, pad, 0, 1, dil) : Conv.conv1d(x, w, bias, stride, pad, dil, 1);
                if (bw) { y.backward(y); x.zeroGrad(); }
            };
            int tOut = tr ? (t - 1) * stride - 2 * pad + dil * (k - 1) + 1 : (t + 2 * pad - dil * (k - 1) - 1) / stride + 1;
            flops[si] = (backward ? 4L : 2L) * cout * cin * k * (tr ? t : tOut);
        }
        for (String kn : kernels) {
            Gemm.setConvKernel(kn);
            for (Runnable r : runs) for (int i = 0; i < warmup; i++) r.run();
        }
        double[] totalMs = new double[nk], totalBest = new double[nk];
        for (int si = 0; si < shapes.length; si++) {
            double[][] ms = new double[nk][reps];
            for (int r = 0; r < reps; r++)
                for (int ki = 0; ki < nk; ki++) {
                    Gemm.setConvKernel(kernels[ki]);
                    long t0 = System.nanoTime();
                    runs[si].run();
                    ms[ki][r] = (System.nanoTime() - t0) / 1e6;
                }
            for (int ki = 0; ki < nk; ki++) {
                java.util.Arrays.sort(ms[ki]);
                double med = ms[ki][reps / 2];
                totalMs[ki] += med;
                totalBest[ki] += ms[ki][0];
                System.out.printf(Locale.ROOT, "%-28s %s median %8.2f ms %7.1f GFLOP/s   best %8.2f ms %7.1f GFLOP/s%n",
                        shapes[si][0], nk > 1 ? String.format("%-4s", kernels[ki]) : "", med, flops[si] / med / 1e6, ms[ki][0], flops[si] / ms[ki][0] / 1e6);
            }
        }
        for (int ki = 0; ki < nk; ki++)
            System.out.printf(Locale.ROOT, "total %s median %.1f ms, best %.1f ms, load avg %.2f%n", kernels[ki], totalMs[ki], totalBest[ki],
                    java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }

    static Tensor rand(SplittableRandom rng, int... shape) {
        int n = 1;
        for (int d : shape) n *= d;
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (rng.nextDouble() * 2 - 1);
        return Tensor.of(a, shape);
    }
}
