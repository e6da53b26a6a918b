package dev.kokoro.cuda;

import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Tag("gpu")
class MatmulCudaTest {
    static final double TOL = 1e-3;  // TF32 operands

    @ParameterizedTest(name = "batch={0} M={1} N={2} K={3} tA={4} tB={5}")
    @CsvSource({"1, 1, 1, 1, false, false", "1, 64, 64, 64, false, false", "1, 100, 37, 129, false, false",
                "1, 77, 130, 65, true, false", "1, 33, 200, 17, false, true", "1, 128, 96, 300, true, true",
                "3, 50, 70, 90, false, false", "4, 65, 31, 129, false, true", "2, 19, 64, 40, true, false",
                "1, 512, 640, 1280, false, true"})
    void matchesFloat64Reference(int batch, int m, int n, int k, boolean ta, boolean tb) {
        Gpu.assumeGpu();
        Random r = new Random(m * 31 + n * 7 + k + batch);
        double[] a = Gpu.f32(Gpu.randn(r, batch * m * k, 1)), b = Gpu.f32(Gpu.randn(r, batch * k * n, 1));
        double[] c = new double[batch * m * n];
        for (int z = 0; z < batch; z++)
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int p = 0; p < k; p++) {
                        double av = ta ? a[z * m * k + p * m + i] : a[z * m * k + i * k + p];
                        double bv = tb ? b[z * k * n + j * k + p] : b[z * k * n + p * n + j];
                        s += av * bv;
                    }
                    c[z * m * n + i * n + j] = s;
                }
        int[] sa = ta ? new int[] {k, m} : new int[] {m, k}, sb = tb ? new int[] {n, k} : new int[] {k, n};
        try (CudaTensor ga = batch == 1 ? Gpu.up(a, sa) : Gpu.up(a, batch, sa[0], sa[1]);
             CudaTensor gb = batch == 1 ? Gpu.up(b, sb) : Gpu.up(b, batch, sb[0], sb[1]);
             CudaTensor gc = MatmulCuda.matmul(ga, gb, ta, tb)) {
            Gpu.close("C", gc, c, TOL);
        }
    }

    @ParameterizedTest(name = "beta accumulate M={0}")
    @CsvSource({"70", "128"})
    void gemmAccumulatesWithAlphaBeta(int m) {
        Gpu.assumeGpu();
        Random r = new Random(m);
        int n = 45, k = 33;
        double[] a = Gpu.f32(Gpu.randn(r, m * k, 1)), b = Gpu.f32(Gpu.randn(r, k * n, 1)), c0 = Gpu.f32(Gpu.randn(r, m * n, 1));
        double[] c = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) s += a[i * k + p] * b[p * n + j];
                c[i * n + j] = 0.5 * s + 2 * c0[i * n + j];
            }
        try (CudaTensor ga = Gpu.up(a, m, k); CudaTensor gb = Gpu.up(b, k, n); CudaTensor gc = Gpu.up(c0, m, n)) {
            MatmulCuda.gemm(ga, gb, gc, m, n, k, false, false, 1, 0, 0, 0, 0.5f, 2f);
            Gpu.close("C", gc, c, TOL);
        }
    }
}
