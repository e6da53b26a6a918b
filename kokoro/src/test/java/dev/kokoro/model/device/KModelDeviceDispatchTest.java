package dev.kokoro.model.device;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kokoro.engine.backend.HostBackend;
import dev.kokoro.engine.DType;
import dev.kokoro.engine.Device;
import dev.kokoro.engine.GradCheck;
import dev.kokoro.engine.Tensor;
import dev.kokoro.engine.backend.Backend;
import dev.kokoro.engine.backend.Backends;
import dev.kokoro.engine.backend.DeviceScope;
import dev.kokoro.engine.backend.Fallbacks;
import dev.kokoro.engine.io.Fixtures;
import dev.kokoro.engine.io.Safetensors;
import dev.kokoro.model.KModel;
import dev.kokoro.model.decoder.Generator;
import dev.kokoro.model.KokoroConfig;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The tiny Kokoro moved with {@code to(Device.CUDA)} onto a fake device backend (float[] storage, no
 * kernels: every op takes the CPU fallback path): checks that the model code runs unchanged on device
 * tensors (no mixed-device errors, inputs moved, views and outputs on the device) and gives the CPU's audio.
 */
class KModelDeviceDispatchTest {
    @Test
    void tinyKokoroRunsOnADeviceBackendWithTheCpuResult() throws Exception {
        for (String f : new String[]{"kokoro-tiny.pth", "kokoro-tiny.config.json", "kokoro-tiny.ref.safetensors"})
            assumeTrue(Fixtures.exists(f), "fixture " + f + " missing in " + Fixtures.dir());
        KokoroConfig cfg = KokoroConfig.load(Fixtures.file("kokoro-tiny.config.json"));
        Map<String, Tensor> ref = Safetensors.read(Fixtures.file("kokoro-tiny.ref.safetensors"));
        KModel cpu = KModel.load(Fixtures.file("kokoro-tiny.pth"), cfg, false);
        cpu.deterministic(true);
        KModel.Output want = cpu.forwardWithTokens(ref.get("input_ids"), ref.get("ref_s"), 1.0, false);

        HostBackend sim = new HostBackend();
        Backend previous = Backends.register(Device.CUDA, sim);
        Fallbacks.reset();
        Fallbacks.quiet(true);
        boolean deviceSource = Generator.deviceSourceFloat64;
        Generator.deviceSourceFloat64 = true;   // the CPU run's float64 host source (a float32 one decides near-empty bins' phases differently)
        try {
            KModel m = KModel.load(Fixtures.file("kokoro-tiny.pth"), cfg, false);
            m.deterministic(true);
            m.to(Device.CUDA);
            assertEquals(Device.CUDA, m.device());
            int params = sim.live;
            Tensor audio;
            try (DeviceScope scope = DeviceScope.open()) {
                KModel.Output out = m.forwardWithTokens(ref.get("input_ids"), ref.get("ref_s"), 1.0, false);
                assertEquals(Device.CUDA, out.audio().device());
                assertArrayEquals(want.predDur().toLongArray(), out.predDur().toLongArray());
                audio = out.audio().to(Device.CPU);
            }
            long weightNormed = m.namedParams().keySet().stream().filter(k -> k.endsWith("weight_v")).count();
            int cached = sim.live - params;   // the frozen convs' normalised weights and the iSTFT's window stay cached
            assertTrue(cached >= weightNormed && cached <= weightNormed + 1, "the scope freed every device temporary: " + cached + " storages left for "
                    + weightNormed + " weight-normed convs");
            try (DeviceScope scope = DeviceScope.open()) {
                m.forwardWithTokens(ref.get("input_ids"), ref.get("ref_s"), 1.0, false);
            }
            assertEquals(params + cached, sim.live, "a second run reuses the cached tensors");
            double err = GradCheck.relL2(audio.to(DType.F64), want.audio().to(DType.F64));
            System.out.println("tiny Kokoro on the fake device: audio rel L2 vs CPU " + err + "; " + Fallbacks.summary());
            assertTrue(err < 1e-5, "audio differs from the CPU run: " + err);   // float32 rounding: host copies are contiguous where the CPU run saw views
            assertFalse(Fallbacks.names().isEmpty());
        } finally {
            Backends.register(Device.CUDA, previous);
            Fallbacks.quiet(false);
            Generator.deviceSourceFloat64 = deviceSource;
        }
    }
}
