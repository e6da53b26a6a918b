package dev.kokoro.model.nn;

import dev.kokoro.engine.Autograd;
import dev.kokoro.engine.Tensor;
import dev.kokoro.engine.WeightNorm;
import dev.kokoro.engine.backend.DeviceScope;

/**
 * The weight of a weight-normed layer, w = g · v / ‖v‖: recomputed (and recorded) while g or v requires
 * grad, else computed once and reused for as long as the same two tensor objects are the layer's g and v
 * (loading, dtype and device moves and freezing all swap them in their {@link Param}s). On a device the
 * cached weight lives outside every {@link DeviceScope}, so a training step's scope does not free it.
 * In-place edits of a frozen g or v (Tensor.fill/copyFrom) must call {@link #clear}.
 */
final class WeightNormCache {
    private record Entry(Tensor v, Tensor g, Tensor w) {}

    private volatile Entry entry;

    Tensor weight(Tensor v, Tensor g) {
        if (v.requiresGrad() || g.requiresGrad()) {
            entry = null;
            return WeightNorm.apply(v, g);
        }
        Entry e = entry;
        if (e != null && e.v == v && e.g == g && (e.w.storage() == null || !e.w.storage().isFreed())) return e.w;
        Tensor w = DeviceScope.detached(() -> Autograd.noGrad(() -> WeightNorm.apply(v, g)));
        entry = new Entry(v, g, w);
        return w;
    }

    void clear() { entry = null; }
}
