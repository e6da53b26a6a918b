package dev.kokoro.cuda;

/**
 * Entry point of the GPU backend. {@link #isAvailable()} never throws: it is false without the JCuda
 * native library, without a CUDA driver or GPU, or when the jar holds no PTX (built without nvcc);
 * {@link #unavailableReason()} says which.
 */
public final class Cuda {
    private static volatile CudaContext context;
    private static volatile String reason;
    private static volatile boolean probed;

    private Cuda() {}

    public static boolean isAvailable() {
        probe();
        return context != null;
    }

    /** Why the backend is off ("CUDA kernels not built", "no CUDA driver: ..."), or null when it is on. */
    public static String unavailableReason() {
        probe();
        return reason;
    }

    /** The process-wide context on device 0, bound to the calling thread. */
    public static CudaContext context() {
        probe();
        CudaContext c = context;
        if (c == null) throw new CudaException("CUDA backend unavailable: " + reason);
        c.bindToThread();
        return c;
    }

    private static synchronized void probe() {
        if (probed) return;
        probed = true;
        if (Cuda.class.getResource("/kernels/sm_90/selective_scan.ptx") == null
                && Cuda.class.getResource("/kernels/sm_80/selective_scan.ptx") == null) {
            reason = "CUDA kernels not built (no PTX in the jar: nvcc was missing at build time)";
            return;
        }
        try {
            context = CudaContext.open(0);
        } catch (Throwable t) {  // UnsatisfiedLinkError without libcuda, CudaException without a GPU
            reason = "no usable CUDA device: " + t;
        }
    }
}
