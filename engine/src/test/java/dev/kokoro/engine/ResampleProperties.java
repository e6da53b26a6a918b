package dev.kokoro.engine;

import static dev.kokoro.engine.ActivationsProperties.check;

import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;

class ResampleProperties {

    @Property(tries = 25)
    void interpolateAndPad(@ForAll @IntRange(min = 1, max = 2) int b, @ForAll @IntRange(min = 1, max = 3) int c,
                           @ForAll @IntRange(min = 2, max = 17) int t, @ForAll @IntRange(min = 1, max = 40) int out,
                           @ForAll @DoubleRange(min = 0.3, max = 3.5) double scale, @ForAll long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor x = GradCheck.param(rng, b, c, t);
        check(in -> Resample.nearest1d(in[0], out), 1e-6, x);
        check(in -> Resample.linear1d(in[0], out), 1e-5, x);
        if ((int) (t * scale) >= 1) {
            check(in -> Resample.nearest1dScale(in[0], scale), 1e-6, x);
            check(in -> Resample.linear1dScale(in[0], scale), 1e-5, x);
        }
        int left = rng.nextInt(t), right = rng.nextInt(t);
        check(in -> Resample.reflectionPad1d(in[0], left, right), 1e-6, x);
        check(in -> Resample.pad1d(in[0], left, right - 1, 0.25), 1e-6, x);
    }
}
