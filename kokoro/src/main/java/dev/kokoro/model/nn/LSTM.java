package dev.kokoro.model.nn;

import dev.kokoro.engine.Lstm;
import dev.kokoro.engine.Tensor;
import java.util.SplittableRandom;

/** One-layer nn.LSTM(batch_first=True), optionally bidirectional, with PyTorch's parameter names. */
public final class LSTM extends Module {
    public final int input, hidden;
    public final boolean bidirectional;
    final Param wIh, wHh, bIh, bHh, wIhR, wHhR, bIhR, bHhR;

    public LSTM(int input, int hidden, boolean bidirectional) {
        this.input = input;
        this.hidden = hidden;
        this.bidirectional = bidirectional;
        wIh = param("weight_ih_l0", 4 * hidden, input);
        wHh = param("weight_hh_l0", 4 * hidden, hidden);
        bIh = param("bias_ih_l0", 4 * hidden);
        bHh = param("bias_hh_l0", 4 * hidden);
        if (bidirectional) {
            wIhR = param("weight_ih_l0_reverse", 4 * hidden, input);
            wHhR = param("weight_hh_l0_reverse", 4 * hidden, hidden);
            bIhR = param("bias_ih_l0_reverse", 4 * hidden);
            bHhR = param("bias_hh_l0_reverse", 4 * hidden);
        } else {
            wIhR = wHhR = bIhR = bHhR = null;
        }
    }

    /** x [B, T, input], lengths per item (null = all T) → [B, T, hidden·directions], zero past each length. */
    public Tensor forward(Tensor x, int[] lengths) {
        Lstm.Direction f = new Lstm.Direction(wIh.get(), wHh.get(), bIh.get(), bHh.get());
        Lstm.Direction r = bidirectional ? new Lstm.Direction(wIhR.get(), wHhR.get(), bIhR.get(), bHhR.get()) : null;
        return Lstm.lstm(x, lengths, f, r);
    }

    @Override
    protected void reset(SplittableRandom rng) {
        double bound = 1 / Math.sqrt(hidden);
        for (Param p : namedParams().values()) uniform(p, rng, bound);
    }
}
