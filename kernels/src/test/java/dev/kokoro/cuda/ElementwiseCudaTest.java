package dev.kokoro.cuda;

import java.util.Random;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Tag("gpu")
class ElementwiseCudaTest {
    static final double TOL = 1e-6;

    static double sig(double x) { return 1 / (1 + Math.exp(-x)); }

    static double[] map(double[] x, DoubleUnaryOperator f) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) y[i] = f.applyAsDouble(x[i]);
        return y;
    }

    static double[] map2(double[] a, double[] b, DoubleBinaryOperator f) {
        double[] y = new double[a.length];
        for (int i = 0; i < a.length; i++) y[i] = f.applyAsDouble(a[i], b[i]);
        return y;
    }

    @ParameterizedTest(name = "n={0}")
    @ValueSource(ints = {1, 7, 1000, 123457})
    void matchFloat64Reference(int n) {
        Gpu.assumeGpu();
        Random r = new Random(n);
        double[] x = Gpu.f32(Gpu.randn(r, n, 4)), g = Gpu.f32(Gpu.randn(r, n, 1));
        if (n > 2) { x[0] = 25; x[1] = -30; }  // softplus threshold and saturation
        double[] s = Gpu.f32(map(x, ElementwiseCudaTest::sig));
        try (CudaTensor gx = Gpu.up(x, n); CudaTensor gg = Gpu.up(g, n); CudaTensor gs = Gpu.up(s, n)) {
            try (CudaTensor y = ElementwiseCuda.silu(gx)) { Gpu.close("silu", y, map(x, v -> v * sig(v)), TOL); }
            try (CudaTensor y = ElementwiseCuda.siluBackward(gx, gg)) {
                Gpu.close("silu'", y, map2(x, g, (v, gr) -> gr * sig(v) * (1 + v * (1 - sig(v)))), TOL);
            }
            try (CudaTensor y = ElementwiseCuda.softplus(gx)) { Gpu.close("softplus", y, map(x, v -> v > 20 ? v : Math.log1p(Math.exp(v))), TOL); }
            try (CudaTensor y = ElementwiseCuda.softplusBackward(gx, gg)) { Gpu.close("softplus'", y, map2(x, g, (v, gr) -> v > 20 ? gr : gr * sig(v)), TOL); }
            try (CudaTensor y = ElementwiseCuda.sigmoid(gx)) { Gpu.close("sigmoid", y, map(x, ElementwiseCudaTest::sig), TOL); }
            try (CudaTensor y = ElementwiseCuda.sigmoidBackward(gs, gg)) { Gpu.close("sigmoid'", y, map2(s, g, (v, gr) -> gr * v * (1 - v)), TOL); }
            try (CudaTensor y = ElementwiseCuda.add(gx, gg)) { Gpu.close("add", y, map2(x, g, Double::sum), TOL); }
            try (CudaTensor y = ElementwiseCuda.mul(gx, gg)) { Gpu.close("mul", y, map2(x, g, (p, q) -> p * q), TOL); }
            try (CudaTensor y = gg.copy()) {
                ElementwiseCuda.axpy(0.25f, gx, y);
                Gpu.close("axpy", y, map2(x, g, (p, q) -> q + (double) 0.25f * p), TOL);
            }
        }
    }
}
