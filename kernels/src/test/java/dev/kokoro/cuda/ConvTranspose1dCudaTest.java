package dev.kokoro.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.kokoro.engine.Conv;
import dev.kokoro.engine.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** ConvTranspose1dCuda against the engine's Conv.convTranspose1d in float64 (forward and gradients). */
@Tag("gpu")
class ConvTranspose1dCudaTest {
    static final double TF32 = 1e-3, FP32 = 1e-5;

    @ParameterizedTest(name = "B={0} Cin={1} Cout={2} T={3} K={4} s={5} p={6} op={7} g={8} d={9} bias={10}")
    @CsvSource({
            // ups[0]-like (K20 s10 p5), ups[1]-like (K12 s6 p3), stride 1 with dilation, groups + dilation + output padding
            "1, 64, 32, 37, 20, 10, 5, 0, 1, 1, true", "2, 32, 16, 45, 12, 6, 3, 0, 1, 1, true", "1, 64, 64, 20, 7, 1, 3, 0, 1, 3, false",
            "1, 48, 40, 25, 5, 2, 1, 1, 2, 2, true", "2, 40, 24, 33, 4, 3, 0, 2, 1, 1, true", "1, 512, 256, 9, 20, 10, 5, 0, 1, 1, true", "1, 256, 128, 40, 12, 6, 3, 0, 1, 1, false",
            // conv_mma (v4): ups1-like over several tiles and batch rows, stride 1 with dilation, groups
            "2, 256, 128, 130, 12, 6, 3, 0, 1, 1, true", "1, 128, 192, 300, 7, 1, 9, 0, 1, 3, false", "2, 192, 160, 45, 5, 2, 1, 1, 2, 1, true",
            // FP32 path: AdainResBlk1d's depthwise upsample (K3 s2 p1 op1), small shapes
            "2, 16, 16, 31, 3, 2, 1, 1, 16, 1, true", "1, 3, 5, 10, 4, 3, 2, 2, 1, 1, true", "3, 4, 6, 1, 3, 1, 0, 0, 2, 1, false",
            "1, 7, 7, 13, 3, 2, 1, 1, 7, 1, false"})
    void matchesEngine(int b, int cin, int cout, int t, int k, int stride, int pad, int outPad, int groups, int dil, boolean withBias) {
        Gpu.assumeGpu();
        double tol = Conv1dCudaTest.tensorCores(cout, cin, groups) ? TF32 : FP32;  // short side = x (Cin), long side = y (Cout)
        Random r = new Random(((long) b * 131 + cin) * 131 + cout * 7L + t * 3L + k + stride + pad + dil + groups);
        int opg = cout / groups;
        double[] x = CpuRef.randn(r, b * cin * t, 1), w = CpuRef.randn(r, cin * opg * k, 1 / Math.sqrt(cin / groups * k));
        double[] bias = withBias ? CpuRef.randn(r, cout, 0.5) : null;
        Tensor cx = CpuRef.leaf(x, b, cin, t), cw = CpuRef.leaf(w, cin, opg, k), cb = withBias ? CpuRef.leaf(bias, cout) : null;
        Tensor y = Conv.convTranspose1d(cx, cw, cb, stride, pad, outPad, groups, dil);
        double[] g = CpuRef.randn(r, y.numel(), 1);
        y.backward(CpuRef.like(y, g));
        for (int version : Conv1dCudaTest.versions()) {  // tensor-core kernel versions (the FP32 path ignores it)
            Conv1dCuda.kernelVersion = version;
            String v = "v" + version + " ";
            try (CudaTensor gx = Gpu.up(x, b, cin, t); CudaTensor gw = Gpu.up(w, cin, opg, k); CudaTensor gb = withBias ? Gpu.up(bias, cout) : null;
                 CudaTensor out = ConvTranspose1dCuda.convTranspose1d(gx, gw, gb, stride, pad, outPad, groups, dil); CudaTensor gy = Gpu.up(g, y.shape());
                 Conv1dCuda.Grads gr = ConvTranspose1dCuda.backward(gx, gw, gy, true, true, withBias, stride, pad, outPad, groups, dil)) {
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
}
