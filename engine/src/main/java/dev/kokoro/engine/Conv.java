package dev.kokoro.engine;

/** conv1d and conv_transpose1d with PyTorch's argument semantics, lowered to GEMM. */
public final class Conv {
    private Conv() {}

    /** F.conv1d: x [B, Cin, T], w [Cout, Cin/groups, K], bias [Cout] or null. */
    public static Tensor conv1d(Tensor x, Tensor w, Tensor bias, int stride, int padding, int dilation, int groups) { throw new UnsupportedOperationException("not yet implemented"); }

    /** F.conv_transpose1d: x [B, Cin, T], w [Cin, Cout/groups, K], bias [Cout] or null. */
    public static Tensor convTranspose1d(Tensor x, Tensor w, Tensor bias, int stride, int padding, int outputPadding, int groups, int dilation) { throw new UnsupportedOperationException("not yet implemented"); }
}
