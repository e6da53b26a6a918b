package dev.kokoro.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.function.Function;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** Activations: backward vs central differences (float64), SIMD float32 forward vs float64. */
class ActivationsProperties {

    static void check(Function<Tensor[], Tensor> f, double f32Tol, Tensor... in) {
        double e = GradCheck.relError(f, in);
        assertTrue(e < 1e-6, "gradient relative error " + e);
        double d = GradCheck.f32VsF64(f, in);
        assertTrue(d < f32Tol, "float32 vs float64 " + d);
    }

    @Property(tries = 25)
    void pointwise(@ForAll @IntRange(min = 1, max = 3) int a, @ForAll @IntRange(min = 1, max = 41) int b, @ForAll long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor x = Tensor.rand(rng, DType.F64, -4, 4, a, b).requiresGrad(true);
        check(in -> Activations.relu(in[0]), 1e-6, x);
        check(in -> Activations.leakyRelu(in[0], 0.2), 1e-6, x);
        check(in -> Activations.gelu(in[0]), 1e-5, x);
        check(in -> Activations.sigmoid(in[0]), 1e-5, x);
        check(in -> Activations.tanh(in[0]), 1e-5, x);
        check(in -> Activations.silu(in[0]), 1e-5, x);
        Tensor wide = Tensor.rand(rng, DType.F64, -30, 30, a, b).requiresGrad(true);
        check(in -> Activations.softplus(in[0]), 1e-5, wide);
    }

    @Property(tries = 25)
    void snakePerChannel(@ForAll @IntRange(min = 1, max = 3) int bs, @ForAll @IntRange(min = 1, max = 5) int c,
                         @ForAll @IntRange(min = 1, max = 37) int t, @ForAll long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor x = GradCheck.param(rng, bs, c, t);
        Tensor alpha = Tensor.rand(rng, DType.F64, 0.5, 2.0, 1, c, 1).requiresGrad(true);
        check(in -> Activations.snake(in[0], in[1]), 1e-5, x, alpha);
        Tensor scalar = Tensor.rand(rng, DType.F64, 0.5, 2.0, 1).requiresGrad(true);
        check(in -> Activations.snake(in[0], in[1]), 1e-5, x, scalar);
        Tensor perTime = Tensor.rand(rng, DType.F64, 0.5, 2.0, t).requiresGrad(true);
        check(in -> Activations.snake(in[0], in[1]), 1e-5, x, perTime);
    }

    @Test
    void knownValues() {
        Tensor x = Tensor.of(new double[]{-1, 0, 1, 25, -25}, 5);
        // gelu_new(1) = 0.5 (1 + tanh(√(2/π) · 1.044715))
        assertEquals(0.5 * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * 1.044715)), Activations.gelu(x).getFlat(2), 1e-15);
        assertEquals(25.0, Activations.softplus(x).getFlat(3), 0);               // identity above threshold 20
        assertEquals(Math.log1p(Math.exp(-25)), Activations.softplus(x).getFlat(4), 1e-25);
        assertEquals(-0.2, Activations.leakyRelu(x, 0.2).getFlat(0), 1e-15);
        Tensor s = Activations.snake(Tensor.of(new double[]{1.5}, 1, 1, 1), Tensor.of(new double[]{0.7}, 1, 1, 1));
        assertEquals(1.5 + Math.pow(Math.sin(1.05), 2) / 0.7, s.item(), 1e-15);
    }

    @Test
    void frozenAlphaGetsNoGradient() {
        Tensor x = Tensor.randn(new SplittableRandom(3), DType.F32, 2, 3, 50).requiresGrad(true);
        Tensor alpha = Tensor.full(DType.F32, 1.0, 1, 3, 1);
        Activations.snake(x, alpha).sum().backward();
        assertEquals(null, alpha.grad());
        assertEquals(300, x.grad().numel());
    }
}
