package dev.kokoro.engine;

/**
 * Row-major iteration over a shape for one or two strided (possibly broadcast) operands, without
 * per-element index arrays: dims of size 1 are dropped and neighbouring dims that are contiguous in
 * every operand are merged, leaving outer "rows" and an inner run of {@link #inner} elements with a
 * fixed stride per operand (1 for contiguous data, 0 for a broadcast operand).
 *
 * <p>Work is split into units (a row, or a segment of a long row when there are few rows) so that
 * {@link Parallel#forRange} can spread it.
 */
final class Strided {
    final int n;            // merged outer dims
    final int[] shape;      // outer sizes, outermost first
    final int[][] st;       // per operand: outer strides
    final int[] base;       // per operand: storage offset
    final int[] innerStride;
    final int inner, rows, segLen, segs;

    /** Operands {@code ts} broadcast to {@code out} (each must broadcast to it). */
    Strided(int[] out, Tensor... ts) {
        int k = ts.length, rank = out.length;
        int[][] s = new int[k][rank];
        base = new int[k];
        for (int t = 0; t < k; t++) {
            Tensor x = ts[t];
            int lead = rank - x.shape.length;
            for (int i = 0; i < rank; i++) {
                int src = i - lead;
                s[t][i] = (src < 0 || x.shape[src] == 1) ? 0 : x.strides[src];
            }
            base[t] = x.offset;
        }
        // drop size-1 dims, then merge dim i into i+1 where every operand is contiguous across them
        int[] dims = new int[rank];
        int[][] ms = new int[k][rank];
        int m = 0;
        for (int i = 0; i < rank; i++) {
            if (out[i] == 1) continue;
            boolean merge = m > 0;
            for (int t = 0; t < k && merge; t++) merge = ms[t][m - 1] == s[t][i] * out[i];
            if (merge) {
                dims[m - 1] *= out[i];
                for (int t = 0; t < k; t++) ms[t][m - 1] = s[t][i];
            } else {
                dims[m] = out[i];
                for (int t = 0; t < k; t++) ms[t][m] = s[t][i];
                m++;
            }
        }
        int total = Tensor.numel(out);
        if (m == 0 || total == 0) {
            inner = total == 0 ? 0 : 1;
            innerStride = new int[k];
            n = 0;
            shape = new int[0];
            st = new int[k][0];
        } else {
            inner = dims[m - 1];
            innerStride = new int[k];
            for (int t = 0; t < k; t++) innerStride[t] = ms[t][m - 1];
            n = m - 1;
            shape = java.util.Arrays.copyOf(dims, n);
            st = new int[k][];
            for (int t = 0; t < k; t++) st[t] = java.util.Arrays.copyOf(ms[t], n);
        }
        rows = inner == 0 ? 0 : total / inner;
        // few long rows: cut them into segments so every core gets work
        int want = 8 * Parallel.threads();
        if (rows >= want || inner < 8192) {
            segLen = Math.max(inner, 1);
            segs = 1;
        } else {
            int per = (int) Math.min(inner, Math.max(4096, ((long) inner * rows + want - 1) / want));
            segLen = per;
            segs = (inner + per - 1) / per;
        }
    }

    int units() { return rows * segs; }

    /** Storage offset of operand t at the start of row r (row-major over the merged outer dims). */
    int rowOffset(int t, int r) {
        int p = base[t];
        int[] s = st[t];
        for (int i = n - 1; i >= 0; i--) {
            int d = shape[i];
            p += (r % d) * s[i];
            r /= d;
        }
        return p;
    }

    @FunctionalInterface
    interface Body {
        /** Elements [j0, j0+len) of row r: operand offsets o[t] at j0, output (row-major) index out. */
        void run(int[] o, int out, int len);
    }

    /** Runs body over every unit, in parallel; {@code cost} = rough work per element. */
    void forEach(long cost, Body body) {
        int k = base.length;
        Parallel.forRange(units(), cost * segLen, (lo, hi) -> {
            int[] o = new int[k];
            for (int u = lo; u < hi; u++) {
                int r = u / segs, j0 = (u % segs) * segLen, len = Math.min(segLen, inner - j0);
                for (int t = 0; t < k; t++) o[t] = rowOffset(t, r) + j0 * innerStride[t];
                body.run(o, r * inner + j0, len);
            }
        });
    }
}
