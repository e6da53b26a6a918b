package dev.kokoro.model.nn;

import dev.kokoro.engine.Norms;
import dev.kokoro.engine.Tensor;

/** Kokoro's AdaLayerNorm(style_dim, channels): fc Linear(style, 2C); (1 + γ)·LN(x) + β. */
public final class AdaLayerNorm extends Module {
    public final int channels;
    public final double eps;
    public final Linear fc;

    public AdaLayerNorm(int styleDim, int channels, double eps) {
        this.channels = channels;
        this.eps = eps;
        this.fc = child("fc", new Linear(styleDim, 2 * channels, true));
    }

    /** x [B, T, C], s [B, style]. */
    public Tensor forward(Tensor x, Tensor s) {
        return Norms.adaLayerNorm(x, s, fc.weight.get(), fc.bias.get(), eps);
    }
}
