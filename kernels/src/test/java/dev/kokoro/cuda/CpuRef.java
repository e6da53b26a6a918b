package dev.kokoro.cuda;

import dev.kokoro.engine.DType;
import dev.kokoro.engine.Tensor;

/** CPU references through the engine's own ops and autograd (float64 unless asked otherwise). */
final class CpuRef {
    private CpuRef() {}

    /** A float64 leaf that requires grad. */
    static Tensor leaf(double[] a, int... shape) { return Tensor.of(a.clone(), shape).requiresGrad(true); }

    /** A float32 leaf that requires grad. */
    static Tensor leaf32(double[] a, int... shape) { return Tensor.of(Gpu.toFloat(a), shape).requiresGrad(true); }

    static Tensor like(Tensor y, double[] g) {
        Tensor t = Tensor.of(g.clone(), y.shape());
        return y.dtype == DType.F32 ? t.to(DType.F32) : t;
    }

    static double[] d(Tensor t) { return t.toDoubleArray(); }

    static double[] grad(Tensor t) {
        if (t.grad() == null) throw new AssertionError("no CPU gradient for a tensor of shape " + java.util.Arrays.toString(t.shape()));
        return t.grad().toDoubleArray();
    }

    static double[] randn(java.util.Random r, int n, double scale) { return Gpu.f32(Gpu.randn(r, n, scale)); }
}
