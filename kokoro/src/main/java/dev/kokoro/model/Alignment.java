package dev.kokoro.model;

import dev.kokoro.engine.DType;
import dev.kokoro.engine.Tensor;

/** The hard alignment Kokoro builds from durations: aln[b, i, f] = 1 when frame f belongs to token i. */
public final class Alignment {
    private Alignment() {}

    /**
     * durations[b][i] frames for token i of item b → [B, T, F] with F = the largest total; an item with
     * fewer frames has all-zero columns at the end.
     */
    public static Tensor fromDurations(long[][] durations, int t, DType dtype) {
        int b = durations.length, f = 0;
        for (long[] d : durations) {
            if (d.length != t) throw new IllegalArgumentException(d.length + " durations for " + t + " tokens");
            long sum = 0;
            for (long x : d) {
                if (x < 0) throw new IllegalArgumentException("negative duration " + x);
                sum += x;
            }
            f = (int) Math.max(f, sum);
        }
        Tensor aln = Tensor.zeros(dtype, b, t, f);
        for (int bi = 0; bi < b; bi++) {
            int frame = 0;
            for (int i = 0; i < t; i++)
                for (long k = 0; k < durations[bi][i]; k++) aln.setFlat((bi * t + i) * f + frame++, 1);
        }
        return aln;
    }

    /** Total frames per item. */
    public static int[] frames(long[][] durations) {
        int[] out = new int[durations.length];
        for (int b = 0; b < out.length; b++) for (long x : durations[b]) out[b] += (int) x;
        return out;
    }
}
