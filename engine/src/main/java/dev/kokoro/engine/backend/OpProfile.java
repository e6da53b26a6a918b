package dev.kokoro.engine.backend;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Wall time per device op name, for finding what a device model spends its time on. Off unless
 * {@code -Dkokoro.profile.ops=true}; give {@code -Dkokoro.cuda.sync=true} as well, so that each launch
 * waits for its kernel and the time lands on the op that queued it. Only the outermost op of a nested
 * call is counted (a composite kernel's inner ops are part of it); a kernel's own backward is counted
 * as {@code name.backward}.
 */
public final class OpProfile {
    private OpProfile() {}

    public static final boolean ON = Boolean.getBoolean("kokoro.profile.ops");
    /** -Dkokoro.profile.shapes=true: one line per op and shape of its first input. */
    static final boolean SHAPES = Boolean.getBoolean("kokoro.profile.shapes");
    private static final Map<String, long[]> TIMES = new TreeMap<>();
    private static final ThreadLocal<int[]> DEPTH = ThreadLocal.withInitial(() -> new int[1]);

    /** Starts a measurement; returns a token for {@link #end}, or -1 when this call is nested or profiling is off. */
    static long begin() {
        if (!ON) return -1;
        return DEPTH.get()[0]++ == 0 ? System.nanoTime() : -1;
    }

    static void end(String name, long token) {
        if (!ON) return;
        DEPTH.get()[0]--;
        if (token < 0) return;
        long dt = System.nanoTime() - token;
        synchronized (TIMES) {
            long[] c = TIMES.computeIfAbsent(name, k -> new long[2]);
            c[0]++;
            c[1] += dt;
        }
    }

    public static void reset() { synchronized (TIMES) { TIMES.clear(); } }

    /** One line per op, most time first: total ms, calls, µs per call. */
    public static String summary() {
        StringBuilder sb = new StringBuilder();
        synchronized (TIMES) {
            double total = TIMES.values().stream().mapToLong(c -> c[1]).sum() / 1e6;
            sb.append(String.format(Locale.ROOT, "device ops: %.1f ms in %d op names%n", total, TIMES.size()));
            TIMES.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue()[1], a.getValue()[1])).forEach(e ->
                    sb.append(String.format(Locale.ROOT, "  %-40s %9.2f ms %7d calls %9.1f us/call%n", e.getKey(),
                            e.getValue()[1] / 1e6, e.getValue()[0], e.getValue()[1] / 1e3 / e.getValue()[0])));
        }
        return sb.toString();
    }
}
