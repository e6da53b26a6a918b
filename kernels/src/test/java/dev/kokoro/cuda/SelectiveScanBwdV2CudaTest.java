package dev.kokoro.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Backward v2 (every compiled variant) against the float64 reference; outputs are NaN-poisoned before each launch. */
@Tag("gpu")
class SelectiveScanBwdV2CudaTest {
    static final double TOL = 1e-5;

    @ParameterizedTest(name = "Bt={0} D={1} L={2} N={3} softplus={4} optionals={5}")
    @CsvSource({
            "1, 1, 1, 1, true, true",        // one step, one channel (31 idle lanes)
            "2, 5, 37, 16, true, true",      // ragged L (scalar loads), one partial chunk for T = 64
            "2, 6, 256, 16, true, true",     // L a multiple of every T: vector loads, many chunks
            "3, 9, 513, 16, true, true",     // one step past a chunk boundary
            "1, 7, 1000, 4, true, false",    // N < 16, no optionals
            "2, 3, 300, 16, false, true",    // no softplus
            "2, 33, 129, 16, true, true",    // two channel groups, the second with one channel
            "1, 70, 77, 16, true, true",     // three channel groups
            "2, 4, 64, 7, false, false",
            "1, 9, 65, 5, false, true",
            "3, 40, 512, 16, true, true",    // the production shape in miniature (L 512)
            "2, 32, 31, 16, true, true",     // L shorter than every chunk: one chunk, no summary pass
            "1, 3, 2050, 16, true, true",    // long sequence: 33..129 chunks
    })
    void matchesFloat64Reference(int bt, int d, int l, int n, boolean softplus, boolean optionals) {
        Gpu.assumeGpu();
        Random r = new Random(1000003L * bt + 7919L * d + 31L * l + n + (softplus ? 1 : 0) + (optionals ? 2 : 0));
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
            for (SelectiveScanBwdV2.Variant v : SelectiveScanBwdV2.VARIANTS) {
                String m = " (v2 " + v.name() + ")";
                try (SelectiveScanCuda.Grads g = SelectiveScanBwdV2.backward(gu, gdelta, gA, gB, gC, gD, gz, gbias, softplus, gdout, v)) {
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

    /** dB, dC, du, ddelta, dz have no atomics in v2: two runs on the same inputs must agree bit for bit. */
    @Test
    void deterministicWhereNoAtomics() {
        Gpu.assumeGpu();
        int bt = 2, d = 45, l = 300, n = 16;
        Random r = new Random(5);
        try (CudaTensor u = Gpu.up(Gpu.randn(r, bt * d * l, 1), bt, d, l); CudaTensor delta = Gpu.up(Gpu.randn(r, bt * d * l, 0.7), bt, d, l);
             CudaTensor A = Gpu.up(Gpu.uniform(r, d * n, -5, -0.1), d, n); CudaTensor B = Gpu.up(Gpu.randn(r, bt * n * l, 1), bt, n, l);
             CudaTensor C = Gpu.up(Gpu.randn(r, bt * n * l, 1), bt, n, l); CudaTensor z = Gpu.up(Gpu.randn(r, bt * d * l, 1), bt, d, l);
             CudaTensor dout = Gpu.up(Gpu.randn(r, bt * d * l, 1), bt, d, l)) {
            for (SelectiveScanBwdV2.Variant v : SelectiveScanBwdV2.VARIANTS)
                try (SelectiveScanCuda.Grads g1 = SelectiveScanBwdV2.backward(u, delta, A, B, C, null, z, null, true, dout, v);
                     SelectiveScanCuda.Grads g2 = SelectiveScanBwdV2.backward(u, delta, A, B, C, null, z, null, true, dout, v)) {
                    assertArrayEquals(g1.dB().download(), g2.dB().download(), "dB " + v.name());
                    assertArrayEquals(g1.dC().download(), g2.dC().download(), "dC " + v.name());
                    assertArrayEquals(g1.du().download(), g2.du().download(), "du " + v.name());
                    assertArrayEquals(g1.ddelta().download(), g2.ddelta().download(), "ddelta " + v.name());
                    assertArrayEquals(g1.dz().download(), g2.dz().download(), "dz " + v.name());
                }
        }
    }
}
