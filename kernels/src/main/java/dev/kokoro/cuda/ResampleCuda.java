package dev.kokoro.cuda;

import java.util.Arrays;

/**
 * Resampling and padding on the last dim (any rank, viewed as [rows, T]) with the engine's
 * {@code Resample} index rules (PyTorch's float32 ones), and cumsum along a dim ({@code Indexing.cumsum},
 * accumulated in double). Each backward takes the output gradient and the input's last-dim length.
 */
public final class ResampleCuda {
    private ResampleCuda() {}

    private static final int NEAREST = 0, LINEAR = 1, REFLECT = 2, CONSTANT = 3;

    /** F.interpolate(x, size=outLen, mode='nearest'). */
    public static CudaTensor nearest1d(CudaTensor x, int outLen) {
        int in = x.dim(-1);
        checkSizes(in, outLen);
        return fwd(x, outLen, NEAREST, 0, (float) in / (float) outLen, 0f);
    }

    /** F.interpolate(x, scale_factor=scale, mode='nearest') (1/scale as the source step, as PyTorch). */
    public static CudaTensor nearest1dScale(CudaTensor x, double scale) {
        int in = x.dim(-1);
        return fwd(x, scaledSize(in, scale), NEAREST, 0, (float) (1.0 / scale), 0f);
    }

    /** F.interpolate(x, size=outLen, mode='linear', align_corners=False). */
    public static CudaTensor linear1d(CudaTensor x, int outLen) {
        int in = x.dim(-1);
        checkSizes(in, outLen);
        return fwd(x, outLen, LINEAR, 0, (float) in / (float) outLen, 0f);
    }

    /** F.interpolate(x, scale_factor=scale, mode='linear', align_corners=False). */
    public static CudaTensor linear1dScale(CudaTensor x, double scale) {
        int in = x.dim(-1);
        return fwd(x, scaledSize(in, scale), LINEAR, 0, (float) (1.0 / scale), 0f);
    }

    public static CudaTensor nearest1dBackward(CudaTensor gy, int inLen) {
        checkSizes(inLen, gy.dim(-1));
        return bwd(gy, inLen, NEAREST, 0, (float) inLen / (float) gy.dim(-1));
    }

    public static CudaTensor nearest1dScaleBackward(CudaTensor gy, int inLen, double scale) {
        expectOut(gy, scaledSize(inLen, scale));
        return bwd(gy, inLen, NEAREST, 0, (float) (1.0 / scale));
    }

    public static CudaTensor linear1dBackward(CudaTensor gy, int inLen) {
        checkSizes(inLen, gy.dim(-1));
        return bwd(gy, inLen, LINEAR, 0, (float) inLen / (float) gy.dim(-1));
    }

    public static CudaTensor linear1dScaleBackward(CudaTensor gy, int inLen, double scale) {
        expectOut(gy, scaledSize(inLen, scale));
        return bwd(gy, inLen, LINEAR, 0, (float) (1.0 / scale));
    }

    /** F.pad(x, (left, right), mode='reflect') on the last dim (each pad smaller than T). */
    public static CudaTensor reflectionPad1d(CudaTensor x, int left, int right) {
        int t = x.dim(-1);
        if (left < 0 || right < 0 || left >= t || right >= t)
            throw new IllegalArgumentException("reflectionPad1d: padding (" + left + ", " + right + ") must be non-negative and smaller than the last dim of " + Arrays.toString(x.shape()));
        return fwd(x, t + left + right, REFLECT, left, 0f, 0f);
    }

    public static CudaTensor reflectionPad1dBackward(CudaTensor gy, int left, int right) {
        int t = gy.dim(-1) - left - right;
        if (left < 0 || right < 0 || left >= t || right >= t)
            throw new IllegalArgumentException("reflectionPad1d backward: padding (" + left + ", " + right + ") for gy " + Arrays.toString(gy.shape()));
        return bwd(gy, t, REFLECT, left, 0f);
    }

    /** F.pad(x, (left, right), value=value) on the last dim (negative pads crop). */
    public static CudaTensor pad1d(CudaTensor x, int left, int right, double value) {
        int t = x.dim(-1), out = t + left + right;
        if (out < 0) throw new IllegalArgumentException("pad1d: padding (" + left + ", " + right + ") of " + Arrays.toString(x.shape()) + " leaves a negative size");
        return fwd(x, out, CONSTANT, left, 0f, (float) value);
    }

    public static CudaTensor pad1dBackward(CudaTensor gy, int left, int right) {
        int t = gy.dim(-1) - left - right;
        if (t < 0) throw new IllegalArgumentException("pad1d backward: padding (" + left + ", " + right + ") for gy " + Arrays.toString(gy.shape()));
        return bwd(gy, t, CONSTANT, left, 0f);
    }

    /** torch.cumsum(x, dim) (double accumulation). */
    public static CudaTensor cumsum(CudaTensor x, int dim) { return scan(x, dim, false); }

    /** cumsum's backward: the reversed cumsum of the output gradient. */
    public static CudaTensor cumsumBackward(CudaTensor gy, int dim) { return scan(gy, dim, true); }

    private static CudaTensor scan(CudaTensor x, int dim, boolean reverse) {
        int k = dim < 0 ? dim + x.rank() : dim;
        if (k < 0 || k >= x.rank()) throw new IllegalArgumentException("cumsum: dim " + dim + " out of range for " + Arrays.toString(x.shape()));
        int n = x.dim(k), inner = 1;
        for (int i = k + 1; i < x.rank(); i++) inner *= x.dim(i);
        CudaTensor y = CudaTensor.empty(x.shape());
        if (x.numel() == 0) return y;
        long lines = x.numel() / n;
        long warpsPerBlock = 8, blocks = Math.min((lines + warpsPerBlock - 1) / warpsPerBlock, 65535L * 4);
        Cuda.context().launch("resample", "cumsum_lines", (int) blocks, 1, 1, 256, 1, 1, 0,
                KernelArgs.of().ptr(x).ptr(y).l(lines).i(n).i(inner).i(reverse ? 1 : 0));
        return y;
    }

    private static CudaTensor fwd(CudaTensor x, int out, int mode, int left, float scale, float fill) {
        if (x.rank() < 1) throw new IllegalArgumentException("resample: x must have a last dim, got " + Arrays.toString(x.shape()));
        int in = x.dim(-1);
        int[] shape = x.shape();
        shape[shape.length - 1] = out;
        CudaTensor y = CudaTensor.empty(shape);
        long rows = in == 0 ? 0 : x.numel() / in;
        if (y.numel() > 0)
            Cuda.context().launch1d("resample", "resample_fwd", y.numel(),
                    KernelArgs.of().ptr(x).ptr(y).l(rows).i(in).i(out).i(mode).i(left).f(scale).f(fill));
        return y;
    }

    private static CudaTensor bwd(CudaTensor gy, int in, int mode, int left, float scale) {
        int out = gy.dim(-1);
        int[] shape = gy.shape();
        shape[shape.length - 1] = in;
        CudaTensor gx = CudaTensor.zeros(shape);
        long rows = out == 0 ? 0 : gy.numel() / out;
        if (gy.numel() > 0)
            Cuda.context().launch1d("resample", "resample_bwd", gy.numel(),
                    KernelArgs.of().ptr(gy).ptr(gx).l(rows).i(in).i(out).i(mode).i(left).f(scale));
        return gx;
    }

    /** PyTorch's output size for a scale factor: (long)(double(T) · scale). */
    static int scaledSize(int in, double scale) {
        if (!(scale > 0)) throw new IllegalArgumentException("interpolate: scale_factor must be positive, got " + scale);
        double o = (double) in * scale;
        if (o < 1 || o > Integer.MAX_VALUE) throw new IllegalArgumentException("interpolate: input size " + in + " × scale " + scale + " gives output size " + o);
        return (int) o;
    }

    private static void checkSizes(int in, int out) {
        if (in <= 0 || out <= 0) throw new IllegalArgumentException("interpolate: input size " + in + ", output size " + out);
    }

    private static void expectOut(CudaTensor gy, int out) {
        if (gy.dim(-1) != out) throw new IllegalArgumentException("interpolate backward: gy " + Arrays.toString(gy.shape()) + " last dim must be " + out);
    }
}
