package dev.kokoro.trainer;

import dev.kokoro.engine.Device;
import dev.kokoro.engine.backend.Backends;

/** --device handling. */
final class Devices {
    private Devices() {}

    /**
     * Training commands: cpu, or cuda when it is available. On CUDA the model, the loss and the optimizer
     * step run on the device (ops without a CUDA kernel fall back to the CPU, each named once on stderr);
     * data preparation (G2P, resampling, DTW durations) stays on the CPU.
     */
    static Device training(String device) {
        return inference(device);
    }

    /** Inference: cpu, or cuda when a GPU, its driver and the PTX kernels are there (else a clear error). */
    static Device inference(String device) {
        Device d = switch (device) {
            case "cpu" -> Device.CPU;
            case "cuda" -> Device.CUDA;
            default -> throw new Args.UsageException("--device must be cpu or cuda, got '" + device + "'");
        };
        String why = Backends.unavailableReason(d);
        if (why != null) throw new Args.UsageException("--device cuda: CUDA is not available: " + why.lines().findFirst().orElse(why).strip()
                + "; use --device cpu");
        return d;
    }
}
