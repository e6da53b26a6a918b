package dev.kokoro.model.decoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kokoro.engine.DType;
import dev.kokoro.engine.GradCheck;
import dev.kokoro.engine.Tensor;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SineGenTest {

    static Tensor constantF0(double hz, int len) {
        return Tensor.full(DType.F64, hz, 1, len, 1);
    }

    /**
     * Constant voiced F0: the frame-rate phase integration (linear down ×1/300, cumsum, ×300, linear up
     * ×300, align_corners=False) gives, away from the clamped edges, phase(t) = 2π·h·f0·(t + 150.5)/sr.
     */
    @Test
    void constantPitchIsAnExactSine() {
        int scale = 300, frames = 8, len = scale * frames;
        double f0 = 220.0, sr = 24000;
        SineGen g = new SineGen(sr, scale, 8, 0.1, 0.003, 10);
        Tensor out = g.forward(constantF0(f0, len));
        assertArrayEquals(new int[]{1, len, 9}, out.shape());
        double maxErr = 0;
        for (int t = scale / 2; t < len - scale / 2; t++)
            for (int h = 1; h <= 9; h++) {
                double want = 0.1 * Math.sin(2 * Math.PI * h * f0 / sr * (t + scale / 2.0 + 0.5));
                maxErr = Math.max(maxErr, Math.abs(out.get(0, t, h - 1) - want));
            }
        assertTrue(maxErr < 1e-9, "max error " + maxErr);
    }

    @Test
    void unvoicedIsSilentWhenDeterministic() {
        SineGen g = new SineGen(24000, 300, 8, 0.1, 0.003, 10);
        Tensor out = g.forward(constantF0(9.5, 600));
        for (double v : out.toDoubleArray()) assertEquals(0.0, Math.abs(v));
    }

    @Test
    void seededRandomnessIsReproducibleAndScaled() {
        SineGen g = new SineGen(24000, 300, 8, 0.1, 0.003, 10);
        g.random(new SplittableRandom(7));
        Tensor a = g.forward(constantF0(5, 3000));
        g.random(new SplittableRandom(7));
        Tensor b = g.forward(constantF0(5, 3000));
        assertArrayEquals(a.toDoubleArray(), b.toDoubleArray());
        // unvoiced: pure noise of std sine_amp / 3
        double ss = 0;
        for (double v : a.toDoubleArray()) ss += v * v;
        double std = Math.sqrt(ss / a.numel());
        assertEquals(0.1 / 3, std, 0.002);
        // voiced: random initial phases move the overtones but not the fundamental
        g.random(new SplittableRandom(8));
        Tensor v = g.forward(constantF0(200, 3000));
        Tensor d = new SineGen(24000, 300, 8, 0.1, 0.003, 10).forward(constantF0(200, 3000));
        assertEquals(d.get(0, 1500, 0), v.get(0, 1500, 0), 0.02);
        assertNotEquals(d.get(0, 1500, 4), v.get(0, 1500, 4), 1e-3);
    }

    @Test
    void gradientReachesF0() {
        SineGen g = new SineGen(24000, 4, 8, 0.1, 0.003, 10);
        SplittableRandom rng = new SplittableRandom(3);
        Tensor f0 = Tensor.zeros(DType.F64, 2, 16, 1);
        for (int i = 0; i < f0.numel(); i++) f0.setFlat(i, 100 + 300 * rng.nextDouble());
        f0.requiresGrad(true);
        double err = GradCheck.relError(x -> g.forward(x[0]), f0);
        assertTrue(err < 1e-6, "relative gradient error " + err);
    }
}
