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
 * AdaINResBlock1's inference path (fused AdaIN+Snake, convs written and accumulated in place) against the
 * op-by-op differentiable path, float32, with and without recording on; and the float64 op-by-op block as
 * the reference for both. With an input requiring grad the block must take the differentiable path.
 */
class ResBlockInferenceProperties {

    @Property(tries = 10)
    void inferencePathMatchesOpByOp(@ForAll @IntRange(min = 0, max = 2) int kind, @ForAll @IntRange(min = 20, max = 700) int t,
                                    @ForAll boolean recording, @ForAll long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int ch = 16 + rng.nextInt(12), k = new int[]{3, 7, 11}[kind];
        AdaINResBlock1 block = new AdaINResBlock1(ch, k, new int[]{1, 3, 5}, 8);
        block.initRandom(new SplittableRandom(seed ^ 1));
        for (var p : block.namedParams().entrySet())
            if (p.getKey().contains("alpha")) p.getValue().get().copyFrom(Tensor.rand(rng, DType.F64, 0.5, 2, 1, ch, 1));
        Tensor x64 = Tensor.rand(rng, DType.F64, -1, 1, 1, ch, t), s64 = Tensor.rand(rng, DType.F64, -1, 1, 1, 8);
        Tensor x = x64.to(DType.F32), s = s64.to(DType.F32);
        block.fused = false;
        Tensor ref32 = Autograd.noGrad(() -> block.forward(x, s));
        block.fused = true;
        Tensor got = recording ? block.forward(x, s) : Autograd.noGrad(() -> block.forward(x, s));
        block.to(DType.F64);
        Tensor ref64 = Autograd.noGrad(() -> block.forward(x64, s64));
        double same = GradCheck.relL2(got.to(DType.F64), ref32.to(DType.F64)), vs64 = GradCheck.relL2(got.to(DType.F64), ref64);
        assertTrue(same < 2e-6, "inference vs op-by-op float32 " + same);
        assertTrue(vs64 < 1e-4, "inference float32 vs float64 " + vs64);
    }

    @Property(tries = 3)
    void inputsRequiringGradTakeTheDifferentiablePath(@ForAll long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        AdaINResBlock1 block = new AdaINResBlock1(16, 3, new int[]{1, 3, 5}, 8);
        block.initRandom(new SplittableRandom(seed));
        Tensor x = Tensor.rand(rng, DType.F32, -1, 1, 1, 16, 50).requiresGrad(true), s = Tensor.rand(rng, DType.F32, -1, 1, 1, 8);
        Tensor y = block.forward(x, s);
        assertTrue(y.requiresGrad(), "output of a block whose input requires grad must record");
        y.sum().backward();
        assertTrue(x.grad() != null && GradCheck.relL2(x.grad(), Tensor.zeros(DType.F32, 1, 16, 50)) > 0, "no gradient reached x");
    }
}
