package dev.kokoro.model.mamba;

import dev.kokoro.engine.DType;
import dev.kokoro.engine.Matmul;
import dev.kokoro.engine.Tensor;
import dev.kokoro.model.Trace;
import dev.kokoro.model.nn.Module;
import dev.kokoro.model.prosody.DurationEncoding;
import java.util.Arrays;

/**
 * The plan's replacement of Kokoro's prosody DurationEncoder (its 3 × [BiLSTM, AdaLayerNorm] stack):
 * one Mamba block on [x; style]. x [B, hidden, T] → transpose → append style at every step →
 * zero padded steps → Mamba(d_model = hidden + style) → zero padded steps → [B, T, hidden + style],
 * the layout the original DurationEncoder hands to predictor.lstm.
 *
 * <p>The concatenation is never built: in_proj (no bias) is linear, so
 * in_proj(mask·[x; s]) = mask·(x·W_xᵀ + s·W_sᵀ) with W = [W_x | W_s] split by input columns, and the
 * style term is computed once per item instead of once per step. Same function, rounding aside.
 */
public final class MambaDurationEncoder extends Module implements DurationEncoding {
    public final int hidden, styleDim;
    public final Mamba mamba;

    public MambaDurationEncoder(int hidden, int styleDim) {
        this.hidden = hidden;
        this.styleDim = styleDim;
        this.mamba = child("mamba", new Mamba(hidden + styleDim));
    }

    @Override
    public Tensor forward(Tensor x, Tensor style, int[] lengths, Trace trace) {
        return forward(x, style, lengths);
    }

    /** x [B, hidden, T], style [B, style], lengths per item (null: all T) → [B, T, hidden + style]. */
    @Override
    public Tensor forward(Tensor x, Tensor style, int[] lengths) {
        Mamba.check(x.dim() == 3 && x.size(1) == hidden, "MambaDurationEncoder: x must be [B, %d, T], got %s", hidden, Arrays.toString(x.shape()));
        Mamba.check(style.dim() == 2 && style.size(0) == x.size(0) && style.size(1) == styleDim,
                "MambaDurationEncoder: style must be [%d, %d], got %s", x.size(0), styleDim, Arrays.toString(style.shape()));
        int nb = x.size(0), T = x.size(2);
        Tensor mask = lengthMask(x.dtype, nb, T, lengths);
        if (mask != null) mask = mask.to(x.device());
        Tensor w = mamba.inProj.weight.get();
        Tensor xw = Matmul.linear(x.transpose(1, 2), w.slice(1, 0, hidden), null);                  // [B, T, 2·d_inner]
        Tensor sw = Matmul.linear(style, w.slice(1, hidden, hidden + styleDim), null).unsqueeze(1); // [B, 1, 2·d_inner]
        if (mask == null) return mamba.forwardProjected(xw.add(sw));   // nothing padded
        return mamba.forwardProjected(xw.add(sw).mul(mask)).mul(mask);
    }

    /** [B, T, 1]: ones before each length, zeros after; null when nothing is padded (lengths null or all T). */
    static Tensor lengthMask(DType dtype, int nb, int T, int[] lengths) {
        if (lengths == null) return null;
        Mamba.check(lengths.length == nb, "MambaDurationEncoder: %d lengths for a batch of %d", lengths.length, nb);
        if (java.util.Arrays.stream(lengths).allMatch(l -> l == T)) return null;
        Tensor m = Tensor.full(dtype, 1.0, nb, T, 1);
        for (int b = 0; b < nb; b++) {
            Mamba.check(lengths[b] >= 0 && lengths[b] <= T, "MambaDurationEncoder: length %d of item %d is outside [0, %d]", lengths[b], b, T);
            for (int t = lengths[b]; t < T; t++) m.setFlat(b * T + t, 0);
        }
        return m;
    }
}
