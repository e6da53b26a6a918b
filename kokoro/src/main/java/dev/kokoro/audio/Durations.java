package dev.kokoro.audio;

/**
 * Phoneme durations of a recording from a DTW alignment with a synthesised version of the same text.
 *
 * <p>Convention: Kokoro's duration unit is one decoder frame = 600 samples at 24 kHz; the mel hop is 300,
 * so duration frame f covers mel frames 2f and 2f+1. The synthesised utterance's phoneme p (durations
 * d_p known) covers synth mel frames [2·c_p, 2·(c_p + d_p)) with c_p = Σ_{q&lt;p} d_q (the extra last
 * mel frame of a centred STFT belongs to the last phoneme). A DTW path pairs synth mel frames i with
 * recording mel frames j; each recording mel frame goes to the phoneme of the first synth frame it is
 * paired with. Mel-frame counts are turned into duration frames through rounded cumulative boundaries,
 * so the durations sum to exactly ⌊recording mel frames / 2⌋ (= recording samples / 600 for
 * 1 + L/300 mel frames) with no drift. A phoneme may receive 0 frames.
 */
public final class Durations {
    private Durations() {}

    /**
     * @param path             DTW path as {i, j} pairs: i = synth mel frame, j = recording mel frame
     * @param phonemeFramesOfSynth the synthesised durations, in 600-sample frames, per phoneme
     * @return the recording's durations per phoneme, in 600-sample frames
     */
    public static int[] fromAlignment(int[][] path, int[] phonemeFramesOfSynth) {
        int phonemes = phonemeFramesOfSynth.length;
        if (phonemes == 0) throw new IllegalArgumentException("Durations: no phonemes");
        int synthMel = 0;
        for (int d : phonemeFramesOfSynth) {
            if (d < 0) throw new IllegalArgumentException("Durations: negative synth duration " + d);
            synthMel += 2 * d;
        }
        int[] owner = new int[synthMel + 1]; // phoneme of each synth mel frame
        for (int p = 0, i = 0; p < phonemes; p++) for (int k = 0; k < 2 * phonemeFramesOfSynth[p]; k++) owner[i++] = p;
        int lastNonEmpty = 0;
        for (int p = 0; p < phonemes; p++) if (phonemeFramesOfSynth[p] > 0) lastNonEmpty = p;
        owner[synthMel] = lastNonEmpty;
        int recMel = 0;
        for (int[] ij : path) recMel = Math.max(recMel, ij[1] + 1);
        int[] perRec = new int[recMel];
        java.util.Arrays.fill(perRec, -1);
        for (int[] ij : path) {
            if (ij[0] < 0 || ij[0] > synthMel)
                throw new IllegalArgumentException("Durations: path frame " + ij[0] + " outside the " + (synthMel + 1)
                        + " synth mel frames of durations summing to " + synthMel / 2);
            if (perRec[ij[1]] < 0) perRec[ij[1]] = owner[ij[0]];
        }
        long[] melCount = new long[phonemes];
        for (int j = 0; j < recMel; j++) {
            if (perRec[j] < 0) throw new IllegalArgumentException("Durations: recording mel frame " + j + " is not on the path");
            melCount[perRec[j]]++;
        }
        int total = recMel / 2;
        int[] out = new int[phonemes];
        long cum = 0;
        int prev = 0;
        for (int p = 0; p < phonemes; p++) {
            cum += melCount[p];
            int boundary = p == phonemes - 1 ? total : (int) Math.min(total, Math.round(cum / 2.0));
            out[p] = boundary - prev;
            prev = boundary;
        }
        return out;
    }
}
