package dev.kokoro.engine;

/** LayerNorm over the last dim, InstanceNorm1d, and the style-conditioned AdaLayerNorm / AdaIN1d. */
public final class Norms {
    private Norms() {}

    /** F.layer_norm over the last dim of x; weight/bias [C] or null. */
    public static Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, double eps) { throw new UnsupportedOperationException("not yet implemented"); }

    /** F.instance_norm on x [B, C, T] (biased variance, no running stats); weight/bias [C] or null. */
    public static Tensor instanceNorm1d(Tensor x, Tensor weight, Tensor bias, double eps) { throw new UnsupportedOperationException("not yet implemented"); }

    /**
     * Kokoro's AdaLayerNorm on x [B, T, C] with style s [B, S]: h = fc(s) = s·fcWᵀ + fcB, γ = h[:, :C],
     * β = h[:, C:], out = (1 + γ) · layer_norm(x, eps) + β (no affine of its own).
     */
    public static Tensor adaLayerNorm(Tensor x, Tensor s, Tensor fcWeight, Tensor fcBias, double eps) { throw new UnsupportedOperationException("not yet implemented"); }

    /**
     * Kokoro's AdaIN1d on x [B, C, T] with style s [B, S]: h = fc(s), γ = h[:, :C], β = h[:, C:],
     * out = (1 + γ) · instance_norm(x, normWeight, normBias, eps) + β.
     */
    public static Tensor adaIN1d(Tensor x, Tensor s, Tensor fcWeight, Tensor fcBias, Tensor normWeight, Tensor normBias, double eps) { throw new UnsupportedOperationException("not yet implemented"); }
}
