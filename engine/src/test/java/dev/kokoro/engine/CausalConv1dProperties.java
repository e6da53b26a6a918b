package dev.kokoro.engine;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.function.Function;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** CausalConv1d against its definition, central differences, and float32 vs float64. */
class CausalConv1dProperties {

    static double[] reference(Tensor x, Tensor w, Tensor bias, boolean silu) {
        int nb = x.size(0), nd = x.size(1), L = x.size(2), K = w.size(1);
        double[] out = new double[nb * nd * L];
        for (int b = 0; b < nb; b++)
            for (int d = 0; d < nd; d++)
                for (int t = 0; t < L; t++) {
                    double s = bias == null ? 0 : bias.get(d);
                    for (int k = 0; k < K; k++) {
                        int src = t - K + 1 + k;
                        if (src >= 0) s += w.get(d, k) * x.get(b, d, src);
                    }
                    out[(b * nd + d) * L + t] = silu ? s / (1 + Math.exp(-s)) : s;
                }
        return out;
    }

    @Property(tries = 40)
    void matchesDefinitionAndCentralDifferences(@ForAll @IntRange(min = 1, max = 3) int b, @ForAll @IntRange(min = 1, max = 4) int d,
                                                @ForAll @IntRange(min = 1, max = 5) int k, @ForAll @IntRange(min = 1, max = 9) int l,
                                                @ForAll boolean hasBias, @ForAll boolean silu, @ForAll long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor x = GradCheck.param(rng, b, d, l), w = GradCheck.param(rng, d, k);
        Tensor bias = hasBias ? GradCheck.param(rng, d) : null;
        Function<Tensor[], Tensor> f = in -> CausalConv1d.apply(in[0], in[1], hasBias ? in[2] : null, silu);
        Tensor[] in = hasBias ? new Tensor[]{x, w, bias} : new Tensor[]{x, w};
        Tensor y = Autograd.noGrad(() -> f.apply(in));
        assertTrue(GradCheck.relL2(y, Tensor.of(reference(x, w, bias, silu), b, d, l)) < 1e-13);
        assertTrue(GradCheck.relError(f, in) < 1e-6);
        assertTrue(GradCheck.f32VsF64(f, in) < 1e-5);

        Tensor[] in32 = new Tensor[in.length];
        for (int i = 0; i < in.length; i++) { in[i].zeroGrad(); in32[i] = in[i].detach().to(DType.F32).requiresGrad(true); }
        Tensor g = Tensor.randn(rng, DType.F64, b, d, l);
        f.apply(in).mul(g).sum().backward();
        f.apply(in32).mul(g.to(DType.F32)).sum().backward();
        for (int i = 0; i < in.length; i++) assertTrue(GradCheck.relL2(in32[i].grad(), in[i].grad()) < 1e-5);
    }

    @Test
    void onlyTrainableInputsGetGradients() {
        SplittableRandom rng = new SplittableRandom(3);
        Tensor x = Tensor.randn(rng, DType.F32, 2, 3, 8), w = Tensor.randn(rng, DType.F32, 3, 4).requiresGrad(true);
        Tensor bias = Tensor.randn(rng, DType.F32, 3);
        CausalConv1d.apply(x, w, bias, true).sum().backward();
        assertNull(x.grad());
        assertNull(bias.grad());
        assertTrue(w.grad() != null);
    }
}
