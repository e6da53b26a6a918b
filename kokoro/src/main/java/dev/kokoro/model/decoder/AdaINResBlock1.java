package dev.kokoro.model.decoder;

import dev.kokoro.engine.Autograd;
import dev.kokoro.engine.DType;
import dev.kokoro.engine.Device;
import dev.kokoro.engine.Parallel;
import dev.kokoro.engine.Tensor;
import dev.kokoro.model.nn.AdaIN1d;
import dev.kokoro.model.nn.Conv1d;
import dev.kokoro.model.nn.Frozen;
import dev.kokoro.model.nn.Module;
import dev.kokoro.model.nn.ModuleList;
import dev.kokoro.model.nn.Param;
import java.util.SplittableRandom;

/**
 * istftnet's AdaINResBlock1(channels, k, dilations): three residual steps
 * x += conv2ᵢ(snake(adain2ᵢ(conv1ᵢ(snake(adain1ᵢ(x, s), alpha1ᵢ)), s), alpha2ᵢ)),
 * conv1ᵢ with dilation dᵢ, conv2ᵢ with dilation 1, all weight-normed, "same" padding.
 */
public final class AdaINResBlock1 extends Module {
    public final int channels;
    final ModuleList<Conv1d> convs1, convs2;
    final ModuleList<AdaIN1d> adain1, adain2;
    final Alphas alpha1, alpha2;

    public AdaINResBlock1(int channels, int kernel, int[] dilations, int styleDim) {
        this.channels = channels;
        convs1 = child("convs1", new ModuleList<>());
        convs2 = child("convs2", new ModuleList<>());
        adain1 = child("adain1", new ModuleList<>());
        adain2 = child("adain2", new ModuleList<>());
        for (int d : dilations) {
            convs1.add(new Conv1d(channels, channels, kernel, 1, padding(kernel, d), d, 1, true, true));
            convs2.add(new Conv1d(channels, channels, kernel, 1, padding(kernel, 1), 1, 1, true, true));
            adain1.add(new AdaIN1d(styleDim, channels));
            adain2.add(new AdaIN1d(styleDim, channels));
        }
        alpha1 = child("alpha1", new Alphas(dilations.length, channels));
        alpha2 = child("alpha2", new Alphas(dilations.length, channels));
    }

    /** istftnet's get_padding. */
    static int padding(int kernel, int dilation) {
        return (kernel * dilation - dilation) / 2;
    }

    /** false: always the op-by-op path (tests compare the two). */
    public boolean fused = true;

    /** x [B, C, T], s [B, style] → [B, C, T]. */
    public Tensor forward(Tensor x, Tensor s) {
        return forward(x, s, null);
    }

    /**
     * As {@link #forward(Tensor, Tensor)}; scratch (null, or two float32 tensors of x's shape that the
     * caller lends to several blocks in turn) is used by the inference path instead of fresh arrays.
     */
    public Tensor forward(Tensor x, Tensor s, Tensor[] scratch) {
        if (inference(x, s)) return forwardInference(x, s, scratch);
        for (int i = 0; i < convs1.size(); i++) {
            Tensor xt = adain1.get(i).forwardSnake(x, s, alpha1.get(i));
            xt = convs1.get(i).forward(xt);
            xt = adain2.get(i).forwardSnake(xt, s, alpha2.get(i));
            xt = convs2.get(i).forward(xt);
            x = xt.add(x);
            Frozen.dead(xt);   // device: the add's backward does not read it
        }
        return x;
    }

    /**
     * The same computation without autograd and with three arrays instead of about fifteen: the residual
     * sum accumulates in a copy of x (convs2 add into it from the GEMM), two scratch arrays take the
     * AdaIN+Snake outputs and convs1's output.
     */
    private Tensor forwardInference(Tensor x, Tensor s, Tensor[] scratch) {
        boolean lent = scratch != null && scratch.length == 2 && scratch[0] != null && scratch[1] != null
                && java.util.Arrays.equals(scratch[0].shape(), x.shape()) && java.util.Arrays.equals(scratch[1].shape(), x.shape());
        Tensor acc = Tensor.zeros(DType.F32, x.shape()), xc = x.contiguous();
        float[] src = xc.f32(), dst = acc.f32();
        int from = xc.offset(), n = dst.length;
        Parallel.forRange((n + 65535) >> 16, 1 << 16, (lo, hi) -> {
            int a = lo << 16, b = Math.min(n, hi << 16);
            System.arraycopy(src, from + a, dst, a, b - a);
        });
        Tensor t1 = lent ? scratch[0] : Tensor.zeros(DType.F32, x.shape()), t2 = lent ? scratch[1] : Tensor.zeros(DType.F32, x.shape());
        for (int i = 0; i < convs1.size(); i++) {
            adain1.get(i).forwardSnakeInto(t1, acc, s, alpha1.get(i));
            convs1.get(i).forwardInto(t2, false, t1);
            adain2.get(i).forwardSnakeInto(t1, t2, s, alpha2.get(i));
            convs2.get(i).forwardInto(acc, true, t1);
        }
        return acc;
    }

    /** True when forward takes the inference path (float32, fused on, nothing to record). */
    public boolean inference(Tensor x, Tensor s) {
        return fused && x.dtype == DType.F32 && x.device() == Device.CPU && s.device() == Device.CPU
                && !Autograd.needsGrad(x, s) && !paramsNeedGradOrOnDevice();
    }

    private boolean paramsNeedGradOrOnDevice() {
        boolean recording = Autograd.enabled();
        for (Param p : namedParams().values())
            if ((recording && p.get().requiresGrad()) || p.get().device() != Device.CPU) return true;
        return false;
    }

    /** nn.ParameterList of Snake alphas, each [1, C, 1], initialised to ones. */
    static final class Alphas extends Module {
        private final Param[] alphas;

        Alphas(int n, int channels) {
            alphas = new Param[n];
            for (int i = 0; i < n; i++) alphas[i] = param(Integer.toString(i), 1, channels, 1);
        }

        Tensor get(int i) { return alphas[i].get(); }

        @Override
        protected void reset(SplittableRandom rng) {
            for (Param p : alphas) p.get().fill(1);
        }
    }
}
