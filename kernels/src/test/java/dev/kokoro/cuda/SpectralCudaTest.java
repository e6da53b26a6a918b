package dev.kokoro.cuda;

import dev.kokoro.engine.DType;
import dev.kokoro.engine.Spectral;
import dev.kokoro.engine.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** SpectralCuda against the engine's Spectral.stftStacked / istft in float64 (forward and gradients). */
@Tag("gpu")
class SpectralCudaTest {
    static final double TOL = 1e-5;

    static double[] hann(int wl) {
        return Gpu.f32(Spectral.hannWindow(DType.F64, wl, true).toDoubleArray());
    }

    @ParameterizedTest(name = "B={0} L={1} nFft={2} hop={3} win={4} center={5}")
    @CsvSource({"1, 400, 20, 5, 20, true", "3, 1001, 20, 5, 20, true", "2, 7200, 2048, 300, 1200, true", "1, 95, 16, 4, 12, false",
                "2, 64, 20, 5, 0, true", "1, 21, 20, 5, 20, true", "2, 333, 64, 16, 33, true"})
    void stftMatchesEngine(int b, int len, int nFft, int hop, int wl, boolean center) {
        Gpu.assumeGpu();
        Random r = new Random(b * 10000 + len + nFft);
        double[] x = CpuRef.randn(r, b * len, 1), w = wl > 0 ? hann(wl) : null;
        Tensor cx = CpuRef.leaf(x, b, len);
        Tensor y = Spectral.stftStacked(cx, nFft, hop, w == null ? null : Tensor.of(w, wl), center);
        double[] g = CpuRef.randn(r, y.numel(), 1);
        y.backward(CpuRef.like(y, g));
        try (CudaTensor gx = Gpu.up(x, b, len); CudaTensor gw = w == null ? null : Gpu.up(w, wl); CudaTensor gd = Gpu.up(g, y.shape());
             CudaTensor o = SpectralCuda.stft(gx, nFft, hop, gw, center); CudaTensor dx = SpectralCuda.stftBackward(gd, len, nFft, hop, gw, center)) {
            org.junit.jupiter.api.Assertions.assertArrayEquals(y.shape(), o.shape());
            Gpu.close("stft", o, CpuRef.d(y), TOL);
            Gpu.close("dx", dx, CpuRef.grad(cx), TOL);
        }
    }

    @ParameterizedTest(name = "B={0} frames={1} nFft={2} hop={3} win={4} center={5} length={6}")
    @CsvSource({"1, 81, 20, 5, 20, true, -1", "2, 1441, 20, 5, 20, true, -1", "2, 30, 20, 5, 20, true, 120", "1, 25, 16, 4, 12, true, -1",
                "2, 11, 2048, 300, 1200, true, -1", "3, 7, 20, 5, 20, true, 50"})
    void istftMatchesEngine(int b, int frames, int nFft, int hop, int wl, boolean center, int length) {
        Gpu.assumeGpu();
        Random r = new Random(b * 1000 + frames + nFft + length);
        int k = nFft / 2 + 1;
        double[] re = CpuRef.randn(r, b * k * frames, 1), im = CpuRef.randn(r, b * k * frames, 1), w = hann(wl);
        Tensor cre = CpuRef.leaf(re, b, k, frames), cim = CpuRef.leaf(im, b, k, frames);
        Tensor y = Spectral.istft(cre, cim, nFft, hop, Tensor.of(w, wl), center, length);
        double[] g = CpuRef.randn(r, y.numel(), 1);
        y.backward(CpuRef.like(y, g));
        try (CudaTensor gre = Gpu.up(re, b, k, frames); CudaTensor gim = Gpu.up(im, b, k, frames); CudaTensor gw = Gpu.up(w, wl);
             CudaTensor gd = Gpu.up(g, y.shape()); CudaTensor o = SpectralCuda.istft(gre, gim, nFft, hop, gw, center, length);
             SpectralCuda.IstftGrads gr = SpectralCuda.istftBackward(gd, frames, nFft, hop, gw, center, length)) {
            org.junit.jupiter.api.Assertions.assertArrayEquals(y.shape(), o.shape());
            Gpu.close("istft", o, CpuRef.d(y), TOL);
            Gpu.close("dre", gr.dre(), CpuRef.grad(cre), TOL);
            Gpu.close("dim", gr.dim(), CpuRef.grad(cim), TOL);
        }
    }
}
