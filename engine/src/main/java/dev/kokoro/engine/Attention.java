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
        Tensor scores = q.matmul(k.transpose(-1, -2)).mul(1.0 / Math.sqrt(dh));
        if (keyMask != null) {
            Tensor.check(keyMask.dtype == DType.I64 && keyMask.dim() == 2 && keyMask.shape[0] == b && keyMask.shape[1] == tk,
                    "scaledDotProduct: keyMask %s %s, want int64 [%d, %d]", keyMask.dtype, Arrays.toString(keyMask.shape), b, tk);
            double min = q.dtype == DType.F32 ? -Float.MAX_VALUE : -Double.MAX_VALUE;
            Tensor bias = Tensor.zeros(q.dtype, b, 1, 1, tk);
            for (int i = 0; i < b * tk; i++) bias.setFlat(i, (1 - keyMask.getFlat(i)) * min);
            scores = scores.add(bias);
        }
        return softmax(scores, -1).matmul(v);
    }
}
