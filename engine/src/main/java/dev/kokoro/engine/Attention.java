package dev.kokoro.engine;

/** Softmax and scaled-dot-product attention with a key padding mask. */
public final class Attention {
    private Attention() {}

    public static Tensor softmax(Tensor x, int dim) { throw new UnsupportedOperationException("not yet implemented"); }

    /**
     * q [B, H, Tq, Dh], k, v [B, H, Tk, Dh]; keyMask int64 [B, Tk] with 1 = attend, 0 = padding (may be
     * null). softmax(q·kᵀ/√Dh + (1 − mask)·(−large)) · v, as ALBERT with an extended attention mask.
     */
    public static Tensor scaledDotProduct(Tensor q, Tensor k, Tensor v, Tensor keyMask) { throw new UnsupportedOperationException("not yet implemented"); }
}
