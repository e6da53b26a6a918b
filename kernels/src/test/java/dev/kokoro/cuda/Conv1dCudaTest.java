package dev.kokoro.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kokoro.engine.Conv;
import dev.kokoro.engine.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Conv1dCuda against the engine's Conv.conv1d in float64 (forward and every gradient through its autograd). */
@Tag("gpu")
class Conv1dCudaTest {
    static final double TF32 = 1e-3, FP32 = 1e-5;

    /** The tensor-core kernel versions to check: -Dkokoro.test.convVersions=4,5,6,2,3,1 (the default: all; 5/6 = conv_mma w8/w4 everywhere). */
    static int[] versions() {
        return java.util.Arrays.stream(System.getProperty("kokoro.test.convVersions", "4,5,6,2,3,1").split(",")).mapToInt(v -> Integer.parseInt(v.trim())).toArray();
    }

    static boolean tensorCores(int cin, int cout, int groups) {
        int cs = cout / groups, cl = cin / groups;
        return Conv1dCuda.allowTf32 && cs >= 8 && cl >= 8 && (long) cs * cl >= 256;
    }

    @ParameterizedTest(name = "B={0} Cin={1} Cout={2} T={3} K={4} s={5} p={6} d={7} g={8} bias={9}")
    @CsvSource({
            // tensor-core path: resblock-like (K 3/7/11, dilation 1/3/5), noise_conv (K12 s6), conv_post, groups, odd lengths
            "2, 64, 48, 301, 3, 1, 1, 1, 1, true", "1, 32, 64, 257, 7, 1, 9, 3, 1, true", "2, 40, 24, 200, 11, 1, 25, 5, 1, false",
            "1, 22, 64, 121, 12, 6, 3, 1, 1, true", "3, 64, 64, 50, 5, 2, 2, 1, 2, true", "1, 128, 22, 99, 7, 1, 3, 1, 1, true",
            "1, 1090, 1024, 37, 3, 1, 1, 1, 1, true", "2, 512, 512, 61, 5, 1, 2, 1, 1, true", "2, 96, 80, 129, 1, 1, 0, 1, 1, false", "1, 16, 16, 1, 3, 1, 1, 1, 1, true",
            // conv_mma (v4) shapes: several row/column tiles across batch rows, groups, strided with 256 rows, and
            // one with >= 132 output tiles (no split-K)
            "2, 128, 128, 300, 11, 1, 25, 5, 1, true", "1, 256, 256, 517, 7, 1, 9, 3, 1, false", "3, 160, 192, 70, 3, 1, 1, 1, 2, true",
            "1, 22, 256, 601, 12, 6, 3, 1, 1, true", "2, 200, 136, 90, 5, 2, 2, 2, 1, true", "4, 128, 96, 4300, 3, 1, 1, 1, 1, true",
            // FP32 path: depthwise, small and odd shapes
            "2, 16, 16, 77, 3, 1, 1, 1, 16, true", "1, 3, 5, 33, 4, 2, 1, 2, 1, true", "2, 6, 4, 19, 3, 3, 0, 1, 2, false",
            "1, 1, 1, 5, 5, 1, 2, 1, 1, true", "3, 24, 24, 64, 3, 2, 1, 1, 24, false"})
    void matchesEngine(int b, int cin, int cout, int t, int k, int stride, int pad, int dil, int groups, boolean withBias) {
        Gpu.assumeGpu();
        check(b, cin, cout, t, k, stride, pad, dil, groups, withBias, tensorCores(cin, cout, groups) ? TF32 : FP32);
    }

    /** allowTf32 off: the same large shapes through the FP32 kernels, at FP32 tolerance. */
    @ParameterizedTest(name = "fp32 B={0} Cin={1} Cout={2} T={3} K={4} s={5} p={6} d={7}")
    @CsvSource({"2, 64, 48, 101, 7, 1, 9, 3", "1, 22, 64, 121, 12, 6, 3, 1"})
    void fp32PathWhenTf32Off(int b, int cin, int cout, int t, int k, int stride, int pad, int dil) {
        Gpu.assumeGpu();
        Conv1dCuda.allowTf32 = false;
        try {
            check(b, cin, cout, t, k, stride, pad, dil, 1, true, FP32);
        } finally {
            Conv1dCuda.allowTf32 = true;
        }
    }

    static void check(int b, int cin, int cout, int t, int k, int stride, int pad, int dil, int groups, boolean withBias, double tol) {
        Random r = new Random(((long) b * 131 + cin) * 131 + cout * 7L + t * 3L + k + stride + pad + dil + groups);
        int cpg = cin / groups;
        double[] x = CpuRef.randn(r, b * cin * t, 1), w = CpuRef.randn(r, cout * cpg * k, 1 / Math.sqrt(cpg * k));
        double[] bias = withBias ? CpuRef.randn(r, cout, 0.5) : null;
        Tensor cx = CpuRef.leaf(x, b, cin, t), cw = CpuRef.leaf(w, cout, cpg, k), cb = withBias ? CpuRef.leaf(bias, cout) : null;
        Tensor y = Conv.conv1d(cx, cw, cb, stride, pad, dil, groups);
        double[] g = CpuRef.randn(r, y.numel(), 1);
        y.backward(CpuRef.like(y, g));
        for (int version : Conv1dCudaTest.versions()) {  // tensor-core kernel versions (the FP32 path ignores it)
            Conv1dCuda.kernelVersion = version;
            String v = "v" + version + " ";
            try (CudaTensor gx = Gpu.up(x, b, cin, t); CudaTensor gw = Gpu.up(w, cout, cpg, k); CudaTensor gb = withBias ? Gpu.up(bias, cout) : null;
                 CudaTensor out = Conv1dCuda.conv1d(gx, gw, gb, stride, pad, dil, groups); CudaTensor gy = Gpu.up(g, y.shape());
                 Conv1dCuda.Grads gr = Conv1dCuda.backward(gx, gw, gy, true, true, withBias, stride, pad, dil, groups)) {
                assertArrayEquals(y.shape(), out.shape());
                Gpu.close(v + "out", out, CpuRef.d(y), tol);
                Gpu.close(v + "dx", gr.dx(), CpuRef.grad(cx), tol);
                Gpu.close(v + "dweight", gr.dweight(), CpuRef.grad(cw), tol);
                if (withBias) Gpu.close(v + "dbias", gr.dbias(), CpuRef.grad(cb), FP32);
            } finally {
                Conv1dCuda.kernelVersion = Conv1dCuda.DEFAULT_VERSION;
            }
        }
    }

    @Test
    void frozenInputsGetNoGradient() {
        Gpu.assumeGpu();
        Random r = new Random(5);
        try (CudaTensor x = Gpu.up(CpuRef.randn(r, 2 * 32 * 40, 1), 2, 32, 40); CudaTensor w = Gpu.up(CpuRef.randn(r, 32 * 32 * 3, 0.1), 32, 32, 3);
             CudaTensor gy = Gpu.up(CpuRef.randn(r, 2 * 32 * 40, 1), 2, 32, 40);
             Conv1dCuda.Grads gr = Conv1dCuda.backward(x, w, gy, true, false, false, 1, 1, 1, 1)) {
            org.junit.jupiter.api.Assertions.assertNotNull(gr.dx());
            org.junit.jupiter.api.Assertions.assertNull(gr.dweight());
            org.junit.jupiter.api.Assertions.assertNull(gr.dbias());
        }
    }

    @Test
    void shapeErrorsNameTheShapes() {
        Gpu.assumeGpu();
        try (CudaTensor x = CudaTensor.zeros(1, 6, 10); CudaTensor w = CudaTensor.zeros(4, 4, 3)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Conv1dCuda.conv1d(x, w, null, 1, 1, 1, 1));
            org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("[1, 6, 10]") && e.getMessage().contains("[4, 4, 3]"), e.getMessage());
        }
    }
}
