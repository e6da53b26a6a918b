package dev.kokoro.cuda;

import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Tag("gpu")
class AdamWCudaTest {
    @ParameterizedTest(name = "n={0}")
    @ValueSource(ints = {1, 999, 65537})
    void fiveStepsMatchTorchAdamWInFloat64(int n) {
        Gpu.assumeGpu();
        Random r = new Random(n);
        double lr = 1e-3, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.01;
        double[] p = Gpu.f32(Gpu.randn(r, n, 1)), m = new double[n], v = new double[n];
        try (CudaTensor gp = Gpu.up(p, n); CudaTensor gm = CudaTensor.zeros(n); CudaTensor gv = CudaTensor.zeros(n)) {
            for (int step = 1; step <= 5; step++) {
                double[] g = Gpu.f32(Gpu.randn(r, n, 1));
                double bc1 = 1 - Math.pow(b1, step), bc2 = 1 - Math.pow(b2, step);
                for (int i = 0; i < n; i++) {
                    p[i] *= 1 - lr * wd;
                    m[i] = b1 * m[i] + (1 - b1) * g[i];
                    v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
                    p[i] -= lr / bc1 * m[i] / (Math.sqrt(v[i]) / Math.sqrt(bc2) + eps);
                }
                try (CudaTensor gg = Gpu.up(g, n)) {
                    AdamWCuda.step(gp, gg, gm, gv, step, (float) lr, b1, b2, (float) eps, (float) wd);
                }
            }
            Gpu.close("param", gp, p, 1e-6);
            Gpu.close("exp_avg", gm, m, 1e-5);
            Gpu.close("exp_avg_sq", gv, v, 1e-5);
        }
    }
}
