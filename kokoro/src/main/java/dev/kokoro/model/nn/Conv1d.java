package dev.kokoro.model.nn;

import dev.kokoro.engine.Conv;
import dev.kokoro.engine.Tensor;
import java.util.SplittableRandom;

/** nn.Conv1d, optionally wrapped in weight_norm (parameters weight_g [out,1,1] and weight_v). */
public final class Conv1d extends Module {
    public final int in, out, kernel, stride, padding, dilation, groups;
    public final Param weight, weightG, weightV, bias;
    private final WeightNormCache normed = new WeightNormCache();

    public Conv1d(int in, int out, int kernel, int stride, int padding, int dilation, int groups, boolean bias, boolean weightNorm) {
        this.in = in;
        this.out = out;
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
        this.dilation = dilation;
        this.groups = groups;
        if (weightNorm) {
            this.weight = null;
            this.weightG = param("weight_g", out, 1, 1);
            this.weightV = param("weight_v", out, in / groups, kernel);
        } else {
            this.weight = param("weight", out, in / groups, kernel);
            this.weightG = this.weightV = null;
        }
        this.bias = bias ? param("bias", out) : null;
    }

    /** Conv1d(in, out, k, padding=p) with bias, no weight norm. */
    public Conv1d(int in, int out, int kernel, int padding) {
        this(in, out, kernel, 1, padding, 1, 1, true, false);
    }

    public Tensor weight() {
        return weight != null ? weight.get() : normed.weight(weightV.get(), weightG.get());
    }

    public Tensor forward(Tensor x) {
        return Conv.conv1d(x, weight(), bias == null ? null : bias.get(), stride, padding, dilation, groups);
    }

    /** Inference: out (+)= forward(x) (Conv.conv1dInto; nothing may require grad). */
    public void forwardInto(Tensor out, boolean accumulate, Tensor x) {
        Conv.conv1dInto(out, accumulate, x, weight(), bias == null ? null : bias.get(), stride, padding, dilation, groups);
    }

    @Override
    protected void reset(SplittableRandom rng) {
        normed.clear();
        double bound = 1 / Math.sqrt((double) in / groups * kernel);
        Param w = weight != null ? weight : weightV;
        uniform(w, rng, bound);
        if (weightG != null) initNormG(weightG.get(), weightV.get());
        if (bias != null) uniform(bias, rng, bound);
    }

    /** weight_norm's initial g = ‖v‖ per output row, so that w = v at the start. */
    static void initNormG(Tensor g, Tensor v) {
        int rows = v.size(0), per = v.numel() / rows;
        for (int r = 0; r < rows; r++) {
            double s = 0;
            for (int i = 0; i < per; i++) s += v.getFlat(r * per + i) * v.getFlat(r * per + i);
            g.setFlat(r, Math.sqrt(s));
        }
    }
}
