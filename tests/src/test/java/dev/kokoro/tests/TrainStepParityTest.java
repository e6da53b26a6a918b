package dev.kokoro.tests;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kokoro.engine.Device;
import dev.kokoro.engine.GradCheck;
import dev.kokoro.engine.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * One PEFT step of the surgered tiny model against train-step.ref.safetensors (PyTorch, float64):
 * losses, every Mamba gradient, and the parameters after one AdamW step.
 */
class TrainStepParityTest {

    @Test
    void oneStepMatchesPyTorch() throws Exception {
        assumeTrue(TrainStepOnDevice.fixturesPresent(), "fixtures missing");
        TrainStepOnDevice.Errors e = TrainStepOnDevice.run(Device.CPU);
        System.out.println(e.report());
        assertTrue(e.losses() <= 1e-4, "losses/activations rel err " + e.losses() + "\n" + e.report());
        assertTrue(e.grads() <= 1e-3, "gradient rel err " + e.grads() + "\n" + e.report());
        assertTrue(e.afterStep() <= 1e-4, "after-step rel err " + e.afterStep() + "\n" + e.report());
    }

    static double compare(List<String> report, String name, Tensor got, Tensor want) {
        double e = got == null ? Double.POSITIVE_INFINITY : GradCheck.relL2(got, want);
        report.add(String.format("%-40s rel_err=%.3e", name, e));
        return Double.isNaN(e) ? Double.POSITIVE_INFINITY : e;
    }
}
