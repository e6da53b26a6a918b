package dev.kokoro.model.device;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kokoro.cuda.Cuda;
import dev.kokoro.engine.DType;
import dev.kokoro.engine.Device;
import dev.kokoro.engine.GradCheck;
import dev.kokoro.engine.Tensor;
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
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The tiny Kokoro with {@code to(Device.CUDA)} against the float64 PyTorch reference: pred_dur exactly,
 * duration_float and audio within relative L2 1e-3; prints the ops that fell back to the CPU.
 */
@Tag("gpu")
class KokoroTinyCudaParityTest {
    static final double TOL = 1e-3;

    @Test
    void tinyKokoroOnCudaMatchesTheReference() throws Exception {
        String why = Backends.unavailableReason(Device.CUDA);
        assumeTrue(why == null, () -> "no GPU: " + why);
        for (String f : new String[]{"kokoro-tiny.pth", "kokoro-tiny.config.json", "kokoro-tiny.ref.safetensors"})
            assumeTrue(Fixtures.exists(f), "fixture " + f + " missing in " + Fixtures.dir());
        KokoroConfig cfg = KokoroConfig.load(Fixtures.file("kokoro-tiny.config.json"));
        Map<String, Tensor> ref = Safetensors.read(Fixtures.file("kokoro-tiny.ref.safetensors"));
        KModel m = KModel.load(Fixtures.file("kokoro-tiny.pth"), cfg, false);
        m.deterministic(true);
        m.to(Device.CUDA);
        System.out.println("device: " + Cuda.context());
        Fallbacks.reset();
        boolean deviceSource = Generator.deviceSourceFloat64;
        Generator.deviceSourceFloat64 = true;   // the reference's float64 harmonic source (on the host)
        long inUse = Cuda.context().allocator().inUseBytes();
        for (int run = 0; run < 3; run++) {
            long t0 = System.nanoTime();
            Tensor audio, predDur, durFloat;
            try (DeviceScope scope = DeviceScope.open()) {
                KModel.Output out = m.forwardWithTokens(ref.get("input_ids"), ref.get("ref_s"), 1.0, false);
                assertEquals(Device.CUDA, out.audio().device());
                audio = out.audio().to(Device.CPU);
                durFloat = out.durationFloat().to(Device.CPU);
                predDur = out.predDur();
            }
            double ms = (System.nanoTime() - t0) / 1e6;
            long now = Cuda.context().allocator().inUseBytes();   // may drop: the Cleaner frees earlier unreachable tensors
            if (run == 0) {   // the first run caches the frozen convs' normalised weights and the iSTFT window, outside every scope
                long cache = 4096;
                for (var e : m.namedParams().entrySet()) if (e.getKey().endsWith("weight_v")) cache += 2L * Math.max(512, 4L * e.getValue().get().numel());
                assertTrue(now - inUse <= cache, "device memory left in use after the scope: " + (now - inUse) + " bytes, more than the caches' " + cache);
                inUse = now;
            }
            assertTrue(now <= inUse, "device memory left in use after the scope: " + (now - inUse) + " bytes");
            long[] want = ref.get("pred_dur").toLongArray();
            assertArrayEquals(want, predDur.toLongArray(), "pred_dur");
            double eAudio = GradCheck.relL2(audio.to(DType.F64), ref.get("audio"));
            double eDur = GradCheck.relL2(durFloat.to(DType.F64), ref.get("duration_float"));
            System.out.printf("run %d: %.1f ms, audio %s rel L2 %.3e, duration_float rel L2 %.3e%n", run, ms, Arrays.toString(audio.shape()), eAudio, eDur);
            assertTrue(eAudio <= TOL, "audio rel L2 " + eAudio);
            assertTrue(eDur <= TOL, "duration_float rel L2 " + eDur);
        }
        Generator.deviceSourceFloat64 = false;   // the speed path: the source in float32 on the device, as PyTorch on a GPU
        try (DeviceScope scope = DeviceScope.open()) {
            Tensor audio = m.forwardWithTokens(ref.get("input_ids"), ref.get("ref_s"), 1.0, false).audio().to(Device.CPU);
            double e = GradCheck.relL2(audio.to(DType.F64), ref.get("audio"));
            System.out.printf("float32 source on the device: audio rel L2 %.3e%n", e);
            assertTrue(Double.isFinite(e) && Double.isFinite(audio.sum().item()), "float32 device source gave a non-finite result");
        } finally {
            Generator.deviceSourceFloat64 = deviceSource;
        }
        System.out.println(Fallbacks.summary());
    }
}
