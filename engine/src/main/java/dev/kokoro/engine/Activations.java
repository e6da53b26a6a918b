package dev.kokoro.engine;

/** Pointwise nonlinearities with PyTorch's definitions; each has a SIMD float32 path. */
public final class Activations {
    private Activations() {}

    public static Tensor relu(Tensor x) { throw new UnsupportedOperationException("not yet implemented"); }
    /** F.leaky_relu(x, slope). */
    public static Tensor leakyRelu(Tensor x, double slope) { throw new UnsupportedOperationException("not yet implemented"); }
    /** gelu with the tanh approximation (HF "gelu_new"). */
    public static Tensor gelu(Tensor x) { throw new UnsupportedOperationException("not yet implemented"); }
    public static Tensor sigmoid(Tensor x) { throw new UnsupportedOperationException("not yet implemented"); }
    public static Tensor tanh(Tensor x) { throw new UnsupportedOperationException("not yet implemented"); }
    /** x · sigmoid(x). */
    public static Tensor silu(Tensor x) { throw new UnsupportedOperationException("not yet implemented"); }
    /** F.softplus with beta 1, threshold 20 (identity above 20). */
    public static Tensor softplus(Tensor x) { throw new UnsupportedOperationException("not yet implemented"); }
    /** Snake: x + sin²(αx)/α, with α broadcastable to x (Kokoro: α [1, C, 1] on x [B, C, T]). */
    public static Tensor snake(Tensor x, Tensor alpha) { throw new UnsupportedOperationException("not yet implemented"); }
}
