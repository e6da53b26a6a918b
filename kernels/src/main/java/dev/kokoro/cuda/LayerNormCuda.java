package dev.kokoro.cuda;

import java.util.Arrays;

/**
 * LayerNorm over the last dim (biased variance, eps inside the square root) and Kokoro's AdaLayerNorm
 * ({@code (1 + gamma) * layer_norm(x) + beta} with gamma, beta [B, C] per batch row of x [B, T, C]).
 */
public final class LayerNormCuda {
    private LayerNormCuda() {}

    /** out plus the per-row mean and 1/std saved for the backward. */
    public record Result(CudaTensor out, CudaTensor mean, CudaTensor rstd) implements AutoCloseable {
        @Override public void close() { out.close(); mean.close(); rstd.close(); }
    }

    public record Grads(CudaTensor dx, CudaTensor dscale, CudaTensor dshift) implements AutoCloseable {
        @Override public void close() {
            dx.close();
            if (dscale != null) dscale.close();
            if (dshift != null) dshift.close();
        }
    }

    /** x [..., C]; gamma, beta [C] or null. */
    public static Result layerNorm(CudaTensor x, CudaTensor gamma, CudaTensor beta, float eps) {
        int c = x.dim(-1), r = x.numel() / Math.max(1, c);
        if (gamma != null) expect("gamma", gamma, c);
        if (beta != null) expect("beta", beta, c);
        return fwd(x, gamma, beta, r, c, Math.max(1, r), false, eps);
    }

    public static Grads layerNormBackward(CudaTensor x, CudaTensor gamma, CudaTensor beta, Result saved, CudaTensor dout) {
        int c = x.dim(-1), r = x.numel() / Math.max(1, c);
        return bwd(x, gamma, gamma != null, beta != null, saved, dout, r, c, Math.max(1, r), false, new int[] {c});
    }

    /** x [B, T, C]; gamma, beta [B, C]: out = (1 + gamma[b]) * xhat + beta[b]. */
    public static Result adaLayerNorm(CudaTensor x, CudaTensor gamma, CudaTensor beta, float eps) {
        if (x.rank() != 3) throw new IllegalArgumentException("AdaLayerNorm: x must be [B, T, C], got " + Arrays.toString(x.shape()));
        int b = x.dim(0), t = x.dim(1), c = x.dim(2);
        expect("gamma", gamma, b, c);
        expect("beta", beta, b, c);
        return fwd(x, gamma, beta, b * t, c, Math.max(1, t), true, eps);
    }

    public static Grads adaLayerNormBackward(CudaTensor x, CudaTensor gamma, Result saved, CudaTensor dout) {
        int b = x.dim(0), t = x.dim(1), c = x.dim(2);
        return bwd(x, gamma, true, true, saved, dout, b * t, c, Math.max(1, t), true, new int[] {b, c});
    }

    private static Result fwd(CudaTensor x, CudaTensor scale, CudaTensor shift, int r, int c, int rpg, boolean onePlus, float eps) {
        CudaTensor out = CudaTensor.empty(x.shape()), mean = CudaTensor.empty(r), rstd = CudaTensor.empty(r);
        int warps = 8;
        Cuda.context().launch("norms", "layernorm_fwd", Math.max(1, (r + warps - 1) / warps), 1, 1, 32 * warps, 1, 1, 0,
                KernelArgs.of().ptr(x).ptr(scale).ptr(shift).ptr(out).ptr(mean).ptr(rstd).i(r).i(c).i(rpg).i(onePlus ? 1 : 0).f(eps));
        return new Result(out, mean, rstd);
    }

    private static Grads bwd(CudaTensor x, CudaTensor scale, boolean wantScale, boolean wantShift, Result saved, CudaTensor dout,
                             int r, int c, int rpg, boolean onePlus, int[] paramShape) {
        if (!Arrays.equals(dout.shape(), x.shape())) throw new IllegalArgumentException("LayerNorm: dout " + Arrays.toString(dout.shape()) + " != x " + Arrays.toString(x.shape()));
        CudaContext ctx = Cuda.context();
        CudaTensor dx = CudaTensor.empty(x.shape());
        int warps = 8;
        ctx.launch("norms", "layernorm_bwd_dx", Math.max(1, (r + warps - 1) / warps), 1, 1, 32 * warps, 1, 1, 0,
                KernelArgs.of().ptr(x).ptr(scale).ptr(dout).ptr(saved.mean()).ptr(saved.rstd()).ptr(dx).i(r).i(c).i(rpg).i(onePlus ? 1 : 0));
        CudaTensor ds = wantScale ? CudaTensor.zeros(paramShape) : null, dh = wantShift ? CudaTensor.zeros(paramShape) : null;
        if (ds != null || dh != null) {
            int groups = (r + rpg - 1) / rpg, chunk = 64, chunks = (Math.min(rpg, r) + chunk - 1) / chunk;
            ctx.launch("norms", "layernorm_bwd_params", (c + 127) / 128, Math.max(1, groups), Math.max(1, chunks), 128, 1, 1, 0,
                    KernelArgs.of().ptr(x).ptr(dout).ptr(saved.mean()).ptr(saved.rstd()).ptr(ds).ptr(dh).i(r).i(c).i(rpg).i(chunk));
        }
        return new Grads(dx, ds, dh);
    }

    private static void expect(String what, CudaTensor t, int... shape) {
        if (!Arrays.equals(t.shape(), shape))
            throw new IllegalArgumentException("LayerNorm: " + what + " must be " + Arrays.toString(shape) + ", got " + Arrays.toString(t.shape()));
    }
}
