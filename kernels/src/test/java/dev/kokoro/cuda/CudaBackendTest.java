package dev.kokoro.cuda;

import static org.junit.jupiter.api.Assertions.*;

import dev.kokoro.engine.Activations;
import dev.kokoro.engine.Attention;
import dev.kokoro.engine.Conv;
import dev.kokoro.engine.DType;
import dev.kokoro.engine.Device;
import dev.kokoro.engine.GradCheck;
import dev.kokoro.engine.Indexing;
import dev.kokoro.engine.MathOps;
import dev.kokoro.engine.Matmul;
import dev.kokoro.engine.Norms;
import dev.kokoro.engine.Reductions;
import dev.kokoro.engine.Tensor;
import dev.kokoro.engine.WeightNorm;
import dev.kokoro.engine.backend.Backends;
import dev.kokoro.engine.backend.DeviceScope;
import dev.kokoro.engine.backend.Fallbacks;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The engine ops on CUDA tensors (CudaBackend's kernels) against the same ops on the CPU, on random inputs and views. */
@Tag("gpu")
class CudaBackendTest {
    static final double TOL = 1e-5;
    final SplittableRandom rng = new SplittableRandom(11);

    @BeforeEach
    void gpu() {
        Gpu.assumeGpu();
        assertNull(Backends.unavailableReason(Device.CUDA));
    }

    Tensor r(int... shape) { return Tensor.randn(rng, DType.F32, shape); }
    Tensor u(double lo, double hi, int... shape) { return Tensor.rand(rng, DType.F32, lo, hi, shape); }
    static Tensor d(Tensor t) { return t.to(Device.CUDA); }

    static void same(String what, Tensor want, Tensor got, double tol) {
        assertEquals(Device.CUDA, got.device(), what + ": result left the device");
        assertArrayEquals(want.shape(), got.shape(), what + ": shape");
        double e = GradCheck.relL2(got.to(Device.CPU).to(DType.F64), want.to(DType.F64));
        System.out.printf("%-40s rel L2 %.2e%n", what, e);
        assertTrue(e <= tol, what + ": relative L2 error " + e + " > " + tol);
    }

    @Test
    void stridedCopiesOfViews() {
        Tensor x = r(2, 3, 4, 5);
        Tensor dx = d(x);
        same("permute(3,1,0,2).contiguous", x.permute(3, 1, 0, 2).contiguous(), dx.permute(3, 1, 0, 2).contiguous(), 0);
        same("slice+transpose", x.slice(2, 1, 3).transpose(0, 3).contiguous(), dx.slice(2, 1, 3).transpose(0, 3).contiguous(), 0);
        same("expand", x.slice(1, 0, 1).expand(2, 6, 4, 5).contiguous(), dx.slice(1, 0, 1).expand(2, 6, 4, 5).contiguous(), 0);
        Tensor y = r(2, 3, 2, 3, 2, 3, 2);
        same("rank 7 permute", y.permute(6, 5, 4, 3, 2, 1, 0).contiguous(), d(y).permute(6, 5, 4, 3, 2, 1, 0).contiguous(), 0);
        Tensor z = Tensor.zeros(Device.CUDA, DType.F32, 4, 5);
        z.slice(1, 1, 3).copyFrom(x.reshape(-1).slice(0, 0, 8).reshape(4, 2));
        Tensor zc = Tensor.zeros(DType.F32, 4, 5);
        zc.slice(1, 1, 3).copyFrom(x.reshape(-1).slice(0, 0, 8).reshape(4, 2));
        same("copyFrom into a slice", zc, z, 0);
        z.fill(0.25);
        same("fill", Tensor.full(DType.F32, 0.25, 4, 5), z, 0);
    }

    @Test
    void broadcastingBinaryOps() {
        Tensor[][] pairs = {
            {r(3, 4), r(3, 4)}, {r(2, 3, 4), r(4)}, {r(2, 1, 4), r(3, 1)}, {r(5), r(2, 3, 5)}, {r(1), r(7, 9)},
        };
        for (Tensor[] p : pairs) {
            Tensor a = p[0], b = p[1], bd = u(0.5, 2, b.shape());
            String s = java.util.Arrays.toString(a.shape()) + "·" + java.util.Arrays.toString(b.shape());
            same("add " + s, a.add(b), d(a).add(d(b)), TOL);
            same("sub " + s, a.sub(b), d(a).sub(d(b)), TOL);
            same("mul " + s, a.mul(b), d(a).mul(d(b)), TOL);
            same("div " + s, a.div(bd), d(a).div(d(bd)), TOL);
        }
        Tensor a = r(4, 6), b = r(6, 4);
        same("add of transposed view", a.add(b.transpose(0, 1)), d(a).add(d(b).transpose(0, 1)), TOL);
        same("mul of slices", a.slice(1, 1, 4).mul(b.slice(0, 2, 5).transpose(0, 1)), d(a).slice(1, 1, 4).mul(d(b).slice(0, 2, 5).transpose(0, 1)), TOL);
        same("host scalar tensor", a.mul(Tensor.full(DType.F32, 3, 1)), d(a).mul(Tensor.full(DType.F32, 3, 1)), TOL);
    }

    @Test
    void unaryMathActivationsAndScalars() {
        Tensor x = r(3, 70).mul(3), pos = u(0.01, 5, 3, 70);
        Object[][] ops = {
            {"exp", (UnaryOperator<Tensor>) MathOps::exp, x.mul(0.5)}, {"log", (UnaryOperator<Tensor>) MathOps::log, pos},
            {"sin", (UnaryOperator<Tensor>) MathOps::sin, x}, {"cos", (UnaryOperator<Tensor>) MathOps::cos, x},
            {"sqrt", (UnaryOperator<Tensor>) MathOps::sqrt, pos}, {"abs", (UnaryOperator<Tensor>) MathOps::abs, x},
            {"square", (UnaryOperator<Tensor>) MathOps::square, x}, {"tanh", (UnaryOperator<Tensor>) Activations::tanh, x},
            {"sigmoid", (UnaryOperator<Tensor>) Activations::sigmoid, x}, {"relu", (UnaryOperator<Tensor>) Activations::relu, x},
            {"leaky_relu 0.2", (UnaryOperator<Tensor>) t -> Activations.leakyRelu(t, 0.2), x},
            {"gelu", (UnaryOperator<Tensor>) Activations::gelu, x}, {"silu", (UnaryOperator<Tensor>) Activations::silu, x},
            {"softplus", (UnaryOperator<Tensor>) Activations::softplus, x.mul(10)},
            {"clamp", (UnaryOperator<Tensor>) t -> MathOps.clamp(t, -0.5, 0.7), x},
            {"clamp one-sided", (UnaryOperator<Tensor>) t -> MathOps.clamp(t, 1, Double.POSITIVE_INFINITY), x},
            {"round", (UnaryOperator<Tensor>) MathOps::round, x.mul(2)},
            {"floor", (UnaryOperator<Tensor>) MathOps::floor, x.mul(2)},
            {"step 0.3", (UnaryOperator<Tensor>) t -> MathOps.step(t, 0.3), x},
            {"atan2(x, 1 - x)", (UnaryOperator<Tensor>) t -> MathOps.atan2(t, t.neg().add(1)), x},
            {"angle(x, 1 - x)", (UnaryOperator<Tensor>) t -> dev.kokoro.engine.Spectral.angle(t, t.neg().add(1)), x},
            {"add_scalar", (UnaryOperator<Tensor>) t -> t.add(2.5), x}, {"mul_scalar", (UnaryOperator<Tensor>) t -> t.mul(-1.5), x},
            {"pow 1.7", (UnaryOperator<Tensor>) t -> dev.kokoro.engine.Elementwise.pow(t, 1.7), pos},
        };
        for (Object[] o : ops) {
            @SuppressWarnings("unchecked") UnaryOperator<Tensor> f = (UnaryOperator<Tensor>) o[0 + 1];
            Tensor in = (Tensor) o[2];
            same((String) o[0], f.apply(in), f.apply(d(in)), TOL);
            same(o[0] + " (transposed view)", f.apply(in.transpose(0, 1)), f.apply(d(in).transpose(0, 1)), TOL);
        }
    }

    @Test
    void reductionsAndSoftmax() {
        Tensor x = r(3, 5, 7);
        same("sum", x.sum(), d(x).sum(), TOL);
        same("mean", x.mean(), d(x).mean(), TOL);
        for (int k = 0; k < 3; k++) {
            same("sum dim " + k, x.sum(k, false), d(x).sum(k, false), TOL);
            same("mean keepdim " + k, x.mean(k, true), d(x).mean(k, true), TOL);
            same("softmax dim " + k, Attention.softmax(x, k), Attention.softmax(d(x), k), TOL);
        }
        Tensor big = r(2, 100_003);
        same("sum long rows", big.to(DType.F64).sum(1, false), d(big).sum(1, false), 1e-5);   // float64 reference: a float32 running sum drifts
        Tensor huge = r(3, 1_000_003);   // two-pass sum (per-chunk partials), whole and per row
        same("sum of 3M values", huge.to(DType.F64).sum(), d(huge).sum(), 1e-5);
        same("sum of 3 rows of 1M", huge.to(DType.F64).sum(1, false), d(huge).sum(1, false), 1e-5);
        same("sum of a view", x.transpose(0, 2).sum(1, true), d(x).transpose(0, 2).sum(1, true), TOL);
        same("sumToShape", Reductions.sumToShape(x, new int[]{1, 7}), Reductions.sumToShape(d(x), new int[]{1, 7}), TOL);
        Tensor wide = r(4, 3000).mul(5);
        same("softmax wide rows", Attention.softmax(wide, -1), Attention.softmax(d(wide), -1), TOL);
    }

    @Test
    void matmulsInFp32() {
        int[][][] shapes = {
            {{5, 7}, {7, 3}}, {{64, 200}, {200, 130}}, {{2, 5, 7}, {7, 3}}, {{2, 3, 5, 7}, {2, 3, 7, 4}}, {{2, 1, 5, 7}, {3, 7, 4}},
            {{1, 17}, {17, 1}},
        };
        for (int[][] s : shapes) {
            Tensor a = r(s[0]), b = r(s[1]);
            same("matmul " + java.util.Arrays.toString(s[0]) + "·" + java.util.Arrays.toString(s[1]), a.matmul(b), d(a).matmul(d(b)), TOL);
        }
        Tensor a = r(9, 33), b = r(21, 33);
        same("matmul with a transposed view", a.matmul(b.transpose(0, 1)), d(a).matmul(d(b).transpose(0, 1)), TOL);
        same("matmul of transposed a", a.transpose(0, 1).matmul(a), d(a).transpose(0, 1).matmul(d(a)), TOL);
        Tensor x = r(2, 6, 33), bias = r(21);
        same("linear", Matmul.linear(x, b, bias), Matmul.linear(d(x), d(b), d(bias)), TOL);
        same("linear no bias", Matmul.linear(x, b, null), Matmul.linear(d(x), d(b), null), TOL);
        same("linear of sliced input and weight", Matmul.linear(x.slice(2, 3, 20), b.slice(1, 3, 20), null),
                Matmul.linear(d(x).slice(2, 3, 20), d(b).slice(1, 3, 20), null), TOL);
        same("linear of a transposed weight", Matmul.linear(x, b.transpose(0, 1).contiguous().transpose(0, 1), bias),
                Matmul.linear(d(x), d(b.transpose(0, 1).contiguous()).transpose(0, 1), d(bias)), TOL);
        Tensor p = r(4, 8, 16), q = r(4, 16, 5);
        same("bmm", Matmul.bmm(p, q), Matmul.bmm(d(p), d(q)), TOL);
    }

    @Test
    void tf32MatmulKernelIsWithin1e3() {
        Tensor a = r(96, 200), b = r(200, 130);
        try (CudaTensor ca = CudaTensor.from(a); CudaTensor cb = CudaTensor.from(b); CudaTensor c = MatmulCuda.matmul(ca, cb, false, false)) {
            double e = GradCheck.relL2(c.toTensor().to(DType.F64), a.to(DType.F64).matmul(b.to(DType.F64)));
            System.out.printf("TF32 matmul 96x200·200x130 rel L2 %.2e%n", e);
            assertTrue(e <= 1e-3, "TF32 matmul error " + e);
        }
    }

    @Test
    void attentionEmbeddingCatNormsWeightNorm() {
        Tensor q = r(2, 3, 5, 8), k = r(2, 3, 6, 8), v = r(2, 3, 6, 8);
        Tensor mask = Tensor.of(new long[]{1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1}, 2, 6);
        same("scaled dot product (mask)", Attention.scaledDotProduct(q, k, v, mask), Attention.scaledDotProduct(d(q), d(k), d(v), mask), TOL);
        same("scaled dot product", Attention.scaledDotProduct(q, k, v, null), Attention.scaledDotProduct(d(q), d(k), d(v), null), TOL);
        Tensor w = r(11, 6);
        Tensor ids = Tensor.of(new long[]{3, 0, 10, 3, 7, 1}, 2, 3);
        same("embedding", Indexing.embedding(w, ids), Indexing.embedding(d(w), ids), 0);
        Tensor a = r(2, 3, 4), b = r(2, 5, 4), c = r(4, 3, 2);
        same("cat dim 1", Indexing.cat(1, a, b), Indexing.cat(1, d(a), d(b)), 0);
        same("cat of views dim 2", Indexing.cat(2, a, c.permute(2, 1, 0)), Indexing.cat(2, d(a), d(c).permute(2, 1, 0)), 0);
        same("stack", Indexing.stack(0, a, a.mul(2)), Indexing.stack(0, d(a), d(a).mul(2)), TOL);
        Tensor x = r(2, 7, 24).mul(3).add(1), g = r(24), h = r(24);
        same("layer norm", Norms.layerNorm(x, g, h, 1e-5), Norms.layerNorm(d(x), d(g), d(h), 1e-5), 1e-5);
        same("layer norm no affine", Norms.layerNorm(x, null, null, 1e-5), Norms.layerNorm(d(x), null, null, 1e-5), 1e-5);
        same("layer norm of a view", Norms.layerNorm(x.transpose(0, 1), g, h, 1e-5), Norms.layerNorm(d(x).transpose(0, 1), d(g), d(h), 1e-5), 1e-5);
        Tensor s = r(2, 10), fw = r(48, 10), fb = r(48);
        same("ada layer norm", Norms.adaLayerNorm(x, s, fw, fb, 1e-5), Norms.adaLayerNorm(d(x), d(s), d(fw), d(fb), 1e-5), 1e-5);
        Tensor vv = r(6, 4, 3), gg = u(0.5, 2, 6, 1, 1);
        same("weight norm", WeightNorm.apply(vv, gg), WeightNorm.apply(d(vv), d(gg)), 1e-5);
    }

    @Test
    void fallbackOpsStayOnTheDeviceAndAreListed() {
        Tensor x = r(1, 4, 20);   // a host lambda can never be a kernel: map always falls back
        Tensor got = dev.kokoro.engine.Elementwise.map(d(x), Math::cbrt);
        assertEquals(dev.kokoro.engine.Device.CUDA, got.device());
        same("map (fallback)", dev.kokoro.engine.Elementwise.map(x, Math::cbrt), got, 1e-6);
        assertTrue(Fallbacks.names().contains("map"));
        System.out.println(Fallbacks.summary());
        System.out.println("CUDA kernels: " + CudaBackend.kernelNames());
    }

    @Test
    void gradientsOfDeviceKernelsMatchTheCpu() {
        Tensor x = r(3, 5, 8), w = r(6, 8), bias = r(6), t = r(6);
        Tensor xr = x.copy().requiresGrad(true), wr = w.copy().requiresGrad(true), br = bias.copy().requiresGrad(true);
        Activations.tanh(Matmul.linear(xr, wr, br)).mul(t).sum().backward();
        Tensor xd = d(x).requiresGrad(true), wd = d(w).requiresGrad(true), bd = d(bias).requiresGrad(true);
        Activations.tanh(Matmul.linear(xd, wd, bd)).mul(d(t)).sum().backward();
        same("grad x", xr.grad(), xd.grad(), 1e-5);
        same("grad w", wr.grad(), wd.grad(), 1e-5);
        same("grad b", br.grad(), bd.grad(), 1e-5);
    }

    @Test
    void scopeReturnsEveryTemporaryToTheAllocator() {
        Tensor p = d(r(64, 64));
        DeviceAllocator alloc = Cuda.context().allocator();
        long before = alloc.inUseBytes();
        Tensor kept;
        try (DeviceScope scope = DeviceScope.open()) {
            Tensor y = Activations.gelu(p.matmul(p).add(p)).transpose(0, 1).contiguous();
            kept = scope.keep(y.sum(0, false));
        }
        long after = alloc.inUseBytes();
        System.out.println("in use before " + before + ", after " + after);
        assertTrue(after - before <= 4096, "leaked " + (after - before) + " bytes");
        assertEquals(64, kept.numel());
        try (DeviceScope scope = DeviceScope.open()) { p.matmul(p).add(p).sum(); }   // warm the cache's size classes
        long driver = alloc.driverAllocations();
        for (int i = 0; i < 5; i++) try (DeviceScope scope = DeviceScope.open()) { p.matmul(p).add(p).sum(); }
        assertEquals(driver, alloc.driverAllocations(), "a steady loop inside scopes allocates nothing new from the driver");
    }
}
