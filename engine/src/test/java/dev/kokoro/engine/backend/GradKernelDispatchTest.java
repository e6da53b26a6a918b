package dev.kokoro.engine.backend;

import static org.junit.jupiter.api.Assertions.*;

import dev.kokoro.engine.AdamW;
import dev.kokoro.engine.Autograd;
import dev.kokoro.engine.DType;
import dev.kokoro.engine.Device;
import dev.kokoro.engine.GradCheck;
import dev.kokoro.engine.MathOps;
import dev.kokoro.engine.Matmul;
import dev.kokoro.engine.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Backend kernels that carry their own backward ({@link Backend#gradKernel}), declining, frozen inputs,
 * and the optimizer on device parameters ({@link Backend#inPlace} "adamw_step" or host copies), with the
 * fake backend of {@link HostBackend}.
 */
class GradKernelDispatchTest {
    HostBackend sim;
    Backend previous;
    final SplittableRandom rng = new SplittableRandom(11);
    int forwards, dxWork, dwWork;

    @BeforeEach
    void install() {
        sim = new HostBackend();
        sim.kernels.put("add", (in, a) -> {
            float[] x = sim.download(in[0]), y = sim.download(in[1].expand(in[0].shape()));
            for (int i = 0; i < x.length; i++) x[i] += y[i];
            return Tensor.onDevice(sim.upload(x), in[0].shape());
        });
        // linear (no bias) with its own backward on host arrays; counts which gradients it computes
        sim.gradKernels.put("linear", (in, a) -> {
            Tensor x = in[0], w = in[1];
            if (in[2] != null) return null;   // declines a bias
            forwards++;
            Tensor hx = x.to(Device.CPU).detach(), hw = w.to(Device.CPU).detach();
            Tensor out = Matmul.linear(hx, hw, null).to(Device.CUDA);
            return new Backend.Recorded(out, g -> {
                Tensor hg = g.to(Device.CPU);
                if (x.requiresGrad()) {
                    dxWork++;
                    Autograd.accumulate(x, hg.matmul(hw).to(Device.CUDA));
                }
                if (w.requiresGrad()) {
                    dwWork++;
                    Autograd.accumulate(w, hg.reshape(-1, hw.size(0)).transpose(0, 1).matmul(hx.reshape(-1, hw.size(1))).to(Device.CUDA));
                }
            });
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
    void gradKernelRecordsItsOwnBackwardAndMatchesTheCpu() {
        Tensor x = randn(2, 5, 3), w = randn(4, 3), c = randn(4);
        Tensor xr = x.copy().requiresGrad(true), wr = w.copy().requiresGrad(true);
        MathOps.square(Matmul.linear(xr, wr, null).add(c)).sum().backward();
        Tensor xd = x.to(Device.CUDA).requiresGrad(true), wd = w.to(Device.CUDA).requiresGrad(true);
        Tensor loss = MathOps.square(Matmul.linear(xd, wd, null).add(c.to(Device.CUDA))).sum();
        loss.backward();
        assertEquals(1, forwards);
        assertEquals(1, dxWork);
        assertEquals(1, dwWork);
        assertEquals(Device.CUDA, xd.grad().device());
        assertTrue(GradCheck.relL2(xd.grad().to(Device.CPU).to(DType.F64), xr.grad().to(DType.F64)) < 1e-6);
        assertTrue(GradCheck.relL2(wd.grad().to(Device.CPU).to(DType.F64), wr.grad().to(DType.F64)) < 1e-6);
        assertFalse(Fallbacks.names().contains("linear"), Fallbacks.summary());
        assertTrue(Fallbacks.names().contains("square"), "square has no kernel in the fake backend: " + Fallbacks.summary());
    }

    @Test
    void frozenWeightsGetNoGradientWork() {
        Tensor xd = randn(3, 3).to(Device.CUDA).requiresGrad(true), wd = randn(2, 3).to(Device.CUDA);
        Matmul.linear(xd, wd, null).sum().backward();
        assertEquals(1, dxWork);
        assertEquals(0, dwWork, "a frozen weight must get no gradient work");
        assertNull(wd.grad());
        assertNotNull(xd.grad());
    }

    @Test
    void withoutGradTheGradKernelIsNotAskedAndTheOpFallsBack() {
        Tensor x = randn(2, 3), w = randn(4, 3);
        Tensor y = Matmul.linear(x.to(Device.CUDA), w.to(Device.CUDA), null);
        assertEquals(0, forwards);
        assertArrayEquals(Matmul.linear(x, w, null).toFloatArray(), y.toFloatArray(), 1e-5f);
        assertEquals(List.of("linear"), Fallbacks.names());
    }

    @Test
    void aDecliningGradKernelFallsBackDifferentiably() {
        Tensor x = randn(2, 3), w = randn(4, 3), b = randn(4);
        Tensor xr = x.copy().requiresGrad(true);
        Matmul.linear(xr, w, b).sum().backward();
        Tensor xd = x.to(Device.CUDA).requiresGrad(true);
        Matmul.linear(xd, w.to(Device.CUDA), b.to(Device.CUDA)).sum().backward();
        assertEquals(0, forwards);
        assertEquals("linear", Fallbacks.names().get(0));
        assertTrue(GradCheck.relL2(xd.grad().to(Device.CPU).to(DType.F64), xr.grad().to(DType.F64)) < 1e-6);
    }

    /** Two AdamW steps with clipping on host parameters and on device parameters give the same values. */
    private void adamMatchesHost(boolean withKernel) {
        List<Tensor> host = new ArrayList<>(), dev = new ArrayList<>();
        for (int[] shape : new int[][] {{3, 4}, {5}}) {
            Tensor p = randn(shape);
            host.add(p.copy().requiresGrad(true));
            dev.add(p.to(Device.CUDA).requiresGrad(true));
        }
        int[] calls = {0};
        if (withKernel) sim.inPlace.put("adamw_step", (in, a) -> {   // the kernel's contract, done on host copies
            calls[0]++;
            Tensor p = in[0].to(Device.CPU).detach(), m = in[2].to(Device.CPU), v = in[3].to(Device.CPU);
            p.requiresGrad(true);
            AdamW h = new AdamW(List.of(p), ((Number) a[1]).doubleValue(), (Double) a[2], (Double) a[3], (Double) a[4], (Double) a[5]);
            h.restore((Integer) a[0] - 1, List.of(m), List.of(v));
            p.grad();   // (no grad yet)
            Tensor g = in[1].to(Device.CPU);
            Autograd.accumulate(p, g);
            h.step();
            in[0].copyFrom(p);
            in[2].copyFrom(h.expAvg().get(0));
            in[3].copyFrom(h.expAvgSq().get(0));
        });
        AdamW oh = new AdamW(host, 1e-2, 0.9, 0.999, 1e-8, 0.01), od = new AdamW(dev, 1e-2, 0.9, 0.999, 1e-8, 0.01);
        assertEquals(Device.CUDA, od.expAvg().get(0).device());
        for (int step = 0; step < 2; step++) {
            Tensor t = randn(3, 4), u = randn(5);
            oh.zeroGrad();
            od.zeroGrad();
            host.get(0).mul(t).sum().add(MathOps.square(host.get(1)).sum()).mul(3).backward();
            try (DeviceScope scope = DeviceScope.open()) {
                dev.get(0).mul(t.to(Device.CUDA)).sum().add(MathOps.square(dev.get(1)).sum()).mul(3).backward();
                double nh = AdamW.clipGradNorm(host, 0.5), nd = AdamW.clipGradNorm(dev, 0.5);
                assertEquals(nh, nd, 1e-5 * nh);
                assertEquals(Device.CUDA, dev.get(0).grad().device());
                oh.step();
                od.step();
            }
            for (int k = 0; k < host.size(); k++) {
                assertEquals(Device.CUDA, dev.get(k).device());
                assertArrayEquals(host.get(k).toFloatArray(), dev.get(k).toFloatArray(), 1e-6f);
                assertArrayEquals(oh.expAvgSq().get(k).toFloatArray(), od.expAvgSq().get(k).toFloatArray(), 1e-7f);
            }
        }
        assertEquals(withKernel ? 4 : 0, calls[0]);
    }

    @Test
    void adamWAndClippingOnDeviceParametersUseTheBackendKernel() { adamMatchesHost(true); }

    @Test
    void adamWOnDeviceParametersWithoutAKernelWorksOnHostCopies() { adamMatchesHost(false); }

    /** DeviceGrads rules of abs, relu, leaky_relu and the complex pointwise ops against the CPU backward (fake kernels: the CPU op on host copies). */
    @Test
    void newDeviceGradRulesMatchTheCpuBackward() {
        for (String op : new String[] {"abs", "relu", "leaky_relu", "power", "magnitude", "polar_re", "polar_im", "mul", "div", "clamp", "mul_scalar", "add_scalar", "sum", "sum_dim", "add", "sub", "cos", "sin", "square", "sqrt"})
            sim.kernels.put(op, (in, a) -> {
                Tensor[] h = new Tensor[in.length];
                for (int k = 0; k < in.length; k++) h[k] = in[k] == null ? null : in[k].to(Device.CPU).detach();
                Tensor out = switch (op) {
                    case "abs" -> MathOps.abs(h[0]);
                    case "relu" -> dev.kokoro.engine.Activations.relu(h[0]);
                    case "leaky_relu" -> dev.kokoro.engine.Activations.leakyRelu(h[0], ((Number) a[0]).doubleValue());
                    case "power" -> dev.kokoro.engine.Spectral.power(h[0], h[1]);
                    case "magnitude" -> dev.kokoro.engine.Spectral.magnitude(h[0], h[1]);
                    case "polar_re" -> dev.kokoro.engine.Spectral.polarRe(h[0], h[1]);
                    case "polar_im" -> dev.kokoro.engine.Spectral.polarIm(h[0], h[1]);
                    case "mul" -> h[0].mul(h[1]);
                    case "div" -> h[0].div(h[1]);
                    case "add" -> h[0].add(h[1]);
                    case "sub" -> h[0].sub(h[1]);
                    case "clamp" -> MathOps.clamp(h[0], ((Number) a[0]).doubleValue(), ((Number) a[1]).doubleValue());
                    case "mul_scalar" -> h[0].mul(((Number) a[0]).doubleValue());
                    case "add_scalar" -> h[0].add(((Number) a[0]).doubleValue());
                    case "sum" -> h[0].sum();
                    case "sum_dim" -> h[0].sum((Integer) a[0], (Boolean) a[1]);
                    case "cos" -> MathOps.cos(h[0]);
                    case "sin" -> MathOps.sin(h[0]);
                    case "square" -> MathOps.square(h[0]);
                    case "sqrt" -> MathOps.sqrt(h[0]);
                    default -> throw new AssertionError(op);
                };
                return out.to(Device.CUDA);
            });
        Tensor a = randn(3, 5), b = randn(3, 5);
        a.setFlat(2, 0);   // zeros: the sign/step conventions
        b.setFlat(2, 0);
        java.util.function.BiFunction<Tensor, Tensor, Tensor> f = (x, y) -> MathOps.abs(x).add(dev.kokoro.engine.Activations.relu(y))
                .add(dev.kokoro.engine.Activations.leakyRelu(x.mul(y), 0.2)).add(dev.kokoro.engine.Spectral.power(x, y))
                .add(dev.kokoro.engine.Spectral.magnitude(x, y)).add(dev.kokoro.engine.Spectral.polarRe(x, y)).add(dev.kokoro.engine.Spectral.polarIm(y, x));
        Tensor ar = a.copy().requiresGrad(true), br = b.copy().requiresGrad(true);
        f.apply(ar, br).sum().backward();
        Tensor ad = a.to(Device.CUDA).requiresGrad(true), bd = b.to(Device.CUDA).requiresGrad(true);
        f.apply(ad, bd).sum().backward();
        assertTrue(Fallbacks.names().isEmpty(), Fallbacks.summary());
        assertTrue(GradCheck.relL2(ad.grad().to(Device.CPU).to(DType.F64), ar.grad().to(DType.F64)) < 1e-6, "d/da");
        assertTrue(GradCheck.relL2(bd.grad().to(Device.CPU).to(DType.F64), br.grad().to(DType.F64)) < 1e-6, "d/db");
    }
}
