package dev.kokoro.cuda;

import java.util.Arrays;

/**
 * F.conv1d on the device (x [B, Cin, T], w [Cout, Cin/groups, K], bias [Cout] or null) and its
 * gradients, with PyTorch's semantics (the engine's {@code Conv.conv1d}). Large shapes run as an
 * implicit GEMM on TF32 tensor cores with FP32 accumulation (relative error ~1e-4, like PyTorch with
 * allow_tf32; {@link #allowTf32} false forces plain FP32); depthwise and small shapes run in FP32.
 * conv1d and conv_transpose1d share the three lowered operations of conv1d.cu (see there and {@link ConvTranspose1dCuda});
 * by default the gather and scatter with at least 64 output channels run on conv_mma.cu ({@link ConvMmaCuda}).
 */
public final class Conv1dCuda {
    private Conv1dCuda() {}

    /** Like torch.backends.cudnn.allow_tf32: tensor cores for the large convolutions. */
    public static volatile boolean allowTf32 = true;

    /**
     * Which tensor-core kernels run: 4 (default) conv_mma.cu's mma.sync / cp.async kernels (128x128x32 tiles,
     * 3-stage pipeline, pre-arranged weights) for the gathers and scatters with at least {@link #MMA_MIN_ROWS}
     * output rows, v2 for the rest and for the weight gradients; 5 the same with conv_mma for every tensor-core
     * gather and scatter (tests); 6 as 5 with conv_mma's 4-warp layout (w4; tests); 2 the tap-major, double-buffered wmma kernels with 64x128 tiles and split-K
     * for few output tiles; 3 the same with 128x128 tiles; 1 the first version (64x128, im2col index per
     * element). All are tested; ConvCudaBench times each. Default: -Dkokoro.cuda.conv.kernel=N.
     */
    public static final int DEFAULT_VERSION = Integer.getInteger("kokoro.cuda.conv.kernel", 4);
    public static volatile int kernelVersion = DEFAULT_VERSION;

    /** Below this many output rows (channels) of a gather/scatter, version 4 keeps v2's 64-row tiles. */
    static final int MMA_MIN_ROWS = 64;

    /** The wmma kernel version that runs where conv_mma does not. */
    private static int wmmaVersion() { int v = kernelVersion; return v >= 4 ? 2 : v; }

    private static String v() { return "_v" + wmmaVersion(); }

    private static int tileM() { return wmmaVersion() == 3 ? 128 : 64; }

    private static boolean useMma(int rows) { int v = kernelVersion; return v == 5 || v == 6 || (v == 4 && rows >= MMA_MIN_ROWS); }

    /** dx, dweight, dbias (each null when not asked for). */
    public record Grads(CudaTensor dx, CudaTensor dweight, CudaTensor dbias) implements AutoCloseable {
        @Override public void close() {
            if (dx != null) dx.close();
            if (dweight != null) dweight.close();
            if (dbias != null) dbias.close();
        }
    }

    public static CudaTensor conv1d(CudaTensor x, CudaTensor w, CudaTensor bias, int stride, int padding, int dilation, int groups) {
        Geo g = geometry(x, w, bias, stride, padding, dilation, groups);
        CudaTensor y = CudaTensor.empty(g.batch, g.groups * g.cs, g.ts);
        gather(g, w, x, bias, y);
        return y;
    }

    /** dL/dx for y = conv1d(x [B, Cin, inputLength], w, ...) given gy [B, Cout, Tout]. */
    public static CudaTensor backwardInput(CudaTensor gy, CudaTensor w, int inputLength, int stride, int padding, int dilation, int groups) {
        Geo g = fromOutput("conv1d backwardInput", gy, w, inputLength, stride, padding, dilation, groups);
        CudaTensor gx = CudaTensor.empty(g.batch, g.groups * g.cl, g.tl);
        scatter(g, w, gy, null, gx);
        return gx;
    }

    /** dL/dw [Cout, Cin/groups, K] for y = conv1d(x, w, ...) given gy [B, Cout, Tout]. */
    public static CudaTensor backwardWeight(CudaTensor gy, CudaTensor x, int kernelSize, int stride, int padding, int dilation, int groups) {
        if (x.rank() != 3 || gy.rank() != 3 || gy.dim(0) != x.dim(0) || groups <= 0 || x.dim(1) % groups != 0 || gy.dim(1) % groups != 0)
            throw new IllegalArgumentException("conv1d backwardWeight: gy " + Arrays.toString(gy.shape()) + ", x " + Arrays.toString(x.shape()) + ", groups " + groups);
        Geo g = new Geo(x.dim(0), groups, gy.dim(1) / groups, x.dim(1) / groups, kernelSize, gy.dim(2), x.dim(2), stride, padding, dilation);
        if (outLen(x.dim(2), kernelSize, stride, padding, dilation) != gy.dim(2))
            throw new IllegalArgumentException("conv1d backwardWeight: gy " + Arrays.toString(gy.shape()) + " is not the output of x " + Arrays.toString(x.shape())
                    + " with kernel " + kernelSize + ", stride " + stride + ", padding " + padding + ", dilation " + dilation);
        CudaTensor gw = CudaTensor.empty(g.groups * g.cs, g.cl, g.k);
        wgrad(g, gy, x, gw);
        return gw;
    }

    /** dL/dbias [C] = Σ_{b,t} gy[b, c, t] for gy [B, C, T] (also conv_transpose1d's). */
    public static CudaTensor backwardBias(CudaTensor gy) {
        if (gy.rank() != 3) throw new IllegalArgumentException("conv backwardBias: gy must be [B, C, T], got " + Arrays.toString(gy.shape()));
        int c = gy.dim(1);
        CudaTensor db = CudaTensor.empty(c);
        if (c > 0) Cuda.context().launch("conv1d", "conv_bias_grad", Math.min(c, 65535), 1, 1, 256, 1, 1, 0,
                KernelArgs.of().ptr(gy).ptr(db).i(gy.dim(0)).i(c).i(gy.dim(2)));
        return db;
    }

    /** All gradients at once; frozen inputs (needX/needW/needBias false) get none. */
    public static Grads backward(CudaTensor x, CudaTensor w, CudaTensor gy, boolean needX, boolean needW, boolean needBias,
                                 int stride, int padding, int dilation, int groups) {
        geometry(x, w, null, stride, padding, dilation, groups);
        CudaTensor dx = needX ? backwardInput(gy, w, x.dim(2), stride, padding, dilation, groups) : null;
        CudaTensor dw = needW ? backwardWeight(gy, x, w.dim(2), stride, padding, dilation, groups) : null;
        CudaTensor db = needBias ? backwardBias(gy) : null;
        return new Grads(dx, dw, db);
    }

    static int outLen(int t, int k, int stride, int padding, int dilation) {
        int span = t + 2 * padding - dilation * (k - 1) - 1;
        return span < 0 ? -1 : span / stride + 1;
    }

    private static Geo geometry(CudaTensor x, CudaTensor w, CudaTensor bias, int stride, int padding, int dilation, int groups) {
        if (x.rank() != 3 || w.rank() != 3)
            throw new IllegalArgumentException("conv1d: input " + Arrays.toString(x.shape()) + ", weight " + Arrays.toString(w.shape()) + " (want [B, Cin, T] and [Cout, Cin/groups, K])");
        int b = x.dim(0), cin = x.dim(1), t = x.dim(2), cout = w.dim(0), k = w.dim(2);
        checkArgs("conv1d", stride, padding, dilation, groups);
        if (cin % groups != 0 || cout % groups != 0 || w.dim(1) != cin / groups)
            throw new IllegalArgumentException("conv1d: input " + Arrays.toString(x.shape()) + ", weight " + Arrays.toString(w.shape()) + ", groups " + groups + ": channels do not match");
        checkBias("conv1d", bias, cout);
        int tOut = outLen(t, k, stride, padding, dilation);
        if (tOut <= 0) throw new IllegalArgumentException("conv1d: input " + Arrays.toString(x.shape()) + " too short for kernel " + k + ", dilation " + dilation + ", padding " + padding);
        return new Geo(b, groups, cout / groups, cin / groups, k, tOut, t, stride, padding, dilation);
    }

    private static Geo fromOutput(String op, CudaTensor gy, CudaTensor w, int inputLength, int stride, int padding, int dilation, int groups) {
        checkArgs(op, stride, padding, dilation, groups);
        if (gy.rank() != 3 || w.rank() != 3 || gy.dim(1) != w.dim(0) || w.dim(0) % groups != 0
                || outLen(inputLength, w.dim(2), stride, padding, dilation) != gy.dim(2))
            throw new IllegalArgumentException(op + ": gy " + Arrays.toString(gy.shape()) + " is not the output of weight " + Arrays.toString(w.shape())
                    + " on an input of length " + inputLength + " (stride " + stride + ", padding " + padding + ", dilation " + dilation + ", groups " + groups + ")");
        return new Geo(gy.dim(0), groups, w.dim(0) / groups, w.dim(1), w.dim(2), gy.dim(2), inputLength, stride, padding, dilation);
    }

    static void checkArgs(String op, int stride, int padding, int dilation, int groups) {
        if (stride <= 0 || padding < 0 || dilation <= 0 || groups <= 0)
            throw new IllegalArgumentException(op + ": stride " + stride + ", padding " + padding + ", dilation " + dilation + ", groups " + groups);
    }

    static void checkBias(String op, CudaTensor bias, int cout) {
        if (bias != null && !Arrays.equals(bias.shape(), new int[] {cout}))
            throw new IllegalArgumentException(op + ": bias " + Arrays.toString(bias.shape()) + " for " + cout + " output channels");
    }

    // ------------------------------------------------------------------ the three lowered operations

    /**
     * One convolution's index map (engine Conv.Geometry): per group, S [cs, ts] = W [cs, cl·k] · im2col(L [cl, tl])
     * with L sampled at t·stride − padding + kk·dilation.
     */
    record Geo(int batch, int groups, int cs, int cl, int k, int ts, int tl, int stride, int pad, int dil) {
        boolean tensorCores() { return allowTf32 && cs >= 8 && cl >= 8 && (long) cs * cl >= 256; }

        KernelArgs args(KernelArgs a) {
            return a.i(batch).i(groups).i(cs).i(cl).i(k).i(ts).i(tl).i(stride).i(pad).i(dil);
        }
    }

    private static final int BM = 64, BN = 128, BK = 16;

    /** S = W · im2col(L) + bias (S fully written). */
    static void gather(Geo g, CudaTensor w, CudaTensor l, CudaTensor bias, CudaTensor s) {
        CudaContext c = Cuda.context();
        if (s.numel() == 0) return;
        if (g.tensorCores() && useMma(g.cs)) {
            ConvMmaCuda.gather(g, w, l, bias, s);
        } else if (g.tensorCores()) {
            long nx = ((long) g.batch * g.ts + BN - 1) / BN;
            int ny = (g.cs + tileM() - 1) / tileM();
            if (wmmaVersion() == 1) {
                checkGrid(nx, ny, g.groups);
                c.launch("conv1d", "conv_gather_tf32", (int) nx, ny, g.groups, 256, 1, 1, 0,
                        g.args(KernelArgs.of().ptr(w).ptr(l).ptr(bias).ptr(s)));
                return;
            }
            long steps = (long) g.k * ((g.cl + BK - 1) / BK);
            int[] sc = splitK(nx * ny * g.groups, steps, g.groups, c);
            if (sc[0] > 1) c.memsetFloat(s.buffer().pointer(), 0f, s.numel());
            checkGrid(nx, ny, (long) g.groups * sc[0]);
            c.launch("conv1d", "conv_gather_tf32" + v(), (int) nx, ny, g.groups * sc[0], 256, 1, 1, 0,
                    g.args(KernelArgs.of().ptr(w).ptr(l).ptr(bias).ptr(s)).i(sc[0]).i(sc[1]));
        } else {
            c.launch1d("conv1d", "conv_gather_f32", s.numel(), g.args(KernelArgs.of().ptr(w).ptr(l).ptr(bias).ptr(s)));
        }
    }

    /** L = col2im(Wᵀ · S) + bias (L fully written; gather form, no atomics unless split). */
    static void scatter(Geo g, CudaTensor w, CudaTensor s, CudaTensor bias, CudaTensor l) {
        CudaContext c = Cuda.context();
        if (l.numel() == 0) return;
        if (g.tensorCores() && useMma(g.cl)) {
            ConvMmaCuda.scatter(g, w, s, bias, l);
        } else if (g.tensorCores()) {
            long nq = (g.tl + g.stride - 1) / g.stride + 1;
            long nx = (g.batch * nq + BN - 1) / BN;
            int ny = (g.cl + tileM() - 1) / tileM();
            if (wmmaVersion() == 1) {
                checkGrid(nx, ny, (long) g.groups * g.stride);
                c.launch("conv1d", "conv_scatter_tf32", (int) nx, ny, g.groups * g.stride, 256, 1, 1, 0,
                        g.args(KernelArgs.of().ptr(w).ptr(s).ptr(bias).ptr(l)));
                return;
            }
            int tapStep = g.stride / gcd(g.dil, g.stride), maxTaps = (g.k + tapStep - 1) / tapStep;
            long steps = (long) maxTaps * ((g.cs + BK - 1) / BK);
            int[] sc = splitK(nx * ny * g.groups * g.stride, steps, g.groups * g.stride, c);
            if (sc[0] > 1) c.memsetFloat(l.buffer().pointer(), 0f, l.numel());
            checkGrid(nx, ny, (long) g.groups * g.stride * sc[0]);
            c.launch("conv1d", "conv_scatter_tf32" + v(), (int) nx, ny, g.groups * g.stride * sc[0], 256, 1, 1, 0,
                    g.args(KernelArgs.of().ptr(w).ptr(s).ptr(bias).ptr(l)).i(sc[0]).i(sc[1]));
        } else {
            c.launch1d("conv1d", "conv_scatter_f32", l.numel(), g.args(KernelArgs.of().ptr(w).ptr(s).ptr(bias).ptr(l)));
        }
    }

    /** gW = S · im2col(L)ᵀ, gW [groups·cs, cl, k] (overwritten). */
    static void wgrad(Geo g, CudaTensor s, CudaTensor l, CudaTensor gw) {
        CudaContext c = Cuda.context();
        if (gw.numel() == 0) return;
        if (g.tensorCores()) {
            c.memsetFloat(gw.buffer().pointer(), 0f, gw.numel());
            int gx = (g.cl * g.k + BN - 1) / BN, gy = (g.cs + tileM() - 1) / tileM();
            long base = (long) gx * gy * g.groups;
            if (wmmaVersion() == 1) {
                long kd = (long) g.batch * g.ts, steps = (kd + BK - 1) / BK;
                long splits = Math.max(1, Math.min(Math.min((4L * c.multiprocessorCount() + base - 1) / base, (steps + 7) / 8), 65535 / g.groups));
                long chunk = ((kd + splits - 1) / splits + BK - 1) / BK * BK;
                splits = (kd + chunk - 1) / chunk;
                checkGrid(gx, gy, g.groups * splits);
                c.launch("conv1d", "conv_wgrad_tf32", gx, gy, (int) (g.groups * splits), 256, 1, 1, 0,
                        g.args(KernelArgs.of().ptr(s).ptr(l).ptr(gw)).i((int) splits).i((int) chunk));
                return;
            }
            long steps = (long) g.batch * ((g.ts + BK - 1) / BK);
            long splits = Math.max(1, Math.min(Math.min((4L * c.multiprocessorCount() + base - 1) / base, (steps + 7) / 8), 65535 / g.groups));
            long chunk = (steps + splits - 1) / splits;
            splits = (steps + chunk - 1) / chunk;
            checkGrid(gx, gy, g.groups * splits);
            c.launch("conv1d", "conv_wgrad_tf32" + v(), gx, gy, (int) (g.groups * splits), 256, 1, 1, 0,
                    g.args(KernelArgs.of().ptr(s).ptr(l).ptr(gw)).i((int) splits).i((int) chunk));
        } else {
            int blocks = (int) Math.min(gw.numel(), 65535L * 16);
            c.launch("conv1d", "conv_wgrad_f32", blocks, 1, 1, 256, 1, 1, 0, g.args(KernelArgs.of().ptr(s).ptr(l).ptr(gw)));
        }
    }

    /**
     * {splits, steps per split} for a gather/scatter with {@code tiles} output tiles: split the reduction
     * only when the tiles fill less than the multiprocessors, keeping at least 8 steps per split.
     */
    static int[] splitK(long tiles, long steps, long zPerSplit, CudaContext c) {
        long sms = c.multiprocessorCount(), splits = 1;
        if (tiles < sms) splits = Math.max(1, Math.min(Math.min((2 * sms + tiles - 1) / tiles, steps / 8), 65535 / zPerSplit));
        long chunk = Math.max(1, (steps + splits - 1) / splits);
        splits = Math.max(1, (steps + chunk - 1) / chunk);
        return new int[] {(int) splits, (int) chunk};
    }

    static int gcd(int a, int b) { return b == 0 ? a : gcd(b, a % b); }

    static void checkGrid(long x, long y, long z) {
        if (x > Integer.MAX_VALUE || y > 65535 || z > 65535)
            throw new IllegalArgumentException("conv: grid " + x + "x" + y + "x" + z + " too large (too many channels, groups or samples)");
    }
}
