package dev.kokoro.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** ceilings.cu: each ceiling kernel computes exactly what it claims, and the measured ceilings are plausible for a data-centre GPU. */
@Tag("gpu")
class CeilingsCudaTest {
    @Test
    void bandwidthIsPlausibleAndTheCopyIsRight() {
        Gpu.assumeGpu();
        double gbs = CeilingsCuda.bandwidthGBs(1 << 26, 10);  // checks out == 2·in at 64 places itself
        assertTrue(gbs > 500 && gbs < 5000, () -> "bandwidth " + gbs + " GB/s outside [500, 5000]");
    }

    @Test
    void fmaChainsMatchJavasFmaBitForBit() {
        Gpu.assumeGpu();
        int blocks = 3, iters = 64, threads = blocks * CeilingsCuda.FMA_THREADS;
        float x = 0.9999f, y = 1e-4f;
        try (CudaTensor out = CudaTensor.empty(threads)) {
            CeilingsCuda.fma(out, blocks, iters, x, y);
            float[] got = out.download();
            for (int g : new int[] {0, 1, 255, 256, threads - 1}) {
                float[] a = new float[8];
                for (int j = 0; j < 8; j++) a[j] = g * 0x1p-20f + j * 0.125f;
                for (int it = 0; it < iters; it++) for (int j = 0; j < 8; j++) a[j] = Math.fma(a[j], x, y);
                float want = ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
                assertEquals(want, got[g], 0f, "thread " + g);
            }
        }
        double tf = CeilingsCuda.fp32Tflops(1 << 13, 5);
        assertTrue(tf > 5 && tf < 200, () -> "FP32 FMA peak " + tf + " TFLOP/s outside [5, 200]");
    }

    @Test
    void mmaChainsGiveTheExactSum() {
        Gpu.assumeGpu();
        int blocks = 2, iters = 200;
        float av = 0x1p-10f, bv = 0x1p-10f;
        try (CudaTensor out = CudaTensor.empty(blocks * CeilingsCuda.MMA_THREADS)) {
            CeilingsCuda.mma(out, blocks, iters, av, bv);
            float want = 8f * iters * 136 * av * bv;  // rows 0-7 gain 28·av·bv per mma, rows 8-15 40·av·bv; 2 of each per thread
            float[] got = out.download();
            for (int i = 0; i < got.length; i++) assertEquals(want, got[i], 0f, "thread " + i);
        }
        double tf = CeilingsCuda.tf32Tflops(1 << 11, 5);
        assertTrue(tf > 20 && tf < 2000, () -> "TF32 mma.sync peak " + tf + " TFLOP/s outside [20, 2000]");
    }

    @Test
    void randomFillStaysInRangeAndNonFiniteCountIsExact() {
        Gpu.assumeGpu();
        int n = 100_003;
        try (CudaTensor t = CudaTensor.empty(n)) {
            CeilingsCuda.rand(t, 7, 0.5f, 2f);
            float[] v = t.download();
            double mean = 0;
            for (float f : v) {
                assertTrue(f >= 1.5f && f < 2.5f, "value " + f);
                mean += f / n;
            }
            assertEquals(2.0, mean, 0.01);
            assertEquals(0, CeilingsCuda.countNonFinite(t));
            v[0] = Float.NaN;
            v[n / 2] = Float.POSITIVE_INFINITY;
            v[n - 1] = Float.NaN;
            try (CudaTensor u = CudaTensor.upload(v, n)) {
                assertEquals(3, CeilingsCuda.countNonFinite(u));
            }
        }
    }
}
