package dev.kokoro.engine;

import static dev.kokoro.engine.ActivationsProperties.check;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Norms.adaIN1dSnake = snake(adaIN1d(..), alpha): with gradients it is the composition (central differences
 * in float64, float32 vs float64); without, float32 takes the fused one-pass path, which must give the
 * composed ops' float32 numbers and agree with the float64 composition. Rows long enough for the vector
 * loop and its scalar tail.
 */
class AdaINSnakeProperties {

    @Property(tries = 15)
    void adaINSnake(@ForAll @IntRange(min = 1, max = 2) int b, @ForAll @IntRange(min = 1, max = 5) int c,
                    @ForAll @IntRange(min = 3, max = 23) int t, @ForAll @IntRange(min = 1, max = 6) int s, @ForAll long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor x = GradCheck.param(rng, b, c, t), st = GradCheck.param(rng, b, s);
        Tensor fw = GradCheck.param(rng, 2 * c, s), fb = GradCheck.param(rng, 2 * c);
        Tensor nw = GradCheck.param(rng, c), nb = GradCheck.param(rng, c);
        Tensor alpha = Tensor.rand(rng, DType.F64, 0.3, 2, 1, c, 1).requiresGrad(true);
        check(in -> Norms.adaIN1dSnake(in[0], in[1], in[2], in[3], in[4], in[5], 1e-5, in[6]), 1e-5, x, st, fw, fb, nw, nb, alpha);
    }

    @Property(tries = 15)
    void fusedInferencePathMatchesComposition(@ForAll @IntRange(min = 1, max = 2) int b, @ForAll @IntRange(min = 1, max = 9) int c,
                                              @ForAll @IntRange(min = 1, max = 300) int t, @ForAll long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int s = 4;
        Tensor[] in64 = {
                Tensor.rand(rng, DType.F64, -3, 3, b, c, t).add(Tensor.rand(rng, DType.F64, -2, 2, 1, c, 1)),
                Tensor.rand(rng, DType.F64, -1, 1, b, s), Tensor.rand(rng, DType.F64, -1, 1, 2 * c, s),
                Tensor.rand(rng, DType.F64, -1, 1, 2 * c), Tensor.rand(rng, DType.F64, 0.5, 1.5, c),
                Tensor.rand(rng, DType.F64, -1, 1, c), Tensor.rand(rng, DType.F64, 0.2, 3, 1, c, 1)};
        Tensor[] in32 = new Tensor[in64.length];
        for (int i = 0; i < in64.length; i++) in32[i] = in64[i].to(DType.F32);
        Tensor fused = Norms.adaIN1dSnake(in32[0], in32[1], in32[2], in32[3], in32[4], in32[5], 1e-5, in32[6]);
        Tensor composed = Activations.snake(Norms.adaIN1d(in32[0], in32[1], in32[2], in32[3], in32[4], in32[5], 1e-5), in32[6]);
        Tensor ref = Activations.snake(Norms.adaIN1d(in64[0], in64[1], in64[2], in64[3], in64[4], in64[5], 1e-5), in64[6]);
        double same = GradCheck.relL2(fused.to(DType.F64), composed.to(DType.F64));
        double vs64 = GradCheck.relL2(fused.to(DType.F64), ref);
        assertTrue(same < 1e-7, "fused vs composed float32 " + same);
        assertTrue(vs64 < 1e-5, "fused float32 vs float64 " + vs64);
    }
}
