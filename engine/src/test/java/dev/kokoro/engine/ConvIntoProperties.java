package dev.kokoro.engine;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Conv.conv1dInto (inference, writes or adds into a given output) against conv1d: float32 on the shifted
 * GEMM path (16+ channels, k ≥ 3) and on the other paths (few channels, 1×1, strided), float64 too.
 */
class ConvIntoProperties {

    @Property(tries = 20)
    void intoMatchesConv1d(@ForAll @IntRange(min = 1, max = 11) int k, @ForAll @IntRange(min = 1, max = 4) int dilation,
                           @ForAll @IntRange(min = 1, max = 2) int stride, @ForAll boolean wide, @ForAll boolean accumulate,
                           @ForAll boolean f64, @ForAll long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int cin = wide ? 16 + rng.nextInt(20) : 1 + rng.nextInt(6), cout = wide ? 16 + rng.nextInt(40) : 1 + rng.nextInt(6);
        int b = 1 + rng.nextInt(2), padding = dilation * (k - 1) / 2, t = dilation * (k - 1) + 1 + rng.nextInt(900);
        DType dt = f64 ? DType.F64 : DType.F32;
        Tensor x = Tensor.rand(rng, DType.F64, -1, 1, b, cin, t).to(dt), w = Tensor.rand(rng, DType.F64, -1, 1, cout, cin, k).to(dt);
        Tensor bias = Tensor.rand(rng, DType.F64, -1, 1, cout).to(dt);
        Tensor y = Conv.conv1d(x, w, bias, stride, padding, dilation, 1);
        Tensor start = Tensor.rand(rng, DType.F64, -1, 1, y.shape()).to(dt);
        Tensor out = start.copy();
        Conv.conv1dInto(out, accumulate, x, w, bias, stride, padding, dilation, 1);
        Tensor want = accumulate ? start.add(y) : y;
        double err = GradCheck.relL2(out.to(DType.F64), want.to(DType.F64));
        assertTrue(err < (f64 ? 1e-13 : 1e-6), "conv1dInto vs conv1d rel L2 " + err);
    }

    @Property(tries = 3)
    void refusesInputsThatNeedGrad(@ForAll long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor x = GradCheck.param(rng, 1, 16, 40), w = GradCheck.param(rng, 16, 16, 3);
        Tensor out = Tensor.zeros(DType.F64, 1, 16, 40);
        assertThrows(IllegalArgumentException.class, () -> Conv.conv1dInto(out, false, x, w, null, 1, 1, 1, 1));
    }
}
