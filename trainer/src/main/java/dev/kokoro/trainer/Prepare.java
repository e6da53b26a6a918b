package dev.kokoro.trainer;

import dev.kokoro.audio.Dtw;
import dev.kokoro.audio.Durations;
import dev.kokoro.audio.Energy;
import dev.kokoro.audio.MelSpectrogram;
import dev.kokoro.audio.Pitch;
import dev.kokoro.engine.Autograd;
import dev.kokoro.engine.DType;
import dev.kokoro.engine.Tensor;
import dev.kokoro.model.KModel;
import java.util.Arrays;

/**
 * Turns a recording and its token ids into a {@link Peft.Example}: target durations (given, else by
 * DTW between the original model's synthesis and the recording, else the original durations stretched
 * to the recording), the recording cropped to whole 600-sample frames, its log-mel, F0 and energy.
 * Must run on the original (un-surgered) model.
 */
final class Prepare {
    enum DurationSource { GIVEN, TEXTGRID, DTW, STRETCH }

    static final int FRAME = 600;
    private final KModel original;
    private final MelSpectrogram mel = new MelSpectrogram();
    private final Pitch pitch = Pitch.kokoro();

    Prepare(KModel original) {
        this.original = original;
    }

    record Prepared(Peft.Example example, DurationSource source) {}

    /** audio at 24 kHz; given durations may be null. */
    Prepared example(String id, Tensor ids, Tensor refS, float[] audio, int[] given, DurationSource preferred) {
        int t = ids.size(1);
        for (float v : audio) if (!Float.isFinite(v)) throw new IllegalArgumentException("the recording has NaN or infinite samples");
        long[] dur;
        DurationSource used;
        if (given != null) {
            if (given.length != t)
                throw new IllegalArgumentException(id + ": " + given.length + " durations given for " + t + " tokens (pads included)");
            dur = new long[t];
            for (int i = 0; i < t; i++) dur[i] = given[i];
            used = DurationSource.GIVEN;
        } else {
            KModel.Output synth = original.forwardWithTokens(ids, refS, 1.0);
            int[] synthDur = Arrays.stream(synth.predDur().toLongArray()).mapToInt(v -> (int) v).toArray();
            if (preferred == DurationSource.STRETCH) {
                dur = stretch(synthDur, audio.length / FRAME);
                used = DurationSource.STRETCH;
            } else {
                Tensor a = logMel(synth.audio().toFloatArray()), b = logMel(audio);
                int[][] path = Dtw.path(Dtw.frames(a), Dtw.frames(b), Dtw.Cost.L1);
                int[] rec = Durations.fromAlignment(path, synthDur);
                dur = new long[t];
                for (int i = 0; i < t; i++) dur[i] = rec[i];
                used = DurationSource.DTW;
            }
        }
        int frames = 0;
        for (long d : dur) frames += (int) d;
        if (frames < 1) throw new IllegalArgumentException(id + ": durations sum to 0 frames");
        float[] cropped = Arrays.copyOf(audio, frames * FRAME);
        Tensor lm = logMel(cropped);
        float[] f0 = Arrays.copyOf(pitch.track(cropped), 2 * frames);
        float[] energy = Arrays.copyOf(Energy.fromLogMel(lm), 2 * frames);
        return new Prepared(new Peft.Example(id, ids, refS, dur, lm.reshape(1, lm.size(0), lm.size(1)), f0, energy), used);
    }

    Tensor logMel(float[] audio) {
        return Autograd.noGrad(() -> mel.logMel(Tensor.of(audio.clone(), audio.length).to(DType.F64)).to(DType.F32));
    }

    /** Scales durations to sum to {@code frames} with rounded cumulative boundaries (no drift). */
    static long[] stretch(int[] dur, int frames) {
        long total = 0;
        for (int d : dur) total += d;
        long[] out = new long[dur.length];
        double acc = 0;
        long prev = 0;
        for (int i = 0; i < dur.length; i++) {
            acc += dur[i];
            long edge = Math.round(acc * frames / Math.max(1, total));
            out[i] = edge - prev;
            prev = edge;
        }
        return out;
    }
}
