package dev.kokoro.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Random;

/** Helpers for the GPU tests: skip without a GPU, random data, relative L2 error against float64 references. */
final class Gpu {
    private Gpu() {}

    static void assumeGpu() {
        assumeTrue(Cuda.isAvailable(), () -> "no GPU: " + Cuda.unavailableReason());
        Cuda.context().allocator().setPoison(true);
    }

    static double[] randn(Random r, int n, double scale) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) a[i] = r.nextGaussian() * scale;
        return a;
    }

    static double[] uniform(Random r, int n, double lo, double hi) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) a[i] = lo + (hi - lo) * r.nextDouble();
        return a;
    }

    /** Rounds to float32 in place (the GPU sees these values; the reference then computes in float64). */
    static double[] f32(double[] a) {
        for (int i = 0; i < a.length; i++) a[i] = (float) a[i];
        return a;
    }

    static float[] toFloat(double[] a) {
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) f[i] = (float) a[i];
        return f;
    }

    static CudaTensor up(double[] a, int... shape) { return CudaTensor.upload(toFloat(a), shape); }

    static double relL2(float[] got, double[] ref) {
        if (got.length != ref.length) throw new AssertionError("length " + got.length + " != " + ref.length);
        double num = 0, den = 0;
        for (int i = 0; i < got.length; i++) {
            if (!Float.isFinite(got[i])) return Double.POSITIVE_INFINITY;  // NaN: unwritten (poisoned) or broken
            double e = got[i] - ref[i];
            num += e * e;
            den += ref[i] * ref[i];
        }
        return den == 0 ? Math.sqrt(num) : Math.sqrt(num / den);
    }

    static void close(String what, CudaTensor got, double[] ref, double tol) {
        double e = relL2(got.download(), ref);
        assertTrue(e <= tol, () -> what + ": relative L2 error " + e + " > " + tol);
    }
}
