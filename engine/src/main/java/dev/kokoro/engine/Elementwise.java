package dev.kokoro.engine;

import dev.kokoro.engine.backend.Dispatch;
import java.util.Arrays;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/** Broadcasting arithmetic (+, -, *, /), scalar arithmetic, and a generic pointwise map. */
public final class Elementwise {
    private Elementwise() {}

    enum Op { ADD, SUB, MUL, DIV }

    public static Tensor add(Tensor a, Tensor b) { return binary(Op.ADD, a, b); }
    public static Tensor sub(Tensor a, Tensor b) { return binary(Op.SUB, a, b); }
    public static Tensor mul(Tensor a, Tensor b) { return binary(Op.MUL, a, b); }
    public static Tensor div(Tensor a, Tensor b) { return binary(Op.DIV, a, b); }

    static Tensor binary(Op op, Tensor a, Tensor b) {
        if (Dispatch.onDevice(a, b)) return Dispatch.run(op.name().toLowerCase(), in -> binary(op, in[0], in[1]), Dispatch.args(), a, b);
        Tensor.check(a.dtype == b.dtype, "%s of %s and %s tensors", op, a.dtype, b.dtype);
        int[] shape = Broadcast.shape(a.shape, b.shape);
        Tensor out = Tensor.zeros(a.dtype, shape);
        if (a.dtype == DType.I64) throw new IllegalArgumentException(op + " of int64 tensors is not supported");
        Strided it = new Strided(shape, a, b);
        int sa = it.innerStride[0], sb = it.innerStride[1];
        if (a.dtype == DType.F32) it.forEach(1, (o, oi, len) -> f32(op, a.f, o[0], sa, b.f, o[1], sb, out.f, oi, len));
        else it.forEach(1, (o, oi, len) -> f64(op, a.d, o[0], sa, b.d, o[1], sb, out.d, oi, len));
        return Autograd.record(out, g -> {
            if (a.requiresGrad) {
                Tensor ga = switch (op) {
                    case ADD, SUB -> g;
                    case MUL -> g.mul(b);
                    case DIV -> g.div(b);
                };
                Autograd.accumulate(a, Reductions.sumToShape(ga, a.shape));
            }
            if (b.requiresGrad) {
                Tensor gb = switch (op) {
                    case ADD -> g;
                    case SUB -> g.neg();
                    case MUL -> g.mul(a);
                    case DIV -> g.mul(a).div(b.mul(b)).neg();
                };
                Autograd.accumulate(b, Reductions.sumToShape(gb, b.shape));
            }
        }, a, b);
    }

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private static FloatVector apply(Op op, FloatVector x, FloatVector y) {
        return switch (op) {
            case ADD -> x.add(y);
            case SUB -> x.sub(y);
            case MUL -> x.mul(y);
            case DIV -> x.div(y);
        };
    }

    private static float apply(Op op, float x, float y) {
        return switch (op) {
            case ADD -> x + y;
            case SUB -> x - y;
            case MUL -> x * y;
            case DIV -> x / y;
        };
    }

    /** o[oi..oi+len) = a[ai + j·sa] op b[bi + j·sb]; vector loops for unit or zero strides. */
    private static void f32(Op op, float[] a, int ai, int sa, float[] b, int bi, int sb, float[] o, int oi, int len) {
        int j = 0, L = S.length(), up = len - len % L;
        if (sa == 1 && sb == 1) {
            for (; j < up; j += L)
                apply(op, FloatVector.fromArray(S, a, ai + j), FloatVector.fromArray(S, b, bi + j)).intoArray(o, oi + j);
            for (; j < len; j++) o[oi + j] = apply(op, a[ai + j], b[bi + j]);
        } else if (sa == 1 && sb == 0) {
            float y = b[bi];
            FloatVector vy = FloatVector.broadcast(S, y);
            for (; j < up; j += L) apply(op, FloatVector.fromArray(S, a, ai + j), vy).intoArray(o, oi + j);
            for (; j < len; j++) o[oi + j] = apply(op, a[ai + j], y);
        } else if (sa == 0 && sb == 1) {
            float x = a[ai];
            FloatVector vx = FloatVector.broadcast(S, x);
            for (; j < up; j += L) apply(op, vx, FloatVector.fromArray(S, b, bi + j)).intoArray(o, oi + j);
            for (; j < len; j++) o[oi + j] = apply(op, x, b[bi + j]);
        } else {
            switch (op) {
                case ADD -> { for (; j < len; j++) o[oi + j] = a[ai + j * sa] + b[bi + j * sb]; }
                case SUB -> { for (; j < len; j++) o[oi + j] = a[ai + j * sa] - b[bi + j * sb]; }
                case MUL -> { for (; j < len; j++) o[oi + j] = a[ai + j * sa] * b[bi + j * sb]; }
                case DIV -> { for (; j < len; j++) o[oi + j] = a[ai + j * sa] / b[bi + j * sb]; }
            }
        }
    }

    private static void f64(Op op, double[] a, int ai, int sa, double[] b, int bi, int sb, double[] o, int oi, int len) {
        switch (op) {
            case ADD -> { for (int j = 0; j < len; j++) o[oi + j] = a[ai + j * sa] + b[bi + j * sb]; }
            case SUB -> { for (int j = 0; j < len; j++) o[oi + j] = a[ai + j * sa] - b[bi + j * sb]; }
            case MUL -> { for (int j = 0; j < len; j++) o[oi + j] = a[ai + j * sa] * b[bi + j * sb]; }
            case DIV -> { for (int j = 0; j < len; j++) o[oi + j] = a[ai + j * sa] / b[bi + j * sb]; }
        }
    }

    public static Tensor addScalar(Tensor x, double c) {
        if (Dispatch.onDevice(x)) return Dispatch.run("add_scalar", in -> addScalar(in[0], c), Dispatch.args(c), x);
        Tensor out = map(x, v -> v + c);
        return Autograd.record(out, g -> g, x);
    }

    public static Tensor mulScalar(Tensor x, double c) {
        if (Dispatch.onDevice(x)) return Dispatch.run("mul_scalar", in -> mulScalar(in[0], c), Dispatch.args(c), x);
        Tensor out = map(x, v -> v * c);
        return Autograd.record(out, g -> g.mul(c), x);
    }

    /** {@code x^p} elementwise. */
    public static Tensor pow(Tensor x, double p) {
        if (Dispatch.onDevice(x)) return Dispatch.run("pow", in -> pow(in[0], p), Dispatch.args(p), x);
        Tensor out = map(x, v -> Math.pow(v, p));
        return Autograd.record(out, g -> g.mul(map(x, v -> p * Math.pow(v, p - 1))), x);
    }

    /**
     * A differentiable pointwise function: {@code y = f(x)}, {@code dy/dx = df(x, y)}. Plain and
     * general; hot activations get their own SIMD loops.
     */
    public static Tensor pointwise(Tensor x, DoubleUnaryOperator f, DoubleBinaryOperator df) {
        if (Dispatch.onDevice(x)) return Dispatch.run("pointwise", in -> pointwise(in[0], f, df), Dispatch.args(), x);
        Tensor out = map(x, f);
        return Autograd.record(out, g -> g.mul(zip(x, out, df)), x);
    }

    /** {@code f} applied to every element, no autograd; contiguous result of the same dtype. */
    public static Tensor map(Tensor x, DoubleUnaryOperator f) {
        if (Dispatch.onDevice(x)) return Dispatch.run("map", in -> map(in[0], f), Dispatch.args(), x);
        Tensor c = x.contiguous();
        Tensor out = Tensor.zeros(x.dtype, x.shape);
        int n = out.numel();
        switch (x.dtype) {
            case F32 -> Parallel.forRange(n, 8, (lo, hi) -> { for (int i = lo; i < hi; i++) out.f[i] = (float) f.applyAsDouble(c.f[i]); });
            case F64 -> Parallel.forRange(n, 8, (lo, hi) -> { for (int i = lo; i < hi; i++) out.d[i] = f.applyAsDouble(c.d[i]); });
            case I64 -> { for (int i = 0; i < n; i++) out.l[i] = (long) f.applyAsDouble(c.l[i]); }
        }
        return out;
    }

    /** {@code f(a[i], b[i])} for two tensors of one shape, no autograd. */
    public static Tensor zip(Tensor a, Tensor b, DoubleBinaryOperator f) {
        if (Dispatch.onDevice(a, b)) return Dispatch.run("zip", in -> zip(in[0], in[1], f), Dispatch.args(), a, b);
        Tensor.check(Arrays.equals(a.shape, b.shape), "zip of shapes %s and %s", Arrays.toString(a.shape), Arrays.toString(b.shape));
        Tensor ca = a.contiguous(), cb = (b.dtype == a.dtype ? b : Autograd.noGrad(() -> b.detach().to(a.dtype))).contiguous();
        Tensor out = Tensor.zeros(a.dtype, a.shape);
        int n = out.numel();
        switch (a.dtype) {
            case F32 -> Parallel.forRange(n, 8, (lo, hi) -> { for (int i = lo; i < hi; i++) out.f[i] = (float) f.applyAsDouble(ca.f[i], cb.f[i]); });
            case F64 -> Parallel.forRange(n, 8, (lo, hi) -> { for (int i = lo; i < hi; i++) out.d[i] = f.applyAsDouble(ca.d[i], cb.d[i]); });
            case I64 -> throw new IllegalArgumentException("zip of int64 tensors");
        }
        return out;
    }

    /** {@code acc += g} in place, no autograd; shapes equal. */
    static void addInPlace(Tensor acc, Tensor g) {
        Tensor cg = g.contiguous();
        if (!acc.isContiguous()) {
            acc.copyFrom(acc.add(cg));
            return;
        }
        int n = acc.numel();
        switch (acc.dtype) {
            case F32 -> Parallel.forRange(n, 1, (lo, hi) -> { for (int i = lo; i < hi; i++) acc.f[i] += cg.f[i]; });
            case F64 -> Parallel.forRange(n, 1, (lo, hi) -> { for (int i = lo; i < hi; i++) acc.d[i] += cg.d[i]; });
            case I64 -> throw new IllegalArgumentException("int64 gradients");
        }
    }
}
