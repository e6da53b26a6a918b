package dev.kokoro.model.nn;

import static org.junit.jupiter.api.Assertions.*;

import dev.kokoro.engine.Autograd;
import dev.kokoro.engine.DType;
import dev.kokoro.engine.GradCheck;
import dev.kokoro.engine.MathOps;
import dev.kokoro.engine.Tensor;
import dev.kokoro.engine.WeightNorm;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The cached normalised weight of frozen weight-normed convs; trainable ones recompute and get gradients. */
class WeightNormCacheTest {
    static Conv1d conv(boolean grad) {
        Conv1d c = new Conv1d(4, 6, 3, 1, 1, 1, 1, true, true);
        c.reset(new SplittableRandom(5));
        Tensor g = c.weightG.get();
        for (int i = 0; i < g.numel(); i++) g.setFlat(i, 0.5 + 0.1 * i);   // g ≠ ‖v‖, so the norm matters
        c.requiresGrad(grad);
        return c;
    }

    @Test
    void frozenWeightIsCachedAndEqualsTheRecomputedOne() {
        Conv1d c = conv(false);
        Tensor w1 = c.weight(), w2 = c.weight();
        assertSame(w1, w2, "a frozen conv reuses its normalised weight");
        Tensor fresh = Autograd.noGrad(() -> WeightNorm.apply(c.weightV.get(), c.weightG.get()));
        assertArrayEquals(fresh.toDoubleArray(), w1.toDoubleArray(), 0.0);
        assertFalse(w1.requiresGrad());
        Tensor x = Tensor.randn(new SplittableRandom(1), DType.F32, 2, 4, 9);
        assertArrayEquals(dev.kokoro.engine.Conv.conv1d(x, fresh, c.bias.get(), 1, 1, 1, 1).toDoubleArray(), c.forward(x).toDoubleArray(), 0.0);

        // a new v (loading, a move, a dtype change all swap the tensor) invalidates the cache
        c.weightV.set(c.weightV.get().mul(2.0).detach());
        Tensor w3 = c.weight();
        assertNotSame(w1, w3);
        Tensor fresh3 = Autograd.noGrad(() -> WeightNorm.apply(c.weightV.get(), c.weightG.get()));
        assertArrayEquals(fresh3.toDoubleArray(), w3.toDoubleArray(), 0.0);
        c.weightG.set(c.weightG.get().mul(3.0).detach());
        Tensor w4 = c.weight();
        assertNotSame(w3, w4);
        assertEquals(3.0 * w3.getFlat(7), w4.getFlat(7), 1e-5);
        c.reset(new SplittableRandom(9));   // in-place re-initialisation clears it too
        Tensor fresh5 = Autograd.noGrad(() -> WeightNorm.apply(c.weightV.get(), c.weightG.get()));
        assertArrayEquals(fresh5.toDoubleArray(), c.weight().toDoubleArray(), 0.0);
    }

    @Test
    void trainableWeightNormedConvGetsGradients() {
        Conv1d c = conv(true);
        assertNotSame(c.weight(), c.weight(), "a trainable weight is recomputed (and recorded) every time");
        Tensor x = Tensor.randn(new SplittableRandom(2), DType.F32, 2, 4, 9);
        MathOps.square(c.forward(x)).sum().backward();
        assertNotNull(c.weightG.get().grad(), "g gets a gradient");
        assertNotNull(c.weightV.get().grad(), "v gets a gradient");
        assertTrue(MathOps.abs(c.weightG.get().grad()).sum().item() > 0);
        // the same gradient as the formula w = g v / ‖v‖ written out
        Conv1d d = conv(true);
        Tensor v = d.weightV.get(), g = d.weightG.get();
        Tensor w = v.mul(g.div(MathOps.sqrt(MathOps.square(v).sum(2, true).sum(1, true))));
        MathOps.square(dev.kokoro.engine.Conv.conv1d(x, w, d.bias.get(), 1, 1, 1, 1)).sum().backward();
        assertTrue(GradCheck.relL2(c.weightG.get().grad().to(DType.F64), g.grad().to(DType.F64)) < 1e-5);
        assertTrue(GradCheck.relL2(c.weightV.get().grad().to(DType.F64), v.grad().to(DType.F64)) < 1e-5);
    }
}
