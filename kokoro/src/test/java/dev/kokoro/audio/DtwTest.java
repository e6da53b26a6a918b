package dev.kokoro.audio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DtwTest {

    /** A sequence of `segs` distinct random "phoneme" vectors, segment s lasting len[s] frames (plus a little noise). */
    static float[][] segments(float[][] protos, int[] len, SplittableRandom r) {
        int n = 0;
        for (int l : len) n += l;
        float[][] out = new float[n][];
        int i = 0;
        for (int s = 0; s < len.length; s++)
            for (int k = 0; k < len[s]; k++, i++) {
                out[i] = protos[s].clone();
                for (int d = 0; d < out[i].length; d++) out[i][d] += (float) (0.01 * r.nextGaussian());
            }
        return out;
    }

    static float[][] protos(int segs, int dim, SplittableRandom r) {
        float[][] p = new float[segs][dim];
        for (float[] v : p) for (int d = 0; d < dim; d++) v[d] = (float) (r.nextGaussian() * 2 - 4);
        return p;
    }

    @Test
    void identityIsTheDiagonal() {
        SplittableRandom r = new SplittableRandom(1);
        float[][] a = segments(protos(5, 8, r), new int[]{3, 4, 2, 5, 1}, r);
        int[][] p = Dtw.path(a, a, Dtw.Cost.L1);
        assertEquals(a.length, p.length);
        for (int k = 0; k < p.length; k++) assertArrayEquals(new int[]{k, k}, p[k]);
    }

    @Test
    void recoversAPiecewiseWarpAndItsDurations() {
        for (Dtw.Cost cost : Dtw.Cost.values()) {
            SplittableRandom r = new SplittableRandom(7);
            int[] synthDur = {3, 5, 2, 4, 6, 3, 2};  // 600-sample frames
            int[] recDur = {6, 2, 4, 4, 9, 1, 3};
            float[][] pr = protos(synthDur.length, 80, r);
            int[] synthMel = new int[synthDur.length], recMel = new int[recDur.length];
            for (int p = 0; p < synthDur.length; p++) { synthMel[p] = 2 * synthDur[p]; recMel[p] = 2 * recDur[p]; }
            float[][] synth = segments(pr, synthMel, r), rec = segments(pr, recMel, r);
            int[][] path = Dtw.path(synth, rec, cost);
            assertArrayEquals(new int[]{0, 0}, path[0]);
            assertArrayEquals(new int[]{synth.length - 1, rec.length - 1}, path[path.length - 1]);
            for (int k = 1; k < path.length; k++) {
                int di = path[k][0] - path[k - 1][0], dj = path[k][1] - path[k - 1][1];
                assertTrue(di >= 0 && dj >= 0 && di + dj >= 1 && di <= 1 && dj <= 1, "step " + di + "," + dj);
            }
            assertArrayEquals(recDur, Durations.fromAlignment(path, synthDur), cost.toString());
        }
    }

    @Test
    void aBandStillFindsANearDiagonalWarp() {
        SplittableRandom r = new SplittableRandom(3);
        float[][] pr = protos(4, 16, r);
        float[][] a = segments(pr, new int[]{10, 10, 10, 10}, r), b = segments(pr, new int[]{12, 9, 11, 8}, r);
        int[][] full = Dtw.path(a, b, Dtw.Cost.L1), banded = Dtw.path(a, b, Dtw.Cost.L1, 0.1);
        for (int[] ij : full) assertTrue(Math.abs(ij[0] / 39.0 - ij[1] / 39.0) <= 0.1, "the optimum lies in the band");
        assertEquals(cost(full, a, b), cost(banded, a, b), 1e-9);
        for (int[] ij : banded) assertTrue(Math.abs(ij[0] / 39.0 - ij[1] / 39.0) <= 0.1 + 1e-12);
        int[][] narrow = Dtw.path(a, b, Dtw.Cost.L1, 0.02);
        assertTrue(cost(narrow, a, b) > cost(full, a, b), "a band that excludes the optimum costs more");
    }

    static double cost(int[][] path, float[][] a, float[][] b) {
        double c = 0;
        for (int[] ij : path) c += Dtw.local(a[ij[0]], b[ij[1]], 0, 0, Dtw.Cost.L1);
        return c;
    }
}
