package dev.kokoro.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** Gemm.f32 / f64 against a naive triple loop, all transposes, offsets, padded leading dimensions. */
class GemmProperties {

    @Property(tries = 200)
    void f32MatchesNaive(@ForAll @IntRange(min = 1, max = 70) int m, @ForAll @IntRange(min = 1, max = 90) int n,
                         @ForAll @IntRange(min = 1, max = 60) int k, @ForAll boolean ta, @ForAll boolean tb,
                         @ForAll boolean accumulate, @ForAll long seed) {
        check(m, n, k, ta, tb, accumulate, seed);
    }

    /** A · Bᵀ with few rows and a deep k: the unpacked dot-product path (nn.Linear on a sequence). */
    @Property(tries = 30)
    void linearShapedProductsMatchNaive(@ForAll @IntRange(min = 1, max = 40) int m, @ForAll @IntRange(min = 1, max = 60) int n,
                                        @ForAll @IntRange(min = 256, max = 900) int k, @ForAll boolean accumulate, @ForAll long seed) {
        check(m, n, k, false, true, accumulate, seed);
    }

    @Test
    void largerShapes() {
        int[][] shapes = {{1, 1, 1}, {1, 1024, 256}, {3, 1024, 256}, {200, 37, 1}, {97, 129, 515}, {6, 32, 800}, {130, 4100, 20}};
        long seed = 7;
        for (int[] s : shapes)
            for (int t = 0; t < 4; t++) check(s[0], s[1], s[2], (t & 1) != 0, (t & 2) != 0, t == 3, seed++);
    }

    /** Products run from inside a parallel range (as Conv does) reuse per-thread packing buffers safely. */
    @Test
    void nestedInParallelRanges() {
        for (int rep = 0; rep < 3; rep++) {
            long base = 100 + rep * 16L;
            Parallel.forRange(16, 1L << 24, (lo, hi) -> {
                for (int q = lo; q < hi; q++) check(37 + q, 300 + 7 * q, 129 + q, q % 3 == 0, q % 2 == 0, q % 4 == 1, base + q);
            });
        }
    }

    /** f32Rows: B rows at arbitrary (overlapping, shifted) offsets, as Conv's shifted views use them. */
    @Property(tries = 60)
    void rowOffsetsMatchNaive(@ForAll @IntRange(min = 1, max = 70) int m, @ForAll @IntRange(min = 1, max = 300) int n,
                              @ForAll @IntRange(min = 1, max = 500) int k, @ForAll boolean accumulate, @ForAll long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int lda = k + rng.nextInt(3), ao = rng.nextInt(4), co = rng.nextInt(4), ldc = n + rng.nextInt(3);
        float[] a = rand(rng, ao + m * lda), b = rand(rng, n + 4000), c = rand(rng, co + m * ldc), c0 = c.clone();
        int[] rowOff = new int[k];
        for (int p = 0; p < k; p++) rowOff[p] = rng.nextInt(4000);
        Gemm.f32Rows(m, n, k, a, ao, lda, b, rowOff, c, co, ldc, accumulate);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                double s = accumulate ? c0[co + i * ldc + j] : 0, mag = Math.abs(s);
                for (int p = 0; p < k; p++) {
                    double v = (double) a[ao + i * lda + p] * b[rowOff[p] + j];
                    s += v;
                    mag += Math.abs(v);
                }
                int at = co + i * ldc + j;
                assertTrue(Math.abs(c[at] - s) <= 1e-5 * (mag + 1), "m=" + m + " n=" + n + " k=" + k + " at (" + i + "," + j + "): " + c[at] + " vs " + s);
            }
        for (int i = 0; i < m; i++)
            for (int j = n; j < ldc && co + i * ldc + j < c.length; j++) assertTrue(c[co + i * ldc + j] == c0[co + i * ldc + j]);
    }

    private static void check(int m, int n, int k, boolean ta, boolean tb, boolean accumulate, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int padA = rng.nextInt(3), padB = rng.nextInt(3), padC = rng.nextInt(3);
        int ao = rng.nextInt(4), bo = rng.nextInt(4), co = rng.nextInt(4);
        int aRows = ta ? k : m, aCols = ta ? m : k, bRows = tb ? n : k, bCols = tb ? k : n;
        int lda = aCols + padA, ldb = bCols + padB, ldc = n + padC;
        float[] a = rand(rng, ao + aRows * lda), b = rand(rng, bo + bRows * ldb), c = rand(rng, co + m * ldc);
        double[] ad = toD(a), bd = toD(b), cd = toD(c);
        float[] c0 = c.clone();
        Gemm.f32(ta, tb, m, n, k, a, ao, lda, b, bo, ldb, c, co, ldc, accumulate);
        Gemm.f64(ta, tb, m, n, k, ad, ao, lda, bd, bo, ldb, cd, co, ldc, accumulate);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                double s = accumulate ? c0[co + i * ldc + j] : 0, mag = Math.abs(s);
                for (int p = 0; p < k; p++) {
                    double av = ta ? a[ao + p * lda + i] : a[ao + i * lda + p];
                    double bv = tb ? b[bo + j * ldb + p] : b[bo + p * ldb + j];
                    s += av * bv;
                    mag += Math.abs(av * bv);
                }
                int at = co + i * ldc + j;
                double tol = 1e-5 * (mag + 1);
                String where = String.format("m=%d n=%d k=%d ta=%b tb=%b acc=%b at (%d,%d)", m, n, k, ta, tb, accumulate, i, j);
                assertTrue(Math.abs(c[at] - s) <= tol, "f32 " + where + ": " + c[at] + " vs " + s);
                assertTrue(Math.abs(cd[at] - s) <= tol, "f64 " + where + ": " + cd[at] + " vs " + s);
            }
        // nothing outside C's m×n window is touched
        for (int i = 0; i < co; i++) assertTrue(c[i] == c0[i]);
        for (int i = 0; i < m; i++)
            for (int j = n; j < ldc && co + i * ldc + j < c.length; j++) assertTrue(c[co + i * ldc + j] == c0[co + i * ldc + j]);
    }

    private static float[] rand(SplittableRandom rng, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (rng.nextDouble() * 2 - 1);
        return x;
    }

    private static double[] toD(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) d[i] = x[i];
        return d;
    }
}
