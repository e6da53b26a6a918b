package dev.kokoro.model.nn;

import dev.kokoro.engine.Activations;
import dev.kokoro.engine.Resample;
import dev.kokoro.engine.Tensor;

/**
 * Kokoro's AdainResBlk1d(dim_in, dim_out, style_dim, upsample) from istftnet.py (eval mode, so no dropout):
 * out = (residual(x, s) + shortcut(x)) / √2, where
 * residual = norm1 → LeakyReLU 0.2 → [pool] → conv1 → norm2 → LeakyReLU 0.2 → conv2 and
 * shortcut = [nearest ×2] → [conv1x1 when dim_in ≠ dim_out]. With upsample, {@code pool} is a depthwise
 * weight-normed ConvTranspose1d(k3, s2, p1, output_padding 1). Every conv is weight-normed.
 */
public final class AdainResBlk1d extends Module {
    /** torch.rsqrt(torch.tensor(2)): 1/√2 in the default dtype (float32 rounding happens in the float32 multiply). */
    static final double INV_SQRT2 = 1 / Math.sqrt(2);

    public final int dimIn, dimOut;
    public final boolean upsample;
    public final Conv1d conv1, conv2, conv1x1;
    public final AdaIN1d norm1, norm2;
    public final ConvTranspose1d pool;

    public AdainResBlk1d(int dimIn, int dimOut, int styleDim, boolean upsample) {
        this.dimIn = dimIn;
        this.dimOut = dimOut;
        this.upsample = upsample;
        conv1 = child("conv1", new Conv1d(dimIn, dimOut, 3, 1, 1, 1, 1, true, true));
        conv2 = child("conv2", new Conv1d(dimOut, dimOut, 3, 1, 1, 1, 1, true, true));
        norm1 = child("norm1", new AdaIN1d(styleDim, dimIn));
        norm2 = child("norm2", new AdaIN1d(styleDim, dimOut));
        conv1x1 = dimIn != dimOut ? child("conv1x1", new Conv1d(dimIn, dimOut, 1, 1, 0, 1, 1, false, true)) : null;
        pool = upsample ? child("pool", new ConvTranspose1d(dimIn, dimIn, 3, 2, 1, 1, dimIn, true, true)) : null;
    }

    public AdainResBlk1d(int dimIn, int dimOut, int styleDim) {
        this(dimIn, dimOut, styleDim, false);
    }

    /** x [B, dim_in, T], s [B, style] → [B, dim_out, T] (2T with upsample). */
    public Tensor forward(Tensor x, Tensor s) {
        return residual(x, s).add(shortcut(x)).mul(INV_SQRT2);
    }

    Tensor shortcut(Tensor x) {
        if (upsample) x = Resample.nearest1d(x, 2 * x.size(-1));
        return conv1x1 != null ? conv1x1.forward(x) : x;
    }

    Tensor residual(Tensor x, Tensor s) {
        x = Activations.leakyRelu(norm1.forward(x, s), 0.2);
        if (pool != null) x = pool.forward(x);
        x = conv1.forward(x);
        x = Activations.leakyRelu(norm2.forward(x, s), 0.2);
        return conv2.forward(x);
    }
}
