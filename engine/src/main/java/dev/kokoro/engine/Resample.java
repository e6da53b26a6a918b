package dev.kokoro.engine;

import dev.kokoro.engine.backend.Dispatch;
import java.util.Arrays;

/**
 * 1-d resampling and padding on the last dim (x [B, C, T] in Kokoro, any rank here), with PyTorch's
 * exact index rules (aten/src/ATen/native/UpSample.h and cpu/UpSampleKernel.cpp).
 *
 * <p>Index arithmetic follows PyTorch type by type: float32 tensors compute the scale and source
 * positions in float, float64 tensors in double (PyTorch's opmath type), and the final floor goes
 * through float as PyTorch's {@code floorf} does. With {@code scale_factor} given (and
 * recompute_scale_factor left at its default), PyTorch sizes the output as
 * {@code (long)(T · scale)} in double and uses {@code 1/scale} — not T_in/T_out — as the source step.
 */
public final class Resample {
    private Resample() {}

    /** F.interpolate(x, size=outLen, mode='nearest'): src = floor(dst · T_in / T_out). */
    public static Tensor nearest1d(Tensor x, int outLen) {
        if (Dispatch.onDevice(x)) return Dispatch.run("nearest1d", in -> nearest1d(in[0], outLen), Dispatch.args(outLen), x);
        return apply(x, nearestMap(x.dtype, x.size(-1), outLen, -1));
    }

    /** F.interpolate(x, scale_factor=scale, mode='nearest') (src index uses 1/scale as PyTorch does). */
    public static Tensor nearest1dScale(Tensor x, double scale) {
        if (Dispatch.onDevice(x)) return Dispatch.run("nearest1d_scale", in -> nearest1dScale(in[0], scale), Dispatch.args(scale), x);
        int in = x.size(-1);
        return apply(x, nearestMap(x.dtype, in, scaledSize(in, scale), scale));
    }

    /** F.interpolate(x, size=outLen, mode='linear', align_corners=False). */
    public static Tensor linear1d(Tensor x, int outLen) {
        if (Dispatch.onDevice(x)) return Dispatch.run("linear1d", in -> linear1d(in[0], outLen), Dispatch.args(outLen), x);
        return apply(x, linearMap(x.dtype, x.size(-1), outLen, -1));
    }

    /** F.interpolate(x, scale_factor=scale, mode='linear', align_corners=False) (PyTorch uses 1/scale for the source index). */
    public static Tensor linear1dScale(Tensor x, double scale) {
        if (Dispatch.onDevice(x)) return Dispatch.run("linear1d_scale", in -> linear1dScale(in[0], scale), Dispatch.args(scale), x);
        int in = x.size(-1);
        return apply(x, linearMap(x.dtype, in, scaledSize(in, scale), scale));
    }

    /** F.pad(x, (left, right), mode='reflect') on the last dim (each pad < T, as PyTorch requires). */
    public static Tensor reflectionPad1d(Tensor x, int left, int right) {
        if (Dispatch.onDevice(x)) return Dispatch.run("reflection_pad1d", in -> reflectionPad1d(in[0], left, right), Dispatch.args(left, right), x);
        int t = x.size(-1);
        Tensor.check(left >= 0 && right >= 0 && left < t && right < t,
                "reflectionPad1d: padding (%d, %d) must be non-negative and smaller than the last dim of %s", left, right, Arrays.toString(x.shape));
        int out = t + left + right;
        int[] i0 = new int[out];
        for (int j = 0; j < out; j++) {
            int s = j - left;
            i0[j] = s < 0 ? -s : s >= t ? 2 * (t - 1) - s : s;
        }
        return apply(x, new IndexMap(t, i0, null, null, null, 0));
    }

    /** F.pad(x, (left, right), value=value) on the last dim (negative pads crop, as in PyTorch). */
    public static Tensor pad1d(Tensor x, int left, int right, double value) {
        if (Dispatch.onDevice(x)) return Dispatch.run("pad1d", in -> pad1d(in[0], left, right, value), Dispatch.args(left, right, value), x);
        int t = x.size(-1), out = t + left + right;
        Tensor.check(out >= 0, "pad1d: padding (%d, %d) of %s leaves a negative size", left, right, Arrays.toString(x.shape));
        int[] i0 = new int[out];
        for (int j = 0; j < out; j++) {
            int s = j - left;
            i0[j] = s < 0 || s >= t ? -1 : s;
        }
        return apply(x, new IndexMap(t, i0, null, null, null, value));
    }

    // ------------------------------------------------------------------ index rules

    /** PyTorch's output size for a scale factor: static_cast&lt;int64&gt;(double(T) · scale). */
    static int scaledSize(int in, double scale) {
        Tensor.check(scale > 0, "interpolate: scale_factor must be positive, got %s", scale);
        double o = (double) in * scale;
        Tensor.check(o >= 1 && o <= Integer.MAX_VALUE, "interpolate: input size %d × scale %s gives output size %s", in, scale, o);
        return (int) o;
    }

    /**
     * For each output position: source index i0 (−1 = constant), and for linear mode i1 with weights
     * λ0, λ1 in the tensor's dtype.
     */
    record IndexMap(int in, int[] i0, int[] i1, float[] w32, double[] w64, double fill) {
        int out() { return i0.length; }
    }

    /** HelperInterpNearest: src = min(floor(scale · dst), in − 1), scale = 1/scale_factor or in/out. */
    static IndexMap nearestMap(DType dt, int in, int out, double scaleFactor) {
        Tensor.check(in > 0 && out > 0, "interpolate: input size %d, output size %d", in, out);
        int[] i0 = new int[out];
        if (dt == DType.F32) {
            float scale = scaleFactor > 0 ? (float) (1.0 / scaleFactor) : (float) in / (float) out;
            for (int j = 0; j < out; j++) i0[j] = (int) Math.min((long) Math.floor(scale * (float) j), in - 1);
        } else {
            double scale = scaleFactor > 0 ? 1.0 / scaleFactor : (double) in / out;
            for (int j = 0; j < out; j++) i0[j] = (int) Math.min((long) Math.floor((float) (scale * j)), in - 1);
        }
        return new IndexMap(in, i0, null, null, null, 0);
    }

    /**
     * HelperInterpLinear with align_corners=False: real = max(scale·(dst + 0.5) − 0.5, 0) — one fused
     * multiply-add, as PyTorch's x86 build contracts it (checked bit for bit against torch 2.11),
     * i0 = min(floor(real), in − 1), i1 = i0 + (i0 &lt; in − 1), λ1 = clamp(real − i0, 0, 1), λ0 = 1 − λ1;
     * out == in copies.
     */
    static IndexMap linearMap(DType dt, int in, int out, double scaleFactor) {
        Tensor.check(in > 0 && out > 0, "interpolate: input size %d, output size %d", in, out);
        int[] i0 = new int[out], i1 = new int[out];
        float[] w32 = dt == DType.F32 ? new float[2 * out] : null;
        double[] w64 = dt == DType.F32 ? null : new double[2 * out];
        if (dt == DType.F32) {
            float scale = scaleFactor > 0 ? (float) (1.0 / scaleFactor) : (float) in / (float) out;
            for (int j = 0; j < out; j++) {
                if (out == in) { i0[j] = j; i1[j] = j; w32[2 * j] = 1; w32[2 * j + 1] = 0; continue; }
                float real = Math.fma(scale, (float) j + 0.5f, -0.5f);
                if (real < 0) real = 0;
                int a = (int) Math.min((long) Math.floor(real), in - 1);
                float l1 = Math.min(Math.max(real - (float) a, 0f), 1f);
                i0[j] = a;
                i1[j] = a + (a < in - 1 ? 1 : 0);
                w32[2 * j] = 1f - l1;
                w32[2 * j + 1] = l1;
            }
        } else {
            double scale = scaleFactor > 0 ? 1.0 / scaleFactor : (double) in / out;
            for (int j = 0; j < out; j++) {
                if (out == in) { i0[j] = j; i1[j] = j; w64[2 * j] = 1; w64[2 * j + 1] = 0; continue; }
                double real = Math.fma(scale, j + 0.5, -0.5);
                if (real < 0) real = 0;
                int a = (int) Math.min((long) Math.floor((float) real), in - 1);
                double l1 = Math.min(Math.max(real - a, 0.0), 1.0);
                i0[j] = a;
                i1[j] = a + (a < in - 1 ? 1 : 0);
                w64[2 * j] = 1 - l1;
                w64[2 * j + 1] = l1;
            }
        }
        return new IndexMap(in, i0, i1, w32, w64, 0);
    }

    // ------------------------------------------------------------------ one kernel for all maps

    /** Linear mode computes fma(x[i0], λ0, x[i1]·λ1), the contraction PyTorch's x86 build performs. */
    static Tensor apply(Tensor x, IndexMap map) {
        Tensor.check(x.dtype != DType.I64 || map.i1 == null, "linear interpolation of an int64 tensor");
        Tensor c = Autograd.noGrad(x::contiguous);
        int in = map.in, out = map.out(), rows = in == 0 ? 0 : c.numel() / in;
        int[] shape = x.shape.clone();
        shape[shape.length - 1] = out;
        Tensor y = Tensor.zeros(x.dtype, shape);
        int[] i0 = map.i0, i1 = map.i1;
        Parallel.forRange(rows * out, 4, (lo, hi) -> {
            for (int p = lo; p < hi; p++) {
                int r = p / out, j = p - r * out, base = r * in;
                int a = i0[j];
                switch (x.dtype) {
                    case F32 -> y.f[p] = a < 0 ? (float) map.fill : i1 == null ? c.f[base + a]
                            : Math.fma(c.f[base + a], map.w32[2 * j], c.f[base + i1[j]] * map.w32[2 * j + 1]);
                    case F64 -> y.d[p] = a < 0 ? map.fill : i1 == null ? c.d[base + a]
                            : Math.fma(c.d[base + a], map.w64[2 * j], c.d[base + i1[j]] * map.w64[2 * j + 1]);
                    case I64 -> y.l[p] = a < 0 ? (long) map.fill : c.l[base + a];
                }
            }
        });
        return Autograd.record(y, g -> {
            Tensor cg = g.contiguous();
            Tensor gx = Tensor.zeros(x.dtype, x.shape);
            Parallel.forRange(rows, 4L * out, (lo, hi) -> {
                for (int r = lo; r < hi; r++) {
                    int base = r * in, ob = r * out;
                    for (int j = 0; j < out; j++) {
                        int a = i0[j];
                        if (a < 0) continue;
                        if (x.dtype == DType.F32) {
                            float gv = cg.f[ob + j];
                            if (i1 == null) gx.f[base + a] += gv;
                            else {
                                gx.f[base + a] += gv * map.w32[2 * j];
                                gx.f[base + i1[j]] += gv * map.w32[2 * j + 1];
                            }
                        } else {
                            double gv = cg.d[ob + j];
                            if (i1 == null) gx.d[base + a] += gv;
                            else {
                                gx.d[base + a] += gv * map.w64[2 * j];
                                gx.d[base + i1[j]] += gv * map.w64[2 * j + 1];
                            }
                        }
                    }
                }
            });
            return gx;
        }, x);
    }
}
