package dev.kokoro.model.decoder;

import dev.kokoro.engine.Activations;
import dev.kokoro.engine.Resample;
import dev.kokoro.engine.Tensor;
import dev.kokoro.model.nn.AdaIN1d;
import dev.kokoro.model.nn.Conv1d;
import dev.kokoro.model.nn.ConvTranspose1d;
import dev.kokoro.model.nn.Module;

/**
 * istftnet's AdainResBlk1d(dim_in, dim_out, style_dim, upsample): out = (residual + shortcut) / √2,
 * residual = norm1 → LeakyReLU 0.2 → [pool: depthwise ConvTranspose1d ×2] → conv1 k3 → norm2 →
 * LeakyReLU 0.2 → conv2 k3; shortcut = [nearest ×2] → [conv1x1 when dim_in ≠ dim_out].
 * Dropout is 0 in every Kokoro use, so it is omitted.
 */
public final class AdainResBlk1d extends Module {
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

    /** x [B, dimIn, T], s [B, style] → [B, dimOut, T] (2T with upsample). */
    public Tensor forward(Tensor x, Tensor s) {
        Tensor out = residual(x, s).add(shortcut(x));
        return out.mul(1 / Math.sqrt(2));
    }

    private Tensor shortcut(Tensor x) {
        if (upsample) x = Resample.nearest1d(x, 2 * x.size(2));
        return conv1x1 != null ? conv1x1.forward(x) : x;
    }

    private Tensor residual(Tensor x, Tensor s) {
        x = Activations.leakyRelu(norm1.forward(x, s), 0.2);
        if (pool != null) x = pool.forward(x);
        x = conv1.forward(x);
        x = Activations.leakyRelu(norm2.forward(x, s), 0.2);
        return conv2.forward(x);
    }
}
