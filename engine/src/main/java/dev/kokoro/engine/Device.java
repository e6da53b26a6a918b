package dev.kokoro.engine;

/** Where a tensor's values live. CUDA storage is float32 only; int64 tensors (ids, masks) stay on the CPU. */
public enum Device {
    CPU, CUDA;

    /** "cpu" or "cuda" (as on the command line). */
    public static Device parse(String s) {
        return switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "cpu" -> CPU;
            case "cuda", "gpu" -> CUDA;
            default -> throw new IllegalArgumentException("device must be cpu or cuda, got '" + s + "'");
        };
    }

    @Override public String toString() { return name().toLowerCase(java.util.Locale.ROOT); }
}
