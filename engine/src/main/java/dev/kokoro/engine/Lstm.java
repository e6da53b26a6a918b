package dev.kokoro.engine;

/**
 * nn.LSTM (batch_first, gates i, f, g, o as PyTorch orders them) over variable-length sequences with
 * pack_padded_sequence semantics: each item runs over its own length, the reverse direction starts at
 * its last valid step, and padded output steps are zero.
 */
public final class Lstm {
    private Lstm() {}

    /** Weights of one direction: wIh [4H, I], wHh [4H, H], bIh [4H], bHh [4H]. */
    public record Direction(Tensor wIh, Tensor wHh, Tensor bIh, Tensor bHh) {}

    /**
     * x [B, T, I]; lengths per item (null = all T); backward may be null (unidirectional).
     * Returns [B, T, H] or [B, T, 2H] (forward ‖ backward).
     */
    public static Tensor lstm(Tensor x, int[] lengths, Direction forward, Direction backward) { throw new UnsupportedOperationException("not yet implemented"); }
}
