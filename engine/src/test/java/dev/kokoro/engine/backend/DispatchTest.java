package dev.kokoro.engine.backend;

import static org.junit.jupiter.api.Assertions.*;

import dev.kokoro.engine.Autograd;
import dev.kokoro.engine.Conv;
import dev.kokoro.engine.DType;
import dev.kokoro.engine.Device;
import dev.kokoro.engine.GradCheck;
import dev.kokoro.engine.Indexing;
import dev.kokoro.engine.Matmul;
import dev.kokoro.engine.Tensor;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Device dispatch rules on the CPU, with a fake CUDA backend (float[] storage) installed for the test. */
class DispatchTest {
    HostBackend sim;
    Backend previous;
    final SplittableRandom rng = new SplittableRandom(7);

    @BeforeEach
    void install() {
        sim = new HostBackend();
        // one real kernel, so both paths (kernel and fallback) are exercised
        sim.kernels.put("add", (in, a) -> {
            float[] x = sim.download(in[0]), y = sim.download(in[1].expand(in[0].shape()));
            for (int i = 0; i < x.length; i++) x[i] += y[i];
            return Tensor.onDevice(sim.upload(x), in[0].shape());
        });
        previous = Backends.register(Device.CUDA, sim);
        Fallbacks.reset();
        Fallbacks.quiet(true);
    }

    @AfterEach
    void restore() {
        Backends.register(Device.CUDA, previous);
        Fallbacks.quiet(false);
    }

    Tensor randn(int... shape) { return Tensor.randn(rng, DType.F32, shape); }

    @Test
    void toDeviceAndBackKeepsValuesAndDevice() {
        Tensor x = randn(2, 3);
        Tensor d = x.to(Device.CUDA);
        assertEquals(Device.CUDA, d.device());
        assertNotNull(d.storage());
        assertArrayEquals(x.toFloatArray(), d.to(Device.CPU).toFloatArray());
        assertEquals(x.getFlat(4), d.getFlat(4));
        assertThrows(IllegalArgumentException.class, d::f32);
        Tensor ids = Tensor.of(new long[]{1, 2}, 2);
        assertSame(ids, ids.to(Device.CUDA), "int64 tensors stay on the host");
        assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(DType.F64, 2).to(Device.CUDA));
    }

    @Test
    void mixedDevicesNameTheOpAndEveryInput() {
        Tensor a = randn(2, 3).to(Device.CUDA), b = randn(2, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.mul(b));
        assertTrue(e.getMessage().startsWith("mul: inputs on different devices"), e.getMessage());
        assertTrue(e.getMessage().contains("input 0: cuda F32[2, 3]") && e.getMessage().contains("input 1: cpu F32[2, 3]"), e.getMessage());
        Tensor w = randn(4, 3, 3);
        e = assertThrows(IllegalArgumentException.class, () -> Conv.conv1d(randn(1, 3, 8), w.to(Device.CUDA), null, 1, 1, 1, 1));
        assertTrue(e.getMessage().contains("conv1d") && e.getMessage().contains("input 2: null"), e.getMessage());
    }

    @Test
    void hostScalarsAndInt64JoinDeviceInputs() {
        Tensor a = randn(2, 3);
        Tensor got = a.to(Device.CUDA).add(Tensor.full(DType.F32, 2.5, 1));
        assertEquals(Device.CUDA, got.device());
        assertArrayEquals(a.add(2.5).toFloatArray(), got.toFloatArray(), 1e-6f);
        Tensor w = randn(5, 4);
        Tensor e = Indexing.embedding(w.to(Device.CUDA), Tensor.of(new long[]{4, 0, 2}, 1, 3));
        assertEquals(Device.CUDA, e.device());
        assertArrayEquals(Indexing.embedding(w, Tensor.of(new long[]{4, 0, 2}, 1, 3)).toFloatArray(), e.toFloatArray());
    }

    @Test
    void kernelRunsWithoutFallbackAndOpsWithoutKernelFallBackOnce() {
        Tensor a = randn(3, 4), b = randn(4);
        Tensor s = a.to(Device.CUDA).add(b.to(Device.CUDA));
        assertArrayEquals(a.add(b).toFloatArray(), s.toFloatArray(), 1e-6f);
        assertTrue(Fallbacks.names().isEmpty(), Fallbacks.summary());

        Tensor x = randn(2, 3, 10), w = randn(4, 3, 3), bias = randn(4);
        Tensor want = Conv.conv1d(x, w, bias, 1, 2, 2, 1);
        Tensor got = Conv.conv1d(x.to(Device.CUDA), w.to(Device.CUDA), bias.to(Device.CUDA), 1, 2, 2, 1);
        assertEquals(Device.CUDA, got.device());
        assertArrayEquals(want.toFloatArray(), got.toFloatArray(), 1e-6f);
        Conv.conv1d(x.to(Device.CUDA), w.to(Device.CUDA), null, 1, 0, 1, 1);
        assertEquals(java.util.List.of("conv1d"), Fallbacks.names());
        assertEquals(2L, Fallbacks.counts().get("conv1d"));
    }

    @Test
    void aKernelMayDeclineInputsAndTheOpFallsBack() {
        sim.kernels.put("mul_scalar", (in, a) -> in[0].numel() > 4 ? null : Tensor.onDevice(sim.upload(new float[]{42}), 1));
        Tensor x = randn(2, 3);
        assertArrayEquals(x.mul(3).toFloatArray(), x.to(Device.CUDA).mul(3).toFloatArray(), 1e-6f);
        assertEquals(java.util.List.of("mul_scalar"), Fallbacks.names());
        assertEquals(42f, Tensor.of(new float[]{1}, 1).to(Device.CUDA).mul(3).item());
    }

    @Test
    void viewsOfDeviceTensorsShareStorageAndCopyWhenMadeContiguous() {
        Tensor x = randn(2, 3, 4);
        Tensor d = x.to(Device.CUDA);
        Tensor v = d.transpose(0, 2).slice(1, 1, 3);
        assertSame(d.storage(), v.storage());
        assertFalse(v.isContiguous());
        Tensor c = v.contiguous();
        assertEquals(Device.CUDA, c.device());
        assertArrayEquals(x.transpose(0, 2).slice(1, 1, 3).toFloatArray(), c.toFloatArray());
        assertArrayEquals(x.transpose(0, 2).reshape(4, 6).toFloatArray(), d.transpose(0, 2).reshape(4, 6).toFloatArray());
        Tensor e = d.slice(2, 0, 1).expand(2, 3, 5);
        assertArrayEquals(x.slice(2, 0, 1).expand(2, 3, 5).toFloatArray(), e.toFloatArray());
    }

    @Test
    void passThroughGradientsOfTheCallersBufferAreNeverFreedEarly() {
        // add's rule hands the output gradient itself to both inputs: the caller's gradOutput buffer then
        // becomes an input's gradient and must survive (once freed here, a later rule read a freed buffer)
        Tensor x = randn(3, 4), c = randn(3, 4);
        Tensor xd = x.to(Device.CUDA).requiresGrad(true), cd = c.to(Device.CUDA);
        Tensor y = xd.mul(xd).add(cd);                       // mul falls back (differentiably), add is a kernel
        Tensor g = Tensor.full(DType.F32, 1.0, 3, 4).to(Device.CUDA);
        y.backward(g);
        Tensor want = x.mul(2);
        assertTrue(GradCheck.relL2(xd.grad().to(Device.CPU).to(DType.F64), want.to(DType.F64)) < 1e-6);
        assertArrayEquals(new float[]{1, 1, 1}, Arrays.copyOf(g.toFloatArray(), 3), "the caller's gradient is intact");
    }

    @Test
    void autogradThroughKernelsFallbacksAndViewsMatchesTheCpu() {
        Tensor x = randn(2, 3, 10), w = randn(4, 3, 3), b = randn(4, 1);
        // CPU reference
        Tensor xr = x.copy().requiresGrad(true), wr = w.copy().requiresGrad(true), br = b.copy().requiresGrad(true);
        Conv.conv1d(xr, wr, null, 1, 1, 1, 1).add(br).transpose(1, 2).slice(1, 2, 7).sum().backward();
        // device: add is a kernel with a device gradient rule, conv1d and sum fall back
        Tensor xd = x.to(Device.CUDA).requiresGrad(true), wd = w.to(Device.CUDA).requiresGrad(true), bd = b.to(Device.CUDA).requiresGrad(true);
        Tensor loss = Conv.conv1d(xd, wd, null, 1, 1, 1, 1).add(bd).transpose(1, 2).slice(1, 2, 7).sum();
        assertEquals(Device.CUDA, loss.device());
        loss.backward();
        assertEquals(Device.CUDA, xd.grad().device());
        assertTrue(GradCheck.relL2(xd.grad().to(Device.CPU).to(DType.F64), xr.grad().to(DType.F64)) < 1e-6);
        assertTrue(GradCheck.relL2(wd.grad().to(Device.CPU).to(DType.F64), wr.grad().to(DType.F64)) < 1e-6);
        assertTrue(GradCheck.relL2(bd.grad().to(Device.CPU).to(DType.F64), br.grad().to(DType.F64)) < 1e-6);
        assertTrue(Fallbacks.names().contains("conv1d"));
    }

    @Test
    void linearFallbackMatchesAndFrozenWeightsGetNoGradient() {
        Tensor x = randn(2, 5, 3), w = randn(4, 3);
        Tensor xd = x.to(Device.CUDA).requiresGrad(true), wd = w.to(Device.CUDA);
        Tensor y = Matmul.linear(xd, wd, null);
        assertArrayEquals(Matmul.linear(x, w, null).toFloatArray(), y.toFloatArray(), 1e-5f);
        y.sum().backward();
        assertNotNull(xd.grad());
        assertNull(wd.grad());
    }

    @Test
    void scopeFreesDeviceTemporariesButKeepsWhatEscapes() {
        Tensor p = randn(3, 3).to(Device.CUDA);   // outside any scope: a parameter
        int before = sim.live;
        Tensor kept;
        try (DeviceScope scope = DeviceScope.open()) {
            Tensor t = p.add(p).mul(p).transpose(0, 1).contiguous();
            kept = scope.keep(t.add(p));
            assertTrue(sim.live > before + 1);
        }
        assertEquals(before + 1, sim.live, "only the kept result survives the scope");
        assertArrayEquals(p.add(p).mul(p).transpose(0, 1).add(p).toFloatArray(), kept.toFloatArray(), 1e-5f);
        Tensor[] leaked = new Tensor[1];
        try (DeviceScope scope = DeviceScope.open()) { leaked[0] = p.add(p); }
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> leaked[0].toFloatArray());
        assertTrue(e.getMessage().contains("freed"));
        assertFalse(Autograd.needsGrad(p));
    }
}
