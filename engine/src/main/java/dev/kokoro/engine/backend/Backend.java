package dev.kokoro.engine.backend;

import dev.kokoro.engine.Device;
import dev.kokoro.engine.Node;
import dev.kokoro.engine.Tensor;

/**
 * A device backend, found with {@link java.util.ServiceLoader} (the kernels module provides
 * {@code dev.kokoro.cuda.CudaBackend} in META-INF/services). It moves data and runs the kernels it has;
 * {@link Dispatch} falls back to the CPU op for every op name that {@link #kernel} does not know.
 *
 * <p>Device tensors hold float32 only. Every method receives tensors of this backend's device (views:
 * any shape, strides and offset over a {@link DeviceStorage}); results are new device tensors made with
 * {@link Tensor#onDevice}.
 */
public interface Backend {
    Device device();

    /** Null when the backend can run, else why not (no driver, no GPU, kernels not built). */
    String unavailableReason();

    /** A new storage holding {@code data} (row-major). */
    DeviceStorage upload(float[] data);

    /** The values of a device tensor (any view) in row-major order. */
    float[] download(Tensor t);

    /** A new storage of {@code n} elements, all {@code value}. */
    DeviceStorage full(int n, float value);

    /** dst[...] = src[...] for two device views of one shape (dst may be a strided view, e.g. a slice). */
    void copy(Tensor src, Tensor dst);

    /** The kernel for an op name ("add", "linear", "conv1d", ...), or null when this backend has none. */
    Kernel kernel(String op);

    /**
     * The kernel of an op that carries its own backward (device kernels for the input gradients), or null.
     * {@link Dispatch} asks for it when an input of the op requires grad, before the engine's generic
     * rules ({@code DeviceGrads}); without one it uses {@link #kernel} with such a rule, else the CPU.
     */
    default GradKernel gradKernel(String op) { return null; }

    /**
     * A named in-place kernel with no autograd (optimizer updates: "adamw_step" with inputs
     * {param, grad, exp_avg, exp_avg_sq} and args {step, lr, beta1, beta2, eps, weight_decay}); null when
     * this backend has none (the caller then works on host copies).
     */
    default InPlace inPlace(String op) { return null; }

    /**
     * Device memory counters in bytes, e.g. in_use, reserved, peak_in_use, peak_reserved (empty when the
     * backend keeps none). The peaks count from the last {@link #resetPeakMemory}.
     */
    default java.util.Map<String, Long> memory() { return java.util.Map.of(); }

    default void resetPeakMemory() {}

    /** Running counts of device work, e.g. launches, syncs, uploads, downloads (empty when the backend keeps none). */
    default java.util.Map<String, Long> counters() { return java.util.Map.of(); }

    /**
     * One op on device inputs (null entries stay null); {@code args} are the op's non-tensor parameters.
     * Returns null to decline (e.g. a size the kernel does not support): the op then falls back to the CPU.
     */
    @FunctionalInterface
    interface Kernel {
        Tensor apply(Tensor[] inputs, Object[] args);
    }

    /**
     * Forward of a differentiable op: its output and the backward that turns the output gradient into
     * input gradients with device kernels, accumulating with {@code Autograd.accumulate} only into inputs
     * that require grad (frozen weights get no gradient work). Returns null to decline (the op then falls
     * back like one without a kernel). Runs with autograd off, as does the backward.
     */
    @FunctionalInterface
    interface GradKernel {
        Recorded apply(Tensor[] inputs, Object[] args);
    }

    /** A kernel's output and its backward. */
    record Recorded(Tensor out, Node.Backward backward) {}

    @FunctionalInterface
    interface InPlace {
        void apply(Tensor[] inputs, Object[] args);
    }
}
