package dev.kokoro.model.nn;

import dev.kokoro.engine.Norms;
import dev.kokoro.engine.Tensor;
import java.util.SplittableRandom;

/** Kokoro's AdaIN1d(style_dim, C): InstanceNorm1d(C, affine=True) as `norm`, fc Linear(style, 2C). */
public final class AdaIN1d extends Module {
    public final int channels;
    public final Linear fc;
    final Param normWeight, normBias;

    public AdaIN1d(int styleDim, int channels) {
        this.channels = channels;
        this.fc = child("fc", new Linear(styleDim, 2 * channels, true));
        Norm norm = child("norm", new Norm(channels));
        this.normWeight = norm.weight;
        this.normBias = norm.bias;
    }

    /** x [B, C, T], s [B, style]. */
    public Tensor forward(Tensor x, Tensor s) {
        return Norms.adaIN1d(x, s, fc.weight.get(), fc.bias.get(), normWeight.get(), normBias.get(), 1e-5);
    }

    /** snake(forward(x, s), alpha), fused when nothing needs a gradient (Norms.adaIN1dSnake). */
    public Tensor forwardSnake(Tensor x, Tensor s, Tensor alpha) {
        return Norms.adaIN1dSnake(x, s, fc.weight.get(), fc.bias.get(), normWeight.get(), normBias.get(), 1e-5, alpha);
    }

    /** Inference: snake(forward(x, s), alpha) written into out (float32, nothing requiring grad). */
    public void forwardSnakeInto(Tensor out, Tensor x, Tensor s, Tensor alpha) {
        Norms.adaIN1dSnakeInto(out, x, s, fc.weight.get(), fc.bias.get(), normWeight.get(), normBias.get(), 1e-5, alpha);
    }

    /** The affine parameters of nn.InstanceNorm1d(affine=True). */
    static final class Norm extends Module {
        final Param weight, bias;

        Norm(int channels) {
            weight = param("weight", channels);
            bias = param("bias", channels);
        }

        @Override
        protected void reset(SplittableRandom rng) {
            weight.get().fill(1);
            bias.get().fill(0);
        }
    }
}
