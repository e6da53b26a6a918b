package dev.kokoro.engine;

import dev.kokoro.engine.backend.Dispatch;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Pointwise math: sin, cos, exp, log, sqrt, abs, atan2, clamp, square, round, floor, step. */
public final class MathOps {
    private MathOps() {}

    private static final VectorSpecies<Float> S = Activations.S;
    private static final int L = S.length();

    enum Kind { SIN, COS, EXP, LOG, SQRT, ABS, SQUARE }

    public static Tensor sin(Tensor x) { return unary(Kind.SIN, x); }
    public static Tensor cos(Tensor x) { return unary(Kind.COS, x); }
    public static Tensor exp(Tensor x) { return unary(Kind.EXP, x); }
    public static Tensor log(Tensor x) { return unary(Kind.LOG, x); }
    public static Tensor sqrt(Tensor x) { return unary(Kind.SQRT, x); }
    /** |x|; the gradient is sign(x) (0 at 0), as torch.abs. */
    public static Tensor abs(Tensor x) { return unary(Kind.ABS, x); }
    public static Tensor square(Tensor x) { return unary(Kind.SQUARE, x); }

    private static Tensor unary(Kind k, Tensor x) {
        if (Dispatch.onDevice(x)) return Dispatch.run(k.name().toLowerCase(), in -> unary(k, in[0]), Dispatch.args(), x);
        Tensor.check(x.dtype != DType.I64, "%s of an int64 tensor", k);
        Tensor c = Autograd.noGrad(x::contiguous);
        Tensor out = Tensor.zeros(x.dtype, x.shape);
        int n = out.numel();
        if (x.dtype == DType.F32) Parallel.forRange(n, 16, (lo, hi) -> fwd32(k, c.f, out.f, lo, hi));
        else Parallel.forRange(n, 16, (lo, hi) -> { for (int i = lo; i < hi; i++) out.d[i] = f(k, c.d[i]); });
        return Autograd.record(out, g -> {
            Tensor cg = g.contiguous();
            Tensor gx = Tensor.zeros(x.dtype, x.shape);
            if (x.dtype == DType.F32) Parallel.forRange(n, 16, (lo, hi) -> { for (int i = lo; i < hi; i++) gx.f[i] = (float) (cg.f[i] * df(k, c.f[i], out.f[i])); });
            else Parallel.forRange(n, 16, (lo, hi) -> { for (int i = lo; i < hi; i++) gx.d[i] = cg.d[i] * df(k, c.d[i], out.d[i]); });
            return gx;
        }, x);
    }

    private static double f(Kind k, double v) {
        return switch (k) {
            case SIN -> Math.sin(v);
            case COS -> Math.cos(v);
            case EXP -> Math.exp(v);
            case LOG -> Math.log(v);
            case SQRT -> Math.sqrt(v);
            case ABS -> Math.abs(v);
            case SQUARE -> v * v;
        };
    }

    private static double df(Kind k, double v, double y) {
        return switch (k) {
            case SIN -> Math.cos(v);
            case COS -> -Math.sin(v);
            case EXP -> y;
            case LOG -> 1 / v;
            case SQRT -> 1 / (2 * y);
            case ABS -> Math.signum(v);
            case SQUARE -> 2 * v;
        };
    }

    private static void fwd32(Kind k, float[] x, float[] o, int lo, int hi) {
        int i = lo, up = lo + S.loopBound(hi - lo);
        switch (k) {
            case SIN -> { for (; i < up; i += L) FloatVector.fromArray(S, x, i).lanewise(VectorOperators.SIN).intoArray(o, i); }
            case COS -> { for (; i < up; i += L) FloatVector.fromArray(S, x, i).lanewise(VectorOperators.COS).intoArray(o, i); }
            case EXP -> { for (; i < up; i += L) FloatVector.fromArray(S, x, i).lanewise(VectorOperators.EXP).intoArray(o, i); }
            case LOG -> { for (; i < up; i += L) FloatVector.fromArray(S, x, i).lanewise(VectorOperators.LOG).intoArray(o, i); }
            case SQRT -> { for (; i < up; i += L) FloatVector.fromArray(S, x, i).lanewise(VectorOperators.SQRT).intoArray(o, i); }
            case ABS -> { for (; i < up; i += L) FloatVector.fromArray(S, x, i).abs().intoArray(o, i); }
            case SQUARE -> {
                for (; i < up; i += L) {
                    FloatVector v = FloatVector.fromArray(S, x, i);
                    v.mul(v).intoArray(o, i);
                }
            }
        }
        for (; i < hi; i++) o[i] = (float) f(k, x[i]);
    }

    /**
     * torch.atan2(y, x), same shapes. Gradients: ∂/∂y = x/(x²+y²), ∂/∂x = −y/(x²+y²); at (0, 0),
     * where PyTorch gives NaN, both are 0.
     */
    public static Tensor atan2(Tensor y, Tensor x) {
        if (Dispatch.onDevice(y, x)) return Dispatch.run("atan2", in -> atan2(in[0], in[1]), Dispatch.args(), y, x);
        Tensor.check(y.dtype == x.dtype && x.dtype != DType.I64, "atan2 of %s and %s", y.dtype, x.dtype);
        Tensor.check(Arrays.equals(y.shape, x.shape), "atan2: y %s and x %s must have one shape",
                Arrays.toString(y.shape), Arrays.toString(x.shape));
        Tensor cy = Autograd.noGrad(y::contiguous), cx = Autograd.noGrad(x::contiguous);
        Tensor out = Tensor.zeros(x.dtype, x.shape);
        int n = out.numel();
        if (x.dtype == DType.F32) {
            Parallel.forRange(n, 32, (lo, hi) -> {
                int i = lo, up = lo + S.loopBound(hi - lo);
                for (; i < up; i += L)
                    FloatVector.fromArray(S, cy.f, i).lanewise(VectorOperators.ATAN2, FloatVector.fromArray(S, cx.f, i)).intoArray(out.f, i);
                for (; i < hi; i++) out.f[i] = (float) Math.atan2(cy.f[i], cx.f[i]);
            });
        } else {
            Parallel.forRange(n, 32, (lo, hi) -> { for (int i = lo; i < hi; i++) out.d[i] = Math.atan2(cy.d[i], cx.d[i]); });
        }
        return Autograd.record(out, g -> {
            Tensor cg = g.contiguous();
            boolean ny = y.requiresGrad(), nx = x.requiresGrad();
            Tensor gy = ny ? Tensor.zeros(x.dtype, x.shape) : null, gx = nx ? Tensor.zeros(x.dtype, x.shape) : null;
            boolean f32 = x.dtype == DType.F32;
            Parallel.forRange(n, 16, (lo, hi) -> {
                for (int i = lo; i < hi; i++) {
                    double a = f32 ? cy.f[i] : cy.d[i], b = f32 ? cx.f[i] : cx.d[i], gi = f32 ? cg.f[i] : cg.d[i];
                    double r = a * a + b * b, inv = r == 0 ? 0 : 1 / r;
                    if (ny) { if (f32) gy.f[i] = (float) (gi * b * inv); else gy.d[i] = gi * b * inv; }
                    if (nx) { if (f32) gx.f[i] = (float) (-gi * a * inv); else gx.d[i] = -gi * a * inv; }
                }
            });
            if (ny) Autograd.accumulate(y, gy);
            if (nx) Autograd.accumulate(x, gx);
        }, y, x);
    }

    /** torch.clamp(x, lo, hi); the gradient is passed where lo ≤ x ≤ hi. Use ±Infinity for one-sided. */
    public static Tensor clamp(Tensor x, double lo, double hi) {
        if (Dispatch.onDevice(x)) return Dispatch.run("clamp", in -> clamp(in[0], lo, hi), Dispatch.args(lo, hi), x);
        Tensor.check(x.dtype != DType.I64, "clamp of an int64 tensor");
        Tensor c = Autograd.noGrad(x::contiguous);
        Tensor out = Elementwise.map(c, v -> Math.min(Math.max(v, lo), hi));
        return Autograd.record(out, g -> g.mul(Elementwise.map(c, v -> v >= lo && v <= hi ? 1 : 0)), x);
    }

    /** torch.floor, not differentiable (returns a detached tensor). */
    public static Tensor floor(Tensor x) {
        if (Dispatch.onDevice(x)) return Dispatch.run("floor", in -> floor(in[0]), Dispatch.args(), x.detach());
        if (x.dtype == DType.I64) return x.detach().copy();
        return Elementwise.map(x.detach(), Math::floor);
    }

    /** (x > threshold) as 1 / 0 in x's dtype, not differentiable (returns a detached tensor). */
    public static Tensor step(Tensor x, double threshold) {
        if (Dispatch.onDevice(x)) return Dispatch.run("step", in -> step(in[0], threshold), Dispatch.args(threshold), x.detach());
        return Elementwise.map(x.detach(), v -> v > threshold ? 1 : 0);
    }

    /** torch.round (half to even), not differentiable (returns a detached tensor). */
    public static Tensor round(Tensor x) {
        if (Dispatch.onDevice(x)) return Dispatch.run("round", in -> round(in[0]), Dispatch.args(), x.detach());
        if (x.dtype == DType.I64) return x.detach().copy();
        return Elementwise.map(x.detach(), Math::rint);
    }
}
