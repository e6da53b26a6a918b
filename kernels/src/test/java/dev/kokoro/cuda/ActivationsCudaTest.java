package dev.kokoro.cuda;

import dev.kokoro.engine.Activations;
import dev.kokoro.engine.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** ActivationsCuda.snake against the engine's Activations.snake in float64 (forward, dx, dalpha). */
@Tag("gpu")
class ActivationsCudaTest {
    static final double TOL = 1e-5;

    @ParameterizedTest(name = "B={0} C={1} T={2}")
    @CsvSource({"1, 1, 1", "2, 7, 33", "1, 128, 9001", "3, 16, 4097", "2, 5, 1"})
    void snakeMatchesEngine(int b, int c, int t) {
        Gpu.assumeGpu();
        Random r = new Random(b * 31 + c * 7 + t);
        double[] x = CpuRef.randn(r, b * c * t, 2), alpha = Gpu.f32(Gpu.uniform(r, c, 0.2, 3));
        for (int i = 0; i < c; i += 3) alpha[i] = -alpha[i];  // negative alpha is allowed (no epsilon, no abs)
        Tensor cx = CpuRef.leaf(x, b, c, t), ca = CpuRef.leaf(alpha, 1, c, 1);
        Tensor y = Activations.snake(cx, ca);
        double[] g = CpuRef.randn(r, y.numel(), 1);
        y.backward(CpuRef.like(y, g));
        try (CudaTensor gx = Gpu.up(x, b, c, t); CudaTensor ga = Gpu.up(alpha, 1, c, 1); CudaTensor gd = Gpu.up(g, b, c, t);
             CudaTensor out = ActivationsCuda.snake(gx, ga); ActivationsCuda.SnakeGrads gr = ActivationsCuda.snakeBackward(gx, ga, gd, true, true)) {
            Gpu.close("out", out, CpuRef.d(y), TOL);
            Gpu.close("dx", gr.dx(), CpuRef.grad(cx), TOL);
            Gpu.close("dalpha", gr.dalpha(), CpuRef.grad(ca), TOL);
        }
    }
}
