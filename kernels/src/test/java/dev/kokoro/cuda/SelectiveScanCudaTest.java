package dev.kokoro.cuda;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Tag("gpu")
class SelectiveScanCudaTest {
    static final double TOL = 1e-5;

    @ParameterizedTest(name = "Bt={0} D={1} L={2} N={3} K={4} softplus={5} optionals={6}")
    @CsvSource({
            "1, 1, 1, 1, 8, true, true",
            "2, 5, 37, 16, 8, true, true",
            "2, 6, 256, 16, 8, true, true",
            "3, 9, 513, 16, 8, true, true",
            "1, 7, 1000, 4, 8, true, false",
            "2, 3, 300, 16, 4, false, true",
            "2, 3, 129, 16, 4, true, true",
            "1, 5, 700, 16, 16, true, true",
            "2, 4, 64, 7, 16, false, false",
            "1, 130, 77, 16, 8, true, true",
            "2, 11, 200, 16, 2, true, true",
            "1, 9, 65, 5, 2, false, true",
            "3, 17, 512, 16, 4, true, true",
    })
    void forwardAndBackwardMatchFloat64Reference(int bt, int d, int l, int n, int k, boolean softplus, boolean optionals) {
        Gpu.assumeGpu();
        Random r = new Random(31L * bt + 17L * d + l + 7L * n + k);
        double[] u = Gpu.f32(Gpu.randn(r, bt * d * l, 1));
        double[] delta = Gpu.f32(softplus ? Gpu.randn(r, bt * d * l, 0.7) : Gpu.uniform(r, bt * d * l, 0.01, 0.5));
        double[] A = Gpu.f32(Gpu.uniform(r, d * n, -8, -0.1));
        double[] B = Gpu.f32(Gpu.randn(r, bt * n * l, 1)), C = Gpu.f32(Gpu.randn(r, bt * n * l, 1));
        double[] D = optionals ? Gpu.f32(Gpu.randn(r, d, 1)) : null;
        double[] z = optionals ? Gpu.f32(Gpu.randn(r, bt * d * l, 1)) : null;
        // without softplus dt = delta + bias must stay positive (a decaying state), as in Mamba
        double[] bias = optionals ? Gpu.f32(softplus ? Gpu.uniform(r, d, -1, 0.5) : Gpu.uniform(r, d, 0, 0.3)) : null;
        double[] dout = Gpu.f32(Gpu.randn(r, bt * d * l, 1));
        ScanReference ref = new ScanReference(bt, d, l, n, softplus, u, delta, A, B, C, D, z, bias).forward();
        ref.backward(dout);

        try (CudaTensor gu = Gpu.up(u, bt, d, l); CudaTensor gdelta = Gpu.up(delta, bt, d, l); CudaTensor gA = Gpu.up(A, d, n);
             CudaTensor gB = Gpu.up(B, bt, n, l); CudaTensor gC = Gpu.up(C, bt, n, l);
             CudaTensor gD = D == null ? null : Gpu.up(D, d); CudaTensor gz = z == null ? null : Gpu.up(z, bt, d, l);
             CudaTensor gbias = bias == null ? null : Gpu.up(bias, d); CudaTensor gdout = Gpu.up(dout, bt, d, l)) {
            for (boolean reg : new boolean[] {false, true}) {
                if (reg && k > 8) continue;
                try (CudaTensor out = SelectiveScanCuda.forward(gu, gdelta, gA, gB, gC, gD, gz, gbias, softplus, null, k, reg)) {
                    Gpu.close("out (registers=" + reg + ")", out, ref.out, TOL);
                }
            }
            for (boolean wred : new boolean[] {false, true}) {
                String m = " (warpReduce=" + wred + ")";
                try (SelectiveScanCuda.Grads g = SelectiveScanCuda.backward(gu, gdelta, gA, gB, gC, gD, gz, gbias, softplus, gdout, k, wred)) {
                    Gpu.close("du" + m, g.du(), ref.du, TOL);
                    Gpu.close("ddelta" + m, g.ddelta(), ref.ddelta, TOL);
                    Gpu.close("dA" + m, g.dA(), ref.dA, TOL);
                    Gpu.close("dB" + m, g.dB(), ref.dB, TOL);
                    Gpu.close("dC" + m, g.dC(), ref.dC, TOL);
                    if (optionals) {
                        Gpu.close("dD" + m, g.dD(), ref.dD, TOL);
                        Gpu.close("dz" + m, g.dz(), ref.dz, TOL);
                        Gpu.close("ddelta_bias" + m, g.ddeltaBias(), ref.dbias, TOL);
                    } else {
                        assertNull(g.dD());
                        assertNull(g.dz());
                    }
                }
            }
        }
    }

    /** The default sequential kernels (selective_scan_seq.cu): forward, forward saving states, backward with
     *  the saved states and without them (recomputed). L not a multiple of the chunk (16) or of 4 (scalar path),
     *  D not a multiple of 32 (a partial warp), N < 16, B = 1. */
    @ParameterizedTest(name = "seq Bt={0} D={1} L={2} N={3} softplus={4} optionals={5}")
    @CsvSource({
            "1, 1, 1, 1, true, true",
            "1, 1, 4, 16, true, true",
            "2, 5, 37, 16, true, true",
            "2, 6, 256, 16, true, true",
            "3, 9, 513, 16, true, true",
            "1, 7, 1000, 4, true, false",
            "2, 3, 300, 16, false, true",
            "2, 33, 36, 16, true, true",
            "1, 70, 100, 16, true, true",
            "2, 4, 64, 7, false, false",
            "1, 130, 77, 16, true, true",
            "1, 9, 65, 5, false, true",
            "3, 40, 512, 16, true, true",
            "2, 64, 48, 16, true, false",
    })
    void sequentialMatchesFloat64Reference(int bt, int d, int l, int n, boolean softplus, boolean optionals) {
        Gpu.assumeGpu();
        Random r = new Random(131L * bt + 17L * d + l + 7L * n);
        double[] u = Gpu.f32(Gpu.randn(r, bt * d * l, 1));
        double[] delta = Gpu.f32(softplus ? Gpu.randn(r, bt * d * l, 0.7) : Gpu.uniform(r, bt * d * l, 0.01, 0.5));
        double[] A = Gpu.f32(Gpu.uniform(r, d * n, -8, -0.1));
        double[] B = Gpu.f32(Gpu.randn(r, bt * n * l, 1)), C = Gpu.f32(Gpu.randn(r, bt * n * l, 1));
        double[] D = optionals ? Gpu.f32(Gpu.randn(r, d, 1)) : null;
        double[] z = optionals ? Gpu.f32(Gpu.randn(r, bt * d * l, 1)) : null;
        double[] bias = optionals ? Gpu.f32(softplus ? Gpu.uniform(r, d, -1, 0.5) : Gpu.uniform(r, d, 0, 0.3)) : null;
        double[] dout = Gpu.f32(Gpu.randn(r, bt * d * l, 1));
        ScanReference ref = new ScanReference(bt, d, l, n, softplus, u, delta, A, B, C, D, z, bias).forward();
        ref.backward(dout);
        try (CudaTensor gu = Gpu.up(u, bt, d, l); CudaTensor gdelta = Gpu.up(delta, bt, d, l); CudaTensor gA = Gpu.up(A, d, n);
             CudaTensor gB = Gpu.up(B, bt, n, l); CudaTensor gC = Gpu.up(C, bt, n, l);
             CudaTensor gD = D == null ? null : Gpu.up(D, d); CudaTensor gz = z == null ? null : Gpu.up(z, bt, d, l);
             CudaTensor gbias = bias == null ? null : Gpu.up(bias, d); CudaTensor gdout = Gpu.up(dout, bt, d, l)) {
            String saved0 = SelectiveScanCuda.seqVariant;
            try {
                for (String variant : SelectiveScanCuda.SEQ_VARIANTS) {
                    SelectiveScanCuda.seqVariant = variant;
                    try (CudaTensor out = SelectiveScanCuda.forwardSeq(gu, gdelta, gA, gB, gC, gD, gz, gbias, softplus, null)) {
                        Gpu.close("seq out (" + variant + ")", out, ref.out, TOL);
                    }
                    try (SelectiveScanCuda.Saved saved = SelectiveScanCuda.forwardForBackward(gu, gdelta, gA, gB, gC, gD, gz, gbias, softplus)) {
                        Gpu.close("seq out (saving states, " + variant + ")", saved.out(), ref.out, TOL);
                        for (int pass = 0; pass < 2; pass++) {
                            String m = (pass == 0 ? " (saved states" : " (states recomputed") + ", " + variant + ")";
                            try (SelectiveScanCuda.Grads g = pass == 0
                                    ? SelectiveScanCuda.backward(gu, gdelta, gA, gB, gC, gD, gz, gbias, softplus, gdout, saved.states())
                                    : SelectiveScanCuda.backward(gu, gdelta, gA, gB, gC, gD, gz, gbias, softplus, gdout)) {
                                Gpu.close("du" + m, g.du(), ref.du, TOL);
                                Gpu.close("ddelta" + m, g.ddelta(), ref.ddelta, TOL);
                                Gpu.close("dA" + m, g.dA(), ref.dA, TOL);
                                Gpu.close("dB" + m, g.dB(), ref.dB, TOL);
                                Gpu.close("dC" + m, g.dC(), ref.dC, TOL);
                                if (optionals) {
                                    Gpu.close("dD" + m, g.dD(), ref.dD, TOL);
                                    Gpu.close("dz" + m, g.dz(), ref.dz, TOL);
                                    Gpu.close("ddelta_bias" + m, g.ddeltaBias(), ref.dbias, TOL);
                                } else {
                                    assertNull(g.dD());
                                    assertNull(g.dz());
                                    assertNull(g.ddeltaBias());
                                }
                            }
                        }
                    }
                }
            } finally {
                SelectiveScanCuda.seqVariant = saved0;
            }
        }
    }

    /** The benchmark's shape (Mamba(640): D 1280, N 16, L 512, S4D-real A) at B 2: dB and dC are sums over 1280
     *  channels (40 warps' float4 atomics each), dA over B·L. Errors are printed; sums get 5e-5, the rest 1e-5. */
    @org.junit.jupiter.api.Test
    void sequentialAtModelSize() {
        Gpu.assumeGpu();
        int bt = 2, d = 1280, l = 512, n = 16;
        Random r = new Random(2026);
        double[] u = Gpu.f32(Gpu.randn(r, bt * d * l, 1)), delta = Gpu.f32(Gpu.randn(r, bt * d * l, 0.5));
        double[] A = new double[d * n];
        for (int i = 0; i < d; i++) for (int j = 0; j < n; j++) A[i * n + j] = -(j + 1);
        double[] B = Gpu.f32(Gpu.randn(r, bt * n * l, 1)), C = Gpu.f32(Gpu.randn(r, bt * n * l, 1));
        double[] D = Gpu.f32(Gpu.randn(r, d, 1)), z = Gpu.f32(Gpu.randn(r, bt * d * l, 1)), bias = Gpu.f32(Gpu.randn(r, d, 0.3));
        double[] dout = Gpu.f32(Gpu.randn(r, bt * d * l, 1));
        ScanReference ref = new ScanReference(bt, d, l, n, true, u, delta, A, B, C, D, z, bias).forward();
        ref.backward(dout);
        String saved0 = SelectiveScanCuda.seqVariant;
        try {
            for (String variant : SelectiveScanCuda.SEQ_VARIANTS) {
                SelectiveScanCuda.seqVariant = variant;
                checkModelSize(variant, bt, d, l, n, ref, u, delta, A, B, C, D, z, bias, dout);
            }
        } finally {
            SelectiveScanCuda.seqVariant = saved0;
        }
    }

    private static void checkModelSize(String variant, int bt, int d, int l, int n, ScanReference ref, double[] u, double[] delta,
                                       double[] A, double[] B, double[] C, double[] D, double[] z, double[] bias, double[] dout) {
        try (CudaTensor gu = Gpu.up(u, bt, d, l); CudaTensor gdelta = Gpu.up(delta, bt, d, l); CudaTensor gA = Gpu.up(A, d, n);
             CudaTensor gB = Gpu.up(B, bt, n, l); CudaTensor gC = Gpu.up(C, bt, n, l); CudaTensor gD = Gpu.up(D, d);
             CudaTensor gz = Gpu.up(z, bt, d, l); CudaTensor gbias = Gpu.up(bias, d); CudaTensor gdout = Gpu.up(dout, bt, d, l);
             SelectiveScanCuda.Saved saved = SelectiveScanCuda.forwardForBackward(gu, gdelta, gA, gB, gC, gD, gz, gbias, true);
             SelectiveScanCuda.Grads g = SelectiveScanCuda.backward(gu, gdelta, gA, gB, gC, gD, gz, gbias, true, gdout, saved.states())) {
            Object[][] checks = {{"out", saved.out(), ref.out, TOL}, {"du", g.du(), ref.du, TOL}, {"ddelta", g.ddelta(), ref.ddelta, TOL},
                    {"dz", g.dz(), ref.dz, TOL}, {"dA", g.dA(), ref.dA, 5e-5}, {"dB", g.dB(), ref.dB, 5e-5}, {"dC", g.dC(), ref.dC, 5e-5},
                    {"dD", g.dD(), ref.dD, 5e-5}, {"ddelta_bias", g.ddeltaBias(), ref.dbias, 5e-5}};
            StringBuilder sb = new StringBuilder("seq (" + variant + ") at B2 D1280 L512 N16, relative L2 errors:");
            for (Object[] c : checks) sb.append(String.format(" %s %.2e", c[0], Gpu.relL2(((CudaTensor) c[1]).download(), (double[]) c[2])));
            System.out.println(sb);
            for (Object[] c : checks) Gpu.close(c[0] + " (" + variant + ")", (CudaTensor) c[1], (double[]) c[2], (Double) c[3]);
        }
    }

    @ParameterizedTest(name = "seq last state L={0} variant={1}")
    @CsvSource({"611, split", "612, split", "16, split", "3, split", "612, clamped", "16, clamped", "612, guarded"})
    void sequentialLastStateMatchesReference(int l, String variant) {
        Gpu.assumeGpu();
        int bt = 2, d = 35, n = 16;
        Random r = new Random(l);
        double[] u = Gpu.f32(Gpu.randn(r, bt * d * l, 1)), delta = Gpu.f32(Gpu.randn(r, bt * d * l, 0.7));
        double[] A = Gpu.f32(Gpu.uniform(r, d * n, -3, -0.05)), B = Gpu.f32(Gpu.randn(r, bt * n * l, 1)), C = Gpu.f32(Gpu.randn(r, bt * n * l, 1));
        double[] last = lastState(bt, d, l, n, u, delta, A, B);
        try (CudaTensor gu = Gpu.up(u, bt, d, l); CudaTensor gdelta = Gpu.up(delta, bt, d, l); CudaTensor gA = Gpu.up(A, d, n);
             CudaTensor gB = Gpu.up(B, bt, n, l); CudaTensor gC = Gpu.up(C, bt, n, l); CudaTensor st = CudaTensor.empty(bt, d, n);
             SelectiveScanCuda.Saved saved = forwardWith(variant, gu, gdelta, gA, gB, gC, st)) {
            Gpu.close("seq last_state", st, last, TOL);
            // the last saved state is the final state ([Bt, nchunk, N, D] layout)
            float[] s = saved.states().download();
            int nc = (l + SelectiveScanCuda.CHUNK - 1) / SelectiveScanCuda.CHUNK;
            double[] lastSaved = new double[bt * d * n];
            for (int b = 0; b < bt; b++) for (int ch = 0; ch < d; ch++) for (int k = 0; k < n; k++)
                lastSaved[(b * d + ch) * n + k] = s[((b * nc + nc - 1) * n + k) * d + ch];
            assertTrue(Gpu.relL2(Gpu.toFloat(lastSaved), last) <= TOL, "last saved state");
        }
    }

    private static SelectiveScanCuda.Saved forwardWith(String variant, CudaTensor u, CudaTensor delta, CudaTensor A, CudaTensor B,
                                                       CudaTensor C, CudaTensor lastState) {
        String saved0 = SelectiveScanCuda.seqVariant;
        SelectiveScanCuda.seqVariant = variant;
        try {
            SelectiveScanCuda.forwardSeq(u, delta, A, B, C, null, null, null, true, lastState).close();
            return SelectiveScanCuda.forwardForBackward(u, delta, A, B, C, null, null, null, true);
        } finally {
            SelectiveScanCuda.seqVariant = saved0;
        }
    }

    static double[] lastState(int bt, int d, int l, int n, double[] u, double[] delta, double[] A, double[] B) {
        double[] last = new double[bt * d * n];
        for (int b = 0; b < bt; b++)
            for (int ch = 0; ch < d; ch++)
                for (int t = 0; t < l; t++) {
                    int idx = (b * d + ch) * l + t;
                    double dt = ScanReference.softplus(delta[idx]);
                    for (int s = 0; s < n; s++)
                        last[(b * d + ch) * n + s] = Math.exp(dt * A[ch * n + s]) * last[(b * d + ch) * n + s] + dt * B[(b * n + s) * l + t] * u[idx];
                }
        return last;
    }

    @ParameterizedTest(name = "last state K={0} registers={1}")
    @CsvSource({"2, true", "4, false", "4, true", "8, false", "8, true", "16, false"})
    void lastStateMatchesReference(int k, boolean reg) {
        Gpu.assumeGpu();
        int bt = 2, d = 3, l = 611, n = 16;
        Random r = new Random(k);
        double[] u = Gpu.f32(Gpu.randn(r, bt * d * l, 1)), delta = Gpu.f32(Gpu.randn(r, bt * d * l, 0.7));
        double[] A = Gpu.f32(Gpu.uniform(r, d * n, -3, -0.05)), B = Gpu.f32(Gpu.randn(r, bt * n * l, 1)), C = Gpu.f32(Gpu.randn(r, bt * n * l, 1));
        // reference final state: forward with C = one-hot would be awkward, so recompute directly
        double[] last = new double[bt * d * n];
        for (int b = 0; b < bt; b++)
            for (int ch = 0; ch < d; ch++)
                for (int t = 0; t < l; t++) {
                    int idx = (b * d + ch) * l + t;
                    double dt = ScanReference.softplus(delta[idx]);
                    for (int s = 0; s < n; s++)
                        last[(b * d + ch) * n + s] = Math.exp(dt * A[ch * n + s]) * last[(b * d + ch) * n + s] + dt * B[(b * n + s) * l + t] * u[idx];
                }
        try (CudaTensor gu = Gpu.up(u, bt, d, l); CudaTensor gdelta = Gpu.up(delta, bt, d, l); CudaTensor gA = Gpu.up(A, d, n);
             CudaTensor gB = Gpu.up(B, bt, n, l); CudaTensor gC = Gpu.up(C, bt, n, l); CudaTensor st = CudaTensor.empty(bt, d, n);
             CudaTensor out = SelectiveScanCuda.forward(gu, gdelta, gA, gB, gC, null, null, null, true, st, k, reg)) {
            Gpu.close("last_state", st, last, TOL);
        }
    }
}
