package dev.kokoro.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * FP32-accurate products ({@link MatmulCuda#sgemm}: 3xTF32 mm3 kernels, and the plain "simt" kernel) against a
 * float64 host product, with a bound (relative L2 ≤ 5e-6) that TF32 operands miss by ~60× (they land near 3e-4;
 * {@link #boundSeparatesFp32FromTf32} checks that on the same data). Outputs start poisoned (NaN).
 */
@Tag("gpu")
class SgemmCudaTest {
    static final double TOL = 5e-6;
    static final String[] VARIANTS = {"128", "128w8", "128x64", "64", "32", "128/4", "128x64/3", "32/5", "auto", "auto:128w8", "simt"};

    static <T> T with(String variant, java.util.function.Supplier<T> f) {
        String old = MatmulCuda.f32Kernel;
        MatmulCuda.f32Kernel = variant;
        try { return f.get(); } finally { MatmulCuda.f32Kernel = old; }
    }

    static void sgemm(String variant, CudaTensor a, CudaTensor b, CudaTensor c, int m, int n, int k, boolean ta, boolean tb,
                      int batch, long sA, long sB, long sC, float alpha, float beta) {
        with(variant, () -> {
            MatmulCuda.sgemm(a.buffer(), b.buffer(), c.buffer(), m, n, k, ta, tb, batch, sA, sB, sC, alpha, beta);
            return null;
        });
    }

    static Stream<Arguments> fixedCases() {
        String[] cases = {"1, 1, 1, 1, false, false", "1, 64, 64, 64, false, false", "1, 100, 37, 129, false, false",
                "1, 77, 130, 65, true, false", "1, 33, 200, 17, false, true", "1, 128, 96, 300, true, true",
                "3, 50, 70, 90, false, false", "4, 65, 31, 129, false, true", "2, 19, 64, 40, true, false",
                "1, 512, 640, 1280, false, true", "1, 7, 1, 7, true, true", "1, 1, 1003, 33, false, false",
                "1, 1003, 7, 130, true, false", "1, 130, 130, 1000, false, true", "2, 256, 132, 64, true, true",
                "1, 260, 384, 1090, false, false", "1, 200, 300, 3270, false, false", "1, 129, 257, 33, false, true",
                "1, 16, 1280, 640, false, true", "1, 1, 640, 1280, false, true", "1, 64, 72, 1280, false, true",
                "1, 72, 130, 2048, true, false", "1, 300, 200, 1, false, false", "1, 31, 33, 4100, false, true"};
        return MatmulCudaTest.cross(VARIANTS, cases);
    }

    @ParameterizedTest(name = "{0}: batch={1} M={2} N={3} K={4} tA={5} tB={6}")
    @MethodSource("fixedCases")
    void matchesFloat64Reference(String variant, int batch, int m, int n, int k, boolean ta, boolean tb) {
        Gpu.assumeGpu();
        Random r = new Random(m * 31 + n * 7 + k + batch);
        double[] a = Gpu.f32(Gpu.randn(r, batch * m * k, 1)), b = Gpu.f32(Gpu.randn(r, batch * k * n, 1));
        double[] c = MatmulCudaTest.reference(a, b, null, batch, m, n, k, ta, tb, (long) m * k, (long) k * n, 1, 0);
        int[] sa = ta ? new int[] {k, m} : new int[] {m, k}, sb = tb ? new int[] {n, k} : new int[] {k, n};
        try (CudaTensor ga = batch == 1 ? Gpu.up(a, sa) : Gpu.up(a, batch, sa[0], sa[1]);
             CudaTensor gb = batch == 1 ? Gpu.up(b, sb) : Gpu.up(b, batch, sb[0], sb[1]);
             CudaTensor gc = with(variant, () -> MatmulCuda.matmul(ga, gb, ta, tb, true))) {
            double e = Gpu.relL2(gc.download(), c);
            System.out.printf("sgemm-err %s batch=%d M=%d N=%d K=%d tA=%b tB=%b relL2=%.3e%n", variant, batch, m, n, k, ta, tb, e);
            assertTrue(e <= TOL, () -> variant + ": relative L2 error " + e + " > " + TOL);
        }
    }

    /**
     * Random shapes (odd sizes 1, 7, 33, 130, 1000+ among them), transposes, batch with either operand broadcast
     * (stride 0), alpha/beta accumulation into a random C (beta = 0 with a NaN C: must not read it), each FP32
     * variant in turn: 80 draws.
     */
    @Test
    void randomShapesTransposesBatchesAlphaBeta() {
        Gpu.assumeGpu();
        Random r = new Random(20261126);
        int[] dims = {1, 7, 33, 130, 1000, 1027, 5, 64, 128, 96, 257};
        String[] variants = {"128", "128w8", "128x64", "64", "32", "128/3", "128x64/5", "32/2", "auto", "auto:128x64", "simt"};
        double worst = 0;
        for (int it = 0; it < 80; it++) {
            int m = pick(r, dims), n = pick(r, dims), k = pick(r, dims);
            int batch = r.nextInt(3) == 0 ? 1 + r.nextInt(3) : 1;
            while ((long) batch * m * n * k > 40_000_000L) {  // keeps the float64 reference quick
                if (m >= n && m >= k) m = m / 2 + 1; else if (n >= k) n = n / 2 + 1; else k = k / 2 + 1;
            }
            boolean ta = r.nextBoolean(), tb = r.nextBoolean();
            int bcast = batch > 1 ? r.nextInt(3) : 0;  // 1: A broadcast (sA = 0), 2: B broadcast
            long sA = bcast == 1 ? 0 : (long) m * k, sB = bcast == 2 ? 0 : (long) k * n;
            float alpha = r.nextBoolean() ? 1f : (float) r.nextGaussian();
            float beta = switch (r.nextInt(3)) { case 0 -> 0f; case 1 -> 1f; default -> (float) r.nextGaussian(); };
            String variant = variants[it % variants.length];
            double[] a = Gpu.f32(Gpu.randn(r, (int) ((sA == 0 ? 1 : batch) * (long) m * k), 1));
            double[] b = Gpu.f32(Gpu.randn(r, (int) ((sB == 0 ? 1 : batch) * (long) k * n), 1));
            double[] c0 = Gpu.f32(Gpu.randn(r, batch * m * n, 1));
            if (beta == 0) Arrays.fill(c0, Double.NaN);
            double[] ref = MatmulCudaTest.reference(a, b, c0, batch, m, n, k, ta, tb, sA, sB, alpha, beta);
            int fm = m, fn = n, fk = k, fb = batch;
            try (CudaTensor ga = Gpu.up(a, a.length); CudaTensor gb = Gpu.up(b, b.length); CudaTensor gc = Gpu.up(c0, c0.length)) {
                sgemm(variant, ga, gb, gc, fm, fn, fk, ta, tb, fb, sA, sB, (long) fm * fn, alpha, beta);
                String what = String.format("%s batch=%d M=%d N=%d K=%d tA=%b tB=%b sA=%d sB=%d alpha=%g beta=%g", variant, batch, m, n, k, ta, tb, sA, sB, alpha, beta);
                double e = Gpu.relL2(gc.download(), ref);
                worst = Math.max(worst, e);
                assertTrue(e <= TOL, () -> what + ": relative L2 error " + e + " > " + TOL);
            }
        }
        System.out.printf("sgemm-err random 80 draws: worst relL2=%.3e%n", worst);
    }

    private static int pick(Random r, int[] dims) { return r.nextInt(4) == 0 ? 1 + r.nextInt(300) : dims[r.nextInt(dims.length)]; }

    /**
     * The bound is meaningful: on one product with long K, the TF32 kernel (same tiles, one TF32 product per
     * step) misses it by far, while 3xTF32 stays within 3× of the plain FP32 kernel's own error.
     */
    @Test
    void boundSeparatesFp32FromTf32() {
        Gpu.assumeGpu();
        Random r = new Random(11);
        int m = 192, n = 160, k = 4096;
        double[] a = Gpu.f32(Gpu.randn(r, m * k, 1)), b = Gpu.f32(Gpu.randn(r, n * k, 1));
        double[] ref = MatmulCudaTest.reference(a, b, null, 1, m, n, k, false, true, 0, 0, 1, 0);
        try (CudaTensor ga = Gpu.up(a, m, k); CudaTensor gb = Gpu.up(b, n, k);
             CudaTensor c3 = with("128", () -> MatmulCuda.matmul(ga, gb, false, true, true));
             CudaTensor cs = with("simt", () -> MatmulCuda.matmul(ga, gb, false, true, true));
             CudaTensor c1 = MatmulCudaTest.with("128", () -> MatmulCuda.matmul(ga, gb, false, true))) {
            double e3 = Gpu.relL2(c3.download(), ref), es = Gpu.relL2(cs.download(), ref), e1 = Gpu.relL2(c1.download(), ref);
            System.out.printf("sgemm-err K=%d: 3xTF32 %.3e, plain FP32 %.3e, TF32 %.3e%n", k, e3, es, e1);
            assertTrue(e1 > 20 * TOL, "TF32 error " + e1 + " should miss the FP32 bound " + TOL);
            assertTrue(es <= TOL, "plain FP32 error " + es);
            assertTrue(e3 <= TOL && e3 <= 3 * es + 1e-7, "3xTF32 error " + e3 + " vs plain FP32 " + es);
        }
    }

    /** Same inputs twice give bit-identical outputs (no race, also with split K); TensorOpsCuda.sgemm runs the same kernel. */
    @Test
    void deterministicAndRoutedFromTensorOps() {
        Gpu.assumeGpu();
        Random r = new Random(7);
        int m = 1000, n = 1280, k = 640;
        try (CudaTensor a = Gpu.up(Gpu.randn(r, m * k, 1), m, k); CudaTensor b = Gpu.up(Gpu.randn(r, n * k, 1), n, k);
             CudaTensor c1 = with("auto", () -> MatmulCuda.matmul(a, b, false, true, true));
             CudaTensor c2 = with("auto", () -> MatmulCuda.matmul(a, b, false, true, true));
             CudaTensor c3 = CudaTensor.empty(m, n);
             CudaTensor s1 = with("128/4", () -> MatmulCuda.matmul(a, b, false, true, true));
             CudaTensor s2 = with("128/4", () -> MatmulCuda.matmul(a, b, false, true, true))) {
            with("auto", () -> {
                TensorOpsCuda.sgemm(a.buffer(), b.buffer(), c3.buffer(), m, n, k, false, true, 1, 0, 0, 0, 1f, 0f);
                return null;
            });
            float[] x = c1.download();
            assertArrayEquals(x, c2.download(), "two runs differ");
            assertArrayEquals(x, c3.download(), "TensorOpsCuda.sgemm differs from MatmulCuda.sgemm");
            assertArrayEquals(s1.download(), s2.download(), "two split-K runs differ");
        }
    }

    @Test
    void planChoice() {
        assertEquals(new MatmulCuda.Plan(MatmulCuda.configF32("128"), 1), MatmulCuda.chooseF32(8192, 2560, 640, 1, 132));
        assertEquals(new MatmulCuda.Plan(MatmulCuda.configF32("128"), 6), MatmulCuda.chooseF32(1280, 640, 8192, 1, 132));
        assertEquals(new MatmulCuda.Plan(MatmulCuda.configF32("64"), 1), MatmulCuda.chooseF32(512, 768, 64, 1, 132));
        assertEquals("32", MatmulCuda.chooseF32(16, 1280, 640, 1, 132).cfg().name());
        assertEquals(new MatmulCuda.Plan(MatmulCuda.configF32("32"), 1), MatmulCuda.chooseF32(1, 64, 16, 1, 132));
        assertEquals(new MatmulCuda.Plan(MatmulCuda.configF32("128x64"), 3), MatmulCuda.planF32("128x64/3", 8, 8, 8, 1, 132));
        assertEquals(new MatmulCuda.Plan(MatmulCuda.configF32("128x64"), 1), MatmulCuda.planF32("auto:128x64", 8192, 640, 640, 1, 132));
        assertEquals(new MatmulCuda.Plan(MatmulCuda.configF32("64"), 1), MatmulCuda.chooseF32(512, 1280, 640, 1, 132));
        assertEquals(new MatmulCuda.Plan(MatmulCuda.configF32("128x64"), 1), MatmulCuda.chooseF32(8192, 640, 1280, 1, 132));
        assertEquals(new MatmulCuda.Plan(MatmulCuda.configF32("128"), 1), MatmulCuda.chooseF32(1024, 8192, 3270, 1, 132));
        assertEquals(new MatmulCuda.Plan(MatmulCuda.configF32("128"), 3), MatmulCuda.chooseF32(2560, 640, 8192, 1, 132));
        assertEquals(new MatmulCuda.Plan(MatmulCuda.configF32("64"), 1), MatmulCuda.chooseF32(2048, 1280, 640, 1, 132));
        assertEquals(new MatmulCuda.Plan(MatmulCuda.configF32("64"), 1), MatmulCuda.chooseF32(64, 640, 1280, 1, 132));
        for (MatmulCuda.Config c : MatmulCuda.F32_CONFIGS) assertTrue(c.smemBytes() <= 227 * 1024, c + " fits an H100 multiprocessor");
    }
}
