package dev.kokoro.engine.backend;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Ops that ran on the CPU although their inputs were on a device (no kernel yet, or a backward the
 * device path does not record): each name warns once on stderr ("conv_transpose1d ran on the CPU: no
 * CUDA kernel yet") and is counted, so tests and benchmarks can report them.
 */
public final class Fallbacks {
    private static final Map<String, Long> COUNTS = new LinkedHashMap<>();
    private static volatile boolean quiet = Boolean.getBoolean("kokoro.fallback.quiet");

    private Fallbacks() {}

    static synchronized void record(String op, String device, String why) {
        Long old = COUNTS.put(op, COUNTS.getOrDefault(op, 0L) + 1);
        if (old == null && !quiet) System.err.println("warning: " + op + " ran on the CPU: " + why);
    }

    /** Op names that fell back, first fallback first. */
    public static synchronized List<String> names() { return new ArrayList<>(COUNTS.keySet()); }

    /** How often each op fell back. */
    public static synchronized Map<String, Long> counts() { return new LinkedHashMap<>(COUNTS); }

    public static synchronized void reset() { COUNTS.clear(); }

    /** Silences the one-time warnings (the counts are kept). */
    public static void quiet(boolean on) { quiet = on; }

    public static synchronized String summary() {
        if (COUNTS.isEmpty()) return "no CPU fallbacks";
        StringBuilder sb = new StringBuilder("CPU fallbacks:");
        COUNTS.forEach((k, v) -> sb.append(' ').append(k).append('×').append(v));
        return sb.toString();
    }
}
