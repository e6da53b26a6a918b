package dev.kokoro.engine.backend;

import dev.kokoro.engine.Device;
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
     * One op on device inputs (null entries stay null); {@code args} are the op's non-tensor parameters.
     * Returns null to decline (e.g. a size the kernel does not support): the op then falls back to the CPU.
     */
    @FunctionalInterface
    interface Kernel {
        Tensor apply(Tensor[] inputs, Object[] args);
    }
}
