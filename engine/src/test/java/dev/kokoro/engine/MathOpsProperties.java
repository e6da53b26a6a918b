package dev.kokoro.engine;

import static dev.kokoro.engine.ActivationsProperties.check;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class MathOpsProperties {

    @Property(tries = 25)
    void pointwise(@ForAll @IntRange(min = 1, max = 3) int a, @ForAll @IntRange(min = 1, max = 41) int b, @ForAll long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor x = Tensor.rand(rng, DType.F64, -3, 3, a, b).requiresGrad(true);
        Tensor pos = Tensor.rand(rng, DType.F64, 0.2, 5, a, b).requiresGrad(true);
        check(in -> MathOps.sin(in[0]), 1e-5, x);
        check(in -> MathOps.cos(in[0]), 1e-5, x);
        check(in -> MathOps.exp(in[0]), 1e-5, x);
        check(in -> MathOps.log(in[0]), 1e-5, pos);
        check(in -> MathOps.sqrt(in[0]), 1e-5, pos);
        check(in -> MathOps.abs(in[0]), 1e-6, x);
        check(in -> MathOps.square(in[0]), 1e-6, x);
        check(in -> MathOps.clamp(in[0], -0.5, 0.7), 1e-6, x);
        check(in -> MathOps.clamp(in[0], Double.NEGATIVE_INFINITY, 0.7), 1e-6, x);
    }

    @Property(tries = 25)
    void atan2BothArguments(@ForAll @IntRange(min = 1, max = 3) int a, @ForAll @IntRange(min = 1, max = 41) int b, @ForAll long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor y = GradCheck.param(rng, a, b), x = GradCheck.param(rng, a, b);
        check(in -> MathOps.atan2(in[0], in[1]), 1e-5, y, x);
    }

    @Test
    void roundIsHalfToEvenAndDetached() {
        Tensor x = Tensor.of(new double[]{0.5, 1.5, 2.5, -0.5, -1.5, 2.4999, -2.6}, 7).requiresGrad(true);
        Tensor r = MathOps.round(x);
        assertArrayEquals(new double[]{0, 2, 2, -0.0, -2, 2, -3}, r.toDoubleArray(), 0);
        assertFalse(r.requiresGrad());
        assertArrayEquals(new float[]{0, 2, 2, 4}, MathOps.round(Tensor.of(new float[]{0.5f, 1.5f, 2.5f, 3.5f}, 4)).toFloatArray(), 0);
    }

    @Test
    void atan2QuadrantsAndOrigin() {
        Tensor y = Tensor.of(new double[]{1, 1, -1, 0}, 4).requiresGrad(true), x = Tensor.of(new double[]{1, -1, -1, 0}, 4).requiresGrad(true);
        Tensor a = MathOps.atan2(y, x);
        assertArrayEquals(new double[]{Math.PI / 4, 3 * Math.PI / 4, -3 * Math.PI / 4, 0}, a.toDoubleArray(), 1e-15);
        a.sum().backward();
        assertEquals(0.0, y.grad().getFlat(3), 0);   // PyTorch gives NaN at (0, 0); we give 0
        assertEquals(0.5, y.grad().getFlat(0), 1e-15);
        assertEquals(-0.5, x.grad().getFlat(0), 1e-15);
    }
}
