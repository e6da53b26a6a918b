package dev.kokoro.engine.backend;

import dev.kokoro.engine.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * Deterministic device memory: every {@link DeviceStorage} a backend creates on this thread while a
 * scope is open is freed when the scope closes, except the storages of tensors passed to
 * {@link #keep} (they move to the enclosing scope, or outlive every scope when this is the outermost).
 * The JVM's GC does not see device memory, so a synthesis or a training step should run inside one:
 * <pre>{@code
 * try (DeviceScope scope = DeviceScope.open()) {
 *     Tensor audio = model.forward(...);
 *     return audio.to(Device.CPU);          // host copy; all device temporaries are freed here
 * }
 * }</pre>
 * Storages created outside any scope (parameters moved with {@code to(Device)}) live until
 * {@link DeviceStorage#free()} or until the backend's Cleaner sees them unreachable (the safety net).
 * Using a tensor whose storage was freed is an error, never silent garbage.
 */
public final class DeviceScope implements AutoCloseable {
    private static final ThreadLocal<DeviceScope> CURRENT = new ThreadLocal<>();

    private final DeviceScope parent;
    private final List<DeviceStorage> owned = new ArrayList<>();
    private final Set<DeviceStorage> kept = Collections.newSetFromMap(new IdentityHashMap<>());
    private boolean closed;

    private DeviceScope(DeviceScope parent) { this.parent = parent; }

    public static DeviceScope open() {
        DeviceScope s = new DeviceScope(CURRENT.get());
        CURRENT.set(s);
        return s;
    }

    /**
     * Runs {@code body} outside every scope of this thread and returns its result, whose storage then
     * outlives every scope (like a parameter's: until {@link DeviceStorage#free()} or the Cleaner); the
     * body's other device temporaries are freed on return. For caches that must survive the step
     * (e.g. the normalised weight of a frozen weight-normed conv).
     */
    public static Tensor detached(java.util.function.Supplier<Tensor> body) {
        DeviceScope saved = CURRENT.get();
        CURRENT.set(null);
        try (DeviceScope s = open()) {
            return s.keep(body.get());
        } finally {
            CURRENT.set(saved);
        }
    }

    /**
     * Runs {@code body} in a nested scope and frees every storage it made except those of its result.
     * Only for work that records no autograd node (nothing requires grad, or under Autograd.noGrad): a
     * recorded backward may hold temporaries of the body, which this would free.
     */
    public static Tensor nested(java.util.function.Supplier<Tensor> body) {
        try (DeviceScope s = open()) {
            return s.keep(body.get());
        }
    }

    /** Backends call this for every storage they create. */
    public static void register(DeviceStorage s) {
        DeviceScope cur = CURRENT.get();
        if (cur != null) cur.owned.add(s);
    }

    /** Lets these tensors' storages outlive this scope; returns the first for chaining. */
    public Tensor keep(Tensor... ts) {
        for (Tensor t : ts) if (t != null && t.storage() != null) kept.add(t.storage());
        return ts.length == 0 ? null : ts[0];
    }

    /** Number of storages this scope would free now. */
    public int size() { return owned.size() - kept.size(); }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        if (CURRENT.get() == this) CURRENT.set(parent);
        for (DeviceStorage s : owned) {
            if (kept.contains(s)) {
                if (parent != null) parent.owned.add(s);
            } else {
                s.free();
            }
        }
        owned.clear();
    }
}
