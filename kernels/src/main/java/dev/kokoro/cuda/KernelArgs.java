package dev.kokoro.cuda;

import java.util.ArrayList;
import java.util.List;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;

/** Builds the kernelParams array of cuLaunchKernel: device pointers (null allowed), ints, floats, longs. */
public final class KernelArgs {
    private final List<Pointer> args = new ArrayList<>();

    public static KernelArgs of() { return new KernelArgs(); }

    public KernelArgs ptr(CudaTensor t) { return ptr(t == null ? null : t.buffer()); }

    public KernelArgs ptr(DeviceBuffer b) {
        args.add(Pointer.to(b == null ? new CUdeviceptr() : b.pointer()));
        return this;
    }

    /** A pointer {@code elements} floats into {@code t} (a view of one slice of a larger tensor). */
    public KernelArgs ptr(CudaTensor t, long elements) {
        args.add(Pointer.to(t.buffer().pointer().withByteOffset(4L * elements)));
        return this;
    }

    public KernelArgs i(int v) { args.add(Pointer.to(new int[] {v})); return this; }
    public KernelArgs f(float v) { args.add(Pointer.to(new float[] {v})); return this; }
    public KernelArgs l(long v) { args.add(Pointer.to(new long[] {v})); return this; }
    /** A small by-value struct of ints (e.g. tensor_ops.cu's Dims6). */
    public KernelArgs ints(int... v) { args.add(Pointer.to(v.clone())); return this; }

    Pointer pointer() { return Pointer.to(args.toArray(new Pointer[0])); }
}
