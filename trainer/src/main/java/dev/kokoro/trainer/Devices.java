package dev.kokoro.trainer;

import dev.kokoro.engine.Device;
import dev.kokoro.engine.backend.Backends;

/** --device handling. */
final class Devices {
    private Devices() {}

    /** Training commands: the CPU only for now (AdamW, clipping and the data path still work on host arrays). */
    static void require(String device) {
        switch (device) {
            case "cpu" -> { }
            case "cuda" -> throw new Args.UsageException("--device cuda: training does not run on the GPU yet (synth does: synth --device cuda);"
                    + " use --device cpu");
            default -> throw new Args.UsageException("--device must be cpu or cuda, got '" + device + "'");
        }
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
