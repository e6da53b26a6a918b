package dev.kokoro.engine;

import dev.kokoro.engine.backend.Dispatch;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Pointwise nonlinearities with PyTorch's definitions. Float32 runs SIMD loops (one explicit loop per
 * activation, so every Vector API call site stays monomorphic) in parallel; float64 is plain.
 */
public final class Activations {
    private Activations() {}

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    private static final FloatVector ONE = FloatVector.broadcast(S, 1f);
    private static final double GELU_K = Math.sqrt(2 / Math.PI), GELU_C = 0.044715;

    enum Kind { RELU, LEAKY, GELU, SIGMOID, TANH, SILU, SOFTPLUS }

    public static Tensor relu(Tensor x) { return unary(Kind.RELU, x, 0); }
    /** F.leaky_relu(x, slope). */
    public static Tensor leakyRelu(Tensor x, double slope) { return unary(Kind.LEAKY, x, slope); }
    /** gelu with the tanh approximation (HF "gelu_new"): 0.5x(1 + tanh(√(2/π)(x + 0.044715x³))). */
    public static Tensor gelu(Tensor x) { return unary(Kind.GELU, x, 0); }
    public static Tensor sigmoid(Tensor x) { return unary(Kind.SIGMOID, x, 0); }
    public static Tensor tanh(Tensor x) { return unary(Kind.TANH, x, 0); }
    /** x · sigmoid(x). */
    public static Tensor silu(Tensor x) { return unary(Kind.SILU, x, 0); }
    /** F.softplus with beta 1, threshold 20 (identity above 20). */
    public static Tensor softplus(Tensor x) { return unary(Kind.SOFTPLUS, x, 0); }

    // ------------------------------------------------------------------ generic unary driver

    private static Tensor unary(Kind k, Tensor x, double p) {
        if (Dispatch.onDevice(x)) return Dispatch.run(k == Kind.LEAKY ? "leaky_relu" : k.name().toLowerCase(), in -> unary(k, in[0], p), Dispatch.args(p), x);
        Tensor.check(x.dtype != DType.I64, "%s of an int64 tensor", k);
        Tensor c = Autograd.noGrad(x::contiguous);
        Tensor out = Tensor.zeros(x.dtype, x.shape);
        int n = out.numel();
        if (x.dtype == DType.F32) Parallel.forRange(n, 16, (lo, hi) -> fwd32(k, (float) p, c.f, out.f, lo, hi));
        else Parallel.forRange(n, 16, (lo, hi) -> { for (int i = lo; i < hi; i++) out.d[i] = f64(k, p, c.d[i]); });
        return Autograd.record(out, g -> {
            Tensor cg = g.contiguous();
            Tensor gx = Tensor.zeros(x.dtype, x.shape);
            if (x.dtype == DType.F32) Parallel.forRange(n, 16, (lo, hi) -> bwd32(k, (float) p, c.f, out.f, cg.f, gx.f, lo, hi));
            else Parallel.forRange(n, 16, (lo, hi) -> { for (int i = lo; i < hi; i++) gx.d[i] = cg.d[i] * df64(k, p, c.d[i], out.d[i]); });
            return gx;
        }, x);
    }

    static double sigm(double v) { return 1 / (1 + Math.exp(-v)); }

    static double f64(Kind k, double p, double v) {
        return switch (k) {
            case RELU -> v > 0 ? v : 0;
            case LEAKY -> v > 0 ? v : v * p;
            case GELU -> 0.5 * v * (1 + Math.tanh(GELU_K * (v + GELU_C * v * v * v)));
            case SIGMOID -> sigm(v);
            case TANH -> Math.tanh(v);
            case SILU -> v * sigm(v);
            case SOFTPLUS -> v > 20 ? v : Math.log1p(Math.exp(v));
        };
    }

    /** dy/dx at input v with output y. */
    static double df64(Kind k, double p, double v, double y) {
        return switch (k) {
            case RELU -> v > 0 ? 1 : 0;
            case LEAKY -> v > 0 ? 1 : p;
            case GELU -> {
                double t = Math.tanh(GELU_K * (v + GELU_C * v * v * v));
                yield 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * GELU_K * (1 + 3 * GELU_C * v * v);
            }
            case SIGMOID -> y * (1 - y);
            case TANH -> 1 - y * y;
            case SILU -> {
                double s = sigm(v);
                yield s * (1 + v * (1 - s));
            }
            case SOFTPLUS -> v > 20 ? 1 : sigm(v);
        };
    }

    private static void fwd32(Kind k, float p, float[] x, float[] o, int lo, int hi) {
        int i = lo, up = lo + S.loopBound(hi - lo);
        switch (k) {
            case RELU -> { for (; i < up; i += L) FloatVector.fromArray(S, x, i).max(0f).intoArray(o, i); }
            case LEAKY -> {
                for (; i < up; i += L) {
                    FloatVector v = FloatVector.fromArray(S, x, i);
                    v.blend(v.mul(p), v.compare(VectorOperators.LE, 0f)).intoArray(o, i);
                }
            }
            case GELU -> {
                float kk = (float) GELU_K, cc = (float) GELU_C;
                for (; i < up; i += L) {
                    FloatVector v = FloatVector.fromArray(S, x, i);
                    FloatVector t = v.mul(v).mul(v).mul(cc).add(v).mul(kk).lanewise(VectorOperators.TANH);
                    v.mul(0.5f).mul(t.add(1f)).intoArray(o, i);
                }
            }
            case SIGMOID -> {
                for (; i < up; i += L) {
                    FloatVector v = FloatVector.fromArray(S, x, i);
                    ONE.div(v.neg().lanewise(VectorOperators.EXP).add(1f)).intoArray(o, i);
                }
            }
            case TANH -> { for (; i < up; i += L) FloatVector.fromArray(S, x, i).lanewise(VectorOperators.TANH).intoArray(o, i); }
            case SILU -> {
                for (; i < up; i += L) {
                    FloatVector v = FloatVector.fromArray(S, x, i);
                    v.div(v.neg().lanewise(VectorOperators.EXP).add(1f)).intoArray(o, i);
                }
            }
            case SOFTPLUS -> {
                for (; i < up; i += L) {
                    FloatVector v = FloatVector.fromArray(S, x, i);
                    FloatVector sp = v.min(20f).lanewise(VectorOperators.EXP).lanewise(VectorOperators.LOG1P);
                    sp.blend(v, v.compare(VectorOperators.GT, 20f)).intoArray(o, i);
                }
            }
        }
        for (; i < hi; i++) o[i] = (float) f64(k, p, x[i]);
    }

    private static void bwd32(Kind k, float p, float[] x, float[] y, float[] g, float[] o, int lo, int hi) {
        int i = lo, up = lo + S.loopBound(hi - lo);
        switch (k) {
            case RELU -> {
                for (; i < up; i += L) {
                    FloatVector v = FloatVector.fromArray(S, x, i), gv = FloatVector.fromArray(S, g, i);
                    gv.blend(0f, v.compare(VectorOperators.LE, 0f)).intoArray(o, i);
                }
            }
            case LEAKY -> {
                for (; i < up; i += L) {
                    FloatVector v = FloatVector.fromArray(S, x, i), gv = FloatVector.fromArray(S, g, i);
                    gv.blend(gv.mul(p), v.compare(VectorOperators.LE, 0f)).intoArray(o, i);
                }
            }
            case GELU -> {
                float kk = (float) GELU_K, cc = (float) GELU_C;
                for (; i < up; i += L) {
                    FloatVector v = FloatVector.fromArray(S, x, i), gv = FloatVector.fromArray(S, g, i);
                    FloatVector v2 = v.mul(v);
                    FloatVector t = v2.mul(v).mul(cc).add(v).mul(kk).lanewise(VectorOperators.TANH);
                    FloatVector inner = v2.mul(3 * cc).add(1f).mul(kk);
                    FloatVector d = t.add(1f).add(v.mul(t.mul(t).neg().add(1f)).mul(inner)).mul(0.5f);
                    gv.mul(d).intoArray(o, i);
                }
            }
            case SIGMOID -> {
                for (; i < up; i += L) {
                    FloatVector yv = FloatVector.fromArray(S, y, i), gv = FloatVector.fromArray(S, g, i);
                    gv.mul(yv).mul(yv.neg().add(1f)).intoArray(o, i);
                }
            }
            case TANH -> {
                for (; i < up; i += L) {
                    FloatVector yv = FloatVector.fromArray(S, y, i), gv = FloatVector.fromArray(S, g, i);
                    gv.mul(yv.mul(yv).neg().add(1f)).intoArray(o, i);
                }
            }
            case SILU -> {
                for (; i < up; i += L) {
                    FloatVector v = FloatVector.fromArray(S, x, i), gv = FloatVector.fromArray(S, g, i);
                    FloatVector s = ONE.div(v.neg().lanewise(VectorOperators.EXP).add(1f));
                    gv.mul(s.mul(v.mul(s.neg().add(1f)).add(1f))).intoArray(o, i);
                }
            }
            case SOFTPLUS -> {
                for (; i < up; i += L) {
                    FloatVector v = FloatVector.fromArray(S, x, i), gv = FloatVector.fromArray(S, g, i);
                    FloatVector s = ONE.div(v.neg().lanewise(VectorOperators.EXP).add(1f));
                    gv.mul(s).blend(gv, v.compare(VectorOperators.GT, 20f)).intoArray(o, i);
                }
            }
        }
        for (; i < hi; i++) o[i] = (float) (g[i] * df64(k, p, x[i], y[i]));
    }

    // ------------------------------------------------------------------ snake

    /**
     * Snake: x + sin²(αx)/α, with α broadcastable to x (Kokoro: α [1, C, 1] on x [B, C, T]).
     * Differentiable in x and α.
     */
    public static Tensor snake(Tensor x, Tensor alpha) {
        if (Dispatch.onDevice(x, alpha)) return Dispatch.run("snake", in -> snake(in[0], in[1]), Dispatch.args(), x, alpha);
        Tensor.check(x.dtype == alpha.dtype && x.dtype != DType.I64, "snake of %s x and %s alpha", x.dtype, alpha.dtype);
        int[] bs = Broadcast.shape(x.shape, alpha.shape);
        Tensor.check(Arrays.equals(bs, x.shape), "snake: alpha %s does not broadcast to x %s",
                Arrays.toString(alpha.shape), Arrays.toString(x.shape));
        Tensor c = Autograd.noGrad(x::contiguous);
        int n = c.numel();
        // Per-row α: x viewed as [rows, len] with α constant along each row when α is 1 on the
        // trailing dims from some point on (true for [1,C,1] on [B,C,T] and for scalars).
        int len = 1, k = x.dim() - 1, lead = x.dim() - alpha.dim();
        while (k >= 0 && (k - lead < 0 || alpha.shape[k - lead] == 1)) len *= x.shape[k--];
        int rows = len == 0 ? 0 : n / len, keep = k + 1;
        int[] rowShape = Arrays.copyOf(x.shape, keep);
        int[] aRowShape = trailingOnesDropped(alpha, x.dim(), keep);
        Tensor arow = Autograd.noGrad(() -> alpha.reshape(aRowShape).expand(rowShape).contiguous());
        Tensor out = Tensor.zeros(x.dtype, x.shape);
        final int fl = len;
        if (x.dtype == DType.F32) {
            Parallel.forRange(rows, 16L * fl, (lo, hi) -> { for (int r = lo; r < hi; r++) snakeRow32(c.f, out.f, r * fl, fl, arow.f[r]); });
        } else {
            Parallel.forRange(rows, 16L * fl, (lo, hi) -> {
                for (int r = lo; r < hi; r++) {
                    double a = arow.d[r];
                    for (int i = r * fl, e = i + fl; i < e; i++) {
                        double s = Math.sin(a * c.d[i]);
                        out.d[i] = c.d[i] + s * s / a;
                    }
                }
            });
        }
        return Autograd.record(out, g -> {
            Tensor cg = g.contiguous();
            boolean needX = x.requiresGrad(), needA = alpha.requiresGrad();
            Tensor gx = needX ? Tensor.zeros(x.dtype, x.shape) : null;
            double[] ga = needA ? new double[rows] : null;
            Parallel.forRange(rows, 24L * fl, (lo, hi) -> {
                for (int r = lo; r < hi; r++) {
                    if (x.dtype == DType.F32) {
                        float a = arow.f[r];
                        double acc = snakeBackRow32(c.f, cg.f, needX ? gx.f : null, r * fl, fl, a);
                        if (needA) ga[r] = acc;
                    } else {
                        double a = arow.d[r], acc = 0;
                        for (int i = r * fl, e = i + fl; i < e; i++) {
                            double v = c.d[i], s = Math.sin(a * v), s2 = Math.sin(2 * a * v);
                            if (needX) gx.d[i] = cg.d[i] * (1 + s2);
                            acc += cg.d[i] * (v * s2 / a - s * s / (a * a));
                        }
                        if (needA) ga[r] = acc;
                    }
                }
            });
            if (needX) Autograd.accumulate(x, gx);
            if (needA) {
                Tensor gr = Tensor.zeros(alpha.dtype, rowShape);
                for (int r = 0; r < rows; r++) gr.setFlat(r, ga[r]);
                Autograd.accumulate(alpha, Reductions.sumToShape(gr, aRowShape).reshape(alpha.shape));
            }
        }, x, alpha);
    }

    /** α's shape right-aligned to x's first {@code keep} dims (the trailing 1s dropped). */
    private static int[] trailingOnesDropped(Tensor alpha, int xdim, int keep) {
        int lead = xdim - alpha.dim();
        int[] s = new int[Math.max(0, keep - lead)];
        for (int i = 0; i < s.length; i++) s[i] = alpha.shape[i];
        return s;
    }

    private static void snakeRow32(float[] x, float[] o, int off, int len, float a) {
        float inv = 1f / a;
        int i = off, up = off + S.loopBound(len), end = off + len;
        for (; i < up; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, i);
            FloatVector s = v.mul(a).lanewise(VectorOperators.SIN);
            v.add(s.mul(s).mul(inv)).intoArray(o, i);
        }
        for (; i < end; i++) {
            float s = (float) Math.sin(a * x[i]);
            o[i] = x[i] + s * s * inv;
        }
    }

    /** Writes dx (if gx non-null) and returns Σ g · ∂y/∂α over the row. */
    private static double snakeBackRow32(float[] x, float[] g, float[] gx, int off, int len, float a) {
        float inv = 1f / a, inv2 = inv * inv;
        int i = off, up = off + S.loopBound(len), end = off + len;
        FloatVector acc = FloatVector.zero(S);
        double tail = 0;
        for (; i < up; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, i), gv = FloatVector.fromArray(S, g, i);
            FloatVector s = v.mul(a).lanewise(VectorOperators.SIN);
            FloatVector s2 = v.mul(2 * a).lanewise(VectorOperators.SIN);
            if (gx != null) gv.mul(s2.add(1f)).intoArray(gx, i);
            acc = acc.add(gv.mul(v.mul(s2).mul(inv).sub(s.mul(s).mul(inv2))));
        }
        for (; i < end; i++) {
            double v = x[i], s = Math.sin(a * v), s2 = Math.sin(2 * a * v);
            if (gx != null) gx[i] = (float) (g[i] * (1 + s2));
            tail += g[i] * (v * s2 * inv - s * s * inv2);
        }
        return reduce(acc) + tail;
    }

    static double reduce(FloatVector v) {
        double s = 0;
        for (int j = 0; j < L; j++) s += v.lane(j);
        return s;
    }
}
