package dev.kokoro.cuda;

import java.util.Arrays;

/**
 * Launchers of tensor_ops.cu: strided copy, broadcasting binary ops, unary math, sums, softmax, row
 * gather and the FP32 GEMM (MatmulCuda's 3xTF32 kernels; the first, plain one stays as sgemmSimt). Operands
 * are (buffer, element offset, strides) views of a shape; dims are
 * coalesced (size-1 dims dropped, dims contiguous in every operand merged) to at most 6.
 */
final class TensorOpsCuda {
    private TensorOpsCuda() {}

    static final String M = "tensor_ops";
    static final int ADD = 0, SUB = 1, MUL = 2, DIV = 3, ATAN2 = 4;

    /** Rank of {@code shape} after coalescing. */
    static int coalescedRank(int[] shape, int[]... strides) {
        int m = 0, prev = -1;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == 1) continue;
            boolean merge = prev >= 0;
            for (int[] st : strides) merge = merge && st[prev] == st[i] * shape[i];
            if (!merge) m++;
            prev = i;
        }
        return m;
    }

    /** Dims of a coalesced shape that are not front padding (coalesce drops every other size-1 dim). */
    static int rank(int[] coalescedShape) {
        int nd = 6;
        while (nd > 0 && coalescedShape[6 - nd] == 1) nd--;
        return nd;
    }

    /** Whether 32-bit index arithmetic covers every element index and every storage offset of these buffers. */
    static boolean small(long n, DeviceBuffer... buffers) {
        if (n >= Integer.MAX_VALUE) return false;
        for (DeviceBuffer b : buffers) if (b != null && b.bytes() / 4 >= Integer.MAX_VALUE) return false;
        return true;
    }

    /** Coalesced {shape, strides of operand 0, strides of operand 1, ...}, each padded in front to 6. */
    static int[][] coalesce(int[] shape, int[]... strides) {
        int k = strides.length, rank = shape.length, m = 0;
        int[] dims = new int[rank];
        int[][] st = new int[k][rank];
        for (int i = 0; i < rank; i++) {
            if (shape[i] == 1) continue;
            boolean merge = m > 0;
            for (int t = 0; t < k && merge; t++) merge = st[t][m - 1] == strides[t][i] * shape[i];
            if (merge) {
                dims[m - 1] *= shape[i];
                for (int t = 0; t < k; t++) st[t][m - 1] = strides[t][i];
            } else {
                dims[m] = shape[i];
                for (int t = 0; t < k; t++) st[t][m] = strides[t][i];
                m++;
            }
        }
        if (m > 6) throw new IllegalArgumentException("CUDA strided op: view of shape " + Arrays.toString(shape) + " needs "
                + m + " dims after merging (at most 6)");
        int[][] out = new int[k + 1][6];
        Arrays.fill(out[0], 1);
        for (int i = 0; i < m; i++) {
            out[0][6 - m + i] = dims[i];
            for (int t = 0; t < k; t++) out[t + 1][6 - m + i] = st[t][i];
        }
        return out;
    }

    static long numel(int[] shape) {
        long n = 1;
        for (int s : shape) n *= s;
        return n;
    }

    /** dst[doff + view] = src[soff + view] over {@code shape}. */
    static void stridedCopy(DeviceBuffer src, int soff, int[] sst, DeviceBuffer dst, int doff, int[] dstSt, int[] shape) {
        long n = numel(shape);
        if (n == 0) return;
        if (coalescedRank(shape, sst, dstSt) > 6) {   // one launch per index of the leading dim
            int[] s1 = Arrays.copyOfRange(shape, 1, shape.length), a1 = Arrays.copyOfRange(sst, 1, sst.length), b1 = Arrays.copyOfRange(dstSt, 1, dstSt.length);
            for (int i = 0; i < shape[0]; i++) stridedCopy(src, soff + i * sst[0], a1, dst, doff + i * dstSt[0], b1, s1);
            return;
        }
        int[][] c = coalesce(shape, sst, dstSt);
        Cuda.context().launch1d(M, small(n, src, dst) ? "strided_copy32" : "strided_copy", n,
                KernelArgs.of().ptr(src).i(soff).ints(c[1]).ptr(dst).i(doff).ints(c[2]).ints(c[0]).i(rank(c[0])).l(n));
    }

    /** out (contiguous, {@code shape}) = a op b, with broadcast strides (0 along broadcast dims). */
    static void binary(int op, DeviceBuffer a, int aoff, int[] ast, DeviceBuffer b, int boff, int[] bst, DeviceBuffer out, int[] shape) {
        long n = numel(shape);
        if (n == 0) return;
        int[][] c = coalesce(shape, ast, bst, contiguous(shape));
        Cuda.context().launch1d(M, small(n, a, b, out) ? "binary_op32" : "binary_op", n,
                KernelArgs.of().i(op).ptr(a).i(aoff).ints(c[1]).ptr(b).i(boff).ints(c[2]).ptr(out).ints(c[0]).i(rank(c[0])).l(n));
    }

    /** out (contiguous) = f(x) elementwise; op codes as in tensor_ops.cu's unary_op. */
    static void unary(int op, DeviceBuffer x, int xoff, int[] xst, DeviceBuffer out, int[] shape, float p0, float p1) {
        long n = numel(shape);
        if (n == 0) return;
        int[][] c = coalesce(shape, xst, contiguous(shape));
        Cuda.context().launch1d(M, small(n, x, out) ? "unary_op32" : "unary_op", n,
                KernelArgs.of().i(op).ptr(x).i(xoff).ints(c[1]).ptr(out).ints(c[0]).i(rank(c[0])).l(n).f(p0).f(p1));
    }

    static void sumRows(DeviceBuffer x, DeviceBuffer out, int rows, int n) {
        if (rows == 0) return;
        int len = 16384, chunks = (n + len - 1) / len;
        if (rows < 264 && chunks > 1 && rows <= 65535) {   // few long rows: per-chunk partial sums first, then their sums
            try (CudaTensor part = CudaTensor.empty(rows, chunks)) {
                Cuda.context().launch(M, "sum_rows_partial", chunks, rows, 1, 256, 1, 1, 0,
                        KernelArgs.of().ptr(x).ptr(part.buffer()).i(n).i(len).i(chunks));
                sumRows(part.buffer(), out, rows, chunks);
            }
            return;
        }
        Cuda.context().launch(M, "sum_rows", Math.min(rows, 65535), 1, 1, 256, 1, 1, 0, KernelArgs.of().ptr(x).ptr(out).i(rows).i(n));
    }

    static void sumMid(DeviceBuffer x, DeviceBuffer out, int outer, int n, int inner) {
        long total = (long) outer * inner;
        if (total == 0) return;
        Cuda.context().launch1d(M, "sum_mid", total, KernelArgs.of().ptr(x).ptr(out).i(outer).i(n).i(inner));
    }

    static void softmaxRows(DeviceBuffer x, DeviceBuffer y, int rows, int n) {
        if (rows == 0 || n == 0) return;
        Cuda.context().launch(M, "softmax_rows", Math.min(rows, 65535), 1, 1, 256, 1, 1, 0, KernelArgs.of().ptr(x).ptr(y).i(rows).i(n));
    }

    /** out[i, :] = w[ids[i], :]; ids already range-checked. */
    static void gatherRows(DeviceBuffer w, int[] ids, DeviceBuffer out, int d) {
        if (ids.length == 0 || d == 0) return;
        try (CudaTensor dev = CudaTensor.empty(ids.length)) {   // ints: 4 bytes each, like floats
            Cuda.context().copyIntsToDevice(dev.buffer().pointer(), ids);
            Cuda.context().launch1d(M, "gather_rows", (long) ids.length * d, KernelArgs.of().ptr(w).ptr(dev).ptr(out).i(ids.length).i(d));
        }
    }

    /** C = alpha op(A) op(B) + beta C, FP32-accurate, over {@code batch} matrices: {@link MatmulCuda#sgemm} (3xTF32). */
    static void sgemm(DeviceBuffer a, DeviceBuffer b, DeviceBuffer c, int m, int n, int k, boolean transA, boolean transB,
                      int batch, long sA, long sB, long sC, float alpha, float beta) {
        MatmulCuda.sgemm(a, b, c, m, n, k, transA, transB, batch, sA, sB, sC, alpha, beta);
    }

    /** The first FP32 GEMM, tensor_ops.cu's sgemm_f32 (16×16 tiles, one output per thread). */
    static void sgemmSimt(DeviceBuffer a, DeviceBuffer b, DeviceBuffer c, int m, int n, int k, boolean transA, boolean transB,
                          int batch, long sA, long sB, long sC, float alpha, float beta) {
        if (batch > 65535) throw new IllegalArgumentException("matmul: batch " + batch + " > 65535");
        if (m == 0 || n == 0 || batch == 0) return;
        Cuda.context().launch(M, "sgemm_f32", (n + 15) / 16, (m + 15) / 16, batch, 16, 16, 1, 0,
                KernelArgs.of().ptr(a).ptr(b).ptr(c).i(m).i(n).i(k).i(transA ? 1 : 0).i(transB ? 1 : 0).l(sA).l(sB).l(sC).f(alpha).f(beta));
    }

    static int[] contiguous(int[] shape) {
        int[] st = new int[shape.length];
        int s = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            st[i] = s;
            s *= shape[i];
        }
        return st;
    }
}
