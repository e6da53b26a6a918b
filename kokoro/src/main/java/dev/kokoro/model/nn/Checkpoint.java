package dev.kokoro.model.nn;

import dev.kokoro.engine.Autograd;
import dev.kokoro.engine.Tensor;
import java.util.function.UnaryOperator;

/**
 * torch.utils.checkpoint for a block y = f(x) of frozen layers on a device: the forward runs with nothing
 * recorded in a nested scope (only y outlives it), and the backward runs f again on x with recording on,
 * back-propagates the output gradient through that copy and hands x its gradient; the recomputed
 * activations live only during that node's backward. Trades one more forward of the block for its
 * saved activations (the generator's resblocks hold most of a training step's device memory).
 * f must be deterministic and must not need gradients for anything but x (its parameters frozen).
 */
public final class Checkpoint {
    private Checkpoint() {}

    /**
     * Which of the generator's resblocks device training steps checkpoint, {@code -Dkokoro.checkpoint=}:
     * {@code all} (or true), {@code last} (the last upsampling stage's only: the longest signals, most of
     * the memory), else none.
     */
    public static volatile String resblocks = switch (System.getProperty("kokoro.checkpoint", "none")) {
        case "true", "all" -> "all";
        case "last" -> "last";
        default -> "none";
    };

    /** True when stage {@code stage} of {@code stages} is checkpointed by {@link #resblocks}. */
    public static boolean stage(int stage, int stages) {
        String r = resblocks;
        return r.equals("all") || (r.equals("last") && stage == stages - 1);
    }

    /** True when {@link #run} would checkpoint: on a device, recording, x requires grad, the module frozen. */
    public static boolean applies(Tensor x, Module m, Tensor... others) {
        if (!Autograd.needsGrad(x) || Autograd.needsGrad(others)) return false;
        return Frozen.scoped(x.device(), others, m);
    }

    public static Tensor run(UnaryOperator<Tensor> f, Tensor x) {
        Tensor y = Frozen.run(() -> f.apply(x));
        return Autograd.record(y, g -> {
            Tensor xr = x.detach().requiresGrad(true);
            Tensor yr;
            try (Autograd.Scope on = Autograd.enable()) {
                yr = f.apply(xr);
            }
            yr.backward(g);
            Autograd.accumulate(x, xr.grad());
        }, x);
    }
}
