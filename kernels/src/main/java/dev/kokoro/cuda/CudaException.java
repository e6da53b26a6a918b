package dev.kokoro.cuda;

/** A failed CUDA driver call or an unusable GPU backend; the message names the call and the CUDA error. */
public final class CudaException extends RuntimeException {
    public CudaException(String message) { super(message); }
    public CudaException(String message, Throwable cause) { super(message, cause); }
}
