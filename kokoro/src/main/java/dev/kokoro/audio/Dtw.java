package dev.kokoro.audio;

/**
 * Dynamic time warping between two feature sequences (e.g. log-mel frames, [T][D]) with the standard
 * steps (i−1, j), (i, j−1), (i−1, j−1), each adding the local cost of (i, j). The path runs from (0, 0)
 * to (Ta−1, Tb−1) and is monotone in both indices.
 */
public final class Dtw {
    private Dtw() {}

    public enum Cost { L1, COSINE }

    /** The warping path as pairs {i, j}, i indexing {@code a}, j indexing {@code b}. */
    public static int[][] path(float[][] a, float[][] b, Cost cost) {
        return path(a, b, cost, -1);
    }

    /**
     * As {@link #path(float[][], float[][], Cost)}, restricted to |i/Ta − j/Tb| ≤ band (Sakoe–Chiba band
     * as a fraction of the length; band &lt; 0: none).
     */
    public static int[][] path(float[][] a, float[][] b, Cost cost, double band) {
        int n = a.length, m = b.length;
        if (n == 0 || m == 0) throw new IllegalArgumentException("Dtw: empty sequence (" + n + " and " + m + " frames)");
        if (a[0].length != b[0].length)
            throw new IllegalArgumentException("Dtw: feature sizes differ: " + a[0].length + " and " + b[0].length);
        double[] na = norms(a), nb = norms(b);
        double[] acc = new double[n * m];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++) {
                boolean out = band >= 0 && Math.abs((double) i / Math.max(1, n - 1) - (double) j / Math.max(1, m - 1)) > band;
                if (out && !(i == 0 && j == 0) && !(i == n - 1 && j == m - 1)) {
                    acc[i * m + j] = Double.POSITIVE_INFINITY;
                    continue;
                }
                double c = local(a[i], b[j], na[i], nb[j], cost);
                double prev;
                if (i == 0 && j == 0) prev = 0;
                else if (i == 0) prev = acc[j - 1];
                else if (j == 0) prev = acc[(i - 1) * m];
                else prev = Math.min(acc[(i - 1) * m + j - 1], Math.min(acc[(i - 1) * m + j], acc[i * m + j - 1]));
                acc[i * m + j] = prev + c;
            }
        if (Double.isInfinite(acc[n * m - 1])) throw new IllegalArgumentException("Dtw: band " + band + " leaves no path");
        // backtrack, preferring the diagonal on ties
        int[][] tmp = new int[n + m][];
        int k = 0, i = n - 1, j = m - 1;
        tmp[k++] = new int[]{i, j};
        while (i > 0 || j > 0) {
            if (i == 0) j--;
            else if (j == 0) i--;
            else {
                double dg = acc[(i - 1) * m + j - 1], up = acc[(i - 1) * m + j], lf = acc[i * m + j - 1];
                if (dg <= up && dg <= lf) { i--; j--; }
                else if (up <= lf) i--;
                else j--;
            }
            tmp[k++] = new int[]{i, j};
        }
        int[][] p = new int[k][];
        for (int q = 0; q < k; q++) p[q] = tmp[k - 1 - q];
        return p;
    }

    static double local(float[] x, float[] y, double nx, double ny, Cost cost) {
        if (cost == Cost.L1) {
            double s = 0;
            for (int d = 0; d < x.length; d++) s += Math.abs(x[d] - y[d]);
            return s / x.length;
        }
        double dot = 0;
        for (int d = 0; d < x.length; d++) dot += (double) x[d] * y[d];
        double den = nx * ny;
        return den == 0 ? (nx == ny ? 0 : 1) : 1 - dot / den;
    }

    private static double[] norms(float[][] a) {
        double[] n = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            double s = 0;
            for (float v : a[i]) s += (double) v * v;
            n[i] = Math.sqrt(s);
        }
        return n;
    }

    /** Frames of a [nMels, T] (or [1, nMels, T]) log-mel tensor as [T][nMels]. */
    public static float[][] frames(dev.kokoro.engine.Tensor mel) {
        int[] s = mel.shape();
        int d = s[s.length - 2], t = s[s.length - 1];
        if (mel.numel() != d * t) throw new IllegalArgumentException("Dtw.frames: expected [nMels, T] or [1, nMels, T], got " + java.util.Arrays.toString(s));
        double[] v = mel.toDoubleArray();
        float[][] out = new float[t][d];
        for (int i = 0; i < t; i++) for (int k = 0; k < d; k++) out[i][k] = (float) v[k * t + i];
        return out;
    }
}
