package dev.kokoro.engine;

import java.util.Arrays;

/** NumPy/PyTorch broadcasting of two shapes, and strided iteration over the result. */
final class Broadcast {
    private Broadcast() {}

    static int[] shape(int[] a, int[] b) {
        int n = Math.max(a.length, b.length);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            int da = i - (n - a.length) >= 0 ? a[i - (n - a.length)] : 1;
            int db = i - (n - b.length) >= 0 ? b[i - (n - b.length)] : 1;
            Tensor.check(da == db || da == 1 || db == 1, "shapes %s and %s do not broadcast", Arrays.toString(a), Arrays.toString(b));
            out[i] = Math.max(da, db);
        }
        return out;
    }

    /**
     * Physical offsets of {@code t} (broadcast to {@code shape}) for each row-major position,
     * computed incrementally. {@code offsets[i]} is the storage index of element i.
     */
    static int[] offsets(Tensor t, int[] shape) {
        int n = shape.length, lead = n - t.dim();
        int[] st = new int[n];
        for (int i = 0; i < n; i++) {
            int src = i - lead;
            st[i] = (src < 0 || t.shape[src] == 1) ? 0 : t.strides[src];
        }
        int total = Tensor.numel(shape);
        int[] out = new int[total];
        int[] idx = new int[n];
        int p = t.offset;
        for (int i = 0; i < total; i++) {
            out[i] = p;
            for (int k = n - 1; k >= 0; k--) {
                if (++idx[k] < shape[k]) {
                    p += st[k];
                    break;
                }
                p -= st[k] * (shape[k] - 1);
                idx[k] = 0;
            }
        }
        return out;
    }
}
