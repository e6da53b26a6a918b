package dev.kokoro.cuda;

import java.util.List;

/**
 * Selective scan backward, v2 (kernels in selective_scan_v2.cu): a thread owns one channel over a chunk of
 * T steps with its N ≤ 16 states in registers; chunk summaries + a fold give each chunk its entering state
 * and adjoint carry; dB/dC are warp reduce-scatters into per-32-channel partials summed by a small kernel.
 * Same inputs, outputs and semantics as {@link SelectiveScanCuda#backward}.
 * Selected as the default backward by {@code -Dkokoro.scan.bwd=v2} (the variant by {@code -Dkokoro.scan.bwd.v2=NAME}).
 */
public final class SelectiveScanBwdV2 {
    private SelectiveScanBwdV2() {}

    /** A compiled configuration: S steps per register sub-chunk, KS sub-chunks per chunk (T = S*KS), warps per block. */
    public record Variant(String name, int s, int ks, int warps) {
        public int chunk() { return s * ks; }
        String kernel() { return "selective_scan_bwd_v2_main_s" + s + "_t" + ks + "_w" + warps; }
    }

    /** The instantiated variants (see V2_MAIN in selective_scan_v2.cu). */
    public static final List<Variant> VARIANTS = List.of(
            new Variant("s2t32", 2, 16, 1), new Variant("s4t32", 4, 8, 2),
            new Variant("s4t64", 4, 16, 1), new Variant("s2t16", 2, 8, 2));

    public static Variant variant(String name) {
        for (Variant v : VARIANTS) if (v.name().equals(name)) return v;
        throw new IllegalArgumentException("selective scan bwd v2: unknown variant " + name + "; have " + VARIANTS);
    }

    /** Default variant, -Dkokoro.scan.bwd.v2=NAME (s2t32 unless set: no spills in the ptxas report). */
    public static Variant defaultVariant = variant(System.getProperty("kokoro.scan.bwd.v2", "s2t32"));

    public static SelectiveScanCuda.Grads backward(CudaTensor u, CudaTensor delta, CudaTensor A, CudaTensor B, CudaTensor C,
                                                   CudaTensor D, CudaTensor z, CudaTensor deltaBias, boolean softplus,
                                                   CudaTensor dout) {
        return backward(u, delta, A, B, C, D, z, deltaBias, softplus, dout, defaultVariant);
    }

    public static SelectiveScanCuda.Grads backward(CudaTensor u, CudaTensor delta, CudaTensor A, CudaTensor B, CudaTensor C,
                                                   CudaTensor D, CudaTensor z, CudaTensor deltaBias, boolean softplus,
                                                   CudaTensor dout, Variant var) {
        int[] sh = SelectiveScanCuda.checkShapes(u, delta, A, B, C, D, z, deltaBias);
        int bt = sh[0], d = sh[1], l = sh[2], n = sh[3];
        SelectiveScanCuda.expect("dout", dout, bt, d, l);
        int g = (d + 31) / 32, dp = g * 32, t = var.chunk(), chunks = (l + t - 1) / t;
        CudaTensor du = CudaTensor.empty(bt, d, l), ddelta = CudaTensor.empty(bt, d, l);
        CudaTensor dA = CudaTensor.zeros(d, n), dB = CudaTensor.empty(bt, n, l), dC = CudaTensor.empty(bt, n, l);
        CudaTensor dD = D == null ? null : CudaTensor.zeros(d);
        CudaTensor dz = z == null ? null : CudaTensor.empty(bt, d, l);
        CudaTensor dbias = deltaBias == null ? null : CudaTensor.zeros(d);
        CudaContext c = Cuda.context();
        try (CudaTensor summ = chunks > 1 ? CudaTensor.empty(bt, chunks, 3, 16, dp) : null;
             CudaTensor part = CudaTensor.empty(bt, g, l, 32)) {
            if (chunks > 1) {
                c.launch("selective_scan_v2", "selective_scan_bwd_v2_summary", g, chunks, bt, 32, 1, 1, 0,
                        KernelArgs.of().ptr(u).ptr(delta).ptr(A).ptr(B).ptr(C).ptr(z).ptr(deltaBias).ptr(dout).ptr(summ)
                                .i(bt).i(d).i(l).i(n).i(softplus ? 1 : 0).i(t).i(chunks));
                c.launch("selective_scan_v2", "selective_scan_bwd_v2_combine", g, 16, bt, 32, 1, 1, 0,
                        KernelArgs.of().ptr(summ).i(chunks));
            }
            c.launch("selective_scan_v2", var.kernel(), g, (chunks + var.warps() - 1) / var.warps(), bt, 32 * var.warps(), 1, 1, 0,
                    KernelArgs.of().ptr(u).ptr(delta).ptr(A).ptr(B).ptr(C).ptr(D).ptr(z).ptr(deltaBias).ptr(dout).ptr(summ)
                            .ptr(part).ptr(du).ptr(ddelta).ptr(dA).ptr(dD).ptr(dz).ptr(dbias)
                            .i(bt).i(d).i(l).i(n).i(softplus ? 1 : 0).i(chunks));
            c.launch("selective_scan_v2", "selective_scan_bwd_v2_reduce", (l + 31) / 32, bt, 1, 256, 1, 1, 0,
                    KernelArgs.of().ptr(part).ptr(dB).ptr(dC).i(g).i(l).i(n));
        }
        return new SelectiveScanCuda.Grads(du, ddelta, dA, dB, dC, dD, dz, dbias);
    }
}
