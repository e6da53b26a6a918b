package dev.kokoro.model.nn;

import dev.kokoro.engine.Norms;
import dev.kokoro.engine.Tensor;
import java.util.SplittableRandom;

/**
 * Layer norm over the last dim. Parameter names are configurable: nn.LayerNorm uses weight/bias,
 * Kokoro's own LayerNorm (text encoder) uses gamma/beta.
 */
public final class LayerNorm extends Module {
    public final int channels;
    public final double eps;
    public final Param weight, bias;

    public LayerNorm(int channels, double eps, String weightName, String biasName) {
        this.channels = channels;
        this.eps = eps;
        this.weight = param(weightName, channels);
        this.bias = param(biasName, channels);
    }

    public LayerNorm(int channels, double eps) {
        this(channels, eps, "weight", "bias");
    }

    /** Normalises the last dim of x. */
    public Tensor forward(Tensor x) {
        return Norms.layerNorm(x, weight.get(), bias.get(), eps);
    }

    @Override
    protected void reset(SplittableRandom rng) {
        weight.get().fill(1);
        bias.get().fill(0);
    }
}
