package dev.kokoro.model;

import dev.kokoro.engine.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Collects named intermediate activations (the fixture's {@code act.<module>} names: the output of that
 * module inside KModel.forward_with_tokens). A null Trace collects nothing.
 */
public final class Trace {
    private final Map<String, Tensor> store;
    private final String prefix;

    public Trace() { this(new LinkedHashMap<>(), ""); }

    private Trace(Map<String, Tensor> store, String prefix) {
        this.store = store;
        this.prefix = prefix;
    }

    /** A view that prefixes names with {@code name + "."}; null stays null. */
    public static Trace at(Trace t, String name) {
        return t == null ? null : new Trace(t.store, t.prefix + name + ".");
    }

    /** Records a detached copy of x under the prefixed name. */
    public static void put(Trace t, String name, Tensor x) {
        if (t != null) t.store.put(t.prefix + name, x.detach().contiguous());
    }

    /** Everything recorded, in order. */
    public Map<String, Tensor> all() { return store; }
}
