package dev.kokoro.engine;

/** torch.nn.utils.weight_norm with dim=0: w = g · v / ‖v‖, the norm over every dim but 0. */
public final class WeightNorm {
    private WeightNorm() {}

    /** v [O, ...], g [O, 1, ...] (PyTorch's shape) → w of v's shape. */
    public static Tensor apply(Tensor v, Tensor g) { throw new UnsupportedOperationException("not yet implemented"); }
}
