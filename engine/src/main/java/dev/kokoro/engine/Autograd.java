package dev.kokoro.engine;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The tape: ops call {@link #record} on their output; {@link #backward} walks the graph in reverse
 * topological order. Only branches that reach a tensor requiring grad are recorded at all, so
 * frozen weights cost nothing in backward.
 */
public final class Autograd {
    private static final ThreadLocal<int[]> DISABLED = ThreadLocal.withInitial(() -> new int[1]);

    private Autograd() {}

    public static boolean enabled() { return DISABLED.get()[0] == 0; }

    /** A scope with gradient recording off: {@code try (var g = Autograd.disable()) { ... }}. */
    public static Scope disable() {
        int[] c = DISABLED.get();
        c[0]++;
        return () -> c[0]--;
    }

    /** A scope with gradient recording on, also inside a backward or a disabled scope (recomputation: checkpointing). */
    public static Scope enable() {
        int[] c = DISABLED.get();
        int saved = c[0];
        c[0] = 0;
        return () -> c[0] = saved;
    }

    public interface Scope extends AutoCloseable {
        @Override void close();
    }

    public static <T> T noGrad(Supplier<T> body) {
        try (Scope s = disable()) {
            return body.get();
        }
    }

    /** True when an op on these inputs must be recorded. */
    public static boolean needsGrad(Tensor... inputs) {
        if (!enabled()) return false;
        for (Tensor t : inputs) if (t != null && t.requiresGrad) return true;
        return false;
    }

    /** Records a multi-input op; {@code backward} accumulates into the inputs that require grad. */
    public static Tensor record(Tensor out, Node.Backward backward, Tensor... inputs) {
        if (!needsGrad(inputs)) return out;
        out.requiresGrad = true;
        out.node = new Node(inputs, backward);
        return out;
    }

    /** Records a one-input op whose backward maps the output gradient to the input gradient. */
    static Tensor record(Tensor out, Node.Unary backward, Tensor input) {
        return record(out, (Node.Backward) g -> accumulate(input, backward.apply(g)), input);
    }

    /** Adds {@code g} into {@code t}'s gradient when {@code t} requires grad. */
    public static void accumulate(Tensor t, Tensor g) {
        if (t != null && t.requiresGrad && g != null) t.accumulateGrad(g);
    }

    static void backward(Tensor root, Tensor gradOutput) {
        Tensor.check(root.requiresGrad, "backward() on a tensor that does not require grad");
        List<Tensor> order = topoOrder(root);
        DeviceGradRefs refs = FREE_DEVICE_GRADS && root.storage() != null ? new DeviceGradRefs() : null;
        try (Scope s = disable()) {
            root.accumulateGrad(gradOutput);
            for (int i = order.size() - 1; i >= 0; i--) {
                Tensor t = order.get(i);
                if (t.node == null || t.grad == null) continue;
                Tensor g = t.grad;
                Tensor[] before = refs == null ? null : refs.grads(t.node.inputs);
                if (refs == null) t.node.backward.apply(g);
                else applyScoped(t.node, g);
                t.grad = null; // intermediate gradients are freed as soon as they are used
                if (refs != null) refs.update(t.node.inputs, before, g);
            }
        }
    }

    /**
     * Frees the device buffers of intermediate gradients as soon as no pending gradient uses them: a step
     * runs in one DeviceScope, which would otherwise hold every gradient of the backward until it closes.
     * Only gradients assigned during this backward are counted (a buffer may be shared: a backward may hand
     * its output gradient, or a view of it, to an input); leaf gradients are never freed here.
     * {@code -Dkokoro.grad.free=false} turns it off.
     */
    static final boolean FREE_DEVICE_GRADS = !"false".equals(System.getProperty("kokoro.grad.free"));

    private static final class DeviceGradRefs {
        private final Map<dev.kokoro.engine.backend.DeviceStorage, int[]> refs = new IdentityHashMap<>();

        Tensor[] grads(Tensor[] inputs) {
            Tensor[] g = new Tensor[inputs.length];
            for (int k = 0; k < inputs.length; k++) g[k] = inputs[k] == null ? null : inputs[k].grad;
            return g;
        }

        void update(Tensor[] inputs, Tensor[] before, Tensor used) {
            // A buffer made before this backward (the caller's gradOutput, handed on by a pass-through rule
            // such as add's) is never counted, so it is never freed here, whoever holds it next.
            boolean usedCounted = used.storage() != null && refs.containsKey(used.storage());
            for (int k = 0; k < inputs.length; k++) {
                Tensor in = inputs[k];
                if (in == null || in.grad == before[k] || seenBefore(inputs, k)) continue;
                if (usedCounted || in.grad.storage() != used.storage()) inc(in.grad);
                dec(before[k]);
            }
            if (usedCounted) dec(used);
        }

        private static boolean seenBefore(Tensor[] inputs, int k) {
            for (int j = 0; j < k; j++) if (inputs[j] == inputs[k]) return true;
            return false;
        }

        private void inc(Tensor g) {
            if (g != null && g.storage() != null) refs.computeIfAbsent(g.storage(), x -> new int[1])[0]++;
        }

        private void dec(Tensor g) {
            if (g == null || g.storage() == null) return;
            int[] c = refs.get(g.storage());
            if (c == null || --c[0] > 0) return;   // untracked (made before this backward) or still used
            refs.remove(g.storage());
            g.storage().free();
        }
    }

    /**
     * A node's backward on a device, in a nested DeviceScope: its temporaries (a rule's intermediate
     * products, strided copies) are freed when it returns instead of when the step's scope closes; only
     * the gradients it left on its inputs outlive it (a backward accumulates into its own inputs only).
     */
    private static void applyScoped(Node node, Tensor g) {
        try (dev.kokoro.engine.backend.DeviceScope scope = dev.kokoro.engine.backend.DeviceScope.open()) {
            node.backward.apply(g);
            for (Tensor in : node.inputs) if (in != null && in.grad != null) scope.keep(in.grad);
        }
    }

    /** Post-order of the tensors that require grad and reach {@code root}, iteratively (deep graphs). */
    private static List<Tensor> topoOrder(Tensor root) {
        List<Tensor> order = new ArrayList<>();
        Map<Tensor, Boolean> seen = new IdentityHashMap<>();
        ArrayDeque<Object[]> stack = new ArrayDeque<>();
        stack.push(new Object[]{root, 0});
        seen.put(root, true);
        while (!stack.isEmpty()) {
            Object[] top = stack.peek();
            Tensor t = (Tensor) top[0];
            int next = (Integer) top[1];
            Tensor[] ins = t.node == null ? new Tensor[0] : t.node.inputs;
            if (next < ins.length) {
                top[1] = next + 1;
                Tensor c = ins[next];
                if (c != null && c.requiresGrad && seen.put(c, true) == null) stack.push(new Object[]{c, 0});
            } else {
                stack.pop();
                order.add(t);
            }
        }
        return order;
    }
}
