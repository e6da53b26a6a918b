package dev.kokoro.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.function.Function;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** Lstm: backward through time vs central differences (float64), float32 vs float64, packed-sequence semantics. */
class LstmProperties {

    @Property(tries = 40)
    void gradients(@ForAll @IntRange(min = 1, max = 3) int b, @ForAll @IntRange(min = 1, max = 5) int t,
                   @ForAll @IntRange(min = 1, max = 4) int in, @ForAll @IntRange(min = 1, max = 3) int h,
                   @ForAll boolean bidirectional, @ForAll @IntRange(min = 0, max = 30) int frozen, @ForAll long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int[] lengths = new int[b];
        for (int i = 0; i < b; i++) lengths[i] = 1 + rng.nextInt(t);
        int dirs = bidirectional ? 2 : 1;
        Tensor[] inputs = new Tensor[1 + 4 * dirs];
        inputs[0] = GradCheck.param(rng, b, t, in).requiresGrad((frozen & 1) == 0);
        for (int d = 0; d < dirs; d++) {
            inputs[1 + 4 * d] = GradCheck.param(rng, 4 * h, in).mul(0.7).detach().requiresGrad((frozen & 2) == 0);
            inputs[2 + 4 * d] = GradCheck.param(rng, 4 * h, h).mul(0.7).detach().requiresGrad((frozen & 4) == 0);
            inputs[3 + 4 * d] = GradCheck.param(rng, 4 * h).requiresGrad((frozen & 8) == 0);
            inputs[4 + 4 * d] = GradCheck.param(rng, 4 * h).requiresGrad((frozen & 16) == 0);
        }
        Function<Tensor[], Tensor> f = xs -> Lstm.lstm(xs[0], lengths,
                new Lstm.Direction(xs[1], xs[2], xs[3], xs[4]),
                xs.length > 5 ? new Lstm.Direction(xs[5], xs[6], xs[7], xs[8]) : null);
        assertTrue(GradCheck.relError(f, inputs) < 1e-6);
        ConvProperties.checkF32(f, inputs);
    }

    /** Hidden size with full vectors and a tail, several items, unsorted lengths: float32 forward and gradients vs float64. */
    @Test
    void float32MatchesFloat64() {
        SplittableRandom rng = new SplittableRandom(4);
        int in = 23, h = 37, t = 11;
        int[] lengths = {7, 11, 1, 9, 11, 3, 8};
        Tensor[] p = new Tensor[9];
        p[0] = GradCheck.param(rng, lengths.length, t, in);
        for (int d = 0; d < 2; d++) {
            p[1 + 4 * d] = GradCheck.param(rng, 4 * h, in).mul(0.3).detach().requiresGrad(true);
            p[2 + 4 * d] = GradCheck.param(rng, 4 * h, h).mul(0.3).detach().requiresGrad(true);
            p[3 + 4 * d] = GradCheck.param(rng, 4 * h);
            p[4 + 4 * d] = GradCheck.param(rng, 4 * h);
        }
        Function<Tensor[], Tensor> f = xs -> Lstm.lstm(xs[0], lengths, new Lstm.Direction(xs[1], xs[2], xs[3], xs[4]), new Lstm.Direction(xs[5], xs[6], xs[7], xs[8]));
        ConvProperties.checkF32(f, p);
    }

    /**
     * One or two items, bidirectional: the float32 recurrence takes the per-item GEMV over W_hh's rows
     * (hidden sizes with whole vectors and a tail); forward and gradients vs float64.
     */
    @Test
    void float32MatchesFloat64FewItems() {
        SplittableRandom rng = new SplittableRandom(5);
        for (int[] lengths : new int[][]{{13}, {6, 13}})
            for (int h : new int[]{37, 64}) {
                int in = 29, t = 13;
                Tensor[] p = new Tensor[9];
                p[0] = GradCheck.param(rng, lengths.length, t, in);
                for (int d = 0; d < 2; d++) {
                    p[1 + 4 * d] = GradCheck.param(rng, 4 * h, in).mul(0.3).detach().requiresGrad(true);
                    p[2 + 4 * d] = GradCheck.param(rng, 4 * h, h).mul(0.3).detach().requiresGrad(true);
                    p[3 + 4 * d] = GradCheck.param(rng, 4 * h);
                    p[4 + 4 * d] = GradCheck.param(rng, 4 * h);
                }
                Function<Tensor[], Tensor> f = xs -> Lstm.lstm(xs[0], lengths, new Lstm.Direction(xs[1], xs[2], xs[3], xs[4]), new Lstm.Direction(xs[5], xs[6], xs[7], xs[8]));
                ConvProperties.checkF32(f, p);
            }
    }

    @Test
    void packedSemantics() {
        SplittableRandom rng = new SplittableRandom(11);
        int in = 3, h = 4, t = 6;
        Lstm.Direction fw = dir(rng, in, h), bw = dir(rng, in, h);
        Tensor x = Tensor.randn(rng, DType.F64, 2, t, in);
        int[] lengths = {3, 6}; // unsorted is fine: item 0 is the shorter one
        Tensor y = Lstm.lstm(x, lengths, fw, bw);
        assertEquals(2 * h, y.size(2));
        // padded steps are zero
        for (int s = 3; s < t; s++) for (int j = 0; j < 2 * h; j++) assertEquals(0.0, y.get(0, s, j));
        // item 0 alone, truncated to its length, gives the same outputs: the reverse direction starts at step 2
        Tensor alone = Lstm.lstm(x.slice(0, 0, 1).slice(1, 0, 3).contiguous(), null, fw, bw);
        for (int s = 0; s < 3; s++) for (int j = 0; j < 2 * h; j++) assertEquals(alone.get(0, s, j), y.get(0, s, j), 1e-12);
        // the reverse direction at the last valid step has seen one input only
        Tensor one = Lstm.lstm(x.slice(0, 0, 1).slice(1, 2, 3).contiguous(), null, bw, null);
        for (int j = 0; j < h; j++) assertEquals(one.get(0, 0, j), y.get(0, 2, h + j), 1e-12);
    }

    @Test
    void frozenWeightsGetNoGradient() {
        SplittableRandom rng = new SplittableRandom(2);
        Lstm.Direction fw = dir(rng, 5, 3);
        Tensor x = Tensor.randn(rng, DType.F32, 2, 4, 5).requiresGrad(true);
        Lstm.Direction frozen = new Lstm.Direction(fw.wIh().to(DType.F32), fw.wHh().to(DType.F32), fw.bIh().to(DType.F32), fw.bHh().to(DType.F32));
        Lstm.lstm(x, new int[]{4, 2}, frozen, null).sum().backward();
        assertNull(frozen.wIh().grad());
        assertNull(frozen.bHh().grad());
        assertEquals(40, x.grad().numel());
        // gradient at padded steps of item 1 is exactly zero
        for (int s = 2; s < 4; s++) for (int j = 0; j < 5; j++) assertEquals(0.0, x.grad().get(1, s, j));
    }

    static Lstm.Direction dir(SplittableRandom rng, int in, int h) {
        return new Lstm.Direction(Tensor.randn(rng, DType.F64, 4 * h, in), Tensor.randn(rng, DType.F64, 4 * h, h),
                Tensor.randn(rng, DType.F64, 4 * h), Tensor.randn(rng, DType.F64, 4 * h));
    }
}
