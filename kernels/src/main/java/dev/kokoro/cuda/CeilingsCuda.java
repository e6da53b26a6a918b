package dev.kokoro.cuda;

import java.util.Arrays;

/**
 * The card's ceilings, measured with ceilings.cu's dedicated kernels (CUDA events, median of repeats after
 * warm-up): device memory bandwidth (out = s·in over 2 × 512 MiB, read + written bytes), FP32 FMA peak
 * (register-only FMA chains) and TF32 tensor-core peak (register-only mma.sync m16n8k8 chains). Plus the
 * helpers {@link KernelBench} times with: device-side random fill, L2 flush, spin, non-finite count.
 */
public final class CeilingsCuda {
    private CeilingsCuda() {}

    static final String M = "ceilings";
    public static final int FMA_THREADS = 256, MMA_THREADS = 256;

    /**
     * Measured ceilings: GB/s (10^9 bytes read + written per second; the best of the two copy kernels and the driver's
     * device-to-device memcpy, which beat both kernels by ~8% on the H100), FP32 and TF32 TFLOP/s (the best of two grid sizes).
     */
    public record Ceilings(double gbPerS, double fp32Tflops, double tf32Tflops, double scaleGBs, double scale4GBs, double memcpyGBs) {}

    public static Ceilings measure(int reps) {
        int n = 1 << 27;  // 512 MiB each way
        double s1 = bandwidthGBs(n, reps, false), s4 = bandwidthGBs(n, reps, true), mc = memcpyGBs(n, reps);
        double fma = fp32Tflops(1 << 15, reps);
        double mma = Math.max(tf32Tflops(1 << 13, reps, 4), tf32Tflops(1 << 12, reps, 8));
        return new Ceilings(Math.max(mc, Math.max(s1, s4)), fma, mma, s1, s4, mc);
    }

    /** Median GB/s of out = 2·in over {@code n} floats (n a multiple of 4); in and out are checked at a few places. */
    public static double bandwidthGBs(int n, int reps) { return bandwidthGBs(n, reps, false); }

    /** As {@link #bandwidthGBs(int, int)}; {@code unrolled}: ceil_scale4 (4 loads in flight per thread, SMs·8 blocks). */
    public static double bandwidthGBs(int n, int reps, boolean unrolled) {
        CudaContext c = Cuda.context();
        try (CudaTensor in = CudaTensor.empty(n); CudaTensor out = CudaTensor.empty(n)) {
            rand(in, 1, 1f, 0f);
            float ms = median(c, reps, () -> { if (unrolled) scale4(in, out, 2f); else scale(in, out, 2f); });
            checkScale(in, out, 2f);
            return 2.0 * 4 * n / (ms * 1e-3) / 1e9;
        }
    }

    /** Median GB/s (read + written) of cuMemcpyDtoDAsync over {@code n} floats. */
    static double memcpyGBs(int n, int reps) {
        CudaContext c = Cuda.context();
        try (CudaTensor in = CudaTensor.empty(n); CudaTensor out = CudaTensor.empty(n)) {
            rand(in, 2, 1f, 0f);
            float ms = median(c, reps, () -> c.copyDeviceToDevice(out.buffer().pointer(), in.buffer().pointer(), 4L * n));
            return 2.0 * 4 * n / (ms * 1e-3) / 1e9;
        }
    }

    /** Median TFLOP/s of the FMA kernel over SMs·8 blocks of 256 threads, iters (multiple of 4) per chain. */
    public static double fp32Tflops(int iters, int reps) {
        CudaContext c = Cuda.context();
        int blocks = 8 * c.multiprocessorCount();
        try (CudaTensor out = CudaTensor.empty(blocks * FMA_THREADS)) {
            float ms = median(c, reps, () -> fma(out, blocks, iters, 0.9999f, 1e-4f));
            return 2.0 * 8 * iters * blocks * FMA_THREADS / (ms * 1e-3) / 1e12;
        }
    }

    public static double tf32Tflops(int iters, int reps) { return tf32Tflops(iters, reps, 4); }

    /** Median TFLOP/s of the mma.sync kernel over SMs·blocksPerSm blocks of 256 threads (8 warps). */
    public static double tf32Tflops(int iters, int reps, int blocksPerSm) {
        CudaContext c = Cuda.context();
        int blocks = blocksPerSm * c.multiprocessorCount();
        try (CudaTensor out = CudaTensor.empty(blocks * MMA_THREADS)) {
            float ms = median(c, reps, () -> mma(out, blocks, iters, 0x1p-10f, 0x1p-10f));
            double warps = blocks * MMA_THREADS / 32.0;
            return warps * 8 * iters * 2.0 * 16 * 8 * 8 / (ms * 1e-3) / 1e12;
        }
    }

    // ---- the kernels
    static void scale(CudaTensor in, CudaTensor out, float s) {
        long n4 = in.numel() / 4;
        Cuda.context().launch(M, "ceil_scale", (int) Math.min((n4 + 255) / 256, 65535L * 8), 1, 1, 256, 1, 1, 0,
                KernelArgs.of().ptr(in).ptr(out).l(n4).f(s));
    }

    static void scale4(CudaTensor in, CudaTensor out, float s) {
        Cuda.context().launch(M, "ceil_scale4", 8 * Cuda.context().multiprocessorCount(), 1, 1, 512, 1, 1, 0,
                KernelArgs.of().ptr(in).ptr(out).l(in.numel() / 4).f(s));
    }

    /** out [blocks·256]: each thread's sum of its 8 FMA chains (see ceilings.cu for the starting values). */
    static void fma(CudaTensor out, int blocks, int iters, float x, float y) {
        if (iters % 4 != 0) throw new IllegalArgumentException("ceil_fma: iters " + iters + " is not a multiple of 4");
        Cuda.context().launch(M, "ceil_fma", blocks, 1, 1, FMA_THREADS, 1, 1, 0, KernelArgs.of().ptr(out).i(iters).f(x).f(y));
    }

    static void mma(CudaTensor out, int blocks, int iters, float av, float bv) {
        Cuda.context().launch(M, "ceil_mma_tf32", blocks, 1, 1, MMA_THREADS, 1, 1, 0, KernelArgs.of().ptr(out).i(iters).f(av).f(bv));
    }

    /** x = offset + scale·u, u uniform in [-1, 1) from a hash of (index, seed). */
    public static void rand(CudaTensor x, int seed, float scale, float offset) {
        if (x.numel() == 0) return;
        Cuda.context().launch1d(M, "ceil_rand", x.numel(), KernelArgs.of().ptr(x).l(x.numel()).i(seed).f(scale).f(offset));
    }

    /** Reads all of {@code buf} (as float4s): the L2 then holds only clean lines of it. */
    static void flush(CudaTensor buf, CudaTensor sink) {
        long n4 = buf.numel() / 4;
        Cuda.context().launch(M, "ceil_flush", 8 * Cuda.context().multiprocessorCount(), 1, 1, 512, 1, 1, 0,
                KernelArgs.of().ptr(buf).l(n4).ptr(sink));
    }

    /** One GPU thread busy-waits {@code ns} nanoseconds. */
    static void spin(long ns) {
        Cuda.context().launch(M, "ceil_spin", 1, 1, 1, 1, 1, 1, 0, KernelArgs.of().l(ns));
    }

    /** How many elements of {@code x} are NaN or infinite (synchronises). */
    public static long countNonFinite(CudaTensor x) {
        try (CudaTensor count = CudaTensor.zeros(1)) {
            if (x.numel() > 0) Cuda.context().launch1d(M, "ceil_count_nonfinite", x.numel(), KernelArgs.of().ptr(x).l(x.numel()).ptr(count));
            return Integer.toUnsignedLong(Float.floatToRawIntBits(count.download()[0]));
        }
    }

    /** Median of {@code reps} event-timed runs after 3 warm-ups (ms). */
    static float median(CudaContext c, int reps, Runnable f) {
        for (int i = 0; i < 3; i++) f.run();
        c.synchronize();
        float[] t = new float[reps];
        for (int i = 0; i < reps; i++) t[i] = c.time(f);
        Arrays.sort(t);
        return t[reps / 2];
    }

    /** out == s·in exactly at 64 spread indices (s a power of two). */
    static void checkScale(CudaTensor in, CudaTensor out, float s) {
        CudaContext c = Cuda.context();
        float[] a = new float[1], b = new float[1];
        for (int k = 0; k < 64; k++) {
            long i = (long) k * (in.numel() - 1) / 63;
            c.copyToHost(a, in.buffer().pointer().withByteOffset(4 * i), 1);
            c.copyToHost(b, out.buffer().pointer().withByteOffset(4 * i), 1);
            if (b[0] != s * a[0] || !Float.isFinite(b[0]))
                throw new CudaException("ceil_scale wrong at " + i + ": " + b[0] + " != " + s + " * " + a[0]);
        }
    }
}
