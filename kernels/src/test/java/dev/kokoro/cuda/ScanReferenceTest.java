package dev.kokoro.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** CPU only: the float64 reference backward agrees with central differences of its forward. */
class ScanReferenceTest {
    @Test
    void referenceBackwardMatchesFiniteDifferences() {
        Random r = new Random(7);
        for (boolean softplus : new boolean[] {true, false}) {
            int bt = 2, d = 3, l = 6, n = 4;
            double[] u = Gpu.randn(r, bt * d * l, 1), delta = softplus ? Gpu.randn(r, bt * d * l, 0.5) : Gpu.uniform(r, bt * d * l, 0.05, 0.6);
            double[] A = Gpu.uniform(r, d * n, -2, -0.2), B = Gpu.randn(r, bt * n * l, 1), C = Gpu.randn(r, bt * n * l, 1);
            double[] D = Gpu.randn(r, d, 1), z = Gpu.randn(r, bt * d * l, 1), bias = Gpu.randn(r, d, 0.3);
            double[] w = Gpu.randn(r, bt * d * l, 1);
            ScanReference ref = new ScanReference(bt, d, l, n, softplus, u, delta, A, B, C, D, z, bias);
            ref.backward(w);
            double[][] ins = {u, delta, A, B, C, D, z, bias};
            double[][] grads = {ref.du, ref.ddelta, ref.dA, ref.dB, ref.dC, ref.dD, ref.dz, ref.dbias};
            String[] names = {"u", "delta", "A", "B", "C", "D", "z", "bias"};
            for (int k = 0; k < ins.length; k++) {
                double num = 0, den = 0;
                for (int i = 0; i < ins[k].length; i++) {
                    double keep = ins[k][i], h = 1e-6;
                    ins[k][i] = keep + h;
                    double lp = ref.loss(w);
                    ins[k][i] = keep - h;
                    double lm = ref.loss(w);
                    ins[k][i] = keep;
                    double fd = (lp - lm) / (2 * h), e = fd - grads[k][i];
                    num += e * e;
                    den += fd * fd;
                }
                double rel = Math.sqrt(num / den);
                int kk = k;
                assertTrue(rel < 1e-6, () -> "d" + names[kk] + " (softplus=" + softplus + "): relative error " + rel);
            }
        }
    }
}
