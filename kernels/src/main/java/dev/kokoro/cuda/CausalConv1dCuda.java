package dev.kokoro.cuda;

import java.util.Arrays;

/**
 * Causal depthwise conv1d (causal-conv1d semantics): x [B, D, L], weight [D, K] (K ≤ 16), bias [D] or
 * null, optional fused SiLU. out[b,d,l] = act(bias[d] + Σ_k w[d,k] x[b,d,l-(K-1)+k]).
 */
public final class CausalConv1dCuda {
    private CausalConv1dCuda() {}

    public record Grads(CudaTensor dx, CudaTensor dweight, CudaTensor dbias) implements AutoCloseable {
        @Override public void close() {
            dx.close();
            dweight.close();
            if (dbias != null) dbias.close();
        }
    }

    public static CudaTensor forward(CudaTensor x, CudaTensor weight, CudaTensor bias, boolean silu) {
        int[] s = check(x, weight, bias);
        CudaTensor out = CudaTensor.empty(s[0], s[1], s[2]);
        Cuda.context().launch1d("causal_conv1d", "causal_conv1d_fwd", x.numel(),
                KernelArgs.of().ptr(x).ptr(weight).ptr(bias).ptr(out).i(s[0]).i(s[1]).i(s[2]).i(s[3]).i(silu ? 1 : 0));
        return out;
    }

    public static Grads backward(CudaTensor x, CudaTensor weight, CudaTensor bias, boolean silu, CudaTensor dout) {
        int[] s = check(x, weight, bias);
        if (!Arrays.equals(dout.shape(), x.shape())) throw new IllegalArgumentException("causal conv1d: dout " + Arrays.toString(dout.shape()) + " != x " + Arrays.toString(x.shape()));
        int b = s[0], d = s[1], l = s[2], k = s[3];
        CudaContext c = Cuda.context();
        CudaTensor dx = CudaTensor.empty(b, d, l), dw = CudaTensor.empty(d, k), db = bias == null ? null : CudaTensor.empty(d);
        try (CudaTensor g = CudaTensor.empty(b, d, l)) {
            c.launch1d("causal_conv1d", "causal_conv1d_bwd_g", x.numel(),
                    KernelArgs.of().ptr(x).ptr(weight).ptr(bias).ptr(dout).ptr(g).i(b).i(d).i(l).i(k).i(silu ? 1 : 0));
            c.launch1d("causal_conv1d", "causal_conv1d_bwd_dx", x.numel(),
                    KernelArgs.of().ptr(g).ptr(weight).ptr(dx).i(b).i(d).i(l).i(k));
            c.launch("causal_conv1d", "causal_conv1d_bwd_dw", d, 1, 1, 256, 1, 1, 0,
                    KernelArgs.of().ptr(x).ptr(g).ptr(dw).ptr(db).i(b).i(d).i(l).i(k));
        }
        return new Grads(dx, dw, db);
    }

    private static int[] check(CudaTensor x, CudaTensor w, CudaTensor bias) {
        if (x.rank() != 3) throw new IllegalArgumentException("causal conv1d: x must be [B, D, L], got " + Arrays.toString(x.shape()));
        if (w.rank() != 2 || w.dim(0) != x.dim(1) || w.dim(1) > 16 || w.dim(1) < 1)
            throw new IllegalArgumentException("causal conv1d: weight must be [D=" + x.dim(1) + ", K<=16], got " + Arrays.toString(w.shape()));
        if (bias != null && !Arrays.equals(bias.shape(), new int[] {x.dim(1)}))
            throw new IllegalArgumentException("causal conv1d: bias must be [" + x.dim(1) + "], got " + Arrays.toString(bias.shape()));
        return new int[] {x.dim(0), x.dim(1), x.dim(2), w.dim(1)};
    }
}
