package dev.kokoro.cuda;

import java.util.Arrays;

/**
 * torch.nn.LSTM (batch_first, gates i, f, g, o, PyTorch's parameter layout) over variable-length
 * sequences with pack_padded_sequence semantics, as the CPU engine's {@code Lstm}: each item runs over
 * its own length, the reverse direction starts at the item's last valid step, and outputs past the
 * length are zero. Hidden size 256 (Kokoro's), any input size and batch; needs sm_90 (the recurrences
 * run on thread-block clusters that keep W_hh in registers, see lstm.cu).
 *
 * <p>All arithmetic is FP32 (the projections use an FP32 GEMM, not TF32).
 */
public final class LstmCuda {
    private LstmCuda() {}

    public static final int HIDDEN = 256;
    /**
     * Recurrence kernels: 1 = one gate row per thread (each h value read from shared memory feeds one FMA),
     * 2 = four rows per thread (four FMAs per read, shuffle reduce-scatter). Both are tested; 2 is faster.
     */
    public static volatile int variant = 2;
    private static final int G4 = 4 * HIDDEN, CHUNK = 16, BLOCKS_PER_DIR = 8;

    /** One direction's parameters: wIh [4H, In], wHh [4H, H], bIh and bHh [4H] (either may be null). */
    public record Direction(CudaTensor wIh, CudaTensor wHh, CudaTensor bIh, CudaTensor bHh) {}

    /**
     * out [B, T, ndir·H] (forward ‖ reverse) plus what the backward needs: activated gates
     * [ndir, B·T, 4H], cell states and the h each step started from [ndir, B·T, H], the lengths.
     */
    public record Result(CudaTensor out, CudaTensor gates, CudaTensor cell, CudaTensor hPrev, CudaTensor lengthsOnDevice,
                         int[] lengths, int maxLen) implements AutoCloseable {
        @Override public void close() { out.close(); gates.close(); cell.close(); hPrev.close(); lengthsOnDevice.close(); }
    }

    /**
     * dx [B, T, In] (null when not asked for); per direction dWIh [4H, In], dWHh [4H, H] and dBias [4H],
     * the gradient of bias_ih and of bias_hh alike (null arrays when weights were not asked for).
     */
    public record Grads(CudaTensor dx, CudaTensor[] dWIh, CudaTensor[] dWHh, CudaTensor[] dBias) implements AutoCloseable {
        @Override public void close() {
            if (dx != null) dx.close();
            for (CudaTensor[] a : new CudaTensor[][] {dWIh, dWHh, dBias})
                if (a != null) for (CudaTensor t : a) t.close();
        }
    }

    /** x [B, T, In]; lengths per item (null = all T); reverse null = unidirectional. */
    public static Result forward(CudaTensor x, int[] lengths, Direction forward, Direction reverse) {
        CudaContext ctx = Cuda.context();
        if (ctx.computeCapability() < 90)
            throw new UnsupportedOperationException("LstmCuda needs an sm_90 GPU (thread-block clusters); " + ctx.deviceName() + " is sm_" + ctx.computeCapability());
        if (x.rank() != 3) throw new IllegalArgumentException("lstm: input " + Arrays.toString(x.shape()) + ", want [B, T, I]");
        int b = x.dim(0), t = x.dim(1), in = x.dim(2);
        Direction[] dirs = reverse == null ? new Direction[] {forward} : new Direction[] {forward, reverse};
        for (int d = 0; d < dirs.length; d++) check(dirs[d], d == 0 ? "forward" : "reverse", in);
        int[] lens = lengths == null ? filled(b, t) : lengths.clone();
        if (lens.length != b) throw new IllegalArgumentException("lstm: " + lens.length + " lengths for input " + Arrays.toString(x.shape()));
        float[] lf = new float[b];
        int maxLen = 0;
        for (int i = 0; i < b; i++) {
            if (lens[i] < 0 || lens[i] > t) throw new IllegalArgumentException("lstm: length " + lens[i] + " outside [0, " + t + "] for input " + Arrays.toString(x.shape()));
            lf[i] = lens[i];
            maxLen = Math.max(maxLen, lens[i]);
        }
        int nd = dirs.length, bt = b * t;
        CudaTensor out = CudaTensor.zeros(b, t, nd * HIDDEN);
        CudaTensor gates = CudaTensor.empty(nd, bt, G4), cell = CudaTensor.empty(nd, bt, HIDDEN), hPrev = CudaTensor.zeros(nd, bt, HIDDEN);
        CudaTensor lensDev = CudaTensor.upload(b == 0 ? new float[1] : lf, Math.max(1, b));
        if (bt > 0) {
            try (CudaTensor xg = CudaTensor.empty(nd, bt, G4)) {  // x · W_ihᵀ; the biases are added in the recurrence
                for (int d = 0; d < nd; d++) sgemm(x, 0, dirs[d].wIh(), 0, xg, (long) d * bt * G4, bt, G4, in, false, true, 0f, false);
                Direction r = nd > 1 ? dirs[1] : dirs[0];
                ctx.launch("lstm", variant == 1 ? "lstm_fwd_rec" : "lstm_fwd_rec2", BLOCKS_PER_DIR * nd, (b + CHUNK - 1) / CHUNK, 1, 512, 1, 1, 0,
                        KernelArgs.of().ptr(xg).ptr(dirs[0].wHh()).ptr(r.wHh()).ptr(dirs[0].bIh()).ptr(dirs[0].bHh()).ptr(r.bIh()).ptr(r.bHh())
                                .ptr(lensDev).ptr(out).ptr(gates).ptr(cell).ptr(hPrev).i(b).i(t).i(nd).i(maxLen));
            }
        }
        return new Result(out, gates, cell, hPrev, lensDev, lens, maxLen);
    }

    /** Gradients for dout [B, T, ndir·H]; x and the directions as given to {@link #forward}. */
    public static Grads backward(CudaTensor x, Direction forward, Direction reverse, Result saved, CudaTensor dout,
                                 boolean wantDx, boolean wantWeights) {
        CudaContext ctx = Cuda.context();
        Direction[] dirs = reverse == null ? new Direction[] {forward} : new Direction[] {forward, reverse};
        int b = x.dim(0), t = x.dim(1), in = x.dim(2), nd = dirs.length, bt = b * t;
        if (!Arrays.equals(dout.shape(), saved.out().shape()))
            throw new IllegalArgumentException("lstm backward: dout " + Arrays.toString(dout.shape()) + " != out " + Arrays.toString(saved.out().shape()));
        try (CudaTensor da = CudaTensor.zeros(nd, bt, G4)) {  // gate pre-activation gradients; zero past each length
            if (bt > 0) {
                Direction r = nd > 1 ? dirs[1] : dirs[0];
                ctx.launch("lstm", variant == 1 ? "lstm_bwd_rec" : "lstm_bwd_rec2", BLOCKS_PER_DIR * nd, (b + CHUNK - 1) / CHUNK, 1, 512, 1, 1, 0,
                        KernelArgs.of().ptr(dout).ptr(dirs[0].wHh()).ptr(r.wHh()).ptr(saved.gates()).ptr(saved.cell())
                                .ptr(saved.lengthsOnDevice()).ptr(da).i(b).i(t).i(nd).i(saved.maxLen()));
            }
            CudaTensor dx = null;
            if (wantDx) {
                dx = bt == 0 ? CudaTensor.zeros(b, t, in) : CudaTensor.empty(b, t, in);
                for (int d = 0; d < nd && bt > 0; d++)
                    sgemm(da, (long) d * bt * G4, dirs[d].wIh(), 0, dx, 0, bt, in, G4, false, false, d == 0 ? 0f : 1f, false);
            }
            if (!wantWeights) return new Grads(dx, null, null, null);
            CudaTensor[] dWIh = new CudaTensor[nd], dWHh = new CudaTensor[nd], dBias = new CudaTensor[nd];
            for (int d = 0; d < nd; d++) {
                dWIh[d] = CudaTensor.zeros(G4, in);
                dWHh[d] = CudaTensor.zeros(G4, HIDDEN);
                dBias[d] = CudaTensor.zeros(G4);
                if (bt == 0) continue;
                long off = (long) d * bt * G4;
                sgemm(da, off, x, 0, dWIh[d], 0, G4, in, bt, true, false, 0f, true);
                sgemm(da, off, saved.hPrev(), (long) d * bt * HIDDEN, dWHh[d], 0, G4, HIDDEN, bt, true, false, 0f, true);
                int rowsPerBlock = 64;
                ctx.launch("lstm", "lstm_colsum", G4 / 256, (bt + rowsPerBlock - 1) / rowsPerBlock, 1, 256, 1, 1, 0,
                        KernelArgs.of().ptr(da, off).ptr(dBias[d]).i(bt).i(G4).i(rowsPerBlock));
            }
            return new Grads(dx, dWIh, dWHh, dBias);
        }
    }

    /**
     * C (at element offset cOff) = op(A) op(B) + beta C, FP32, row-major, contiguous operands. With
     * {@code split} the K dimension is spread over more blocks (atomics; C must hold zeros, beta 0).
     */
    static void sgemm(CudaTensor a, long aOff, CudaTensor bm, long bOff, CudaTensor c, long cOff, int m, int n, int k,
                      boolean transA, boolean transB, float beta, boolean split) {
        if (m == 0 || n == 0) return;
        int tiles = ((m + 127) / 128) * ((n + 127) / 128), splits = 1;
        if (split) splits = Math.max(1, Math.min((2 * Cuda.context().multiprocessorCount() + tiles - 1) / tiles, k / 512));
        int kChunk = ((k + splits - 1) / splits + 7) / 8 * 8;
        splits = Math.max(1, (k + kChunk - 1) / kChunk);
        Cuda.context().launch("lstm", "lstm_sgemm", (n + 127) / 128, (m + 127) / 128, splits, 256, 1, 1, 0,
                KernelArgs.of().ptr(a, aOff).ptr(bm, bOff).ptr(c, cOff).i(m).i(n).i(k).i(transA ? 1 : 0).i(transB ? 1 : 0)
                        .f(1f).f(beta).i(kChunk));
    }

    private static void check(Direction d, String name, int in) {
        expect(d.wIh(), name + " weight_ih", G4, in);
        expect(d.wHh(), name + " weight_hh (LstmCuda supports hidden size " + HIDDEN + " only)", G4, HIDDEN);
        if (d.bIh() != null) expect(d.bIh(), name + " bias_ih", G4);
        if (d.bHh() != null) expect(d.bHh(), name + " bias_hh", G4);
    }

    private static void expect(CudaTensor p, String what, int... shape) {
        if (p == null || !Arrays.equals(p.shape(), shape))
            throw new IllegalArgumentException("lstm: " + what + " has shape " + (p == null ? "null" : Arrays.toString(p.shape())) + ", want " + Arrays.toString(shape));
    }

    private static int[] filled(int n, int v) {
        int[] a = new int[n];
        Arrays.fill(a, v);
        return a;
    }
}
