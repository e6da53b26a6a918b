package dev.kokoro.engine;

import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * Checks an op's backward against central finite differences in float64, and its float32 forward
 * against its float64 forward. Used by the property tests of every differentiable op.
 */
public final class GradCheck {
    private GradCheck() {}

    /**
     * Relative L2 error between the analytic gradient of {@code sum(f(inputs) * w)} (w random, fixed)
     * and central differences with step {@code eps}, over all inputs that require grad.
     * Inputs must be float64.
     */
    public static double relError(Function<Tensor[], Tensor> f, long seed, double eps, Tensor... inputs) {
        for (Tensor t : inputs) Tensor.check(t.dtype != DType.F32, "gradient checks run in float64");
        for (Tensor t : inputs) t.zeroGrad();
        Tensor y0 = f.apply(inputs);
        Tensor w = Tensor.randn(new SplittableRandom(seed), DType.F64, y0.shape());
        Tensor loss = y0.mul(w).sum();
        loss.backward();
        double num2 = 0, diff2 = 0;
        for (Tensor t : inputs) {
            if (!t.requiresGrad()) continue;
            Tensor g = t.grad() == null ? Tensor.zeros(DType.F64, t.shape()) : t.grad();
            for (int i = 0, n = t.numel(); i < n; i++) {
                double orig = t.getFlat(i);
                t.setFlat(i, orig + eps);
                double plus = Autograd.noGrad(() -> f.apply(inputs).mul(w).sum().item());
                t.setFlat(i, orig - eps);
                double minus = Autograd.noGrad(() -> f.apply(inputs).mul(w).sum().item());
                t.setFlat(i, orig);
                double numeric = (plus - minus) / (2 * eps);
                double analytic = g.getFlat(i);
                num2 += numeric * numeric;
                diff2 += (numeric - analytic) * (numeric - analytic);
            }
        }
        return Math.sqrt(diff2) / Math.max(Math.sqrt(num2), 1e-12);
    }

    public static double relError(Function<Tensor[], Tensor> f, Tensor... inputs) {
        return relError(f, 1234, 1e-6, inputs);
    }

    /** ‖a − b‖ / ‖b‖ over all elements (b the reference). */
    public static double relL2(Tensor a, Tensor b) {
        Tensor.check(a.numel() == b.numel(), "relL2 of %d and %d elements", a.numel(), b.numel());
        double d2 = 0, r2 = 0;
        for (int i = 0, n = a.numel(); i < n; i++) {
            double x = a.getFlat(i), y = b.getFlat(i);
            d2 += (x - y) * (x - y);
            r2 += y * y;
        }
        if (Double.isNaN(d2)) return Double.NaN;
        return Math.sqrt(d2) / Math.max(Math.sqrt(r2), 1e-30);
    }

    /** Runs {@code f} on float32 copies of float64 inputs and returns the relative L2 error vs float64. */
    public static double f32VsF64(Function<Tensor[], Tensor> f, Tensor... inputs) {
        Tensor ref = Autograd.noGrad(() -> f.apply(inputs));
        Tensor[] f32 = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) f32[i] = inputs[i].dtype == DType.F64 ? inputs[i].detach().to(DType.F32) : inputs[i];
        Tensor out = Autograd.noGrad(() -> f.apply(f32));
        Tensor.check(out.dtype == DType.F32, "float32 inputs gave a %s output", out.dtype);
        return relL2(out, ref);
    }

    /** Random float64 tensor that requires grad. */
    public static Tensor param(SplittableRandom rng, int... shape) {
        return Tensor.randn(rng, DType.F64, shape).requiresGrad(true);
    }
}
