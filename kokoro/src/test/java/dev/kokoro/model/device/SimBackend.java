package dev.kokoro.model.device;

import dev.kokoro.engine.Device;
import dev.kokoro.engine.backend.Backend;
import dev.kokoro.engine.backend.DeviceScope;
import dev.kokoro.engine.backend.DeviceStorage;
import dev.kokoro.engine.Tensor;
import java.util.HashMap;
import java.util.Map;

/** (copy of engine's test SimBackend) A fake CUDA backend for CPU tests: storage is a float[] "on the device"; it has only the kernels in {@link #kernels}. */
final class SimBackend implements Backend {
    final Map<String, Kernel> kernels = new HashMap<>();
    int live;
    long liveFloats, peakFloats;

    final class Storage implements DeviceStorage {
        float[] data;
        Storage(float[] d) { data = d; live++; liveFloats += d.length; peakFloats = Math.max(peakFloats, liveFloats); DeviceScope.register(this); }
        @Override public Device device() { return Device.CUDA; }
        @Override public int length() { return data.length; }
        @Override public void free() { if (data != null) { liveFloats -= data.length; data = null; live--; } }
        @Override public boolean isFreed() { return data == null; }
        float[] data() {
            if (data == null) throw new IllegalStateException("device tensor used after its storage was freed");
            return data;
        }
    }

    @Override public Device device() { return Device.CUDA; }
    @Override public Map<String, Long> memory() { return Map.of("in_use", 4 * liveFloats, "peak_in_use", 4 * peakFloats); }
    @Override public void resetPeakMemory() { peakFloats = liveFloats; }
    @Override public String unavailableReason() { return null; }
    @Override public DeviceStorage upload(float[] data) { return new Storage(data.clone()); }
    @Override public DeviceStorage full(int n, float value) {
        float[] d = new float[n];
        java.util.Arrays.fill(d, value);
        return new Storage(d);
    }

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
}
