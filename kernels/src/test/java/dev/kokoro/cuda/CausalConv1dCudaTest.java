package dev.kokoro.cuda;

import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Tag("gpu")
class CausalConv1dCudaTest {
    static final double TOL = 1e-5;

    @ParameterizedTest(name = "B={0} D={1} L={2} K={3} silu={4} bias={5}")
    @CsvSource({"1, 1, 1, 4, true, true", "2, 5, 37, 4, true, true", "3, 64, 513, 4, false, true",
                "2, 3, 3, 4, true, false", "1, 7, 100, 3, true, true", "2, 9, 257, 2, false, false"})
    void matchesFloat64Reference(int b, int d, int l, int k, boolean silu, boolean withBias) {
        Gpu.assumeGpu();
        Random r = new Random(b * 1000 + d * 10 + l + k);
        double[] x = Gpu.f32(Gpu.randn(r, b * d * l, 1)), w = Gpu.f32(Gpu.randn(r, d * k, 0.5));
        double[] bias = withBias ? Gpu.f32(Gpu.randn(r, d, 0.5)) : null, dout = Gpu.f32(Gpu.randn(r, b * d * l, 1));
        double[] out = new double[b * d * l], g = new double[b * d * l];
        double[] dx = new double[b * d * l], dw = new double[d * k], db = new double[d];
        for (int bb = 0; bb < b; bb++)
            for (int c = 0; c < d; c++)
                for (int t = 0; t < l; t++) {
                    int row = (bb * d + c) * l;
                    double v = withBias ? bias[c] : 0;
                    for (int j = 0; j < k; j++) {
                        int s = t - (k - 1) + j;
                        if (s >= 0) v += w[c * k + j] * x[row + s];
                    }
                    double sg = 1 / (1 + Math.exp(-v));
                    out[row + t] = silu ? v * sg : v;
                    g[row + t] = silu ? dout[row + t] * sg * (1 + v * (1 - sg)) : dout[row + t];
                }
        for (int bb = 0; bb < b; bb++)
            for (int c = 0; c < d; c++)
                for (int t = 0; t < l; t++) {
                    int row = (bb * d + c) * l;
                    db[c] += g[row + t];
                    for (int j = 0; j < k; j++) {
                        int s = t - (k - 1) + j;
                        if (s >= 0) { dw[c * k + j] += g[row + t] * x[row + s]; dx[row + s] += g[row + t] * w[c * k + j]; }
                    }
                }
        try (CudaTensor gx = Gpu.up(x, b, d, l); CudaTensor gw = Gpu.up(w, d, k); CudaTensor gb = withBias ? Gpu.up(bias, d) : null;
             CudaTensor gd = Gpu.up(dout, b, d, l); CudaTensor o = CausalConv1dCuda.forward(gx, gw, gb, silu);
             CausalConv1dCuda.Grads gr = CausalConv1dCuda.backward(gx, gw, gb, silu, gd)) {
            Gpu.close("out", o, out, TOL);
            Gpu.close("dx", gr.dx(), dx, TOL);
            Gpu.close("dweight", gr.dweight(), dw, TOL);
            if (withBias) Gpu.close("dbias", gr.dbias(), db, TOL);
        }
    }
}
