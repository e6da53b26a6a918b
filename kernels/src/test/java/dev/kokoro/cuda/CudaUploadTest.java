package dev.kokoro.cuda;

import static org.junit.jupiter.api.Assertions.*;

import dev.kokoro.engine.DType;
import dev.kokoro.engine.Device;
import dev.kokoro.engine.Tensor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** CudaBackend.upload: constant arrays by memset (bit-exact), others by a copy. */
class CudaUploadTest {
    @Test
    void constantComparesBits() {
        assertTrue(CudaBackend.constant(new float[]{2.5f}));
        assertTrue(CudaBackend.constant(new float[]{1f, 1f, 1f}));
        assertFalse(CudaBackend.constant(new float[]{1f, 1f, 2f}));
        assertFalse(CudaBackend.constant(new float[]{0f, -0f}), "-0.0 has other bits than 0.0");
        assertTrue(CudaBackend.constant(new float[]{Float.NaN, Float.NaN}));
    }

    @Test
    @Tag("gpu")
    void uploadsRoundTrip() {
        Gpu.assumeGpu();
        for (float[] a : new float[][]{{3.25f}, {-0f, -0f, -0f}, {7f, 7f, 7f, 7f, 7f}, {1f, 2f, 3f}, {Float.NaN}}) {
            Tensor d = Tensor.of(a.clone(), a.length).to(Device.CUDA);
            float[] back = d.to(Device.CPU).to(DType.F32).f32();
            for (int i = 0; i < a.length; i++) assertEquals(Float.floatToRawIntBits(a[i]), Float.floatToRawIntBits(back[i]), "element " + i);
        }
    }

    /**
     * Small uploads go through a pinned ring without a host wait: each is taken at call time (the array is
     * overwritten right after), lands in stream order before the kernel that reads it, and the ring wraps
     * (3× its size here) without corrupting a queued copy.
     */
    @Test
    @Tag("gpu")
    void stagedUploadsAreTakenAtCallTimeAndSurviveRingWraps() {
        Gpu.assumeGpu();
        int n = 10_007, count = (int) (3 * CudaContext.STAGING / (4L * n)) + 5;
        float[] host = new float[n];
        CudaTensor[] outs = new CudaTensor[count];
        long syncs0 = Cuda.context().counters().get("syncs");
        for (int u = 0; u < count; u++) {
            for (int i = 0; i < n; i++) host[i] = u + i * 1e-3f;
            try (CudaTensor x = CudaTensor.upload(host, n)) {
                outs[u] = ElementwiseCuda.add(x, x);
            }
            java.util.Arrays.fill(host, Float.NaN);
        }
        long syncs = Cuda.context().counters().get("syncs") - syncs0;
        for (int u = 0; u < count; u++) {
            float[] y = outs[u].download();
            outs[u].close();
            for (int i = 0; i < n; i += 997) assertEquals(2 * (u + i * 1e-3f), y[i], 0f, "upload " + u + " element " + i);
        }
        if (!CudaContext.DEBUG_SYNC)   // -Dkokoro.cuda.sync adds one per launch
            assertTrue(syncs <= 4, count + " staged uploads took " + syncs + " syncs (one per ring wrap expected)");
    }
}
