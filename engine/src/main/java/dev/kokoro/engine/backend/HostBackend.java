package dev.kokoro.engine.backend;

import dev.kokoro.engine.Device;
import dev.kokoro.engine.Tensor;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * A device backend whose "device memory" is host float[]s: it exercises every device code path (dispatch,
 * fallbacks, scopes, gradients, the optimizer) without a GPU, which is what the CPU test suite uses it for.
 * Register it with {@code Backends.register(Device.CUDA, new HostBackend())}; it has only the kernels put
 * into {@link #kernels} (none by default: every op then runs as a fallback), counts live storages and their
 * peak size, and makes any use of a freed storage an error, as the CUDA backend does.
 */
public final class HostBackend implements Backend {
    public final Map<String, Kernel> kernels = new HashMap<>();
    public final Map<String, GradKernel> gradKernels = new HashMap<>();
    public final Map<String, InPlace> inPlace = new HashMap<>();
    /** Storages alive now. */
    public int live;
    private long liveFloats, peakFloats;

    final class Storage implements DeviceStorage {
        private float[] data;
        Storage(float[] d) {
            data = d;
            live++;
            liveFloats += d.length;
            peakFloats = Math.max(peakFloats, liveFloats);
            DeviceScope.register(this);
        }
        @Override public Device device() { return Device.CUDA; }
        @Override public int length() { return data.length; }
        @Override public void free() {
            if (data == null) return;
            liveFloats -= data.length;
            data = null;
            live--;
        }
        @Override public boolean isFreed() { return data == null; }
        float[] data() {
            if (data == null) throw new IllegalStateException("device tensor used after its storage was freed");
            return data;
        }
    }

    @Override public Device device() { return Device.CUDA; }
    @Override public String unavailableReason() { return null; }
    @Override public DeviceStorage upload(float[] data) { return new Storage(data.clone()); }
    @Override public DeviceStorage full(int n, float value) {
        float[] d = new float[n];
        Arrays.fill(d, value);
        return new Storage(d);
    }

    /** Index into the storage of element {@code i} (row-major) of view {@code t}. */
    static int physical(Tensor t, int i) {
        int[] shape = t.shape(), st = t.strides();
        int p = t.offset();
        for (int k = shape.length - 1; k >= 0; k--) {
            p += (i % shape[k]) * st[k];
            i /= shape[k];
        }
        return p;
    }

    @Override public float[] download(Tensor t) {
        float[] src = ((Storage) t.storage()).data();
        float[] out = new float[t.numel()];
        for (int i = 0; i < out.length; i++) out[i] = src[physical(t, i)];
        return out;
    }

    @Override public void copy(Tensor src, Tensor dst) {
        float[] s = ((Storage) src.storage()).data(), d = ((Storage) dst.storage()).data();
        float[] tmp = new float[src.numel()];
        for (int i = 0; i < tmp.length; i++) tmp[i] = s[physical(src, i)];
        for (int i = 0; i < tmp.length; i++) d[physical(dst, i)] = tmp[i];
    }

    @Override public Kernel kernel(String op) { return kernels.get(op); }
    @Override public GradKernel gradKernel(String op) { return gradKernels.get(op); }
    @Override public InPlace inPlace(String op) { return inPlace.get(op); }
    @Override public Map<String, Long> memory() { return Map.of("in_use", 4 * liveFloats, "peak_in_use", 4 * peakFloats); }
    @Override public void resetPeakMemory() { peakFloats = liveFloats; }
}
