package dev.kokoro.engine;

/**
 * General matrix product on row-major arrays: {@code C (+)= op(A) · op(B)} with op = identity or
 * transpose, {@code op(A)} m×k, {@code op(B)} k×n. The float32 path is the hot one.
 */
public final class Gemm {
    private Gemm() {}

    public static void f32(boolean ta, boolean tb, int m, int n, int k,
                           float[] a, int ao, int lda, float[] b, int bo, int ldb,
                           float[] c, int co, int ldc, boolean accumulate) {
        Parallel.forRange(m, 2L * n * k, (lo, hi) -> {
            float[] row = new float[k];
            for (int i = lo; i < hi; i++) {
                int ci = co + i * ldc;
                if (!accumulate) java.util.Arrays.fill(c, ci, ci + n, 0f);
                for (int p = 0; p < k; p++) row[p] = ta ? a[ao + p * lda + i] : a[ao + i * lda + p];
                if (!tb) {
                    for (int p = 0; p < k; p++) {
                        float av = row[p];
                        if (av == 0f) continue;
                        int bp = bo + p * ldb;
                        for (int j = 0; j < n; j++) c[ci + j] += av * b[bp + j];
                    }
                } else {
                    for (int j = 0; j < n; j++) {
                        int bj = bo + j * ldb;
                        float s = 0f;
                        for (int p = 0; p < k; p++) s += row[p] * b[bj + p];
                        c[ci + j] += s;
                    }
                }
            }
        });
    }

    public static void f64(boolean ta, boolean tb, int m, int n, int k,
                           double[] a, int ao, int lda, double[] b, int bo, int ldb,
                           double[] c, int co, int ldc, boolean accumulate) {
        Parallel.forRange(m, 2L * n * k, (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                int ci = co + i * ldc;
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int p = 0; p < k; p++) {
                        double av = ta ? a[ao + p * lda + i] : a[ao + i * lda + p];
                        double bv = tb ? b[bo + j * ldb + p] : b[bo + p * ldb + j];
                        s += av * bv;
                    }
                    c[ci + j] = accumulate ? c[ci + j] + s : s;
                }
            }
        });
    }

    /** Dispatch on the dtype of contiguous tensors' backing arrays. */
    static void run(boolean ta, boolean tb, int m, int n, int k,
                    Tensor a, int ao, int lda, Tensor b, int bo, int ldb, Tensor c, int co, int ldc, boolean accumulate) {
        switch (c.dtype) {
            case F32 -> f32(ta, tb, m, n, k, a.f, ao, lda, b.f, bo, ldb, c.f, co, ldc, accumulate);
            case F64 -> f64(ta, tb, m, n, k, a.d, ao, lda, b.d, bo, ldb, c.d, co, ldc, accumulate);
            case I64 -> throw new IllegalArgumentException("matmul of int64 tensors");
        }
    }
}
