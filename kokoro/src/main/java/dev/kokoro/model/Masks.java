package dev.kokoro.model;

import dev.kokoro.engine.DType;
import dev.kokoro.engine.Indexing;
import dev.kokoro.engine.Tensor;

/** Kokoro's text_mask (true past each item's length) and masked_fill with it. */
public final class Masks {
    private Masks() {}

    /** int64 [B, T]: 1 where t ≥ lengths[b] (padding), else 0; null lengths = nothing padded. */
    public static Tensor padMask(int[] lengths, int b, int t) {
        Tensor m = Tensor.zeros(DType.I64, b, t);
        if (lengths == null) return m;
        check(lengths, b, t);
        long[] a = m.i64();
        for (int i = 0; i < b; i++)
            for (int j = lengths[i]; j < t; j++) a[i * t + j] = 1;
        return m;
    }

    /** True when some item is shorter than T (so masking changes anything). */
    public static boolean anyPadding(int[] lengths, int t) {
        if (lengths == null) return false;
        for (int l : lengths) if (l < t) return true;
        return false;
    }

    /**
     * x.masked_fill(padded, 0) with the mask along {@code timeDim} of x ([B, C, T]: timeDim 2;
     * [B, T, C]: timeDim 1). Returns x unchanged when nothing is padded.
     */
    public static Tensor zeroPadded(Tensor x, int[] lengths, int timeDim) {
        int b = x.size(0), t = x.size(timeDim);
        if (!anyPadding(lengths, t)) return x;
        Tensor m = padMask(lengths, b, t);
        m = timeDim == 2 ? m.reshape(b, 1, t) : m.reshape(b, t, 1);
        return Indexing.maskedFill(x, m, 0.0);
    }

    public static void check(int[] lengths, int b, int t) {
        if (lengths.length != b)
            throw new IllegalArgumentException(lengths.length + " lengths for a batch of " + b);
        for (int l : lengths)
            if (l < 1 || l > t) throw new IllegalArgumentException("length " + l + " outside 1.." + t);
    }
}
