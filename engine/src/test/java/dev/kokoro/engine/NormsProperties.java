package dev.kokoro.engine;

import static dev.kokoro.engine.ActivationsProperties.check;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.function.Function;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class NormsProperties {

    @Property(tries = 25)
    void layerNorm(@ForAll @IntRange(min = 1, max = 3) int b, @ForAll @IntRange(min = 1, max = 5) int t,
                   @ForAll @IntRange(min = 3, max = 37) int c, @ForAll long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor x = GradCheck.param(rng, b, t, c), w = GradCheck.param(rng, c), bias = GradCheck.param(rng, c);
        check(in -> Norms.layerNorm(in[0], in[1], in[2], 1e-5), 1e-5, x, w, bias);
        check(in -> Norms.layerNorm(in[0], null, null, 1e-5), 1e-5, x);
    }

    @Property(tries = 25)
    void instanceNorm(@ForAll @IntRange(min = 1, max = 3) int b, @ForAll @IntRange(min = 1, max = 5) int c,
                      @ForAll @IntRange(min = 3, max = 37) int t, @ForAll long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor x = GradCheck.param(rng, b, c, t), w = GradCheck.param(rng, c), bias = GradCheck.param(rng, c);
        check(in -> Norms.instanceNorm1d(in[0], in[1], in[2], 1e-5), 1e-5, x, w, bias);
        check(in -> Norms.instanceNorm1d(in[0], null, null, 1e-5), 1e-5, x);
    }

    @Property(tries = 20)
    void adaptiveNorms(@ForAll @IntRange(min = 1, max = 3) int b, @ForAll @IntRange(min = 1, max = 5) int c,
                       @ForAll @IntRange(min = 3, max = 23) int t, @ForAll @IntRange(min = 1, max = 6) int s, @ForAll long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor x = GradCheck.param(rng, b, c, t), st = GradCheck.param(rng, b, s);
        Tensor fw = GradCheck.param(rng, 2 * c, s), fb = GradCheck.param(rng, 2 * c);
        Tensor nw = GradCheck.param(rng, c), nb = GradCheck.param(rng, c);
        check(in -> Norms.adaIN1d(in[0], in[1], in[2], in[3], in[4], in[5], 1e-5), 1e-5, x, st, fw, fb, nw, nb);
        Tensor xt = GradCheck.param(rng, b, t, c);
        Function<Tensor[], Tensor> adaLn = in -> Norms.adaLayerNorm(in[0], in[1], in[2], in[3], 1e-5);
        double e = GradCheck.relError(adaLn, xt, st, fw, fb);
        assertTrue(e < 1e-6, "gradient relative error " + e);
        // with one channel the normalised part is exactly 0 and the output is beta alone, one fc value per row:
        // when that value nearly cancels (b = 1), its float32 relative error is unbounded, so compare from c = 2
        if (c > 1) {
            double d = GradCheck.f32VsF64(adaLn, xt, st, fw, fb);
            assertTrue(d < 1e-5, "float32 vs float64 " + d);
        }
    }

    /** AdaIN1d as the composition Kokoro writes: (1 + γ) · InstanceNorm1d(affine) + β. */
    @Test
    void adaINMatchesComposition() {
        SplittableRandom rng = new SplittableRandom(7);
        Tensor x = Tensor.randn(rng, DType.F64, 2, 3, 40), s = Tensor.randn(rng, DType.F64, 2, 4);
        Tensor fw = Tensor.randn(rng, DType.F64, 6, 4), fb = Tensor.randn(rng, DType.F64, 6);
        Tensor nw = Tensor.randn(rng, DType.F64, 3), nb = Tensor.randn(rng, DType.F64, 3);
        Tensor h = Matmul.linear(s, fw, fb).reshape(2, 6, 1);
        Tensor ref = Norms.instanceNorm1d(x, nw, nb, 1e-5).mul(h.slice(1, 0, 3).add(1.0)).add(h.slice(1, 3, 6));
        assertTrue(GradCheck.relL2(Norms.adaIN1d(x, s, fw, fb, nw, nb, 1e-5), ref) < 1e-14);
        // instance norm by hand on one row
        double m = 0, v = 0;
        for (int i = 0; i < 40; i++) m += x.get(1, 2, i) / 40;
        for (int i = 0; i < 40; i++) v += Math.pow(x.get(1, 2, i) - m, 2) / 40;
        double expect = (x.get(1, 2, 5) - m) / Math.sqrt(v + 1e-5) * nw.getFlat(2) + nb.getFlat(2);
        assertEquals(expect, Norms.instanceNorm1d(x, nw, nb, 1e-5).get(1, 2, 5), 1e-12);
    }

    @Test
    void bigFloat32RowsAgreeWithFloat64() {
        SplittableRandom rng = new SplittableRandom(11);
        Tensor x = Tensor.randn(rng, DType.F64, 2, 8, 3001).mul(3.0).add(5.0).requiresGrad(true);
        Tensor st = Tensor.randn(rng, DType.F64, 2, 16), fw = Tensor.randn(rng, DType.F64, 16, 16).mul(0.1);
        Tensor fb = Tensor.randn(rng, DType.F64, 16), nw = Tensor.randn(rng, DType.F64, 8), nb = Tensor.randn(rng, DType.F64, 8);
        Function<Tensor[], Tensor> f = in -> Norms.adaIN1d(in[0], in[1], in[2], in[3], in[4], in[5], 1e-5);
        assertTrue(GradCheck.f32VsF64(f, x, st, fw, fb, nw, nb) < 1e-5);
    }
}
