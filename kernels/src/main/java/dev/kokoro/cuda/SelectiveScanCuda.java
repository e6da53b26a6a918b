package dev.kokoro.cuda;

import java.util.Arrays;

/**
 * Mamba selective scan on the GPU, mamba-ssm {@code selective_scan_fn} semantics (real A, variable B and
 * C with one group): u, delta, z [Bt, D, L]; A [D, N] (N ≤ 16); B, C [Bt, N, L]; D, deltaBias [D].
 * Optional tensors may be null.
 * <p>Default kernels: selective_scan_seq.cu (a thread walks one channel's steps in order with its states in
 * registers; variant "split": two threads per channel, 8 states each). H100, D 1280, N 16, L 512, fwd+bwd:
 * 0.63 ms at B16 and 2.24 ms at B64, 2.1× and 2.2× faster than mamba-ssm's kernel in the same run
 * (benchmarks/gpu/logs/2026-11-25-h100-scan-seq-final-*.log).
 * For training call {@link #forwardForBackward}, which also keeps the state after every {@link #CHUNK} steps
 * ([Bt, ceil(L/CHUNK), N, D], the size of u), and pass those states to {@link #backward(CudaTensor, CudaTensor,
 * CudaTensor, CudaTensor, CudaTensor, CudaTensor, CudaTensor, CudaTensor, boolean, CudaTensor, CudaTensor)};
 * the backward without them first recomputes them (one more forward pass). The older segmented warp-scan
 * kernels (selective_scan.cu, "v1") stay reachable through the overloads taking K, or with -Dkokoro.scan=v1.
 */
public final class SelectiveScanCuda {
    private SelectiveScanCuda() {}

    static final int WARPS = 4, BWD_WARPS = 8;  // channels per block, as in selective_scan.cu
    // Defaults from benchmarks/RESULTS.md (H100, D 1280, N 16, L 512, B 16 and 64): the shared-carry forward
    // with K = 4 was fastest at both batch sizes; backward K = 4 with shared atomics fastest at B16 (K = 2 by 2% at B64).
    /** Steps per lane of a segment (32*K steps per warp pass); PTX has K = 2, 4, 8, 16 (register forward: 2, 4, 8). */
    public static int fwdK = 4, bwdK = 4;
    /** Forward variant: states carried in registers with the N loop unrolled (true), or through shared memory. */
    public static boolean fwdRegisters = false;
    /** Backward dB/dC reduction over a block's channels: per-n warp slices summed after a barrier (true),
     *  or shared-memory atomics flushed once per segment (false). */
    public static boolean bwdWarpReduce = false;
    /** Default backward is {@link SelectiveScanBwdV2} when -Dkokoro.scan.bwd=v2 (off by default until measured on the GPU). */
    public static boolean bwdV2 = "v2".equals(System.getProperty("kokoro.scan.bwd"));

    /** Steps between saved states (CH in selective_scan_seq.cu). */
    public static final int CHUNK = 16;
    /** Default kernels are selective_scan_seq.cu unless -Dkokoro.scan=v1. */
    public static boolean sequential = !"v1".equals(System.getProperty("kokoro.scan"));
    /** Sequential kernel variant when L % 4 == 0 (any other L uses the scalar-load kernels):
     *  "split": two warps per 32 channels, 8 states each (more warps per SM at small batch);
     *  "clamped": one warp per 32 channels, branch-free (clamped) loads, dt cached in the backward;
     *  "guarded": one warp per 32 channels, loads guarded by branches (the first version). */
    public static String seqVariant = System.getProperty("kokoro.scan.seq", "split");
    public static final java.util.List<String> SEQ_VARIANTS = java.util.List.of("split", "clamped", "guarded");

    static String seqKernel(String dir, int l) {
        if (l % 4 != 0) return "selective_scan_seq_" + dir + "_s";
        return switch (seqVariant) {
            case "split" -> "selective_scan_seq_" + dir + "2_v4";
            case "clamped" -> "selective_scan_seq_" + dir + "_v4";
            case "guarded" -> "selective_scan_seq_" + dir + "_v4g";
            default -> throw new IllegalArgumentException("selective scan: unknown kokoro.scan.seq variant " + seqVariant + "; have " + SEQ_VARIANTS);
        };
    }

    static int seqThreads(int l) { return l % 4 == 0 && seqVariant.equals("split") ? 64 : 32; }

    /** Output of {@link #forwardForBackward}: out [Bt, D, L] and the saved states [Bt, ceil(L/CHUNK), N, D]. */
    public record Saved(CudaTensor out, CudaTensor states) implements AutoCloseable {
        @Override public void close() { out.close(); states.close(); }
    }

    public record Grads(CudaTensor du, CudaTensor ddelta, CudaTensor dA, CudaTensor dB, CudaTensor dC,
                        CudaTensor dD, CudaTensor dz, CudaTensor ddeltaBias) implements AutoCloseable {
        @Override public void close() {
            for (CudaTensor t : new CudaTensor[] {du, ddelta, dA, dB, dC, dD, dz, ddeltaBias}) if (t != null) t.close();
        }
    }

    public static CudaTensor forward(CudaTensor u, CudaTensor delta, CudaTensor A, CudaTensor B, CudaTensor C,
                                     CudaTensor D, CudaTensor z, CudaTensor deltaBias, boolean softplus) {
        if (sequential) return forwardSeq(u, delta, A, B, C, D, z, deltaBias, softplus, null);
        return forward(u, delta, A, B, C, D, z, deltaBias, softplus, null, fwdK, fwdRegisters);
    }

    /** Sequential forward (selective_scan_seq.cu); also writes the final state [Bt, D, N] into {@code lastState} when not null. */
    public static CudaTensor forwardSeq(CudaTensor u, CudaTensor delta, CudaTensor A, CudaTensor B, CudaTensor C,
                                        CudaTensor D, CudaTensor z, CudaTensor deltaBias, boolean softplus, CudaTensor lastState) {
        int[] s = checkShapes(u, delta, A, B, C, D, z, deltaBias);
        if (lastState != null) expect("lastState", lastState, s[0], s[1], s[3]);
        CudaTensor out = CudaTensor.empty(s[0], s[1], s[2]);
        launchSeqFwd(u, delta, A, B, C, D, z, deltaBias, softplus, out, null, lastState, s);
        return out;
    }

    /** Forward for training: out and the states the backward needs (the state after every CHUNK steps). */
    public static Saved forwardForBackward(CudaTensor u, CudaTensor delta, CudaTensor A, CudaTensor B, CudaTensor C,
                                           CudaTensor D, CudaTensor z, CudaTensor deltaBias, boolean softplus) {
        int[] s = checkShapes(u, delta, A, B, C, D, z, deltaBias);
        CudaTensor out = CudaTensor.empty(s[0], s[1], s[2]);
        CudaTensor states = CudaTensor.empty(s[0], nchunk(s[2]), s[3], s[1]);
        launchSeqFwd(u, delta, A, B, C, D, z, deltaBias, softplus, out, states, null, s);
        return new Saved(out, states);
    }

    static int nchunk(int l) { return (l + CHUNK - 1) / CHUNK; }

    private static void launchSeqFwd(CudaTensor u, CudaTensor delta, CudaTensor A, CudaTensor B, CudaTensor C, CudaTensor D,
                                     CudaTensor z, CudaTensor deltaBias, boolean softplus, CudaTensor out, CudaTensor states,
                                     CudaTensor lastState, int[] s) {
        int bt = s[0], d = s[1], l = s[2], n = s[3];
        Cuda.context().launch("selective_scan_seq", seqKernel("fwd", l), (d + 31) / 32, bt, 1, seqThreads(l), 1, 1, 0,
                KernelArgs.of().ptr(u).ptr(delta).ptr(A).ptr(B).ptr(C).ptr(D).ptr(z).ptr(deltaBias).ptr(out).ptr(states).ptr(lastState)
                        .i(bt).i(d).i(l).i(n).i(softplus ? 1 : 0));
    }

    /** Sequential backward given the states saved by {@link #forwardForBackward} ([Bt, ceil(L/CHUNK), N, D]). */
    public static Grads backward(CudaTensor u, CudaTensor delta, CudaTensor A, CudaTensor B, CudaTensor C,
                                 CudaTensor D, CudaTensor z, CudaTensor deltaBias, boolean softplus, CudaTensor dout,
                                 CudaTensor states) {
        int[] s = checkShapes(u, delta, A, B, C, D, z, deltaBias);
        int bt = s[0], d = s[1], l = s[2], n = s[3];
        expect("dout", dout, bt, d, l);
        expect("states", states, bt, nchunk(l), n, d);
        CudaTensor du = CudaTensor.empty(bt, d, l), ddelta = CudaTensor.empty(bt, d, l);
        CudaTensor dA = CudaTensor.zeros(d, n), dB = CudaTensor.zeros(bt, n, l), dC = CudaTensor.zeros(bt, n, l);
        CudaTensor dD = D == null ? null : CudaTensor.zeros(d);
        CudaTensor dz = z == null ? null : CudaTensor.empty(bt, d, l);
        CudaTensor dbias = deltaBias == null ? null : CudaTensor.zeros(d);
        Cuda.context().launch("selective_scan_seq", seqKernel("bwd", l), (d + 31) / 32, bt, 1, seqThreads(l), 1, 1, 0,
                KernelArgs.of().ptr(u).ptr(delta).ptr(A).ptr(B).ptr(C).ptr(D).ptr(z).ptr(deltaBias).ptr(dout).ptr(states)
                        .ptr(du).ptr(ddelta).ptr(dA).ptr(dB).ptr(dC).ptr(dD).ptr(dz).ptr(dbias)
                        .i(bt).i(d).i(l).i(n).i(softplus ? 1 : 0));
        return new Grads(du, ddelta, dA, dB, dC, dD, dz, dbias);
    }

    /** As {@link #forward}, also writing the final state [Bt, D, N] into {@code lastState} when not null. */
    public static CudaTensor forward(CudaTensor u, CudaTensor delta, CudaTensor A, CudaTensor B, CudaTensor C,
                                     CudaTensor D, CudaTensor z, CudaTensor deltaBias, boolean softplus,
                                     CudaTensor lastState, int k, boolean registers) {
        if (registers && k > 8) throw new IllegalArgumentException("register forward has K = 2, 4, 8; got " + k);
        int[] s = checkShapes(u, delta, A, B, C, D, z, deltaBias);
        int bt = s[0], d = s[1], l = s[2], n = s[3];
        if (lastState != null) expect("lastState", lastState, bt, d, n);
        CudaTensor out = CudaTensor.empty(bt, d, l);
        Cuda.context().launch("selective_scan", (registers ? "selective_scan_fwd_reg_k" : "selective_scan_fwd_k") + k, (d + WARPS - 1) / WARPS, bt, 1, 32 * WARPS, 1, 1, 0,
                KernelArgs.of().ptr(u).ptr(delta).ptr(A).ptr(B).ptr(C).ptr(D).ptr(z).ptr(deltaBias).ptr(out).ptr(lastState)
                        .i(bt).i(d).i(l).i(n).i(softplus ? 1 : 0));
        return out;
    }

    /** Gradients of every input given dout [Bt, D, L]; entries for absent optional inputs are null. */
    public static Grads backward(CudaTensor u, CudaTensor delta, CudaTensor A, CudaTensor B, CudaTensor C,
                                 CudaTensor D, CudaTensor z, CudaTensor deltaBias, boolean softplus, CudaTensor dout) {
        if (bwdV2) return SelectiveScanBwdV2.backward(u, delta, A, B, C, D, z, deltaBias, softplus, dout);
        if (sequential) {
            int[] s = checkShapes(u, delta, A, B, C, D, z, deltaBias);
            try (CudaTensor states = CudaTensor.empty(s[0], nchunk(s[2]), s[3], s[1])) {
                launchSeqFwd(u, delta, A, B, C, D, z, deltaBias, softplus, null, states, null, s);
                return backward(u, delta, A, B, C, D, z, deltaBias, softplus, dout, states);
            }
        }
        return backward(u, delta, A, B, C, D, z, deltaBias, softplus, dout, bwdK, bwdWarpReduce);
    }

    public static Grads backward(CudaTensor u, CudaTensor delta, CudaTensor A, CudaTensor B, CudaTensor C,
                                 CudaTensor D, CudaTensor z, CudaTensor deltaBias, boolean softplus, CudaTensor dout, int k,
                                 boolean warpReduce) {
        int[] s = checkShapes(u, delta, A, B, C, D, z, deltaBias);
        int bt = s[0], d = s[1], l = s[2], n = s[3];
        expect("dout", dout, bt, d, l);
        int nseg = (l + 32 * k - 1) / (32 * k);
        CudaTensor du = CudaTensor.empty(bt, d, l), ddelta = CudaTensor.empty(bt, d, l);
        CudaTensor dA = CudaTensor.zeros(d, n), dB = CudaTensor.zeros(bt, n, l), dC = CudaTensor.zeros(bt, n, l);
        CudaTensor dD = D == null ? null : CudaTensor.zeros(d);
        CudaTensor dz = z == null ? null : CudaTensor.empty(bt, d, l);
        CudaTensor dbias = deltaBias == null ? null : CudaTensor.zeros(d);
        try (CudaTensor scratch = CudaTensor.empty(bt, d, nseg, n)) {
            Cuda.context().launch("selective_scan", (warpReduce ? "selective_scan_bwd_wred_k" : "selective_scan_bwd_k") + k, (d + BWD_WARPS - 1) / BWD_WARPS, bt, 1, 32 * BWD_WARPS, 1, 1, 0,
                    KernelArgs.of().ptr(u).ptr(delta).ptr(A).ptr(B).ptr(C).ptr(D).ptr(z).ptr(deltaBias).ptr(dout).ptr(scratch)
                            .ptr(du).ptr(ddelta).ptr(dA).ptr(dB).ptr(dC).ptr(dD).ptr(dz).ptr(dbias)
                            .i(bt).i(d).i(l).i(n).i(softplus ? 1 : 0));
        }
        return new Grads(du, ddelta, dA, dB, dC, dD, dz, dbias);
    }

    static int[] checkShapes(CudaTensor u, CudaTensor delta, CudaTensor A, CudaTensor B, CudaTensor C,
                                     CudaTensor D, CudaTensor z, CudaTensor deltaBias) {
        if (u.rank() != 3) throw new IllegalArgumentException("selective scan: u must be [B, D, L], got " + Arrays.toString(u.shape()));
        int bt = u.dim(0), d = u.dim(1), l = u.dim(2);
        if (A.rank() != 2 || A.dim(0) != d) throw new IllegalArgumentException("selective scan: A must be [D=" + d + ", N], got " + Arrays.toString(A.shape()));
        int n = A.dim(1);
        if (n > 16) throw new IllegalArgumentException("selective scan: d_state N=" + n + " > 16 is not supported by the kernel");
        expect("delta", delta, bt, d, l);
        expect("B", B, bt, n, l);
        expect("C", C, bt, n, l);
        if (D != null) expect("D", D, d);
        if (z != null) expect("z", z, bt, d, l);
        if (deltaBias != null) expect("delta_bias", deltaBias, d);
        return new int[] {bt, d, l, n};
    }

    static void expect(String what, CudaTensor t, int... shape) {
        if (!Arrays.equals(t.shape(), shape))
            throw new IllegalArgumentException("selective scan: " + what + " must be " + Arrays.toString(shape) + ", got " + Arrays.toString(t.shape()));
    }
}
