package dev.kokoro.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Every micro-kernel of the float32 shifted-GEMM conv path (Gemm.convKernel: 6 × 4V over channel strips
 * (Gemm.f32ConvStrips), 6 × 4V over packed rows, 4 × 3V, 6 × 2V) against the float64 defining sum, on odd shapes: channel counts that leave ragged row panels,
 * lengths that leave ragged column panels and fall short of one panel, dilations, paddings past the
 * kernel's reach, groups, batches, many-thread splits accumulation into a given output (conv1dInto), and kernel reaches too wide for a strip (the fallback).
 */
class ConvKernelProperties {

    @Property(tries = 40)
    void everyKernelMatchesFloat64(@ForAll @IntRange(min = 0, max = 3) int kind, @ForAll @IntRange(min = 3, max = 11) int k,
                                   @ForAll @IntRange(min = 1, max = 8) int dilation, @ForAll @IntRange(min = 0, max = 2) int padMode,
                                   @ForAll @IntRange(min = 1, max = 2) int groups, @ForAll @IntRange(min = 0, max = 3) int planThreads,
                                   @ForAll boolean withBias, @ForAll long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int cinG = 16 + rng.nextInt(13), coutG = 16 + rng.nextInt(60), b = 1 + rng.nextInt(2);
        int same = dilation * (k - 1) / 2, padding = padMode == 0 ? same : padMode == 1 ? 0 : same + 1 + rng.nextInt(70);
        int t = Math.max(1, dilation * (k - 1) + 1 - 2 * padding) + rng.nextInt(rng.nextBoolean() ? 40 : 1500);
        Tensor x = GradCheck.param(rng, b, cinG * groups, t);
        Tensor w = GradCheck.param(rng, coutG * groups, cinG, k);
        Tensor bias = withBias ? GradCheck.param(rng, coutG * groups) : null;
        withKernel(kind, planThreads == 0 ? 0 : 8 << planThreads, () -> {
            if (bias == null) ConvProperties.checkF32(in -> Conv.conv1d(in[0], in[1], null, 1, padding, dilation, groups), x, w);
            else ConvProperties.checkF32(in -> Conv.conv1d(in[0], in[1], in[2], 1, padding, dilation, groups), x, w, bias);
        });
    }

    /** Input channels past one strip block (32 or 64 channels, ragged last block) and past one k block of packed rows. */
    @Property(tries = 12)
    void manyInputChannels(@ForAll @IntRange(min = 0, max = 3) int kind, @ForAll @IntRange(min = 0, max = 2) int kIndex,
                           @ForAll @IntRange(min = 1, max = 3) int dilation, @ForAll long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int k = new int[]{3, 7, 11}[kIndex], cin = 33 + rng.nextInt(130), cout = 16 + rng.nextInt(40);
        int padding = dilation * (k - 1) / 2, t = dilation * (k - 1) + 1 + rng.nextInt(300);
        Tensor x = GradCheck.param(rng, 1, cin, t), w = GradCheck.param(rng, cout, cin, k), bias = GradCheck.param(rng, cout);
        withKernel(kind, 0, () -> ConvProperties.checkF32(in -> Conv.conv1d(in[0], in[1], in[2], 1, padding, dilation, 1), x, w, bias));
    }

    @Property(tries = 16)
    void everyKernelAccumulatesInto(@ForAll @IntRange(min = 0, max = 3) int kind, @ForAll @IntRange(min = 3, max = 7) int k,
                                    @ForAll boolean accumulate, @ForAll boolean withBias, @ForAll long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int cin = 16 + rng.nextInt(20), cout = 16 + rng.nextInt(50), t = k + rng.nextInt(700), padding = (k - 1) / 2;
        Tensor x = Tensor.rand(rng, DType.F64, -1, 1, 1, cin, t), w = Tensor.rand(rng, DType.F64, -1, 1, cout, cin, k);
        Tensor bias = withBias ? Tensor.rand(rng, DType.F64, -1, 1, cout) : null;
        Tensor want0 = Conv.conv1d(x, w, bias, 1, padding, 1, 1);
        Tensor start = Tensor.rand(rng, DType.F64, -1, 1, want0.shape());
        Tensor want = accumulate ? start.add(want0) : want0;
        Tensor out = start.to(DType.F32);
        withKernel(kind, 0, () -> Conv.conv1dInto(out, accumulate, x.to(DType.F32), w.to(DType.F32), bias == null ? null : bias.to(DType.F32), 1, padding, 1, 1));
        double err = GradCheck.relL2(out.to(DType.F64), want);
        assertTrue(err < 1e-6, "kernel " + kind + " conv1dInto vs float64 rel L2 " + err);
    }

    /** kind 0–2: Gemm.K43, K62, K64 (strips where they fit); 3: K64 over packed rows (strips off). */
    static void withKernel(int kind, int threads, Runnable r) {
        int beforeKind = Gemm.convKernel, beforeThreads = Gemm.planThreads;
        boolean beforeStrips = Gemm.stripPath;
        Gemm.convKernel = kind == 3 ? Gemm.K64 : kind;
        Gemm.stripPath = kind != 3;
        Gemm.planThreads = threads;
        try {
            r.run();
        } finally {
            Gemm.convKernel = beforeKind;
            Gemm.stripPath = beforeStrips;
            Gemm.planThreads = beforeThreads;
        }
    }
}
