package dev.kokoro.engine;

import dev.kokoro.engine.backend.Dispatch;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * causal-conv1d's depthwise causal convolution: x [B, D, L], weight [D, K], bias [D] or null, optional SiLU.
 * out[b,d,t] = act(bias[d] + Σ_k w[d,k]·x[b,d,t−K+1+k]), zeros before t = 0; that is
 * {@code F.conv1d(x, w.unsqueeze(1), bias, padding=K-1, groups=D)[..., :L]} then SiLU when asked.
 * Backward recomputes the pre-activation (K multiply-adds per element) instead of storing it.
 */
public final class CausalConv1d {
    private CausalConv1d() {}

    public static Tensor apply(Tensor x, Tensor weight, Tensor bias, boolean silu) {
        if (Dispatch.onDevice(x, weight, bias)) return Dispatch.run("causal_conv1d", in -> apply(in[0], in[1], in[2], silu), Dispatch.args(silu), x, weight, bias);
        Tensor.check(x.dim() == 3, "causal conv1d: x must be [B, D, L], got %s", Arrays.toString(x.shape()));
        int nb = x.size(0), nd = x.size(1), L = x.size(2);
        Tensor.check(weight.dim() == 2 && weight.size(0) == nd && weight.dtype == x.dtype,
                "causal conv1d: weight must be %s [D=%d, K], got %s %s", x.dtype, nd, weight.dtype, Arrays.toString(weight.shape()));
        Tensor.check(bias == null || (bias.dim() == 1 && bias.size(0) == nd && bias.dtype == x.dtype),
                "causal conv1d: bias must be %s [%d], got %s %s", x.dtype, nd, bias == null ? null : bias.dtype,
                bias == null ? "" : Arrays.toString(bias.shape()));
        int K = weight.size(1);
        Tensor cx = SelectiveScan.dense(x), cw = SelectiveScan.dense(weight), cb = SelectiveScan.dense(bias);
        Tensor out = Tensor.zeros(x.dtype, nb, nd, L);
        switch (x.dtype) {
            case F32 -> Parallel.forRange(nb * nd, 2L * K * L, (lo, hi) -> {
                float[] pre = new float[L];
                for (int row = lo; row < hi; row++) {
                    int d = row % nd;
                    pre32(cx.f, cw.f, cb == null ? 0f : cb.f[d], row * L, d * K, K, L, pre);
                    if (silu) silu32(pre, out.f, row * L, L);
                    else System.arraycopy(pre, 0, out.f, row * L, L);
                }
            });
            case F64 -> Parallel.forRange(nb * nd, 2L * K * L, (lo, hi) -> {
                double[] pre = new double[L];
                for (int row = lo; row < hi; row++) {
                    int d = row % nd;
                    pre64(cx.d, cw.d, cb == null ? 0 : cb.d[d], row * L, d * K, K, L, pre);
                    for (int t = 0; t < L; t++) out.d[row * L + t] = silu ? silu(pre[t]) : pre[t];
                }
            });
            case I64 -> throw new IllegalArgumentException("causal conv1d of int64 tensors");
        }
        return Autograd.record(out, g -> {
            Tensor cg = SelectiveScan.dense(g);
            boolean gx = x.requiresGrad(), gw = weight.requiresGrad(), gb = bias != null && bias.requiresGrad();
            Tensor dx = gx ? Tensor.zeros(x.dtype, nb, nd, L) : null, dw = gw ? Tensor.zeros(x.dtype, nd, K) : null;
            Tensor db = gb ? Tensor.zeros(x.dtype, nd) : null;
            // channels in parallel: each owns its weight row, bias entry and input rows
            if (x.dtype == DType.F32) {
                float[] xf = cx.f, wf = cw.f, gf = cg.f, dxf = dx == null ? null : dx.f, dwf = dw == null ? null : dw.f;
                Parallel.forRange(nd, 4L * K * L * nb, (lo, hi) -> {
                    float[] pre = new float[L], gp = new float[L];
                    for (int d = lo; d < hi; d++) {
                        for (int b = 0; b < nb; b++) {
                            int ro = (b * nd + d) * L;
                            if (silu) {
                                pre32(xf, wf, cb == null ? 0f : cb.f[d], ro, d * K, K, L, pre);
                                siluGrad32(pre, gf, ro, gp, L);
                            } else System.arraycopy(gf, ro, gp, 0, L);
                            if (db != null) db.f[d] += dot32(gp, 0, null, 0, L);
                            for (int k = 0; k < K; k++) {
                                int shift = K - 1 - k;   // out[t] reads x[t - shift]
                                if (dwf != null) dwf[d * K + k] += dot32(gp, shift, xf, ro, L - shift);
                                if (dxf != null) {
                                    float w = wf[d * K + k];
                                    for (int t = shift; t < L; t++) dxf[ro + t - shift] += w * gp[t];
                                }
                            }
                        }
                    }
                });
            } else {
                Parallel.forRange(nd, 4L * K * L * nb, (lo, hi) -> {
                    double[] pre = new double[L], gp = new double[L];
                    for (int d = lo; d < hi; d++) {
                        for (int b = 0; b < nb; b++) {
                            int ro = (b * nd + d) * L;
                            if (silu) pre64(cx.d, cw.d, cb == null ? 0 : cb.d[d], ro, d * K, K, L, pre);
                            for (int t = 0; t < L; t++) gp[t] = silu ? cg.d[ro + t] * dSilu(pre[t]) : cg.d[ro + t];
                            if (db != null) for (int t = 0; t < L; t++) db.d[d] += gp[t];
                            for (int k = 0; k < K; k++) {
                                int shift = K - 1 - k;
                                for (int t = shift; t < L; t++) {
                                    if (dw != null) dw.d[d * K + k] += gp[t] * cx.d[ro + t - shift];
                                    if (dx != null) dx.d[ro + t - shift] += cw.d[d * K + k] * gp[t];
                                }
                            }
                        }
                    }
                });
            }
            if (dx != null) Autograd.accumulate(x, dx);
            if (dw != null) Autograd.accumulate(weight, dw);
            if (db != null) Autograd.accumulate(bias, db);
        }, x, weight, bias);
    }

    private static void pre32(float[] x, float[] w, float bias, int ro, int wo, int K, int L, float[] pre) {
        Arrays.fill(pre, 0, L, bias);
        for (int k = 0; k < K; k++) {
            int shift = K - 1 - k;
            float wk = w[wo + k];
            for (int t = shift; t < L; t++) pre[t] += wk * x[ro + t - shift];
        }
    }

    private static void pre64(double[] x, double[] w, double bias, int ro, int wo, int K, int L, double[] pre) {
        Arrays.fill(pre, 0, L, bias);
        for (int k = 0; k < K; k++) {
            int shift = K - 1 - k;
            double wk = w[wo + k];
            for (int t = shift; t < L; t++) pre[t] += wk * x[ro + t - shift];
        }
    }

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    /** out[o + t] = silu(pre[t]). */
    private static void silu32(float[] pre, float[] out, int o, int L) {
        int t = 0;
        for (; t < S.loopBound(L); t += S.length()) {
            FloatVector v = FloatVector.fromArray(S, pre, t);
            v.div(SelectiveScan.F32.exp(v.neg()).add(1f)).intoArray(out, o + t);
        }
        for (; t < L; t++) out[o + t] = (float) silu(pre[t]);
    }

    /** gp[t] = g[o + t] · silu'(pre[t]). */
    private static void siluGrad32(float[] pre, float[] g, int o, float[] gp, int L) {
        int t = 0;
        for (; t < S.loopBound(L); t += S.length()) {
            FloatVector v = FloatVector.fromArray(S, pre, t);
            FloatVector sg = FloatVector.broadcast(S, 1f).div(SelectiveScan.F32.exp(v.neg()).add(1f));
            FloatVector ds = sg.mul(v.mul(sg.neg().add(1f)).add(1f));
            ds.mul(FloatVector.fromArray(S, g, o + t)).intoArray(gp, t);
        }
        for (; t < L; t++) gp[t] = (float) (g[o + t] * dSilu(pre[t]));
    }

    /** Σ a[ao + i]·b[bo + i] over i < n (b null: Σ a). */
    private static float dot32(float[] a, int ao, float[] b, int bo, int n) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (; i < S.loopBound(n); i += S.length()) {
            FloatVector av = FloatVector.fromArray(S, a, ao + i);
            acc = b == null ? acc.add(av) : av.fma(FloatVector.fromArray(S, b, bo + i), acc);
        }
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) s += b == null ? a[ao + i] : a[ao + i] * b[bo + i];
        return s;
    }

    private static double silu(double v) { return v / (1 + Math.exp(-v)); }

    private static double dSilu(double v) {
        double s = 1 / (1 + Math.exp(-v));
        return s * (1 + v * (1 - s));
    }
}
