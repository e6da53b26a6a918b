package dev.kokoro.engine;

/** causal-conv1d's depthwise causal convolution: x [B, D, L], weight [D, K], bias [D] or null, optional SiLU. */
public final class CausalConv1d {
    private CausalConv1d() {}

    public static Tensor apply(Tensor x, Tensor weight, Tensor bias, boolean silu) { throw new UnsupportedOperationException("not yet implemented"); }
}
