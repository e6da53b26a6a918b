package dev.kokoro.trainer;

/** --device handling. */
final class Devices {
    private Devices() {}

    static void require(String device) {
        switch (device) {
            case "cpu" -> { }
            case "cuda" -> throw new Args.UsageException("--device cuda: the CUDA kernels exist (kernels/ module) but the model does not run on them yet;"
                    + " use --device cpu");
            default -> throw new Args.UsageException("--device must be cpu or cuda, got '" + device + "'");
        }
    }
}
