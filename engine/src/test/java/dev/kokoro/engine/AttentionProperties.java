package dev.kokoro.engine;

import static dev.kokoro.engine.ActivationsProperties.check;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class AttentionProperties {

    @Property(tries = 25)
    void softmaxAnyDim(@ForAll @IntRange(min = 1, max = 3) int a, @ForAll @IntRange(min = 1, max = 6) int b,
                       @ForAll @IntRange(min = 1, max = 7) int c, @ForAll @IntRange(min = -3, max = 2) int dim, @ForAll long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor x = GradCheck.param(rng, a, b, c);
        check(in -> Attention.softmax(in[0], dim), 1e-5, x);
    }

    @Property(tries = 20)
    void scaledDotProductWithPadding(@ForAll @IntRange(min = 1, max = 2) int b, @ForAll @IntRange(min = 1, max = 2) int h,
                                     @ForAll @IntRange(min = 1, max = 5) int tq, @ForAll @IntRange(min = 1, max = 6) int tk,
                                     @ForAll @IntRange(min = 1, max = 4) int dh, @ForAll long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor q = GradCheck.param(rng, b, h, tq, dh), k = GradCheck.param(rng, b, h, tk, dh), v = GradCheck.param(rng, b, h, tk, dh);
        long[] m = new long[b * tk];
        for (int i = 0; i < b; i++) {
            int len = 1 + rng.nextInt(tk);
            for (int j = 0; j < len; j++) m[i * tk + j] = 1;
        }
        Tensor mask = Tensor.of(m, b, tk);
        check(in -> Attention.scaledDotProduct(in[0], in[1], in[2], mask), 1e-5, q, k, v);
        check(in -> Attention.scaledDotProduct(in[0], in[1], in[2], null), 1e-5, q, k, v);
    }

    /**
     * The fused float32 inference path (nothing requiring grad; q, k, v as permuted head views of [B, T, H·Dh]
     * projections, Dh with whole vectors and a tail) against the recorded path and float64.
     */
    @Property(tries = 20)
    void fusedInferenceMatchesRecordedPath(@ForAll @IntRange(min = 1, max = 2) int b, @ForAll @IntRange(min = 1, max = 4) int h,
                                           @ForAll @IntRange(min = 1, max = 40) int tq, @ForAll @IntRange(min = 1, max = 40) int tk,
                                           @ForAll @IntRange(min = 1, max = 70) int dh, @ForAll boolean masked, @ForAll long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor q = Tensor.randn(rng, DType.F32, b, tq, h * dh).reshape(b, tq, h, dh).permute(0, 2, 1, 3);
        Tensor k = Tensor.randn(rng, DType.F32, b, tk, h * dh).reshape(b, tk, h, dh).permute(0, 2, 1, 3);
        Tensor v = Tensor.randn(rng, DType.F32, b, tk, h * dh).reshape(b, tk, h, dh).permute(0, 2, 1, 3);
        Tensor mask = null;
        if (masked) {
            long[] m = new long[b * tk];
            for (int i = 0; i < b; i++) {
                int len = rng.nextInt(tk + 1);   // 0: a fully masked item
                for (int j = 0; j < len; j++) m[i * tk + j] = 1;
            }
            mask = Tensor.of(m, b, tk);
        }
        Tensor fused = Attention.scaledDotProduct(q, k, v, mask);
        Tensor recorded = Attention.scaledDotProduct(q.detach().requiresGrad(true), k.detach().requiresGrad(true), v, mask);
        Tensor f64 = Attention.scaledDotProduct(q.to(DType.F64), k.to(DType.F64), v.to(DType.F64), mask);
        assertEquals(DType.F32, fused.dtype);
        org.junit.jupiter.api.Assertions.assertArrayEquals(recorded.shape(), fused.shape());
        double e1 = ConvProperties.err(fused, recorded.detach()), e2 = ConvProperties.err(fused, f64);
        org.junit.jupiter.api.Assertions.assertTrue(e1 < 1e-5 && e2 < 1e-5, "fused vs recorded " + e1 + ", vs float64 " + e2);
    }

    @Test
    void maskedKeysGetNoWeightAndFullyMaskedRowsAreUniform() {
        SplittableRandom rng = new SplittableRandom(5);
        for (DType dt : new DType[]{DType.F32, DType.F64}) {
            Tensor q = Tensor.randn(rng, dt, 2, 1, 2, 3), k = Tensor.randn(rng, dt, 2, 1, 3, 3);
            Tensor v = Tensor.of(new double[]{1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1}, 2, 1, 3, 3).to(dt);
            Tensor o = Attention.scaledDotProduct(q, k, v, Tensor.of(new long[]{1, 1, 0, 0, 0, 0}, 2, 3));
            assertEquals(0.0, o.get(0, 0, 0, 2), 0);          // third key is padding
            assertEquals(1.0, o.get(0, 0, 1, 0) + o.get(0, 0, 1, 1), 1e-6);
            for (int j = 0; j < 3; j++) assertEquals(1.0 / 3, o.get(1, 0, 0, j), 1e-6);   // finfo.min bias, not -inf
        }
    }
}
