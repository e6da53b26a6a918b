package dev.kokoro.cuda;

import java.util.Arrays;

/** One torch.optim.AdamW step in place on param p with moments m, v (all the same shape); step counts from 1. */
public final class AdamWCuda {
    private AdamWCuda() {}

    public static void step(CudaTensor p, CudaTensor g, CudaTensor m, CudaTensor v, int step,
                            float lr, double beta1, double beta2, float eps, float weightDecay) {
        for (CudaTensor t : new CudaTensor[] {g, m, v})
            if (t.numel() != p.numel()) throw new IllegalArgumentException("AdamW: " + Arrays.toString(t.shape()) + " does not match param " + Arrays.toString(p.shape()));
        if (step < 1) throw new IllegalArgumentException("AdamW: step must start at 1, got " + step);
        float bc1 = (float) (1 - Math.pow(beta1, step)), bc2 = (float) (1 - Math.pow(beta2, step));
        Cuda.context().launch1d("elementwise", "adamw_step", p.numel(),
                KernelArgs.of().ptr(p).ptr(g).ptr(m).ptr(v).l(p.numel()).f(lr).f((float) (1.0 - beta1)).f((float) beta2)
                        .f((float) (1.0 - beta2)).f(eps).f(weightDecay).f(bc1).f(bc2));
    }
}
