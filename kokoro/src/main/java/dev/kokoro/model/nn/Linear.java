package dev.kokoro.model.nn;

import dev.kokoro.engine.Matmul;
import dev.kokoro.engine.Tensor;
import java.util.SplittableRandom;

/** nn.Linear: weight [out, in], optional bias [out]. */
public final class Linear extends Module {
    public final int in, out;
    public final Param weight, bias;

    public Linear(int in, int out, boolean bias) {
        this.in = in;
        this.out = out;
        this.weight = param("weight", out, in);
        this.bias = bias ? param("bias", out) : null;
    }

    public Tensor forward(Tensor x) {
        return Matmul.linear(x, weight.get(), bias == null ? null : bias.get());
    }

    @Override
    protected void reset(SplittableRandom rng) {
        double bound = 1 / Math.sqrt(in);
        uniform(weight, rng, bound);
        if (bias != null) uniform(bias, rng, bound);
    }
}
