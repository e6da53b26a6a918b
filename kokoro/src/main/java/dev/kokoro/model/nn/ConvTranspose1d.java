package dev.kokoro.model.nn;

import dev.kokoro.engine.Conv;
import dev.kokoro.engine.Tensor;
import java.util.SplittableRandom;

/** nn.ConvTranspose1d (weight [in, out/groups, k]), optionally weight-normed (g [in,1,1]). */
public final class ConvTranspose1d extends Module {
    public final int in, out, kernel, stride, padding, outputPadding, groups;
    public final Param weight, weightG, weightV, bias;
    private final WeightNormCache normed = new WeightNormCache();

    public ConvTranspose1d(int in, int out, int kernel, int stride, int padding, int outputPadding, int groups, boolean bias, boolean weightNorm) {
        this.in = in;
        this.out = out;
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
        this.outputPadding = outputPadding;
        this.groups = groups;
        if (weightNorm) {
            this.weight = null;
            this.weightG = param("weight_g", in, 1, 1);
            this.weightV = param("weight_v", in, out / groups, kernel);
        } else {
            this.weight = param("weight", in, out / groups, kernel);
            this.weightG = this.weightV = null;
        }
        this.bias = bias ? param("bias", out) : null;
    }

    public Tensor weight() {
        return weight != null ? weight.get() : normed.weight(weightV.get(), weightG.get());
    }

    public Tensor forward(Tensor x) {
        return Conv.convTranspose1d(x, weight(), bias == null ? null : bias.get(), stride, padding, outputPadding, groups, 1);
    }

    @Override
    protected void reset(SplittableRandom rng) {
        normed.clear();
        // PyTorch's fan-in for ConvTranspose is weight.size(1) * k
        double bound = 1 / Math.sqrt((double) out / groups * kernel);
        Param w = weight != null ? weight : weightV;
        uniform(w, rng, bound);
        if (weightG != null) Conv1d.initNormG(weightG.get(), weightV.get());
        if (bias != null) uniform(bias, rng, bound);
    }
}
