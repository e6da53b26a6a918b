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
}
