package dev.kokoro.trainer;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kokoro.engine.Device;
import dev.kokoro.engine.GradCheck;
import dev.kokoro.engine.DType;
import dev.kokoro.engine.Tensor;
import dev.kokoro.engine.backend.Backend;
import dev.kokoro.engine.backend.HostBackend;
import dev.kokoro.engine.backend.Backends;
import dev.kokoro.engine.backend.Fallbacks;
import dev.kokoro.engine.io.Fixtures;
import dev.kokoro.g2p.Espeak;
import dev.kokoro.model.decoder.Generator;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train --device cuda} end to end on a fake device backend (float[] storage, no kernels: every op
 * falls back, AdamW and clipping work through the device paths): steps, validation, samples,
 * checkpoints (downloaded) and resume (uploaded) run, and the trained parameters match a CPU run.
 */
class TrainOnDeviceTest {
    @Test
    void trainOnADeviceMatchesTheCpuAndResumes(@TempDir Path tmp) throws Exception {
        assumeTrue(Fixtures.exists("kokoro-tiny.pth") && Fixtures.exists("af_heart.pt"), "fixtures missing");
        assumeTrue(Espeak.available(), "espeak-ng not installed");
        Path data = CliTest.dataset(tmp, "Hello world.", "A second sentence here.", "And a third one.");
        String[] common = {"--model", Fixtures.file("kokoro-tiny.pth").toString(), "--config", Fixtures.file("kokoro-tiny.config.json").toString(),
                "--voice", Fixtures.file("af_heart.pt").toString(), "--data", data.toString(), "--batch", "2", "--valid-fraction", "0.34",
                "--valid-every", "2", "--sample-every", "2", "--checkpoint-every", "1", "--lr", "1e-3"};
        Path cpu = tmp.resolve("cpu"), dev = tmp.resolve("dev");
        assertEquals(0, CliTest.cli(CliTest.concat(new String[] {"train", "--steps", "2", "--out", cpu.toString()}, common)));

        HostBackend fake = new HostBackend();
        Backend previous = Backends.register(Device.CUDA, fake);
        boolean source = Generator.deviceSourceFloat64;
        Generator.deviceSourceFloat64 = true;   // the CPU run's float64 harmonic source
        Fallbacks.reset();
        Fallbacks.quiet(true);
        try {
            assertEquals(0, CliTest.cli(CliTest.concat(new String[] {"train", "--steps", "1", "--out", dev.toString(), "--device", "cuda"}, common)));
            assertEquals(0, CliTest.cli(CliTest.concat(new String[] {"train", "--steps", "2", "--out", dev.toString(), "--device", "cuda", "--resume"}, common)));
            assertFalse(Fallbacks.names().isEmpty(), "the model ran on the fake device");
        } finally {
            Backends.register(Device.CUDA, previous);
            Generator.deviceSourceFloat64 = source;
            Fallbacks.quiet(false);
        }
        RunDir.Saved a = RunDir.load(cpu.resolve("checkpoint.safetensors")), b = RunDir.load(dev.resolve("checkpoint.safetensors"));
        assertEquals(2, b.step());
        assertEquals(2, b.adamStep());
        assertEquals(a.params().keySet(), b.params().keySet());
        for (Map.Entry<String, Tensor> e : a.params().entrySet()) {
            double err = GradCheck.relL2(b.params().get(e.getKey()).to(DType.F64), e.getValue().to(DType.F64));
            assertTrue(err < 1e-4, e.getKey() + ": device run differs from the CPU run by " + err);
            double m = GradCheck.relL2(b.expAvgSq().get(e.getKey()).to(DType.F64), a.expAvgSq().get(e.getKey()).to(DType.F64));
            // float32 sums in another order (host copies instead of views) move gradients by up to ~1e-3
            // relative between the two runs, their squares by twice that
            assertTrue(m < 1e-2, e.getKey() + " exp_avg_sq: " + m);
        }
        assertTrue(java.nio.file.Files.exists(dev.resolve("valid.csv")));
    }

    @Test
    void distillAndVoiceOnADeviceMatchTheCpu(@TempDir Path tmp) throws Exception {
        assumeTrue(Fixtures.exists("kokoro-tiny.pth") && Fixtures.exists("af_heart.pt"), "fixtures missing");
        assumeTrue(Espeak.available(), "espeak-ng not installed");
        Path texts = tmp.resolve("texts.txt");
        java.nio.file.Files.writeString(texts, "Hello world.\nA second sentence here.\n");
        Path data = CliTest.dataset(tmp, "Hello world.", "A second sentence here.");
        String model = Fixtures.file("kokoro-tiny.pth").toString(), config = Fixtures.file("kokoro-tiny.config.json").toString(),
                voice = Fixtures.file("af_heart.pt").toString();
        String[] distill = {"distill", "--model", model, "--config", config, "--voice", voice, "--texts", texts.toString(), "--steps", "2", "--batch", "2"};
        String[] voiceCmd = {"voice", "--model", model, "--config", config, "--voice", voice, "--data", data.toString(), "--steps", "2", "--batch", "1",
                "--valid-fraction", "0", "--valid-every", "0", "--sample-every", "0", "--lr", "1e-2"};
        Path cpu = tmp.resolve("cpu"), dev = tmp.resolve("dev");
        assertEquals(0, CliTest.cli(CliTest.concat(distill, new String[] {"--out", cpu.resolve("d").toString()})));
        assertEquals(0, CliTest.cli(CliTest.concat(voiceCmd, new String[] {"--out", cpu.resolve("v").toString(), "--save", cpu.resolve("v.pt").toString()})));
        Backend previous = Backends.register(Device.CUDA, new HostBackend());
        boolean source = Generator.deviceSourceFloat64;
        Generator.deviceSourceFloat64 = true;
        Fallbacks.quiet(true);
        try {
            assertEquals(0, CliTest.cli(CliTest.concat(distill, new String[] {"--out", dev.resolve("d").toString(), "--device", "cuda"})));
            assertEquals(0, CliTest.cli(CliTest.concat(voiceCmd, new String[] {"--out", dev.resolve("v").toString(), "--save", dev.resolve("v.pt").toString(), "--device", "cuda"})));
        } finally {
            Backends.register(Device.CUDA, previous);
            Generator.deviceSourceFloat64 = source;
            Fallbacks.quiet(false);
        }
        for (String run : new String[] {"d", "v"}) {
            RunDir.Saved a = RunDir.load(cpu.resolve(run).resolve("checkpoint.safetensors")), b = RunDir.load(dev.resolve(run).resolve("checkpoint.safetensors"));
            assertEquals(a.params().keySet(), b.params().keySet());
            for (Map.Entry<String, Tensor> e : a.params().entrySet()) {
                double err = GradCheck.relL2(b.params().get(e.getKey()).to(DType.F64), e.getValue().to(DType.F64));
                assertTrue(err < 1e-4, run + " " + e.getKey() + ": device run differs from the CPU run by " + err);
            }
        }
    }
}
