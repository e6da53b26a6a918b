package dev.kokoro.engine;

/** Pointwise math: sin, cos, exp, log, sqrt, abs, atan2, clamp, square. */
public final class MathOps {
    private MathOps() {}

    public static Tensor sin(Tensor x) { throw new UnsupportedOperationException("not yet implemented"); }
    public static Tensor cos(Tensor x) { throw new UnsupportedOperationException("not yet implemented"); }
    public static Tensor exp(Tensor x) { throw new UnsupportedOperationException("not yet implemented"); }
    public static Tensor log(Tensor x) { throw new UnsupportedOperationException("not yet implemented"); }
    public static Tensor sqrt(Tensor x) { throw new UnsupportedOperationException("not yet implemented"); }
    public static Tensor abs(Tensor x) { throw new UnsupportedOperationException("not yet implemented"); }
    public static Tensor square(Tensor x) { throw new UnsupportedOperationException("not yet implemented"); }
    /** torch.atan2(y, x), same shapes. */
    public static Tensor atan2(Tensor y, Tensor x) { throw new UnsupportedOperationException("not yet implemented"); }
    /** torch.clamp(x, lo, hi); the gradient is passed where lo ≤ x ≤ hi. Use ±Infinity for one-sided. */
    public static Tensor clamp(Tensor x, double lo, double hi) { throw new UnsupportedOperationException("not yet implemented"); }
    /** torch.round (half to even), not differentiable (returns a detached tensor). */
    public static Tensor round(Tensor x) { throw new UnsupportedOperationException("not yet implemented"); }
}
