package dev.kokoro.tests;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kokoro.engine.Device;
import dev.kokoro.engine.backend.Backends;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** One PEFT step of the surgered tiny model on the GPU against train-step.ref.safetensors (PyTorch, float64). */
@Tag("gpu")
class TrainStepCudaParityTest {
    @Test
    void oneStepOnCudaMatchesPyTorch() throws Exception {
        String why = Backends.unavailableReason(Device.CUDA);
        assumeTrue(why == null, "CUDA not available: " + why);
        assumeTrue(TrainStepOnDevice.fixturesPresent(), "fixtures missing");
        // FP32 convolutions: the reference is float64, and the conv kernels use TF32 by default (like
        // torch.backends.cudnn.allow_tf32); matmuls are FP32 unless -Dkokoro.cuda.tf32=true
        java.lang.reflect.Field tf32 = Class.forName("dev.kokoro.cuda.Conv1dCuda").getField("allowTf32");
        boolean was = tf32.getBoolean(null);
        tf32.setBoolean(null, false);
        TrainStepOnDevice.Errors e;
        try {
            e = TrainStepOnDevice.run(Device.CUDA);
        } finally {
            tf32.setBoolean(null, was);
        }
        System.out.println(e.report());
        System.out.println("train step on CUDA: " + e.fallbacks());
        assertTrue(e.losses() <= 1e-3, "losses/activations rel err " + e.losses() + "\n" + e.report());
        assertTrue(e.grads() <= 1e-3, "gradient rel err " + e.grads() + "\n" + e.report());
        assertTrue(e.afterStep() <= 1e-3, "after-step rel err " + e.afterStep() + "\n" + e.report());
    }
}
