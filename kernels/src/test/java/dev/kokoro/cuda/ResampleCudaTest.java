package dev.kokoro.cuda;

import dev.kokoro.engine.Indexing;
import dev.kokoro.engine.Resample;
import dev.kokoro.engine.Tensor;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * ResampleCuda against the engine's Resample / Indexing.cumsum. Interpolation is compared with the
 * engine's float32 path, whose source indices follow PyTorch's float32 rules exactly as the kernel does
 * (the float64 path computes them in double and may pick another sample at a boundary); padding and cumsum
 * against float64.
 */
@Tag("gpu")
class ResampleCudaTest {
    static final double TOL = 1e-5;

    /** op: 0 nearest size, 1 nearest scale, 2 linear size, 3 linear scale. */
    @ParameterizedTest(name = "op={0} rows={1} T={2} out={3} scale={4}")
    @CsvSource({"0, 3, 17, 40, 0", "0, 2, 40, 17, 0", "1, 4, 11, 0, 2.5", "1, 2, 300, 0, 0.3333333333",
                "2, 3, 17, 40, 0", "2, 2, 40, 17, 0", "2, 1, 9, 9, 0", "3, 5, 50, 0, 300", "3, 2, 7201, 0, 0.0033333333333333335",
                "3, 3, 33, 0, 1.7", "2, 2, 1, 5, 0"})
    void interpolationMatchesEngine(int op, int rows, int t, int out, double scale) {
        Gpu.assumeGpu();
        Random r = new Random(op * 1000 + rows * 100 + t);
        double[] x = CpuRef.randn(r, rows * t, 1);
        Tensor cx = CpuRef.leaf32(x, 1, rows, t);
        Tensor y = switch (op) {
            case 0 -> Resample.nearest1d(cx, out);
            case 1 -> Resample.nearest1dScale(cx, scale);
            case 2 -> Resample.linear1d(cx, out);
            default -> Resample.linear1dScale(cx, scale);
        };
        double[] g = CpuRef.randn(r, y.numel(), 1);
        y.backward(CpuRef.like(y, g));
        try (CudaTensor gx = Gpu.up(x, 1, rows, t); CudaTensor gd = Gpu.up(g, y.shape())) {
            CudaTensor o = switch (op) {
                case 0 -> ResampleCuda.nearest1d(gx, out);
                case 1 -> ResampleCuda.nearest1dScale(gx, scale);
                case 2 -> ResampleCuda.linear1d(gx, out);
                default -> ResampleCuda.linear1dScale(gx, scale);
            };
            CudaTensor dx = switch (op) {
                case 0 -> ResampleCuda.nearest1dBackward(gd, t);
                case 1 -> ResampleCuda.nearest1dScaleBackward(gd, t, scale);
                case 2 -> ResampleCuda.linear1dBackward(gd, t);
                default -> ResampleCuda.linear1dScaleBackward(gd, t, scale);
            };
            try (o; dx) {
                org.junit.jupiter.api.Assertions.assertArrayEquals(y.shape(), o.shape());
                Gpu.close("out", o, CpuRef.d(y), TOL);
                Gpu.close("dx", dx, CpuRef.grad(cx), TOL);
            }
        }
    }

    @ParameterizedTest(name = "reflect={0} rows={1} T={2} left={3} right={4}")
    @CsvSource({"true, 3, 20, 5, 7", "true, 2, 2, 1, 1", "true, 1, 9, 8, 0", "false, 3, 20, 5, 7", "false, 2, 10, -3, 4", "false, 1, 6, 0, -2"})
    void paddingMatchesEngine(boolean reflect, int rows, int t, int left, int right) {
        Gpu.assumeGpu();
        Random r = new Random(rows * 10 + t + left);
        double[] x = CpuRef.randn(r, rows * t, 1);
        Tensor cx = CpuRef.leaf(x, rows, t);
        Tensor y = reflect ? Resample.reflectionPad1d(cx, left, right) : Resample.pad1d(cx, left, right, 0.25);
        double[] g = CpuRef.randn(r, y.numel(), 1);
        y.backward(CpuRef.like(y, g));
        try (CudaTensor gx = Gpu.up(x, rows, t); CudaTensor gd = Gpu.up(g, y.shape());
             CudaTensor o = reflect ? ResampleCuda.reflectionPad1d(gx, left, right) : ResampleCuda.pad1d(gx, left, right, 0.25);
             CudaTensor dx = reflect ? ResampleCuda.reflectionPad1dBackward(gd, left, right) : ResampleCuda.pad1dBackward(gd, left, right)) {
            Gpu.close("out", o, CpuRef.d(y), TOL);
            Gpu.close("dx", dx, CpuRef.grad(cx), TOL);
        }
    }

    @ParameterizedTest(name = "shape={0}x{1}x{2} dim={3}")
    @CsvSource({"2, 3, 1000, 2", "2, 7201, 9, 1", "1, 1, 33, -1", "4, 5, 6, 0", "1, 43200, 1, 1"})
    void cumsumMatchesEngine(int a, int b, int c, int dim) {
        Gpu.assumeGpu();
        Random r = new Random(a * 100 + b + c + dim);
        double[] x = CpuRef.randn(r, a * b * c, 1);
        Tensor cx = CpuRef.leaf(x, a, b, c);
        Tensor y = Indexing.cumsum(cx, dim);
        double[] g = CpuRef.randn(r, y.numel(), 1);
        y.backward(CpuRef.like(y, g));
        try (CudaTensor gx = Gpu.up(x, a, b, c); CudaTensor gd = Gpu.up(g, a, b, c);
             CudaTensor o = ResampleCuda.cumsum(gx, dim); CudaTensor dx = ResampleCuda.cumsumBackward(gd, dim)) {
            Gpu.close("out", o, CpuRef.d(y), TOL);
            Gpu.close("dx", dx, CpuRef.grad(cx), TOL);
        }
    }
}
