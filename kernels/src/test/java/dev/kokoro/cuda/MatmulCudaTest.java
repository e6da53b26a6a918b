package dev.kokoro.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * MatmulCuda against a float64 host product (relative L2 ≤ 1e-3, TF32 operands) for every kernel variant:
 * every mm2 configuration (16-byte and 4-byte cp.async paths, split K), the automatic choice and the first
 * (wmma) kernel. Outputs start poisoned (NaN), so an unwritten element fails.
 */
@Tag("gpu")
class MatmulCudaTest {
    static final double TOL = 1e-3;  // TF32 operands
    static final String[] VARIANTS = {"128", "128lds", "128w8", "256", "64", "256s4", "256t", "128/4", "64/3", "auto", "wmma"};

    /** Reference C = alpha op(A) op(B) + beta C0 in float64; A/B batch strides sA/sB (0 broadcasts). */
    static double[] reference(double[] a, double[] b, double[] c0, int batch, int m, int n, int k, boolean ta, boolean tb,
                              long sA, long sB, double alpha, double beta) {
        double[] c = new double[batch * m * n];
        double[] row = new double[k];
        for (int z = 0; z < batch; z++) {
            int oa = (int) (z * sA), ob = (int) (z * sB);
            for (int i = 0; i < m; i++) {
                for (int p = 0; p < k; p++) row[p] = ta ? a[oa + p * m + i] : a[oa + i * k + p];
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    if (tb) for (int p = 0; p < k; p++) s += row[p] * b[ob + j * k + p];
                    else for (int p = 0; p < k; p++) s += row[p] * b[ob + p * n + j];
                    int o = z * m * n + i * n + j;
                    c[o] = alpha * s + (beta == 0 ? 0 : beta * c0[o]);
                }
            }
        }
        return c;
    }

    static <T> T with(String variant, java.util.function.Supplier<T> f) {
        String old = MatmulCuda.kernel;
        MatmulCuda.kernel = variant;
        try { return f.get(); } finally { MatmulCuda.kernel = old; }
    }

    static Stream<Arguments> fixedCases() {
        String[] cases = {"1, 1, 1, 1, false, false", "1, 64, 64, 64, false, false", "1, 100, 37, 129, false, false",
                "1, 77, 130, 65, true, false", "1, 33, 200, 17, false, true", "1, 128, 96, 300, true, true",
                "3, 50, 70, 90, false, false", "4, 65, 31, 129, false, true", "2, 19, 64, 40, true, false",
                "1, 512, 640, 1280, false, true", "1, 7, 1, 7, true, true", "1, 1, 1003, 33, false, false",
                "1, 1003, 7, 130, true, false", "1, 130, 130, 1000, false, true", "2, 256, 132, 64, true, true",
                "1, 260, 384, 1090, false, false", "1, 200, 300, 3270, false, false", "1, 129, 257, 33, false, true",
                "1, 100, 200, 36, false, false", "1, 132, 68, 100, true, false", "3, 68, 260, 132, false, true",
                "1, 130, 70, 2100, true, false", "2, 96, 40, 1500, true, false"};
        return cross(VARIANTS, cases);
    }

    /** Every variant × every "batch, M, N, K, transA, transB" case. */
    static Stream<Arguments> cross(String[] variants, String[] cases) {
        List<Arguments> out = new ArrayList<>();
        for (String v : variants)
            for (String c : cases) {
                String[] f = c.split(",\\s*");
                out.add(Arguments.of(v, Integer.parseInt(f[0]), Integer.parseInt(f[1]), Integer.parseInt(f[2]), Integer.parseInt(f[3]),
                        Boolean.parseBoolean(f[4]), Boolean.parseBoolean(f[5])));
            }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}: batch={1} M={2} N={3} K={4} tA={5} tB={6}")
    @MethodSource("fixedCases")
    void matchesFloat64Reference(String variant, int batch, int m, int n, int k, boolean ta, boolean tb) {
        Gpu.assumeGpu();
        Random r = new Random(m * 31 + n * 7 + k + batch);
        double[] a = Gpu.f32(Gpu.randn(r, batch * m * k, 1)), b = Gpu.f32(Gpu.randn(r, batch * k * n, 1));
        double[] c = reference(a, b, null, batch, m, n, k, ta, tb, (long) m * k, (long) k * n, 1, 0);
        int[] sa = ta ? new int[] {k, m} : new int[] {m, k}, sb = tb ? new int[] {n, k} : new int[] {k, n};
        try (CudaTensor ga = batch == 1 ? Gpu.up(a, sa) : Gpu.up(a, batch, sa[0], sa[1]);
             CudaTensor gb = batch == 1 ? Gpu.up(b, sb) : Gpu.up(b, batch, sb[0], sb[1]);
             CudaTensor gc = with(variant, () -> MatmulCuda.matmul(ga, gb, ta, tb))) {
            Gpu.close("C", gc, c, TOL);
        }
    }

    /**
     * Random shapes (odd sizes 1, 7, 33, 130, 1000+ among them), transposes, batch with either operand
     * broadcast, alpha/beta accumulation into a random C, for each mm2 configuration in turn: 80 draws.
     */
    @Test
    void randomShapesTransposesBatchesAlphaBeta() {
        Gpu.assumeGpu();
        Random r = new Random(20261125);
        int[] dims = {1, 7, 33, 130, 1000, 1027, 5, 64, 128, 96, 257};
        for (int it = 0; it < 80; it++) {
            int m = pick(r, dims), n = pick(r, dims), k = pick(r, dims);
            int batch = r.nextInt(4) == 0 ? 1 + r.nextInt(3) : 1;
            while ((long) batch * m * n * k > 40_000_000L) {  // keeps the float64 reference quick
                if (m >= n && m >= k) m = m / 2 + 1; else if (n >= k) n = n / 2 + 1; else k = k / 2 + 1;
            }
            boolean ta = r.nextBoolean(), tb = r.nextBoolean();
            int bcast = batch > 1 ? r.nextInt(3) : 0;  // 1: A broadcast (sA = 0), 2: B broadcast
            long sA = bcast == 1 ? 0 : (long) m * k, sB = bcast == 2 ? 0 : (long) k * n;
            float alpha = r.nextBoolean() ? 1f : (float) (r.nextGaussian()), beta = switch (r.nextInt(3)) { case 0 -> 0f; case 1 -> 1f; default -> (float) r.nextGaussian(); };
            String variant = new String[] {"128", "128lds", "128w8", "256", "64", "128/3", "64/5", "256/2", "256s4", "256t"}[it % 10];
            double[] a = Gpu.f32(Gpu.randn(r, (int) ((sA == 0 ? 1 : batch) * (long) m * k), 1));
            double[] b = Gpu.f32(Gpu.randn(r, (int) ((sB == 0 ? 1 : batch) * (long) k * n), 1));
            double[] c0 = Gpu.f32(Gpu.randn(r, batch * m * n, 1));
            if (beta == 0) Arrays.fill(c0, Double.NaN);  // beta = 0 must not read C
            double[] ref = reference(a, b, c0, batch, m, n, k, ta, tb, sA, sB, alpha, beta);
            int fm = m, fn = n, fk = k, fb = batch;
            try (CudaTensor ga = Gpu.up(a, a.length); CudaTensor gb = Gpu.up(b, b.length); CudaTensor gc = Gpu.up(c0, c0.length)) {
                with(variant, () -> { MatmulCuda.gemm(ga, gb, gc, fm, fn, fk, ta, tb, fb, sA, sB, (long) fm * fn, alpha, beta); return null; });
                String what = String.format("%s batch=%d M=%d N=%d K=%d tA=%b tB=%b sA=%d sB=%d alpha=%g beta=%g", variant, batch, m, n, k, ta, tb, sA, sB, alpha, beta);
                double e = Gpu.relL2(gc.download(), ref);
                assertTrue(e <= TOL, () -> what + ": relative L2 error " + e + " > " + TOL);
            }
        }
    }

    private static int pick(Random r, int[] dims) { return r.nextInt(4) == 0 ? 1 + r.nextInt(300) : dims[r.nextInt(dims.length)]; }

    @ParameterizedTest(name = "{0}: beta accumulate M={1}")
    @CsvSource({"128, 70", "128, 128", "128w8, 130", "128lds, 70", "256, 70", "64, 70", "64, 128", "128/2, 70", "wmma, 70", "wmma, 128"})
    void gemmAccumulatesWithAlphaBeta(String variant, int m) {
        Gpu.assumeGpu();
        Random r = new Random(m);
        int n = 45, k = 97;
        double[] a = Gpu.f32(Gpu.randn(r, m * k, 1)), b = Gpu.f32(Gpu.randn(r, k * n, 1)), c0 = Gpu.f32(Gpu.randn(r, m * n, 1));
        double[] c = reference(a, b, c0, 1, m, n, k, false, false, 0, 0, 0.5, 2);
        try (CudaTensor ga = Gpu.up(a, m, k); CudaTensor gb = Gpu.up(b, k, n); CudaTensor gc = Gpu.up(c0, m, n)) {
            with(variant, () -> { MatmulCuda.gemm(ga, gb, gc, m, n, k, false, false, 1, 0, 0, 0, 0.5f, 2f); return null; });
            Gpu.close("C", gc, c, TOL);
        }
    }

    /** Same inputs twice give bit-identical outputs (no race), and mm2 agrees with the first kernel to TF32 rounding. */
    @Test
    void deterministicAndAgreesWithFirstKernel() {
        Gpu.assumeGpu();
        Random r = new Random(7);
        int m = 1000, n = 1280, k = 640;
        try (CudaTensor a = Gpu.up(Gpu.randn(r, m * k, 1), m, k); CudaTensor b = Gpu.up(Gpu.randn(r, n * k, 1), n, k);
             CudaTensor c1 = with("auto", () -> MatmulCuda.matmul(a, b, false, true));
             CudaTensor c2 = with("auto", () -> MatmulCuda.matmul(a, b, false, true));
             CudaTensor c3 = with("wmma", () -> MatmulCuda.matmul(a, b, false, true))) {
            float[] x = c1.download(), y = c2.download(), z = c3.download();
            assertArrayEquals(x, y, "two runs differ");
            double[] zd = new double[z.length];
            for (int i = 0; i < z.length; i++) zd[i] = z[i];
            double e = Gpu.relL2(x, zd);
            assertTrue(e <= TOL, "mm2 vs wmma relative L2 " + e);
        }
    }

    @Test
    void tileChoice() {
        assertEquals(new MatmulCuda.Plan(MatmulCuda.config("64"), 1), MatmulCuda.choose(512, 768, 640, 1, 132));
        assertEquals(new MatmulCuda.Plan(MatmulCuda.config("128"), 1), MatmulCuda.choose(8192, 1280, 640, 1, 132));
        assertEquals(new MatmulCuda.Plan(MatmulCuda.config("128"), 6), MatmulCuda.choose(1280, 640, 8192, 1, 132));
        assertEquals(new MatmulCuda.Plan(MatmulCuda.config("128"), 4), MatmulCuda.plan("128/4"));
        assertTrue(MatmulCuda.config("128").smemBytes() <= 227 * 1024 / 2, "two 128-tile blocks fit an H100 multiprocessor");
        for (MatmulCuda.Config c : MatmulCuda.CONFIGS) assertTrue(c.smemBytes() <= 227 * 1024, c + " fits an H100 multiprocessor");
    }
}
