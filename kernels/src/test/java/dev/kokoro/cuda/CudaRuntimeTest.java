package dev.kokoro.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

class CudaRuntimeTest {
    @Test
    void availabilityProbeNeverThrows() {
        boolean on = Cuda.isAvailable();
        if (!on) {
            assertNotNull(Cuda.unavailableReason());
            assertThrows(CudaException.class, Cuda::context);
        }
    }

    @Test
    void sizeClassesCoverRequestsWithBoundedWaste() {
        for (long b : new long[] {1, 511, 512, 513, 4096, 1 << 20, (1 << 20) + 1, 3_000_000, 123_456_789}) {
            long c = DeviceAllocator.sizeClass(b);
            assertTrue(c >= b && c >= 512, b + " -> " + c);
            assertTrue(b < 1 << 20 ? c < 2 * Math.max(b, 512) : c <= b * 1.25 + 1, b + " -> " + c);
            assertEquals(c, DeviceAllocator.sizeClass(c), "a class maps to itself");
        }
    }

    @Test
    @Tag("gpu")
    void uploadDownloadRoundTripsAndSteadyLoopsReuseCachedBlocks() {
        Gpu.assumeGpu();
        Random r = new Random(1);
        float[] a = new float[10_007];
        for (int i = 0; i < a.length; i++) a[i] = (float) r.nextGaussian();
        try (CudaTensor t = CudaTensor.upload(a, 10_007)) {
            assertArrayEquals(a, t.download());
        }
        DeviceAllocator al = Cuda.context().allocator();
        try (CudaTensor x = CudaTensor.upload(java.util.Arrays.copyOf(a, 7 * 1429), 7, 1429)) {
            // warm-up with the loop body itself: two blocks of this size class live at once
            for (int it = 0; it < 3; it++) try (CudaTensor y = ElementwiseCuda.silu(x); CudaTensor z = ElementwiseCuda.add(y, x)) { }
            long before = al.driverAllocations();
            for (int it = 0; it < 50; it++) try (CudaTensor y = ElementwiseCuda.silu(x); CudaTensor z = ElementwiseCuda.add(y, x)) { }
            assertEquals(before, al.driverAllocations(), "steady loop must not call cuMemAlloc");
        }
        System.out.println("GPU: " + Cuda.context());
    }

    @Test
    @Tag("gpu")
    void anH100LoadsTheBuildsCubinsAndOtherCardsThePtx() {
        Gpu.assumeGpu();
        try (CudaTensor x = CudaTensor.upload(new float[] {-1f, 0f, 2f}, 3); CudaTensor y = ElementwiseCuda.silu(x)) {
            float[] v = y.download();
            assertEquals(2f / (1f + (float) Math.exp(-2)), v[2], 1e-6f);
        }
        CudaContext c = Cuda.context();
        String image = c.imageOf("elementwise");
        System.out.println("elementwise loaded from " + image + " on " + c);
        assertEquals(c.toString().contains("(sm_90,") ? "cubin sm_90" : image, image);
        assertTrue(image.startsWith("cubin") || image.startsWith("PTX"), image);
    }
}
