package dev.kokoro.engine;

import dev.kokoro.engine.backend.Dispatch;
import java.util.Arrays;

/** Softmax and scaled-dot-product attention with a key padding mask. */
public final class Attention {
    private Attention() {}

    /** torch.softmax(x, dim), fused forward and backward (dx = y · (g − Σ g·y)). */
    public static Tensor softmax(Tensor x, int dim) {
        if (Dispatch.onDevice(x)) return Dispatch.run("softmax", in -> softmax(in[0], dim), Dispatch.args(x.normDim(dim)), x);
        Tensor.check(x.dtype != DType.I64, "softmax of an int64 tensor");
        int k = x.normDim(dim);
        Tensor c = Autograd.noGrad(x::contiguous);
        int outer = 1, inner = 1, n = c.shape[k];
        for (int i = 0; i < k; i++) outer *= c.shape[i];
        for (int i = k + 1; i < c.dim(); i++) inner *= c.shape[i];
        Tensor y = Tensor.zeros(x.dtype, x.shape);
        final int fi = inner;
        boolean f32 = x.dtype == DType.F32;
        Parallel.forRange(outer * inner, 8L * n, (lo, hi) -> {
            for (int p = lo; p < hi; p++) {
                int base = (p / fi) * n * fi + p % fi;
                double max = Double.NEGATIVE_INFINITY;
                for (int t = 0; t < n; t++) max = Math.max(max, f32 ? c.f[base + t * fi] : c.d[base + t * fi]);
                double sum = 0;
                for (int t = 0; t < n; t++) {
                    int at = base + t * fi;
                    double e = Math.exp((f32 ? c.f[at] : c.d[at]) - max);
                    if (f32) y.f[at] = (float) e; else y.d[at] = e;
                    sum += e;
                }
                double inv = 1 / sum;
                for (int t = 0; t < n; t++) {
                    int at = base + t * fi;
                    if (f32) y.f[at] = (float) (y.f[at] * inv); else y.d[at] *= inv;
                }
            }
        });
        return Autograd.record(y, g -> {
            Tensor cg = g.contiguous();
            Tensor gx = Tensor.zeros(x.dtype, x.shape);
            Parallel.forRange(fi * (y.numel() / Math.max(1, n * fi)), 6L * n, (lo, hi) -> {
                for (int p = lo; p < hi; p++) {
                    int base = (p / fi) * n * fi + p % fi;
                    double dot = 0;
                    for (int t = 0; t < n; t++) {
                        int at = base + t * fi;
                        dot += f32 ? (double) cg.f[at] * y.f[at] : cg.d[at] * y.d[at];
                    }
                    for (int t = 0; t < n; t++) {
                        int at = base + t * fi;
                        if (f32) gx.f[at] = (float) (y.f[at] * (cg.f[at] - dot)); else gx.d[at] = y.d[at] * (cg.d[at] - dot);
                    }
                }
            });
            return gx;
        }, x);
    }

    /**
     * q [B, H, Tq, Dh], k, v [B, H, Tk, Dh]; keyMask int64 [B, Tk] with 1 = attend, 0 = padding (may be
     * null). softmax(q·kᵀ/√Dh + (1 − mask)·finfo(dtype).min) · v, as HF ALBERT's extended attention mask
     * (the bias is added in the tensor's dtype, so a fully masked row comes out uniform, not NaN).
     */
    public static Tensor scaledDotProduct(Tensor q, Tensor k, Tensor v, Tensor keyMask) {
        if (Dispatch.onDevice(q, k, v)) return Dispatch.run("scaled_dot_product", in -> scaledDotProduct(in[0], in[1], in[2], in[3]), Dispatch.args(), q, k, v, keyMask);
        Tensor.check(q.dim() == 4 && k.dim() == 4 && v.dim() == 4, "scaledDotProduct: q %s, k %s, v %s must be [B, H, T, Dh]",
                Arrays.toString(q.shape), Arrays.toString(k.shape), Arrays.toString(v.shape));
        int b = q.shape[0], tk = k.shape[2], dh = q.shape[3];
        if (keyMask != null)
            Tensor.check(keyMask.dtype == DType.I64 && keyMask.dim() == 2 && keyMask.shape[0] == b && keyMask.shape[1] == tk,
                    "scaledDotProduct: keyMask %s %s, want int64 [%d, %d]", keyMask.dtype, Arrays.toString(keyMask.shape), b, tk);
        if (fusedInference(q, k, v)) return fused32(q, k, v, keyMask);
        Tensor scores = q.matmul(k.transpose(-1, -2)).mul(1.0 / Math.sqrt(dh));
        if (keyMask != null) {
            double min = q.dtype == DType.F32 ? -Float.MAX_VALUE : -Double.MAX_VALUE;
            Tensor bias = Tensor.zeros(q.dtype, b, 1, 1, tk);
            for (int i = 0; i < b * tk; i++) bias.setFlat(i, (1 - keyMask.getFlat(i)) * min);
            scores = scores.add(bias);
        }
        return softmax(scores, -1).matmul(v);
    }

    /** float32 with nothing requiring grad, matching batch/head/depth shapes, each last dim contiguous. */
    private static boolean fusedInference(Tensor q, Tensor k, Tensor v) {
        if (q.dtype != DType.F32 || k.dtype != DType.F32 || v.dtype != DType.F32 || Autograd.needsGrad(q, k, v)) return false;
        for (int i : new int[]{0, 1, 3})
            if (k.shape[i] != q.shape[i] || v.shape[i] != q.shape[i]) return false;
        return v.shape[2] == k.shape[2] && q.strides[3] == 1 && k.strides[3] == 1 && v.strides[3] == 1 && q.numel() > 0 && k.numel() > 0;
    }

    /**
     * Inference: one task per (batch, head, block of 32 query rows) computes that block's scores
     * q·kᵀ/√Dh (+ the mask's finfo.min bias, added in float32 as the tensor path does), the row softmax
     * (max and sum in double, as {@link #softmax}) and p·v, with q, k, v read in place through their
     * strides (the heads are permuted views of the projections). Output [B, H, Tq, Dh] contiguous.
     */
    private static Tensor fused32(Tensor q, Tensor k, Tensor v, Tensor keyMask) {
        int b = q.shape[0], h = q.shape[1], tq = q.shape[2], tk = k.shape[2], dh = q.shape[3];
        float[] bias = null;
        if (keyMask != null) {
            bias = new float[b * tk];
            for (int i = 0; i < b * tk; i++) bias[i] = (1 - keyMask.getFlat(i)) == 0 ? 0f : (float) ((1 - keyMask.getFlat(i)) * -Float.MAX_VALUE);
        }
        float[] biasF = bias;
        Tensor out = Tensor.zeros(DType.F32, b, h, tq, dh);
        int rowBlock = 32, blocks = (tq + rowBlock - 1) / rowBlock;
        float[] qf = q.f, kf = k.f, vf = v.f, of = out.f;
        float scale = (float) (1.0 / Math.sqrt(dh));
        Parallel.forRange(b * h * blocks, 4L * rowBlock * tk * dh, (lo, hi) -> {
            float[] sc = new float[rowBlock * tk];
            for (int task = lo; task < hi; task++) {
                int bh = task / blocks, i0 = (task % blocks) * rowBlock, rows = Math.min(tq, i0 + rowBlock) - i0;
                int bi = bh / h, hh = bh % h;
                int qb = q.offset + bi * q.strides[0] + hh * q.strides[1] + i0 * q.strides[2];
                int kb = k.offset + bi * k.strides[0] + hh * k.strides[1];
                int vb = v.offset + bi * v.strides[0] + hh * v.strides[1];
                Gemm.f32(false, true, rows, tk, dh, qf, qb, q.strides[2], kf, kb, k.strides[2], sc, 0, tk, false);
                for (int r = 0; r < rows; r++) {
                    int o = r * tk;
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < tk; j++) {
                        float x = (float) (sc[o + j] * scale);
                        if (biasF != null) x += biasF[bi * tk + j];
                        sc[o + j] = x;
                        max = Math.max(max, x);
                    }
                    double sum = 0;
                    for (int j = 0; j < tk; j++) {
                        double e = Math.exp(sc[o + j] - max);
                        sc[o + j] = (float) e;
                        sum += e;
                    }
                    float inv = (float) (1 / sum);
                    for (int j = 0; j < tk; j++) sc[o + j] *= inv;
                }
                Gemm.f32(false, false, rows, dh, tk, sc, 0, tk, vf, vb, v.strides[2], of, (bh * tq + i0) * dh, dh, false);
            }
        });
        return out;
    }
}
