package dev.kokoro.cuda;

import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Tag("gpu")
class LayerNormCudaTest {
    static final double TOL = 1e-5;

    /** Reference for rows grouped by rowsPerGroup; scale null → 1; onePlus → 1 + scale. */
    static double[][] reference(double[] x, double[] scale, double[] shift, double[] dout, int r, int c, int rpg, boolean onePlus, double eps) {
        double[] out = new double[r * c], dx = new double[r * c];
        int groups = (r + rpg - 1) / rpg;
        double[] ds = new double[groups * c], dh = new double[groups * c];
        for (int i = 0; i < r; i++) {
            int g = i / rpg;
            double mu = 0, var = 0;
            for (int j = 0; j < c; j++) mu += x[i * c + j];
            mu /= c;
            for (int j = 0; j < c; j++) var += (x[i * c + j] - mu) * (x[i * c + j] - mu);
            double rs = 1 / Math.sqrt(var / c + eps);
            double s1 = 0, s2 = 0;
            double[] xh = new double[c], dxh = new double[c];
            for (int j = 0; j < c; j++) {
                double sc = scale == null ? 1 : (onePlus ? 1 : 0) + scale[g * c + j];
                xh[j] = (x[i * c + j] - mu) * rs;
                out[i * c + j] = xh[j] * sc + (shift == null ? 0 : shift[g * c + j]);
                dxh[j] = dout[i * c + j] * sc;
                s1 += dxh[j];
                s2 += dxh[j] * xh[j];
                ds[g * c + j] += dout[i * c + j] * xh[j];
                dh[g * c + j] += dout[i * c + j];
            }
            for (int j = 0; j < c; j++) dx[i * c + j] = rs * (dxh[j] - s1 / c - xh[j] * s2 / c);
        }
        return new double[][] {out, dx, ds, dh};
    }

    @ParameterizedTest(name = "R={0} C={1} affine={2}")
    @CsvSource({"1, 1, true", "7, 33, true", "300, 640, true", "1025, 128, false", "64, 1000, true", "3, 5, false"})
    void layerNormMatchesReference(int r, int c, boolean affine) {
        Gpu.assumeGpu();
        Random rnd = new Random(r * 7 + c);
        double[] x = Gpu.f32(Gpu.randn(rnd, r * c, 2)), dout = Gpu.f32(Gpu.randn(rnd, r * c, 1));
        for (int i = 0; i < x.length; i++) x[i] = (float) (x[i] + 3);  // offset mean: the variance must be two-pass
        double[] gamma = affine ? Gpu.f32(Gpu.randn(rnd, c, 1)) : null, beta = affine ? Gpu.f32(Gpu.randn(rnd, c, 1)) : null;
        double[][] ref = reference(x, gamma, beta, dout, r, c, r, false, 1e-5);
        try (CudaTensor gx = Gpu.up(x, r, c); CudaTensor gg = affine ? Gpu.up(gamma, c) : null; CudaTensor gb = affine ? Gpu.up(beta, c) : null;
             CudaTensor gd = Gpu.up(dout, r, c); LayerNormCuda.Result res = LayerNormCuda.layerNorm(gx, gg, gb, 1e-5f);
             LayerNormCuda.Grads gr = LayerNormCuda.layerNormBackward(gx, gg, gb, res, gd)) {
            Gpu.close("out", res.out(), ref[0], TOL);
            Gpu.close("dx", gr.dx(), ref[1], TOL);
            if (affine) {
                Gpu.close("dgamma", gr.dscale(), ref[2], TOL);
                Gpu.close("dbeta", gr.dshift(), ref[3], TOL);
            }
        }
    }

    @ParameterizedTest(name = "B={0} T={1} C={2}")
    @CsvSource({"1, 1, 8", "2, 37, 128", "4, 130, 640", "3, 513, 96"})
    void adaLayerNormMatchesReference(int b, int t, int c) {
        Gpu.assumeGpu();
        Random rnd = new Random(b * 100 + t + c);
        int r = b * t;
        double[] x = Gpu.f32(Gpu.randn(rnd, r * c, 1.5)), dout = Gpu.f32(Gpu.randn(rnd, r * c, 1));
        double[] gamma = Gpu.f32(Gpu.randn(rnd, b * c, 0.5)), beta = Gpu.f32(Gpu.randn(rnd, b * c, 0.5));
        double[][] ref = reference(x, gamma, beta, dout, r, c, t, true, 1e-5);
        try (CudaTensor gx = Gpu.up(x, b, t, c); CudaTensor gg = Gpu.up(gamma, b, c); CudaTensor gb = Gpu.up(beta, b, c);
             CudaTensor gd = Gpu.up(dout, b, t, c); LayerNormCuda.Result res = LayerNormCuda.adaLayerNorm(gx, gg, gb, 1e-5f);
             LayerNormCuda.Grads gr = LayerNormCuda.adaLayerNormBackward(gx, gg, res, gd)) {
            Gpu.close("out", res.out(), ref[0], TOL);
            Gpu.close("dx", gr.dx(), ref[1], TOL);
            Gpu.close("dgamma", gr.dscale(), ref[2], TOL);
            Gpu.close("dbeta", gr.dshift(), ref[3], TOL);
        }
    }
}
