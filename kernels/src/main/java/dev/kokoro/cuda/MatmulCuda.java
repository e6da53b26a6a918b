package dev.kokoro.cuda;

import java.util.Arrays;

/**
 * Matrix products on TF32 tensor cores with FP32 accumulation (relative error about 1e-4..1e-3, like
 * PyTorch with allow_tf32). Row-major; {@code transA} means A is stored [K, M] (Aᵀ·B), {@code transB}
 * means B is stored [N, K] (A·Bᵀ). Rank-3 operands are batched over dim 0 (a rank-2 operand broadcasts).
 */
public final class MatmulCuda {
    private MatmulCuda() {}

    public static CudaTensor matmul(CudaTensor a, CudaTensor b, boolean transA, boolean transB) {
        boolean batched = a.rank() == 3 || b.rank() == 3;
        int batch = a.rank() == 3 ? a.dim(0) : b.rank() == 3 ? b.dim(0) : 1;
        if (a.rank() < 2 || a.rank() > 3 || b.rank() < 2 || b.rank() > 3
                || (a.rank() == 3 && a.dim(0) != batch) || (b.rank() == 3 && b.dim(0) != batch))
            throw new IllegalArgumentException("matmul: shapes " + Arrays.toString(a.shape()) + " and " + Arrays.toString(b.shape()) + " are not [M,K]/[B,M,K] with [K,N]/[B,K,N]");
        int m = transA ? a.dim(-1) : a.dim(-2), ka = transA ? a.dim(-2) : a.dim(-1);
        int kb = transB ? b.dim(-1) : b.dim(-2), n = transB ? b.dim(-2) : b.dim(-1);
        if (ka != kb) throw new IllegalArgumentException("matmul: inner dims differ: " + Arrays.toString(a.shape()) + (transA ? "ᵀ" : "")
                + " · " + Arrays.toString(b.shape()) + (transB ? "ᵀ" : ""));
        CudaTensor c = batched ? CudaTensor.empty(batch, m, n) : CudaTensor.empty(m, n);
        gemm(a, b, c, m, n, ka, transA, transB, batch,
                a.rank() == 3 ? (long) m * ka : 0, b.rank() == 3 ? (long) ka * n : 0, (long) m * n, 1f, 0f);
        return c;
    }

    /** C = alpha op(A) op(B) + beta C over {@code batch} matrices at element strides sA, sB, sC. */
    public static void gemm(CudaTensor a, CudaTensor b, CudaTensor c, int m, int n, int k, boolean transA, boolean transB,
                            int batch, long sA, long sB, long sC, float alpha, float beta) {
        if (batch > 65535) throw new IllegalArgumentException("matmul: batch " + batch + " > 65535");
        if (m == 0 || n == 0 || batch == 0) return;
        Cuda.context().launch("matmul", "matmul_tf32", (n + 63) / 64, (m + 63) / 64, batch, 128, 1, 1, 0,
                KernelArgs.of().ptr(a).ptr(b).ptr(c).i(m).i(n).i(k).i(transA ? 1 : 0).i(transB ? 1 : 0)
                        .l(sA).l(sB).l(sC).f(alpha).f(beta));
    }
}
