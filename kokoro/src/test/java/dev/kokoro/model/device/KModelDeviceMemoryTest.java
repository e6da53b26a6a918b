package dev.kokoro.model.device;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kokoro.engine.backend.HostBackend;
import dev.kokoro.engine.Activations;
import dev.kokoro.engine.DType;
import dev.kokoro.engine.Device;
import dev.kokoro.engine.GradCheck;
import dev.kokoro.engine.Tensor;
import dev.kokoro.engine.backend.Backend;
import dev.kokoro.engine.backend.Backends;
import dev.kokoro.engine.backend.DeviceScope;
import dev.kokoro.engine.backend.Fallbacks;
import dev.kokoro.engine.io.Fixtures;
import dev.kokoro.model.Alignment;
import dev.kokoro.model.KModel;
import dev.kokoro.model.KokoroConfig;
import dev.kokoro.model.nn.Checkpoint;
import dev.kokoro.model.nn.Frozen;
import dev.kokoro.model.surgery.Surgery;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Device memory of a PEFT step (the tiny surgered Kokoro on the fake device, batch 2): the no-grad parts
 * (PL-BERT, the text encoder, the harmonic source and the decoder's noise branches) run in nested scopes
 * that free their temporaries at once; the peak must drop and the loss and the trainable gradients must stay
 * those of the unscoped step (up to float32 rounding: a CPU fallback may pick another kernel with grad off).
 */
class KModelDeviceMemoryTest {
    record Step(long peakFloats, double loss, Map<String, Tensor> grads) {}

    static Step step(KModel m, HostBackend sim, boolean scopes) { return step(m, sim, scopes, false); }

    static Step step(KModel m, HostBackend sim, boolean scopes, boolean checkpoint) {
        boolean was = Frozen.enabled;
        String wasCk = Checkpoint.resblocks;
        Frozen.enabled = scopes;
        Checkpoint.resblocks = checkpoint ? "all" : "none";
        try {
            int b = 2, t = 12, fpt = 2;
            SplittableRandom rng = new SplittableRandom(3);
            long[] ids = new long[b * t];
            for (int i = 0; i < ids.length; i++) ids[i] = 1 + rng.nextInt(100);
            long[][] dur = new long[b][t];
            for (long[] d : dur) Arrays.fill(d, fpt);
            Tensor refS = Tensor.randn(rng, DType.F32, b, 2 * m.cfg.styleDim()).mul(0.1);
            Tensor aln = Alignment.fromDurations(dur, t, DType.F32);
            Map<String, Tensor> params = Surgery.trainable(m);
            for (Tensor p : params.values()) p.zeroGrad();
            sim.resetPeakMemory();
            try (DeviceScope scope = DeviceScope.open()) {
                KModel.Aligned out = m.forwardAligned(Tensor.of(ids, b, t), null, refS, aln, null);
                Tensor loss = dev.kokoro.engine.MathOps.abs(out.audio()).mean().add(Activations.sigmoid(out.durationLogits()).mean());
                loss.backward();
                Map<String, Tensor> grads = new java.util.TreeMap<>();
                params.forEach((k, p) -> grads.put(k, p.grad().to(Device.CPU)));
                return new Step(sim.memory().get("peak_in_use") / 4, loss.item(), grads);
            }
        } finally {
            Frozen.enabled = was;
            Checkpoint.resblocks = wasCk;
        }
    }

    @Test
    void nestedScopesLowerThePeakAndKeepTheStep() throws Exception {
        for (String f : new String[]{"kokoro-tiny.pth", "kokoro-tiny.config.json"})
            assumeTrue(Fixtures.exists(f), "fixture " + f + " missing in " + Fixtures.dir());
        KokoroConfig cfg = KokoroConfig.load(Fixtures.file("kokoro-tiny.config.json"));
        HostBackend sim = new HostBackend();
        Backend previous = Backends.register(Device.CUDA, sim);
        Fallbacks.quiet(true);
        try {
            KModel m = KModel.load(Fixtures.file("kokoro-tiny.pth"), cfg, false);
            m.deterministic(true);
            Surgery.apply(m, 0);
            m.to(Device.CUDA);
            step(m, sim, true);   // caches the frozen convs' normalised weights
            Step off = step(m, sim, false), on = step(m, sim, true), off2 = step(m, sim, false);
            for (String k : off.grads().keySet())   // run-to-run noise of the same step (threaded float32 sums)
                System.out.println("  " + k + ": unscoped twice rel L2 " + GradCheck.relL2(off2.grads().get(k).to(DType.F64), off.grads().get(k).to(DType.F64))
                        + ", scoped vs unscoped " + GradCheck.relL2(on.grads().get(k).to(DType.F64), off.grads().get(k).to(DType.F64)));
            System.out.printf("tiny PEFT step on the fake device: peak %d floats unscoped, %d with nested scopes (%.0f%%)%n",
                    off.peakFloats(), on.peakFloats(), 100.0 * on.peakFloats() / off.peakFloats());
            assertTrue(on.peakFloats() < off.peakFloats(), "nested scopes must lower the peak: " + on.peakFloats() + " vs " + off.peakFloats());
            assertEquals(off.loss(), on.loss(), 1e-5 * Math.abs(off.loss()), "the loss is unchanged (float32: CPU ops may pick another kernel with grad off)");
            assertEquals(off.grads().keySet(), on.grads().keySet());
            for (String k : off.grads().keySet()) {
                double err = GradCheck.relL2(on.grads().get(k).to(DType.F64), off.grads().get(k).to(DType.F64));
                assertTrue(err < 1e-4, "gradient of " + k + ": rel L2 " + err);   // float32 run-to-run noise of this step is ~1e-5 (printed above)
            }
            assertFalse(off.grads().isEmpty());

            Step ck = step(m, sim, true, true);   // the generator's resblocks recomputed in backward
            System.out.printf("  with checkpointed generator resblocks: peak %d floats (%.0f%%)%n", ck.peakFloats(), 100.0 * ck.peakFloats() / off.peakFloats());
            assertTrue(ck.peakFloats() < on.peakFloats(), "checkpointing must lower the peak: " + ck.peakFloats() + " vs " + on.peakFloats());
            assertEquals(off.loss(), ck.loss(), 1e-5 * Math.abs(off.loss()));
            for (String k : off.grads().keySet()) {
                double err = GradCheck.relL2(ck.grads().get(k).to(DType.F64), off.grads().get(k).to(DType.F64));
                assertTrue(err < 1e-4, "checkpointed gradient of " + k + ": rel L2 " + err);
            }
        } finally {
            Backends.register(Device.CUDA, previous);
            Fallbacks.quiet(false);
        }
    }
}
