package dev.kokoro.engine;

import java.util.SplittableRandom;
import java.util.function.Function;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The float32 stride-1 conv1d path that sums K shifted GEMMs instead of building im2col columns (kernels of
 * 3 or more, 16 or more channels each side), against the float64 defining sum: forward and gradients,
 * with groups, batches, "same" and other paddings, dilations, and lengths spanning several column chunks
 * (the chunk is lowered to 2^14 / Cout columns here). The conv transpose's input gradient runs the same gather.
 */
class ConvShiftedProperties {

    @Property(tries = 10)
    void shiftedGemmConvMatchesFloat64(@ForAll @IntRange(min = 3, max = 11) int k, @ForAll @IntRange(min = 1, max = 5) int dilation,
                                       @ForAll @IntRange(min = 0, max = 2) int padMode, @ForAll @IntRange(min = 1, max = 2) int groups,
                                       @ForAll long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int cinG = 16 + rng.nextInt(8), coutG = 16 + rng.nextInt(120), b = 1 + rng.nextInt(2);
        int same = dilation * (k - 1) / 2, padding = padMode == 0 ? same : padMode == 1 ? 0 : same + 3;
        int t = dilation * (k - 1) + 1 + rng.nextInt(5000);
        Tensor x = GradCheck.param(rng, b, cinG * groups, t);
        Tensor w = GradCheck.param(rng, coutG * groups, cinG, k);
        Tensor bias = GradCheck.param(rng, coutG * groups);
        Function<Tensor[], Tensor> f = in -> Conv.conv1d(in[0], in[1], in[2], 1, padding, dilation, groups);
        int chunk = Conv.shiftedChunk;
        Conv.shiftedChunk = 1 << 14;
        try {
            ConvProperties.checkF32(f, x, w, bias);
        } finally {
            Conv.shiftedChunk = chunk;
        }
    }

    /**
     * Short signals with many channels split as planned for 8–64 threads (square tiles of C: column blocks
     * of 1–8 panels and row groups), bias added per row group: forward and gradients vs float64.
     */
    @Property(tries = 8)
    void manyThreadSplitOfShortSignals(@ForAll @IntRange(min = 8, max = 64) int threads, @ForAll @IntRange(min = 1, max = 3) int dilation,
                                       @ForAll long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int cin = 16 + rng.nextInt(40), cout = 16 + rng.nextInt(300), t = 2 * dilation + 1 + rng.nextInt(700);
        Tensor x = GradCheck.param(rng, 1, cin, t);
        Tensor w = GradCheck.param(rng, cout, cin, 3);
        Tensor bias = GradCheck.param(rng, cout);
        int before = Gemm.planThreads;
        Gemm.planThreads = threads;
        try {
            ConvProperties.checkF32(in -> Conv.conv1d(in[0], in[1], in[2], 1, dilation, dilation, 1), x, w, bias);
        } finally {
            Gemm.planThreads = before;
        }
    }

    @Property(tries = 4)
    void transposeInputGradientUsesTheSameGather(@ForAll @IntRange(min = 5, max = 9) int k, @ForAll long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor x = GradCheck.param(rng, 1, 24, 700);
        Tensor w = GradCheck.param(rng, 24, 20, k);
        Tensor bias = GradCheck.param(rng, 20);
        ConvProperties.checkF32(in -> Conv.convTranspose1d(in[0], in[1], in[2], 1, (k - 1) / 2, 0, 1, 1), x, w, bias);
    }
}
