package dev.kokoro.engine;

import java.util.Arrays;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;

/** Broadcasting arithmetic (+, -, *, /), scalar arithmetic, and a generic pointwise map. */
public final class Elementwise {
    private Elementwise() {}

    enum Op { ADD, SUB, MUL, DIV }

    public static Tensor add(Tensor a, Tensor b) { return binary(Op.ADD, a, b); }
    public static Tensor sub(Tensor a, Tensor b) { return binary(Op.SUB, a, b); }
    public static Tensor mul(Tensor a, Tensor b) { return binary(Op.MUL, a, b); }
    public static Tensor div(Tensor a, Tensor b) { return binary(Op.DIV, a, b); }

    static Tensor binary(Op op, Tensor a, Tensor b) {
        Tensor.check(a.dtype == b.dtype, "%s of %s and %s tensors", op, a.dtype, b.dtype);
        int[] shape = Broadcast.shape(a.shape, b.shape);
        Tensor out = Tensor.zeros(a.dtype, shape);
        int n = out.numel();
        boolean flat = a.isContiguous() && b.isContiguous() && Arrays.equals(a.shape, shape) && Arrays.equals(b.shape, shape);
        int[] ia = flat ? null : Broadcast.offsets(a, shape);
        int[] ib = flat ? null : Broadcast.offsets(b, shape);
        switch (a.dtype) {
            case F32 -> Parallel.forRange(n, 1, (lo, hi) -> f32(op, a.f, ia, b.f, ib, out.f, lo, hi));
            case F64 -> Parallel.forRange(n, 1, (lo, hi) -> f64(op, a.d, ia, b.d, ib, out.d, lo, hi));
            case I64 -> throw new IllegalArgumentException(op + " of int64 tensors is not supported");
        }
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

    private static void f32(Op op, float[] a, int[] ia, float[] b, int[] ib, float[] o, int lo, int hi) {
        if (ia == null) {
            switch (op) {
                case ADD -> { for (int i = lo; i < hi; i++) o[i] = a[i] + b[i]; }
                case SUB -> { for (int i = lo; i < hi; i++) o[i] = a[i] - b[i]; }
                case MUL -> { for (int i = lo; i < hi; i++) o[i] = a[i] * b[i]; }
                case DIV -> { for (int i = lo; i < hi; i++) o[i] = a[i] / b[i]; }
            }
        } else {
            switch (op) {
                case ADD -> { for (int i = lo; i < hi; i++) o[i] = a[ia[i]] + b[ib[i]]; }
                case SUB -> { for (int i = lo; i < hi; i++) o[i] = a[ia[i]] - b[ib[i]]; }
                case MUL -> { for (int i = lo; i < hi; i++) o[i] = a[ia[i]] * b[ib[i]]; }
                case DIV -> { for (int i = lo; i < hi; i++) o[i] = a[ia[i]] / b[ib[i]]; }
            }
        }
    }

    private static void f64(Op op, double[] a, int[] ia, double[] b, int[] ib, double[] o, int lo, int hi) {
        if (ia == null) {
            switch (op) {
                case ADD -> { for (int i = lo; i < hi; i++) o[i] = a[i] + b[i]; }
                case SUB -> { for (int i = lo; i < hi; i++) o[i] = a[i] - b[i]; }
                case MUL -> { for (int i = lo; i < hi; i++) o[i] = a[i] * b[i]; }
                case DIV -> { for (int i = lo; i < hi; i++) o[i] = a[i] / b[i]; }
            }
        } else {
            switch (op) {
                case ADD -> { for (int i = lo; i < hi; i++) o[i] = a[ia[i]] + b[ib[i]]; }
                case SUB -> { for (int i = lo; i < hi; i++) o[i] = a[ia[i]] - b[ib[i]]; }
                case MUL -> { for (int i = lo; i < hi; i++) o[i] = a[ia[i]] * b[ib[i]]; }
                case DIV -> { for (int i = lo; i < hi; i++) o[i] = a[ia[i]] / b[ib[i]]; }
            }
        }
    }

    public static Tensor addScalar(Tensor x, double c) {
        Tensor out = map(x, v -> v + c);
        return Autograd.record(out, g -> g, x);
    }

    public static Tensor mulScalar(Tensor x, double c) {
        Tensor out = map(x, v -> v * c);
        return Autograd.record(out, g -> g.mul(c), x);
    }

    /** {@code x^p} elementwise. */
    public static Tensor pow(Tensor x, double p) {
        Tensor out = map(x, v -> Math.pow(v, p));
        return Autograd.record(out, g -> g.mul(map(x, v -> p * Math.pow(v, p - 1))), x);
    }

    /**
     * A differentiable pointwise function: {@code y = f(x)}, {@code dy/dx = df(x, y)}. Plain and
     * general; hot activations get their own SIMD loops.
     */
    public static Tensor pointwise(Tensor x, DoubleUnaryOperator f, DoubleBinaryOperator df) {
        Tensor out = map(x, f);
        return Autograd.record(out, g -> g.mul(zip(x, out, df)), x);
    }

    /** {@code f} applied to every element, no autograd; contiguous result of the same dtype. */
    public static Tensor map(Tensor x, DoubleUnaryOperator f) {
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
        Tensor.check(Arrays.equals(a.shape, b.shape), "zip of shapes %s and %s", Arrays.toString(a.shape), Arrays.toString(b.shape));
        Tensor ca = a.contiguous(), cb = b.contiguous();
        Tensor out = Tensor.zeros(a.dtype, a.shape);
        int n = out.numel();
        switch (a.dtype) {
            case F32 -> Parallel.forRange(n, 8, (lo, hi) -> { for (int i = lo; i < hi; i++) out.f[i] = (float) f.applyAsDouble(ca.f[i], cb.getFlat(i)); });
            case F64 -> Parallel.forRange(n, 8, (lo, hi) -> { for (int i = lo; i < hi; i++) out.d[i] = f.applyAsDouble(ca.d[i], cb.getFlat(i)); });
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
