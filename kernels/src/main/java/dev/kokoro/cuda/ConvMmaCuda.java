package dev.kokoro.cuda;

/**
 * Version 4 of Conv1dCuda's gather and scatter (conv_mma.cu): implicit GEMM on mma.sync TF32 with a 3-stage
 * cp.async pipeline and 128×128×32 block tiles. Each call first re-arranges the weight into the kernel's
 * [z][rows][taps][channels padded to 32] layout (one memory-bound pass over the weight), then runs the GEMM;
 * the reduction is split over blockIdx.z (atomics into a zeroed output) when the output tiles fill fewer than
 * the multiprocessors.
 */
final class ConvMmaCuda {
    private ConvMmaCuda() {}

    private static final int BM = 128, BN = 128, BK = 32, STAGES = 3;
    /** stages × (A tile 128 × (32 + 4) + B tile 32 × (128 + 8)) floats. */
    static final int SMEM_BYTES = STAGES * (BM * (BK + 4) + BK * (BN + 8)) * 4;

    /** Warp layout of the block tile: "w8" (default) 8 warps of 64×32, "w4" 4 warps of 64×64 ({@code -Dkokoro.cuda.conv.mma=w4}). */
    static volatile String variant = System.getProperty("kokoro.cuda.conv.mma", "w8");

    /** S = W · im2col(L) + bias (mode 0). */
    static void gather(Conv1dCuda.Geo g, CudaTensor w, CudaTensor l, CudaTensor bias, CudaTensor s) {
        int z = g.groups(), rows = g.cs(), nkMax = g.k(), cp = roundUp(g.cl(), BK);
        long cols = (long) g.batch() * g.ts();
        run("conv_mma_gather_", 0, g, w, l, bias, s, z, rows, nkMax, cp, cols);
    }

    /** L = col2im(Wᵀ · S) + bias (mode 1: one z slice per group and output phase). */
    static void scatter(Conv1dCuda.Geo g, CudaTensor w, CudaTensor s, CudaTensor bias, CudaTensor l) {
        int step = g.stride() / Conv1dCuda.gcd(g.dil(), g.stride());
        int z = g.groups() * g.stride(), rows = g.cl(), nkMax = (g.k() + step - 1) / step, cp = roundUp(g.cs(), BK);
        long cols = (long) g.batch() * ((g.tl() + g.stride() - 1) / g.stride() + 1);  // at least any phase's columns
        run("conv_mma_scatter_", 1, g, w, s, bias, l, z, rows, nkMax, cp, cols);
    }

    private static void run(String prefix, int mode, Conv1dCuda.Geo g, CudaTensor w, CudaTensor in, CudaTensor bias, CudaTensor out,
                            int z, int rows, int nkMax, int cp, long cols) {
        CudaContext c = Cuda.context();
        long wpSize = (long) z * rows * nkMax * cp;
        if (wpSize > Integer.MAX_VALUE) throw new IllegalArgumentException("conv: weight " + z + "x" + rows + "x" + nkMax + "x" + cp + " too large");
        long nx = (cols + BN - 1) / BN;
        int ny = (rows + BM - 1) / BM;
        long steps = (long) nkMax * (cp / BK);
        int[] sc = splitK(nx * ny * z, steps, z, c.multiprocessorCount());
        Conv1dCuda.checkGrid(nx, ny, (long) z * sc[0]);
        String var = Conv1dCuda.kernelVersion == 6 ? "w4" : variant;
        if (!var.equals("w8") && !var.equals("w4")) throw new IllegalArgumentException("kokoro.cuda.conv.mma: unknown variant '" + var + "' (w8, w4)");
        String fn = prefix + var;
        int threads = var.equals("w8") ? 256 : 128;
        allowSmem(c, fn);
        try (CudaTensor wp = CudaTensor.empty((int) wpSize)) {
            arrange(g, w, wp, mode, z, rows, nkMax, cp);
            if (sc[0] > 1) c.memsetFloat(out.buffer().pointer(), 0f, out.numel());
            c.launch("conv_mma", fn, (int) nx, ny, z * sc[0], threads, 1, 1, SMEM_BYTES,
                    g.args(KernelArgs.of().ptr(wp).ptr(in).ptr(bias).ptr(out)).i(nkMax).i(cp).i(sc[0]).i(sc[1]));
        }
    }

    /** Wp [z][rows][nkMax][cp] (TF32-rounded, zero-padded) from the conv weight (conv_mma_arrange). */
    static void arrange(Conv1dCuda.Geo g, CudaTensor w, CudaTensor wp, int mode, int z, int rows, int nkMax, int cp) {
        Cuda.context().launch1d("conv_mma", "conv_mma_arrange", (long) z * rows * nkMax * cp,
                g.args(KernelArgs.of().ptr(w).ptr(wp)).i(mode).i(z).i(rows).i(nkMax).i(cp));
    }

    /** Times the weight re-arrangement alone of a gather (mode 0) with geometry g (ConvCudaBench). */
    static float[] timeArrange(Conv1dCuda.Geo g, CudaTensor w, int reps) {
        int cp = roundUp(g.cl(), BK);
        try (CudaTensor wp = CudaTensor.empty(g.groups() * g.cs() * g.k() * cp)) {
            return ScanBench.time(Cuda.context(), reps, () -> arrange(g, w, wp, 0, g.groups(), g.cs(), g.k(), cp));
        }
    }

    /**
     * {splits, steps per split}: two blocks fit on a multiprocessor, so with fewer output tiles than
     * multiprocessors the reduction is split into floor(2·SMs / tiles) parts (one full wave), each of at
     * least 8 steps of 32.
     */
    static int[] splitK(long tiles, long steps, long zPerSplit, int sms) {
        long splits = 1;
        if (tiles < sms) splits = Math.max(1, Math.min(Math.min(2L * sms / tiles, steps / 8), 65535 / zPerSplit));
        long chunk = Math.max(1, (steps + splits - 1) / splits);
        splits = Math.max(1, (steps + chunk - 1) / chunk);
        return new int[] {(int) splits, (int) chunk};
    }

    private static int roundUp(int x, int m) { return (x + m - 1) / m * m; }

    private static void allowSmem(CudaContext c, String fn) { c.allowDynamicSmem("conv_mma", fn, SMEM_BYTES); }
}
