package dev.kokoro.cuda;

import dev.kokoro.engine.DType;
import dev.kokoro.engine.Tensor;
import java.util.Arrays;

/** A contiguous float32 array on the device with a shape (row-major). */
public final class CudaTensor implements AutoCloseable {
    private final DeviceBuffer buffer;
    private final int[] shape;
    private final int numel;

    private CudaTensor(DeviceBuffer buffer, int[] shape) {
        this.buffer = buffer;
        this.shape = shape.clone();
        this.numel = numel(shape);
    }

    static int numel(int[] shape) {
        long n = 1;
        for (int s : shape) {
            if (s < 0) throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            n *= s;
        }
        if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("shape too large: " + Arrays.toString(shape));
        return (int) n;
    }

    /** Uninitialised (whatever the cached block held). */
    public static CudaTensor empty(int... shape) {
        CudaContext c = Cuda.context();
        return new CudaTensor(c.allocator().allocate(4L * Math.max(1, numel(shape))), shape);
    }

    public static CudaTensor zeros(int... shape) { return full(0f, shape); }

    public static CudaTensor full(float v, int... shape) {
        CudaTensor t = empty(shape);
        Cuda.context().memsetFloat(t.buffer.pointer(), v, t.numel);
        return t;
    }

    public static CudaTensor upload(float[] data, int... shape) {
        int n = numel(shape);
        if (data.length != n) throw new IllegalArgumentException("upload: " + data.length + " floats for shape " + Arrays.toString(shape));
        CudaTensor t = empty(shape);
        if (n > 0) Cuda.context().copyToDevice(t.buffer.pointer(), data, 0, n);
        return t;
    }

    /** Copies an engine tensor (any dtype is converted to float32) to the device. */
    public static CudaTensor from(Tensor t) {
        Tensor c = t.to(DType.F32).contiguous();
        return upload(c.f32(), c.shape());
    }

    public float[] download() {
        float[] out = new float[numel];
        if (numel > 0) Cuda.context().copyToHost(out, buffer.pointer(), numel);
        return out;
    }

    public Tensor toTensor() { return Tensor.of(download(), shape); }

    public CudaTensor copy() {
        CudaTensor t = empty(shape);
        Cuda.context().copyDeviceToDevice(t.buffer.pointer(), buffer.pointer(), 4L * numel);
        return t;
    }

    public int[] shape() { return shape.clone(); }
    public int dim(int i) { return shape[i < 0 ? shape.length + i : i]; }
    public int rank() { return shape.length; }
    public int numel() { return numel; }
    public DeviceBuffer buffer() { return buffer; }

    @Override public void close() { buffer.close(); }

    /** A tensor over an existing buffer (no ownership: do not close it; the buffer's owner frees it). */
    static CudaTensor view(DeviceBuffer buffer, int... shape) { return new CudaTensor(buffer, shape); }

    @Override public String toString() { return "CudaTensor" + Arrays.toString(shape); }
}
