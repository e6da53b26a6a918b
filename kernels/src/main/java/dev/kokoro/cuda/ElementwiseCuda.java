package dev.kokoro.cuda;

import java.util.Arrays;

/** Elementwise kernels over same-shape tensors; backward variants take the forward input (sigmoid: output). */
public final class ElementwiseCuda {
    private ElementwiseCuda() {}

    private static CudaTensor unary(String fn, CudaTensor x) {
        CudaTensor y = CudaTensor.empty(x.shape());
        Cuda.context().launch1d("elementwise", fn, x.numel(), KernelArgs.of().ptr(x).ptr(y).l(x.numel()));
        return y;
    }

    private static CudaTensor binary(String fn, CudaTensor a, CudaTensor b) {
        if (!Arrays.equals(a.shape(), b.shape())) throw new IllegalArgumentException(fn + ": shapes differ: " + Arrays.toString(a.shape()) + " vs " + Arrays.toString(b.shape()));
        CudaTensor y = CudaTensor.empty(a.shape());
        Cuda.context().launch1d("elementwise", fn, a.numel(), KernelArgs.of().ptr(a).ptr(b).ptr(y).l(a.numel()));
        return y;
    }

    public static CudaTensor silu(CudaTensor x) { return unary("ew_silu", x); }
    public static CudaTensor siluBackward(CudaTensor x, CudaTensor g) { return binary("ew_silu_bwd", x, g); }
    public static CudaTensor softplus(CudaTensor x) { return unary("ew_softplus", x); }
    public static CudaTensor softplusBackward(CudaTensor x, CudaTensor g) { return binary("ew_softplus_bwd", x, g); }
    public static CudaTensor sigmoid(CudaTensor x) { return unary("ew_sigmoid", x); }
    /** From the forward output y = sigmoid(x). */
    public static CudaTensor sigmoidBackward(CudaTensor y, CudaTensor g) { return binary("ew_sigmoid_bwd", y, g); }
    public static CudaTensor add(CudaTensor a, CudaTensor b) { return binary("ew_add", a, b); }
    public static CudaTensor mul(CudaTensor a, CudaTensor b) { return binary("ew_mul", a, b); }

    /** y += alpha x, in place (gradient accumulation). */
    public static void axpy(float alpha, CudaTensor x, CudaTensor y) {
        if (x.numel() != y.numel()) throw new IllegalArgumentException("axpy: sizes differ: " + Arrays.toString(x.shape()) + " vs " + Arrays.toString(y.shape()));
        Cuda.context().launch1d("elementwise", "ew_axpy", x.numel(), KernelArgs.of().f(alpha).ptr(x).ptr(y).l(x.numel()));
    }
}
