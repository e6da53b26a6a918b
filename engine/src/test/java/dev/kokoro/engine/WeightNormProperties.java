package dev.kokoro.engine;

import static dev.kokoro.engine.ActivationsProperties.check;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class WeightNormProperties {

    @Property(tries = 25)
    void weightNormDim0(@ForAll @IntRange(min = 1, max = 5) int o, @ForAll @IntRange(min = 1, max = 4) int i,
                        @ForAll @IntRange(min = 1, max = 7) int k, @ForAll long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor v = GradCheck.param(rng, o, i, k), g = GradCheck.param(rng, o, 1, 1);
        check(in -> WeightNorm.apply(in[0], in[1]), 1e-6, v, g);
    }

    @Test
    void rowsHaveNormG() {
        // ConvTranspose1d layout [Cin, Cout, K] with g [Cin, 1, 1]: each dim-0 slice gets norm |g|
        Tensor v = Tensor.randn(new SplittableRandom(2), DType.F64, 3, 4, 5);
        Tensor g = Tensor.of(new double[]{2, -0.5, 7}, 3, 1, 1);
        Tensor w = WeightNorm.apply(v, g);
        for (int r = 0; r < 3; r++) {
            double s = 0;
            for (int j = 0; j < 20; j++) s += Math.pow(w.getFlat(r * 20 + j), 2);
            assertEquals(Math.abs(g.getFlat(r)), Math.sqrt(s), 1e-12);
            assertEquals(Math.signum(g.getFlat(r)) * Math.signum(v.getFlat(r * 20)), Math.signum(w.getFlat(r * 20)), 0);
        }
    }
}
