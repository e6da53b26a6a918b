package dev.kokoro.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.function.Function;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** conv1d / conv_transpose1d: hand-worked values, gradients vs central differences, float32 vs float64. */
class ConvProperties {

    @Test
    void conv1dKnownValues() {
        Tensor x = Tensor.of(new double[]{1, 2, 3, 4, 5}, 1, 1, 5);
        Tensor w = Tensor.of(new double[]{1, 0, -1}, 1, 1, 3);
        assertArrayEquals(new double[]{-2, -2, -2, -2, 4}, Conv.conv1d(x, w, null, 1, 1, 1, 1).toDoubleArray(), 0);
        assertArrayEquals(new double[]{-2, -2, 4}, Conv.conv1d(x, w, null, 2, 1, 1, 1).toDoubleArray(), 0);
        // dilation 2, padding 2: y[t] = x[t-2] - x[t+2]
        assertArrayEquals(new double[]{-3, -4, -4, 2, 3}, Conv.conv1d(x, w, null, 1, 2, 2, 1).toDoubleArray(), 0);
        Tensor b = Tensor.of(new double[]{10}, 1);
        assertArrayEquals(new double[]{8, 8, 14}, Conv.conv1d(x.to(DType.F32), w.to(DType.F32), b.to(DType.F32), 2, 1, 1, 1).toDoubleArray(), 0);
    }

    @Test
    void convTranspose1dKnownValues() {
        Tensor x = Tensor.of(new double[]{1, 2}, 1, 1, 2);
        Tensor w = Tensor.of(new double[]{1, 2, 3}, 1, 1, 3);
        assertArrayEquals(new double[]{1, 2, 5, 4, 6}, Conv.convTranspose1d(x, w, null, 2, 0, 0, 1, 1).toDoubleArray(), 0);
        assertArrayEquals(new double[]{2, 5, 4}, Conv.convTranspose1d(x, w, null, 2, 1, 0, 1, 1).toDoubleArray(), 0);
        assertArrayEquals(new double[]{2, 5, 4, 6}, Conv.convTranspose1d(x, w, null, 2, 1, 1, 1, 1).toDoubleArray(), 0);
        Tensor out = Conv.convTranspose1d(x.to(DType.F32), w.to(DType.F32), Tensor.of(new float[]{1}, 1), 2, 1, 1, 1, 1);
        assertArrayEquals(new double[]{3, 6, 5, 7}, out.toDoubleArray(), 0);
        // groups: two channels, each its own 1-tap filter
        Tensor x2 = Tensor.of(new double[]{1, 2, 3, 4}, 1, 2, 2);
        Tensor w2 = Tensor.of(new double[]{10, 100}, 2, 1, 1);
        assertArrayEquals(new double[]{10, 20, 300, 400}, Conv.convTranspose1d(x2, w2, null, 1, 0, 0, 2, 1).toDoubleArray(), 0);
    }

    /** A kernel tap whose window misses the input entirely (padding wider than the signal): zero column, no copy. */
    @Test
    void tapsOutsideTheSignal() {
        SplittableRandom rng = new SplittableRandom(8);
        Tensor x = GradCheck.param(rng, 1, 2, 1), w = GradCheck.param(rng, 3, 2, 3);
        Function<Tensor[], Tensor> conv = in -> Conv.conv1d(in[0], in[1], null, 1, 3, 3, 1);
        assertTrue(GradCheck.relError(conv, x, w) < 1e-6);
        checkF32(conv, x, w);
        Tensor xt = GradCheck.param(rng, 1, 2, 1), wt = GradCheck.param(rng, 2, 1, 3);
        Function<Tensor[], Tensor> convT = in -> Conv.convTranspose1d(in[0], in[1], null, 1, 3, 0, 1, 3);
        assertEquals(1, convT.apply(new Tensor[]{xt, wt}).size(2));
        assertTrue(GradCheck.relError(convT, xt, wt) < 1e-6);
        checkF32(convT, xt, wt);
    }

    @Property(tries = 60)
    void conv1dGradients(@ForAll @IntRange(min = 1, max = 2) int b, @ForAll @IntRange(min = 1, max = 3) int groups,
                         @ForAll @IntRange(min = 1, max = 3) int cinG, @ForAll @IntRange(min = 1, max = 3) int coutG,
                         @ForAll @IntRange(min = 1, max = 4) int k, @ForAll @IntRange(min = 1, max = 3) int stride,
                         @ForAll @IntRange(min = 0, max = 3) int padding, @ForAll @IntRange(min = 1, max = 3) int dilation,
                         @ForAll @IntRange(min = 1, max = 12) int t, @ForAll boolean withBias, @ForAll @IntRange(min = 0, max = 7) int frozen,
                         @ForAll long seed) {
        Assume.that(t + 2 * padding - dilation * (k - 1) - 1 >= 0);
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor x = GradCheck.param(rng, b, cinG * groups, t).requiresGrad((frozen & 1) == 0);
        Tensor w = GradCheck.param(rng, coutG * groups, cinG, k).requiresGrad((frozen & 2) == 0);
        Tensor bias = withBias ? GradCheck.param(rng, coutG * groups).requiresGrad((frozen & 4) == 0) : null;
        Function<Tensor[], Tensor> f = in -> Conv.conv1d(in[0], in[1], in.length > 2 ? in[2] : null, stride, padding, dilation, groups);
        Tensor[] inputs = bias == null ? new Tensor[]{x, w} : new Tensor[]{x, w, bias};
        if ((frozen & 3) != 3 || withBias && (frozen & 4) == 0) assertTrue(GradCheck.relError(f, inputs) < 1e-6);
        checkF32(f, inputs);
    }

    @Property(tries = 60)
    void convTranspose1dGradients(@ForAll @IntRange(min = 1, max = 2) int b, @ForAll @IntRange(min = 1, max = 3) int groups,
                                  @ForAll @IntRange(min = 1, max = 3) int cinG, @ForAll @IntRange(min = 1, max = 3) int coutG,
                                  @ForAll @IntRange(min = 1, max = 5) int k, @ForAll @IntRange(min = 1, max = 4) int stride,
                                  @ForAll @IntRange(min = 0, max = 3) int padding, @ForAll @IntRange(min = 0, max = 3) int outputPadding,
                                  @ForAll @IntRange(min = 1, max = 3) int dilation, @ForAll @IntRange(min = 1, max = 8) int t,
                                  @ForAll boolean withBias, @ForAll @IntRange(min = 0, max = 7) int frozen, @ForAll long seed) {
        Assume.that(outputPadding < stride || outputPadding < dilation);
        Assume.that((t - 1) * stride - 2 * padding + dilation * (k - 1) + outputPadding + 1 > 0);
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor x = GradCheck.param(rng, b, cinG * groups, t).requiresGrad((frozen & 1) == 0);
        Tensor w = GradCheck.param(rng, cinG * groups, coutG, k).requiresGrad((frozen & 2) == 0);
        Tensor bias = withBias ? GradCheck.param(rng, coutG * groups).requiresGrad((frozen & 4) == 0) : null;
        Function<Tensor[], Tensor> f = in -> Conv.convTranspose1d(in[0], in[1], in.length > 2 ? in[2] : null, stride, padding, outputPadding, groups, dilation);
        Tensor[] inputs = bias == null ? new Tensor[]{x, w} : new Tensor[]{x, w, bias};
        if ((frozen & 3) != 3 || withBias && (frozen & 4) == 0) assertTrue(GradCheck.relError(f, inputs) < 1e-6);
        checkF32(f, inputs);
    }

    /** Larger channel counts so the float32 path goes through packed GEMM tiles and several im2col chunks. */
    @Property(tries = 8)
    void float32LoweringAtLargerSizes(@ForAll @IntRange(min = 1, max = 3) int k, @ForAll @IntRange(min = 1, max = 3) int stride,
                                      @ForAll @IntRange(min = 1, max = 3) int dilation, @ForAll boolean transpose, @ForAll long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int cin = 37, cout = 29, t = 300, padding = dilation * (k - 1) / 2;
        Tensor x = GradCheck.param(rng, 2, cin, t);
        Tensor w = transpose ? GradCheck.param(rng, cin, cout, k) : GradCheck.param(rng, cout, cin, k);
        Tensor bias = GradCheck.param(rng, cout);
        Function<Tensor[], Tensor> f = transpose
                ? in -> Conv.convTranspose1d(in[0], in[1], in[2], stride, padding, stride - 1, 1, dilation)
                : in -> Conv.conv1d(in[0], in[1], in[2], stride, padding, dilation, 1);
        checkF32(f, x, w, bias);
    }

    /** Enough rows (Cin·K > 8192) and steps (> 512) that the float32 path runs over several im2col column chunks. */
    @Test
    void float32ChunkedColumns() {
        SplittableRandom rng = new SplittableRandom(9);
        Tensor x = GradCheck.param(rng, 1, 2900, 1300), w = GradCheck.param(rng, 5, 2900, 3), bias = GradCheck.param(rng, 5);
        checkF32(in -> Conv.conv1d(in[0], in[1], in[2], 1, 2, 2, 1), x, w, bias);
        checkF32(in -> Conv.conv1d(in[0], in[1], in[2], 3, 1, 1, 1), x, w, bias);
        Tensor xt = GradCheck.param(rng, 1, 5, 1300), wt = GradCheck.param(rng, 5, 2900, 3), bt = GradCheck.param(rng, 2900);
        checkF32(in -> Conv.convTranspose1d(in[0], in[1], in[2], 2, 1, 1, 1, 1), xt, wt, bt);
    }

    @Test
    void depthwiseTransposeAndFrozenWeights() {
        SplittableRandom rng = new SplittableRandom(3);
        int c = 40;
        Tensor x = GradCheck.param(rng, 2, c, 17);
        Tensor w = GradCheck.param(rng, c, 1, 3).requiresGrad(false);
        Tensor bias = GradCheck.param(rng, c).requiresGrad(false);
        Function<Tensor[], Tensor> f = in -> Conv.convTranspose1d(in[0], in[1], in[2], 2, 1, 1, c, 1);
        assertEquals(34, f.apply(new Tensor[]{x, w, bias}).size(2));
        assertTrue(GradCheck.relError(f, x, w, bias) < 1e-6);
        checkF32(f, x, w, bias);
        x.zeroGrad();
        f.apply(new Tensor[]{x, w, bias}).sum().backward();
        assertNull(w.grad());
        assertNull(bias.grad());
    }

    /**
     * float32 forward and every float32 gradient against float64: ‖a − b‖ ≤ 1e-5 · max(‖b‖, 0.1·√n).
     * The floor keeps outputs that cancel to near zero (a sum of O(1) terms of N(0, 1) data) from being
     * judged by their own tiny size.
     */
    static void checkF32(Function<Tensor[], Tensor> f, Tensor... inputs) {
        Tensor[] in32 = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) in32[i] = inputs[i].detach().to(DType.F32).requiresGrad(inputs[i].requiresGrad());
        for (Tensor t : inputs) t.zeroGrad();
        Tensor y64 = f.apply(inputs), y32 = f.apply(in32);
        assertTrue(y32.dtype == DType.F32);
        assertTrue(err(y32, y64) < 1e-5, "float32 forward: " + err(y32, y64));
        if (!y64.requiresGrad()) return;
        Tensor lw = Tensor.randn(new SplittableRandom(5), DType.F64, y64.shape());
        y64.mul(lw).sum().backward();
        y32.mul(lw.to(DType.F32)).sum().backward();
        for (int i = 0; i < inputs.length; i++) {
            if (!inputs[i].requiresGrad()) { assertNull(in32[i].grad()); continue; }
            double e = err(in32[i].grad(), inputs[i].grad());
            assertTrue(e < 1e-5, "float32 gradient of input " + i + ": " + e);
        }
    }

    static double err(Tensor a, Tensor b) {
        double d2 = 0, r2 = 0;
        for (int i = 0, n = b.numel(); i < n; i++) {
            double x = a.getFlat(i), y = b.getFlat(i);
            d2 += (x - y) * (x - y);
            r2 += y * y;
        }
        return Math.sqrt(d2) / Math.max(Math.sqrt(r2), 0.1 * Math.sqrt(b.numel()));
    }
}
