package dev.kokoro.model.nn;

import dev.kokoro.engine.Autograd;
import dev.kokoro.engine.Device;
import dev.kokoro.engine.Tensor;
import dev.kokoro.engine.backend.DeviceScope;
import java.util.function.Supplier;

/**
 * Device memory for the parts of a step that need no gradient (PL-BERT, the text encoder, the harmonic
 * source, the target's mel): run them in a nested {@link DeviceScope} with nothing recorded, so their
 * temporaries are freed as soon as their output exists instead of when the step's scope closes. On the
 * host nothing changes (the caller keeps its plain path there).
 */
public final class Frozen {
    private Frozen() {}

    /** Off: no nested scopes (tests and benchmarks compare the peaks); {@code -Dkokoro.frozen.scopes=false}. */
    public static volatile boolean enabled = !"false".equals(System.getProperty("kokoro.frozen.scopes"));

    /** True on a device when no parameter of the modules and no input requires grad. */
    public static boolean scoped(Device device, Tensor[] inputs, Module... modules) {
        if (!enabled || device == Device.CPU) return false;
        if (Autograd.enabled() && Autograd.needsGrad(inputs)) return false;
        if (Autograd.enabled())
            for (Module m : modules)
                for (Param p : m.namedParams().values()) if (p.get().requiresGrad()) return false;
        return true;
    }

    /**
     * Frees the device storage of tensors that are dead now: their last reader has run and no recorded
     * backward reads their values (operands of an add, the numerator of a division by a constant, the input
     * of a pad: those backward rules need only the output gradient and shapes). The step's scope would
     * otherwise hold them until the step ends. A later use is an error, never silent garbage; host tensors
     * are left alone. Off with the nested scopes ({@link #enabled}).
     */
    public static void dead(Tensor... ts) {
        if (!enabled) return;
        for (Tensor t : ts) if (t != null && t.storage() != null) t.storage().free();
    }

    /** body with autograd off in a nested scope that keeps only its result. */
    public static Tensor run(Supplier<Tensor> body) {
        return DeviceScope.nested(() -> Autograd.noGrad(body));
    }
}
