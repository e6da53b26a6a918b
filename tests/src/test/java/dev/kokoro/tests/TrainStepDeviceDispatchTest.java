package dev.kokoro.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kokoro.engine.backend.HostBackend;
import dev.kokoro.engine.Device;
import dev.kokoro.engine.backend.Backend;
import dev.kokoro.engine.backend.Backends;
import dev.kokoro.engine.backend.Fallbacks;
import org.junit.jupiter.api.Test;

/**
 * The trainer's device path on the CPU: the train-step fixture with the model on a fake device backend
 * (float[] storage, no kernels, so every op takes the differentiable fallback and AdamW works on host
 * copies). Catches mixed-device errors in the loss, the targets, the gradients and the optimizer, and
 * checks the numbers still match PyTorch; every temporary is freed by the step's scope.
 */
class TrainStepDeviceDispatchTest {
    @Test
    void trainStepRunsOnADeviceBackendWithTheReferenceResult() throws Exception {
        assumeTrue(TrainStepOnDevice.fixturesPresent(), "fixtures missing");
        HostBackend sim = new HostBackend();
        Backend previous = Backends.register(Device.CUDA, sim);
        Fallbacks.quiet(true);
        try {
            TrainStepOnDevice.Errors e = TrainStepOnDevice.run(Device.CUDA);
            System.out.println(e.report());
            System.out.println("train step on the fake device: " + e.fallbacks());
            assertTrue(e.losses() <= 1e-4, "losses/activations rel err " + e.losses() + "\n" + e.report());
            assertTrue(e.grads() <= 1e-3, "gradient rel err " + e.grads() + "\n" + e.report());
            assertTrue(e.afterStep() <= 1e-4, "after-step rel err " + e.afterStep() + "\n" + e.report());
            assertTrue(e.fallbacks().contains("stft"), e.fallbacks());
        } finally {
            Backends.register(Device.CUDA, previous);
            Fallbacks.quiet(false);
        }
    }
}
