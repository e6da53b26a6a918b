package dev.kokoro.engine;

import dev.kokoro.engine.backend.Dispatch;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * LayerNorm over the last dim, InstanceNorm1d, and the style-conditioned AdaLayerNorm / AdaIN1d.
 *
 * <p>One fused kernel normalizes contiguous rows (mean and biased variance per row, kept for
 * backward as mean and 1/√(var+eps)) and applies an affine that is either per position in the row
 * (layer norm's weight) or per row (instance norm's weight, and AdaIN's folded (1+γ)·w).
 */
public final class Norms {
    private Norms() {}

    private static final VectorSpecies<Float> S = Activations.S;
    private static final int L = S.length();

    /** F.layer_norm over the last dim of x; weight/bias [C] or null. */
    public static Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, double eps) {
        if (Dispatch.onDevice(x, weight, bias)) return Dispatch.run("layer_norm", in -> layerNorm(in[0], in[1], in[2], eps), Dispatch.args(eps), x, weight, bias);
        int c = x.size(-1);
        checkAffine("layerNorm", x, weight, c);
        checkAffine("layerNorm", x, bias, c);
        return rowNorm(x, c, weight, bias, false, eps);
    }

    /** F.instance_norm on x [B, C, T] (biased variance, no running stats); weight/bias [C] or null. */
    public static Tensor instanceNorm1d(Tensor x, Tensor weight, Tensor bias, double eps) {
        if (Dispatch.onDevice(x, weight, bias)) return Dispatch.run("instance_norm1d", in -> instanceNorm1d(in[0], in[1], in[2], eps), Dispatch.args(eps), x, weight, bias);
        Tensor.check(x.dim() == 3, "instanceNorm1d expects x [B, C, T], got %s", Arrays.toString(x.shape));
        int b = x.shape[0], c = x.shape[1];
        checkAffine("instanceNorm1d", x, weight, c);
        checkAffine("instanceNorm1d", x, bias, c);
        Tensor sc = weight == null ? null : weight.reshape(1, c).expand(b, c);
        Tensor sh = bias == null ? null : bias.reshape(1, c).expand(b, c);
        return rowNorm(x, x.shape[2], sc, sh, true, eps);
    }

    /**
     * Kokoro's AdaLayerNorm (kokoro/modules.py) on x [B, T, C] with style s [B, S]: h = fc(s) =
     * s·fcWᵀ + fcB, γ = h[:, :C], β = h[:, C:], out = (1 + γ) · layer_norm(x over C, eps) + β, with
     * γ, β broadcast over T (no affine of its own). Kokoro's module transposes x to [B, C, T] and back
     * around the norm; the net effect is exactly this on [B, T, C]. Kokoro uses eps 1e-5.
     */
    public static Tensor adaLayerNorm(Tensor x, Tensor s, Tensor fcWeight, Tensor fcBias, double eps) {
        if (Dispatch.onDevice(x, s, fcWeight)) return Dispatch.run("ada_layer_norm", in -> adaLayerNorm(in[0], in[1], in[2], in[3], eps), Dispatch.args(eps), x, s, fcWeight, fcBias);
        Tensor.check(x.dim() == 3, "adaLayerNorm expects x [B, T, C], got %s", Arrays.toString(x.shape));
        int b = x.shape[0], c = x.shape[2];
        Tensor h = styleAffine("adaLayerNorm", x, s, fcWeight, fcBias, b, c);
        Tensor gamma = h.slice(1, 0, c).reshape(b, 1, c), beta = h.slice(1, c, 2 * c).reshape(b, 1, c);
        return layerNorm(x, null, null, eps).mul(gamma.add(1.0)).add(beta);
    }

    /**
     * Kokoro's AdaIN1d (kokoro/istftnet.py) on x [B, C, T] with style s [B, S]: h = fc(s), γ = h[:, :C],
     * β = h[:, C:], out = (1 + γ) · instance_norm(x, normWeight, normBias, eps) + β (Kokoro: eps 1e-5,
     * InstanceNorm1d(affine=True)). Fused: the affine folds into one per-(b, c) scale and shift.
     */
    public static Tensor adaIN1d(Tensor x, Tensor s, Tensor fcWeight, Tensor fcBias, Tensor normWeight, Tensor normBias, double eps) {
        if (Dispatch.onDevice(x, s, fcWeight)) return Dispatch.run("ada_in1d", in -> adaIN1d(in[0], in[1], in[2], in[3], in[4], in[5], eps), Dispatch.args(eps), x, s, fcWeight, fcBias, normWeight, normBias);
        Tensor.check(x.dim() == 3, "adaIN1d expects x [B, C, T], got %s", Arrays.toString(x.shape));
        int b = x.shape[0], c = x.shape[1];
        checkAffine("adaIN1d", x, normWeight, c);
        checkAffine("adaIN1d", x, normBias, c);
        Tensor h = styleAffine("adaIN1d", x, s, fcWeight, fcBias, b, c);
        Tensor g1 = h.slice(1, 0, c).add(1.0), beta = h.slice(1, c, 2 * c);
        Tensor scale = normWeight == null ? g1 : g1.mul(normWeight.reshape(1, c));
        Tensor shift = normBias == null ? beta : g1.mul(normBias.reshape(1, c)).add(beta);
        return rowNorm(x, x.shape[2], scale, shift, true, eps);
    }

    /**
     * {@code Activations.snake(adaIN1d(x, s, ...), alpha)} with alpha [1, C, 1] (or C values), for inference:
     * float32 runs the norm's statistics and then one pass that writes the normalized, affine-mapped,
     * snake-activated rows (the same float operations as the two ops, so the same numbers, with one
     * activation array less). Records no gradient: when any input requires grad, or in float64, it
     * composes the two differentiable ops instead.
     */
    public static Tensor adaIN1dSnake(Tensor x, Tensor s, Tensor fcWeight, Tensor fcBias, Tensor normWeight, Tensor normBias,
                                      double eps, Tensor alpha) {
        if (x.dtype != DType.F32 || x.dim() != 3 || alpha.numel() != x.shape[1]
                || Dispatch.onDevice(x, s, fcWeight, fcBias, normWeight, normBias, alpha)
                || Autograd.needsGrad(x, s, fcWeight, fcBias, normWeight, normBias, alpha))
            return Activations.snake(adaIN1d(x, s, fcWeight, fcBias, normWeight, normBias, eps), alpha);
        Tensor out = Tensor.zeros(DType.F32, x.shape);
        snakeInto(out, x, s, fcWeight, fcBias, normWeight, normBias, eps, alpha);
        return out;
    }

    /**
     * Inference: {@link #adaIN1dSnake}'s float32 fused pass written into a given whole contiguous float32
     * tensor of x's shape (not sharing storage with x); records nothing.
     */
    public static void adaIN1dSnakeInto(Tensor out, Tensor x, Tensor s, Tensor fcWeight, Tensor fcBias, Tensor normWeight, Tensor normBias,
                                        double eps, Tensor alpha) {
        Tensor.check(x.dtype == DType.F32 && x.dim() == 3 && alpha.numel() == x.shape[1]
                        && !Autograd.needsGrad(x, s, fcWeight, fcBias, normWeight, normBias, alpha)
                        && !Dispatch.onDevice(out, x, s, fcWeight, fcBias, normWeight, normBias, alpha),
                "adaIN1dSnakeInto: float32 host x [B, C, T] with C alphas and nothing requiring grad, got %s %s, alpha %s",
                x.dtype, Arrays.toString(x.shape), Arrays.toString(alpha.shape));
        Tensor.check(out.dtype == DType.F32 && Arrays.equals(out.shape, x.shape) && out.isContiguous() && out.offset == 0
                && out.f.length == out.numel(), "adaIN1dSnakeInto: output %s %s for x %s", out.dtype, Arrays.toString(out.shape), Arrays.toString(x.shape));
        snakeInto(out, x, s, fcWeight, fcBias, normWeight, normBias, eps, alpha);
    }

    private static void snakeInto(Tensor out, Tensor x, Tensor s, Tensor fcWeight, Tensor fcBias, Tensor normWeight, Tensor normBias,
                                  double eps, Tensor alpha) {
        int b = x.shape[0], c = x.shape[1], len = x.shape[2];
        checkAffine("adaIN1d", x, normWeight, c);
        checkAffine("adaIN1d", x, normBias, c);
        Tensor h = styleAffine("adaIN1d", x, s, fcWeight, fcBias, b, c);
        Tensor g1 = h.slice(1, 0, c).add(1.0), beta = h.slice(1, c, 2 * c);
        float[] scale = (normWeight == null ? g1 : g1.mul(normWeight.reshape(1, c))).contiguous().f32();
        float[] shift = (normBias == null ? beta : g1.mul(normBias.reshape(1, c)).add(beta)).contiguous().f32();
        float[] xs = x.contiguous().f32(), al = alpha.contiguous().f32();
        float[] o = out.f;
        Parallel.forRange(b * c, 22L * len, (lo, hi) -> {
            for (int r = lo; r < hi; r++) {
                int off = r * len;
                double m = sum32(xs, off, len) / len, v = sqDev32(xs, off, len, m) / len, rs = 1 / Math.sqrt(v + eps);
                affineSnakeRow32(xs, o, off, len, (float) m, (float) (rs * scale[r]), shift[r], al[r % c]);
            }
        });
    }

    /** o = snake((x − m)·k + c0, a), each step rounded as rowNorm's affine and Activations.snake round it. */
    private static void affineSnakeRow32(float[] x, float[] o, int off, int len, float m, float k, float c0, float a) {
        float inv = 1f / a;
        int i = off, up = off + S.loopBound(len), end = off + len;
        for (; i < up; i += L) {
            FloatVector y = FloatVector.fromArray(S, x, i).sub(m).mul(k).add(c0);
            FloatVector sn = y.mul(a).lanewise(jdk.incubator.vector.VectorOperators.SIN);
            y.add(sn.mul(sn).mul(inv)).intoArray(o, i);
        }
        for (; i < end; i++) {
            float y = (x[i] - m) * k + c0, sn = (float) Math.sin(a * y);
            o[i] = y + sn * sn * inv;
        }
    }

    private static Tensor styleAffine(String op, Tensor x, Tensor s, Tensor w, Tensor bias, int b, int c) {
        Tensor.check(s.dim() == 2 && s.shape[0] == b, "%s: style %s for x %s (want [%d, S])", op,
                Arrays.toString(s.shape), Arrays.toString(x.shape), b);
        Tensor.check(w.dim() == 2 && w.shape[0] == 2 * c && w.shape[1] == s.shape[1], "%s: fc weight %s, want [%d, %d]",
                op, Arrays.toString(w.shape), 2 * c, s.shape[1]);
        return Matmul.linear(s, w, bias);
    }

    private static void checkAffine(String op, Tensor x, Tensor p, int c) {
        if (p == null) return;
        Tensor.check(p.numel() == c && p.dtype == x.dtype, "%s: affine parameter %s %s for x %s %s (want %d values)",
                op, p.dtype, Arrays.toString(p.shape), x.dtype, Arrays.toString(x.shape), c);
    }

    // ------------------------------------------------------------------ fused kernel

    /**
     * Normalizes x viewed as [R, len] rows. {@code perRow}: scale/shift hold R values (any shape of R
     * elements), else len values. Either may be null.
     */
    static Tensor rowNorm(Tensor x, int len, Tensor scale, Tensor shift, boolean perRow, double eps) {
        Tensor.check(x.dtype != DType.I64, "normalization of an int64 tensor");
        Tensor cx = Autograd.noGrad(x::contiguous);
        int n = cx.numel(), rows = len == 0 ? 0 : n / len;
        Tensor cs = scale == null ? null : Autograd.noGrad(scale::contiguous);
        Tensor cb = shift == null ? null : Autograd.noGrad(shift::contiguous);
        Tensor.check(cs == null || cs.numel() == (perRow ? rows : len), "norm scale has %d values", cs == null ? 0 : cs.numel());
        Tensor.check(cb == null || cb.numel() == (perRow ? rows : len), "norm shift has %d values", cb == null ? 0 : cb.numel());
        double[] mean = new double[rows], rstd = new double[rows];
        Tensor out = Tensor.zeros(x.dtype, x.shape);
        boolean f32 = x.dtype == DType.F32;
        Parallel.forRange(rows, 6L * len, (lo, hi) -> {
            for (int r = lo; r < hi; r++) {
                int off = r * len;
                double m, v;
                if (f32) {
                    m = sum32(cx.f, off, len) / len;
                    v = sqDev32(cx.f, off, len, m) / len;
                } else {
                    double s = 0;
                    for (int i = off; i < off + len; i++) s += cx.d[i];
                    m = s / len;
                    double q = 0;
                    for (int i = off; i < off + len; i++) q += (cx.d[i] - m) * (cx.d[i] - m);
                    v = q / len;
                }
                double rs = 1 / Math.sqrt(v + eps);
                mean[r] = m;
                rstd[r] = rs;
                if (perRow) {
                    double a = cs == null ? 1 : f32 ? cs.f[r] : cs.d[r], c0 = cb == null ? 0 : f32 ? cb.f[r] : cb.d[r];
                    if (f32) affineRow32(cx.f, out.f, off, len, (float) m, (float) (rs * a), (float) c0);
                    else for (int i = off; i < off + len; i++) out.d[i] = (cx.d[i] - m) * rs * a + c0;
                } else {
                    for (int j = 0; j < len; j++) {
                        double xh = ((f32 ? cx.f[off + j] : cx.d[off + j]) - m) * rs;
                        double yv = xh * (cs == null ? 1 : f32 ? cs.f[j] : cs.d[j]) + (cb == null ? 0 : f32 ? cb.f[j] : cb.d[j]);
                        if (f32) out.f[off + j] = (float) yv;
                        else out.d[off + j] = yv;
                    }
                }
            }
        });
        return Autograd.record(out, g -> {
            Tensor cg = g.contiguous();
            boolean nx = x.requiresGrad(), ns = scale != null && scale.requiresGrad(), nb = shift != null && shift.requiresGrad();
            Tensor gx = nx ? Tensor.zeros(x.dtype, x.shape) : null;
            if (perRow) {
                double[] gs = new double[rows], gb = new double[rows];
                Parallel.forRange(rows, 8L * len, (lo, hi) -> {
                    for (int r = lo; r < hi; r++) {
                        int off = r * len;
                        double a = cs == null ? 1 : at(cs, r), m = mean[r], rs = rstd[r];
                        double sg, sgx;
                        if (f32) {
                            double[] two = sums32(cx.f, cg.f, off, len, (float) m, (float) rs);
                            sg = two[0];
                            sgx = two[1];
                        } else {
                            sg = 0;
                            sgx = 0;
                            for (int i = off; i < off + len; i++) {
                                sg += cg.d[i];
                                sgx += cg.d[i] * (cx.d[i] - m) * rs;
                            }
                        }
                        gs[r] = sgx;
                        gb[r] = sg;
                        if (nx) {
                            double k = a * rs, mg = sg / len, mgx = sgx / len;
                            if (f32) dxRow32(cx.f, cg.f, gx.f, off, len, (float) m, (float) rs, (float) k, (float) mg, (float) mgx);
                            else for (int i = off; i < off + len; i++) gx.d[i] = k * (cg.d[i] - mg - (cx.d[i] - m) * rs * mgx);
                        }
                    }
                });
                if (ns) Autograd.accumulate(scale, fromDoubles(x.dtype, gs, scale.shape));
                if (nb) Autograd.accumulate(shift, fromDoubles(x.dtype, gb, shift.shape));
            } else {
                double[] gw = new double[len], gbias = new double[len];
                Object lock = new Object();
                Parallel.forRange(rows, 10L * len, (lo, hi) -> {
                    double[] pw = new double[len], pb = new double[len], dxh = new double[len], xh = new double[len];
                    for (int r = lo; r < hi; r++) {
                        int off = r * len;
                        double m = mean[r], rs = rstd[r], sg = 0, sgx = 0;
                        for (int j = 0; j < len; j++) {
                            double gj = at(cg, off + j);
                            xh[j] = (at(cx, off + j) - m) * rs;
                            dxh[j] = gj * (cs == null ? 1 : at(cs, j));
                            sg += dxh[j];
                            sgx += dxh[j] * xh[j];
                            pw[j] += gj * xh[j];
                            pb[j] += gj;
                        }
                        if (nx) {
                            double mg = sg / len, mgx = sgx / len;
                            for (int j = 0; j < len; j++) { double dv = rs * (dxh[j] - mg - xh[j] * mgx); if (f32) gx.f[off + j] = (float) dv; else gx.d[off + j] = dv; }
                        }
                    }
                    synchronized (lock) {
                        for (int j = 0; j < len; j++) {
                            gw[j] += pw[j];
                            gbias[j] += pb[j];
                        }
                    }
                });
                if (ns) Autograd.accumulate(scale, fromDoubles(x.dtype, gw, scale.shape));
                if (nb) Autograd.accumulate(shift, fromDoubles(x.dtype, gbias, shift.shape));
            }
            if (nx) Autograd.accumulate(x, gx);
        }, x, scale, shift);
    }

    private static Tensor fromDoubles(DType dt, double[] v, int[] shape) {
        Tensor t = Tensor.of(v, shape);
        return dt == DType.F64 ? t : t.to(dt);
    }

    // Sums in double, as PyTorch's CPU norms do: a float32-lane mean of a constant row is off by
    // ~1e-7 relative, and dividing by sqrt(eps) when the variance is 0 magnifies that to ~1e-2.
    private static double sum32(float[] x, int off, int len) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = off, end = off + len;
        for (; i + 3 < end; i += 4) {
            s0 += x[i];
            s1 += x[i + 1];
            s2 += x[i + 2];
            s3 += x[i + 3];
        }
        for (; i < end; i++) s0 += x[i];
        return (s0 + s1) + (s2 + s3);
    }

    private static double sqDev32(float[] x, int off, int len, double m) {
        double s0 = 0, s1 = 0;
        int i = off, end = off + len;
        for (; i + 1 < end; i += 2) {
            double d0 = x[i] - m, d1 = x[i + 1] - m;
            s0 += d0 * d0;
            s1 += d1 * d1;
        }
        for (; i < end; i++) s0 += (x[i] - m) * (x[i] - m);
        return s0 + s1;
    }

    private static void affineRow32(float[] x, float[] o, int off, int len, float m, float k, float c0) {
        int i = off, up = off + S.loopBound(len), end = off + len;
        for (; i < up; i += L) FloatVector.fromArray(S, x, i).sub(m).mul(k).add(c0).intoArray(o, i);
        for (; i < end; i++) o[i] = (x[i] - m) * k + c0;
    }

    /** {Σ g, Σ g·x̂} over a row. */
    private static double[] sums32(float[] x, float[] g, int off, int len, float m, float rs) {
        int i = off, up = off + S.loopBound(len), end = off + len;
        FloatVector ag = FloatVector.zero(S), agx = FloatVector.zero(S);
        for (; i < up; i += L) {
            FloatVector gv = FloatVector.fromArray(S, g, i);
            FloatVector xh = FloatVector.fromArray(S, x, i).sub(m).mul(rs);
            ag = ag.add(gv);
            agx = gv.fma(xh, agx);
        }
        double sg = Activations.reduce(ag), sgx = Activations.reduce(agx);
        for (; i < end; i++) {
            sg += g[i];
            sgx += (double) g[i] * ((x[i] - m) * rs);
        }
        return new double[]{sg, sgx};
    }

    private static void dxRow32(float[] x, float[] g, float[] o, int off, int len, float m, float rs, float k, float mg, float mgx) {
        int i = off, up = off + S.loopBound(len), end = off + len;
        for (; i < up; i += L) {
            FloatVector xh = FloatVector.fromArray(S, x, i).sub(m).mul(rs);
            FloatVector.fromArray(S, g, i).sub(mg).sub(xh.mul(mgx)).mul(k).intoArray(o, i);
        }
        for (; i < end; i++) o[i] = k * (g[i] - mg - (x[i] - m) * rs * mgx);
    }

    /** Element i of a contiguous float tensor. */
    static double at(Tensor t, int i) {
        return t.f != null ? t.f[i] : t.d[i];
    }
}
