package dev.kokoro.cuda;

import java.util.Arrays;

/**
 * F.conv_transpose1d on the device (x [B, Cin, T], w [Cin, Cout/groups, K], bias [Cout] or null) and its
 * gradients, with PyTorch's semantics (the engine's {@code Conv.convTranspose1d}, same argument order).
 * It is conv1d read backwards: x is the "short" signal, y the "long" one, so the forward is conv1d.cu's
 * gather-form scatter (each output sample sums the taps that reach it, phase by phase: no atomics),
 * the input gradient its gather and the weight gradient its wgrad with the roles swapped.
 */
public final class ConvTranspose1dCuda {
    private ConvTranspose1dCuda() {}

    public static CudaTensor convTranspose1d(CudaTensor x, CudaTensor w, CudaTensor bias, int stride, int padding, int outputPadding, int groups, int dilation) {
        Conv1dCuda.Geo g = geometry(x, w, bias, stride, padding, outputPadding, groups, dilation);
        CudaTensor y = CudaTensor.empty(g.batch(), g.groups() * g.cl(), g.tl());
        Conv1dCuda.scatter(g, w, x, bias, y);
        return y;
    }

    /** dL/dx [B, Cin, T] given gy [B, Cout, Tout]. */
    public static CudaTensor backwardInput(CudaTensor gy, CudaTensor w, int inputLength, int stride, int padding, int outputPadding, int groups, int dilation) {
        Conv1dCuda.Geo g = fromOutput("conv_transpose1d backwardInput", gy, w, gy.dim(0), inputLength, stride, padding, outputPadding, groups, dilation);
        CudaTensor gx = CudaTensor.empty(g.batch(), g.groups() * g.cs(), g.ts());
        Conv1dCuda.gather(g, w, gy, null, gx);
        return gx;
    }

    /** dL/dw [Cin, Cout/groups, K] given x and gy. */
    public static CudaTensor backwardWeight(CudaTensor gy, CudaTensor x, int kernelSize, int stride, int padding, int outputPadding, int groups, int dilation) {
        if (x.rank() != 3 || gy.rank() != 3 || gy.dim(0) != x.dim(0) || groups <= 0 || x.dim(1) % groups != 0 || gy.dim(1) % groups != 0)
            throw new IllegalArgumentException("conv_transpose1d backwardWeight: gy " + Arrays.toString(gy.shape()) + ", x " + Arrays.toString(x.shape()) + ", groups " + groups);
        Conv1dCuda.checkArgs("conv_transpose1d", stride, padding, dilation, groups);
        int tOut = outLen(x.dim(2), kernelSize, stride, padding, outputPadding, dilation);
        if (tOut != gy.dim(2))
            throw new IllegalArgumentException("conv_transpose1d backwardWeight: gy " + Arrays.toString(gy.shape()) + " is not the output of x " + Arrays.toString(x.shape())
                    + " with kernel " + kernelSize + ", stride " + stride + ", padding " + padding + ", output_padding " + outputPadding + ", dilation " + dilation);
        Conv1dCuda.Geo g = new Conv1dCuda.Geo(x.dim(0), groups, x.dim(1) / groups, gy.dim(1) / groups, kernelSize, x.dim(2), gy.dim(2), stride, padding, dilation);
        CudaTensor gw = CudaTensor.empty(g.groups() * g.cs(), g.cl(), g.k());
        Conv1dCuda.wgrad(g, x, gy, gw);
        return gw;
    }

    public static CudaTensor backwardBias(CudaTensor gy) { return Conv1dCuda.backwardBias(gy); }

    public static Conv1dCuda.Grads backward(CudaTensor x, CudaTensor w, CudaTensor gy, boolean needX, boolean needW, boolean needBias,
                                            int stride, int padding, int outputPadding, int groups, int dilation) {
        geometry(x, w, null, stride, padding, outputPadding, groups, dilation);
        CudaTensor dx = needX ? backwardInput(gy, w, x.dim(2), stride, padding, outputPadding, groups, dilation) : null;
        CudaTensor dw = needW ? backwardWeight(gy, x, w.dim(2), stride, padding, outputPadding, groups, dilation) : null;
        CudaTensor db = needBias ? backwardBias(gy) : null;
        return new Conv1dCuda.Grads(dx, dw, db);
    }

    static int outLen(int t, int k, int stride, int padding, int outputPadding, int dilation) {
        return (t - 1) * stride - 2 * padding + dilation * (k - 1) + outputPadding + 1;
    }

    private static Conv1dCuda.Geo geometry(CudaTensor x, CudaTensor w, CudaTensor bias, int stride, int padding, int outputPadding, int groups, int dilation) {
        if (x.rank() != 3 || w.rank() != 3)
            throw new IllegalArgumentException("conv_transpose1d: input " + Arrays.toString(x.shape()) + ", weight " + Arrays.toString(w.shape()) + " (want [B, Cin, T] and [Cin, Cout/groups, K])");
        Conv1dCuda.checkArgs("conv_transpose1d", stride, padding, dilation, groups);
        int cin = x.dim(1);
        if (w.dim(0) != cin || cin % groups != 0)
            throw new IllegalArgumentException("conv_transpose1d: input " + Arrays.toString(x.shape()) + ", weight " + Arrays.toString(w.shape()) + ", groups " + groups + ": channels do not match");
        Conv1dCuda.checkBias("conv_transpose1d", bias, w.dim(1) * groups);
        return fromOutput("conv_transpose1d", null, w, x.dim(0), x.dim(2), stride, padding, outputPadding, groups, dilation);
    }

    private static Conv1dCuda.Geo fromOutput(String op, CudaTensor gy, CudaTensor w, int batch, int inputLength, int stride, int padding, int outputPadding, int groups, int dilation) {
        Conv1dCuda.checkArgs(op, stride, padding, dilation, groups);
        if (w.rank() != 3 || w.dim(0) % groups != 0)
            throw new IllegalArgumentException(op + ": weight " + Arrays.toString(w.shape()) + " for groups " + groups);
        if (outputPadding < 0 || !(outputPadding < stride || outputPadding < dilation))
            throw new IllegalArgumentException(op + ": output_padding " + outputPadding + " must be smaller than stride " + stride + " or dilation " + dilation);
        int k = w.dim(2), tOut = outLen(inputLength, k, stride, padding, outputPadding, dilation);
        if (tOut <= 0) throw new IllegalArgumentException(op + ": input length " + inputLength + ", kernel " + k + ", padding " + padding + " give an empty output");
        if (gy != null && (gy.rank() != 3 || gy.dim(1) != w.dim(1) * groups || gy.dim(2) != tOut))
            throw new IllegalArgumentException(op + ": gy " + Arrays.toString(gy.shape()) + " is not the output of weight " + Arrays.toString(w.shape())
                    + " on an input of length " + inputLength + " (want [B, " + w.dim(1) * groups + ", " + tOut + "])");
        return new Conv1dCuda.Geo(batch, groups, w.dim(0) / groups, w.dim(1), k, inputLength, tOut, stride, padding, dilation);
    }
}
