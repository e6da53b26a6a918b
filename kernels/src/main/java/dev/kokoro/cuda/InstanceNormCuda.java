package dev.kokoro.cuda;

import java.util.Arrays;

/**
 * Instance norm over time per (b, c) of x [B, C, T] (biased variance, eps inside the square root; the
 * engine's {@code Norms.instanceNorm1d}) and the normalize+affine part of Kokoro's AdaIN1d
 * ({@code Norms.adaIN1d}): {@code out = (1 + gamma) * instance_norm(x, normWeight, normBias) + beta} with
 * gamma, beta [B, C] (the style fc's two halves, which the caller computes with a matmul).
 */
public final class InstanceNormCuda {
    private InstanceNormCuda() {}

    /**
     * out plus the per-row mean and 1/std [B, C] and eps. The backward recomputes the statistics in double
     * from x (short rows cancel too much for float32 ones); mean/rstd are for callers that want them.
     */
    public record Result(CudaTensor out, CudaTensor mean, CudaTensor rstd, float eps) implements AutoCloseable {
        @Override public void close() { out.close(); mean.close(); rstd.close(); }
    }

    /** Gradients; each null when not asked for (or, for plain instance norm, dgamma/dbeta always null). */
    public record Grads(CudaTensor dx, CudaTensor dgamma, CudaTensor dbeta, CudaTensor dweight, CudaTensor dbias) implements AutoCloseable {
        @Override public void close() {
            for (CudaTensor t : new CudaTensor[] {dx, dgamma, dbeta, dweight, dbias}) if (t != null) t.close();
        }
    }

    /** F.instance_norm(x [B, C, T], weight [C] or null, bias [C] or null, eps). */
    public static Result instanceNorm1d(CudaTensor x, CudaTensor weight, CudaTensor bias, float eps) {
        int[] s = check("instanceNorm1d", x, null, null, weight, bias);
        return fwd(x, null, null, weight, bias, s, false, eps);
    }

    public static Grads instanceNorm1dBackward(CudaTensor x, CudaTensor weight, CudaTensor bias, Result saved, CudaTensor dout,
                                               boolean needX, boolean needWeight, boolean needBias) {
        int[] s = check("instanceNorm1d backward", x, null, null, weight, bias);
        return bwd(x, null, null, weight, bias, saved, dout, s, false, needX, false, false, needWeight && weight != null, needBias && bias != null);
    }

    /** AdaIN1d's normalization: x [B, C, T]; gamma, beta [B, C]; normWeight/normBias [C] or null. */
    public static Result adaIN1d(CudaTensor x, CudaTensor gamma, CudaTensor beta, CudaTensor normWeight, CudaTensor normBias, float eps) {
        int[] s = check("adaIN1d", x, gamma, beta, normWeight, normBias);
        requireAda("adaIN1d", gamma, beta);
        return fwd(x, gamma, beta, normWeight, normBias, s, true, eps);
    }

    /**
     * AdaIN1d followed by snake in one pass (Kokoro's AdaINResBlock1: snake(adain(x), alpha [1, C, 1])).
     * {@code result.out()} is the snake output; {@code pre} (same shape as x, written when non-null) receives
     * the AdaIN output, which {@link ActivationsCuda#snakeBackward} and {@link #adaIN1dBackward} need.
     */
    public static Result adaIN1dSnake(CudaTensor x, CudaTensor gamma, CudaTensor beta, CudaTensor normWeight, CudaTensor normBias,
                                      CudaTensor alpha, CudaTensor pre, float eps) {
        int[] s = check("adaIN1d+snake", x, gamma, beta, normWeight, normBias);
        requireAda("adaIN1d+snake", gamma, beta);
        if (alpha == null || alpha.numel() != s[1])
            throw new IllegalArgumentException("adaIN1d+snake: alpha must hold " + s[1] + " values ([1, C, 1]), got " + (alpha == null ? "null" : Arrays.toString(alpha.shape())));
        if (pre != null && !Arrays.equals(pre.shape(), x.shape()))
            throw new IllegalArgumentException("adaIN1d+snake: pre " + Arrays.toString(pre.shape()) + " != x " + Arrays.toString(x.shape()));
        return fwd(x, gamma, beta, normWeight, normBias, alpha, pre, s, true, eps);
    }

    public static Grads adaIN1dBackward(CudaTensor x, CudaTensor gamma, CudaTensor beta, CudaTensor normWeight, CudaTensor normBias,
                                        Result saved, CudaTensor dout, boolean needX, boolean needGammaBeta, boolean needNormParams) {
        int[] s = check("adaIN1d backward", x, gamma, beta, normWeight, normBias);
        requireAda("adaIN1d backward", gamma, beta);
        return bwd(x, gamma, beta, normWeight, normBias, saved, dout, s, true, needX, needGammaBeta, needGammaBeta,
                needNormParams && normWeight != null, needNormParams && normBias != null);
    }

    private static Result fwd(CudaTensor x, CudaTensor gamma, CudaTensor beta, CudaTensor w, CudaTensor nb, int[] s, boolean ada, float eps) {
        return fwd(x, gamma, beta, w, nb, null, null, s, ada, eps);
    }

    private static Result fwd(CudaTensor x, CudaTensor gamma, CudaTensor beta, CudaTensor w, CudaTensor nb, CudaTensor alpha, CudaTensor pre,
                              int[] s, boolean ada, float eps) {
        int r = s[0] * s[1];
        CudaTensor out = CudaTensor.empty(x.shape()), mean = CudaTensor.empty(s[0], s[1]), rstd = CudaTensor.empty(s[0], s[1]);
        if (r > 0) launch("instnorm_fwd", r, s[2],
                KernelArgs.of().ptr(x).ptr(gamma).ptr(beta).ptr(w).ptr(nb).ptr(alpha).ptr(pre).ptr(out).ptr(mean).ptr(rstd).i(r).i(s[1]).i(s[2]).i(ada ? 1 : 0).f(eps));
        return new Result(out, mean, rstd, eps);
    }

    private static Grads bwd(CudaTensor x, CudaTensor gamma, CudaTensor beta, CudaTensor w, CudaTensor nb, Result saved, CudaTensor dout, int[] s,
                             boolean ada, boolean needX, boolean needGamma, boolean needBeta, boolean needW, boolean needNb) {
        if (!Arrays.equals(dout.shape(), x.shape()))
            throw new IllegalArgumentException("instance norm backward: dout " + Arrays.toString(dout.shape()) + " != x " + Arrays.toString(x.shape()));
        int b = s[0], c = s[1], t = s[2], r = b * c;
        CudaContext ctx = Cuda.context();
        CudaTensor dx = needX ? CudaTensor.empty(x.shape()) : null;
        CudaTensor dg = needGamma ? CudaTensor.empty(b, c) : null, db = needBeta ? CudaTensor.empty(b, c) : null;
        CudaTensor dw = needW ? CudaTensor.empty(c) : null, dnb = needNb ? CudaTensor.empty(c) : null;
        if (r == 0) return new Grads(dx, dg, db, dw, dnb);
        try (CudaTensor rowG = CudaTensor.empty(r); CudaTensor rowGX = CudaTensor.empty(r)) {
            launch("instnorm_bwd", r, t,
                    KernelArgs.of().ptr(x).ptr(dout).ptr(gamma).ptr(beta).ptr(w).ptr(nb).ptr(dx)
                            .ptr(rowG).ptr(rowGX).i(r).i(c).i(t).i(ada ? 1 : 0).f(saved.eps()));
            if (dg != null || db != null || dw != null || dnb != null)
                ctx.launch("instance_norm", "instnorm_param_grads", (Math.max(r, c) + 255) / 256, 1, 1, 256, 1, 1, 0,
                        KernelArgs.of().ptr(rowG).ptr(rowGX).ptr(gamma).ptr(w).ptr(nb).ptr(dg).ptr(db).ptr(dw).ptr(dnb).i(b).i(c).i(ada ? 1 : 0));
        }
        return new Grads(dx, dg, db, dw, dnb);
    }

    private static int threads(int t) { return t >= 2048 ? 512 : t >= 512 ? 256 : 128; }

    /**
     * Rows from SMEM_MIN_T samples on (Kokoro's generator: 5120 and 30720) run the *_smem kernels, which copy the
     * row once into shared memory (-Dkokoro.cuda.instnorm.smem=false: the plain kernels, which read x from device
     * memory on every pass).
     */
    static volatile boolean smemRows = !"false".equals(System.getProperty("kokoro.cuda.instnorm.smem"));
    static final int SMEM_MIN_T = 1024, SMEM_MAX_BYTES = 200 * 1024;

    static boolean smem(int t) { return smemRows && t >= SMEM_MIN_T && 4L * t <= SMEM_MAX_BYTES; }

    /** Kernel {@code base} ("instnorm_fwd" / "instnorm_bwd"), or its _smem twin when {@link #smem} says so, over the rows. */
    private static void launch(String base, int rows, int t, KernelArgs args) {
        CudaContext c = Cuda.context();
        int grid = Math.min(rows, 65535 * 8);
        if (!smem(t)) {
            c.launch("instance_norm", base, grid, 1, 1, threads(t), 1, 1, 0, args);
            return;
        }
        String fn = base + "_smem";
        int bytes = 4 * t;
        if (bytes > 48 * 1024) c.allowDynamicSmem("instance_norm", fn, bytes);
        c.launch("instance_norm", fn, grid, 1, 1, t >= 8192 ? 1024 : 512, 1, 1, bytes, args);
    }

    private static int[] check(String op, CudaTensor x, CudaTensor gamma, CudaTensor beta, CudaTensor w, CudaTensor nb) {
        if (x.rank() != 3) throw new IllegalArgumentException(op + ": x must be [B, C, T], got " + Arrays.toString(x.shape()));
        int b = x.dim(0), c = x.dim(1);
        expect(op, "gamma", gamma, b, c);
        expect(op, "beta", beta, b, c);
        if (w != null && w.numel() != c) throw new IllegalArgumentException(op + ": weight " + Arrays.toString(w.shape()) + " for " + c + " channels");
        if (nb != null && nb.numel() != c) throw new IllegalArgumentException(op + ": bias " + Arrays.toString(nb.shape()) + " for " + c + " channels");
        return new int[] {b, c, x.dim(2)};
    }

    private static void requireAda(String op, CudaTensor gamma, CudaTensor beta) {
        if (gamma == null || beta == null) throw new IllegalArgumentException(op + ": gamma and beta [B, C] are required");
    }

    private static void expect(String op, String what, CudaTensor t, int b, int c) {
        if (t != null && !Arrays.equals(t.shape(), new int[] {b, c}))
            throw new IllegalArgumentException(op + ": " + what + " must be [" + b + ", " + c + "], got " + Arrays.toString(t.shape()));
    }
}
