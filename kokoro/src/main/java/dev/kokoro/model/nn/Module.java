package dev.kokoro.model.nn;

import dev.kokoro.engine.DType;
import dev.kokoro.engine.Device;
import dev.kokoro.engine.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A tree of named parameters, as torch.nn.Module: state-dict names are the dotted paths of
 * {@link #param} and {@link #child} registrations, so PyTorch checkpoints map one to one.
 */
public abstract class Module {
    private final Map<String, Param> params = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();

    /** Registers a float32 parameter of zeros (filled by {@link #reset} or a checkpoint). */
    protected Param param(String name, int... shape) {
        Param p = new Param(Tensor.zeros(DType.F32, shape));
        params.put(name, p);
        return p;
    }

    protected <M extends Module> M child(String name, M module) {
        children.put(name, module);
        return module;
    }

    /** Every parameter by its dotted state-dict name. */
    public Map<String, Param> namedParams() {
        Map<String, Param> out = new LinkedHashMap<>();
        collect("", out);
        return out;
    }

    private void collect(String prefix, Map<String, Param> out) {
        params.forEach((k, p) -> out.put(prefix + k, p));
        children.forEach((k, m) -> m.collect(prefix + k + ".", out));
    }

    public Map<String, Module> children() { return children; }

    public long parameterCount() {
        long n = 0;
        for (Param p : namedParams().values()) n += p.get().numel();
        return n;
    }

    /** Converts every parameter to {@code dtype} (float64 for reference checks). */
    public void to(DType dtype) {
        for (Param p : namedParams().values()) {
            boolean rg = p.get().requiresGrad();
            p.set(p.get().detach().to(dtype).copy().requiresGrad(rg));
        }
    }

    /**
     * Moves every parameter of this subtree to {@code device} (a copy; requiresGrad is kept, the moved
     * tensors are leaves). On CUDA parameters must be float32. Device parameters are not freed by a
     * DeviceScope; they live until the model is unreachable (Cleaner) or moved back.
     */
    public void to(Device device) {
        for (Param p : namedParams().values()) {
            Tensor t = p.get();
            if (t.device() == device) continue;
            boolean rg = t.requiresGrad();
            p.set(t.detach().to(device).requiresGrad(rg));
        }
    }

    /** Marks every parameter of this subtree trainable or frozen. */
    public void requiresGrad(boolean on) {
        for (Param p : namedParams().values()) p.set(p.get().detach().requiresGrad(on));
    }

    /** PyTorch-style random initialisation of this subtree (children first, then own {@link #reset}). */
    public void initRandom(SplittableRandom rng) {
        for (Module m : children.values()) m.initRandom(rng);
        reset(rng);
    }

    /** Initialises this module's own parameters; layers override. */
    protected void reset(SplittableRandom rng) {}

    /** Fills {@code p} with U(-bound, bound). */
    protected static void uniform(Param p, SplittableRandom rng, double bound) {
        Tensor t = p.get();
        for (int i = 0, n = t.numel(); i < n; i++) t.setFlat(i, (rng.nextDouble() * 2 - 1) * bound);
    }
}
