package dev.kokoro.audio;

import dev.kokoro.engine.DType;
import dev.kokoro.engine.Tensor;
import java.util.Arrays;

/**
 * The energy (N) target as StyleTTS2 trains it (train_second.py: {@code N_real = log_norm(mel)}, utils.py
 * {@code log_norm(x, mean=-4, std=4, dim=2) = log(‖exp(x·std + mean)‖₂ over the mel axis)}), where x is the
 * normalised log-mel {@code (log(1e-5 + mel) + 4) / 4} of {@link MelSpectrogram}. Undoing the
 * normalisation, per mel frame: {@code N = log(sqrt(Σ_m (1e-5 + mel_m)²))}. One value per mel frame
 * (hop 300 at 24 kHz: two per 600-sample duration frame), like F0.
 */
public final class Energy {
    private Energy() {}

    /** N per frame of a normalised log-mel [nMels, T] (or [1, nMels, T]). */
    public static float[] fromLogMel(Tensor logMel) {
        int[] s = logMel.shape();
        if (!(s.length == 2 || (s.length == 3 && s[0] == 1)))
            throw new IllegalArgumentException("Energy: log-mel must be [nMels, T] or [1, nMels, T], got " + Arrays.toString(s));
        int mels = s[s.length - 2], frames = s[s.length - 1];
        double[] v = logMel.toDoubleArray();
        float[] out = new float[frames];
        for (int t = 0; t < frames; t++) {
            double sq = 0;
            for (int m = 0; m < mels; m++) {
                double lin = Math.exp(v[m * frames + t] * MelSpectrogram.STD + MelSpectrogram.MEAN);
                sq += lin * lin;
            }
            out[t] = (float) Math.log(Math.sqrt(sq));
        }
        return out;
    }

    /** N per mel frame of 24 kHz audio. */
    public static float[] of(float[] audio, MelSpectrogram mel) {
        Tensor lm = dev.kokoro.engine.Autograd.noGrad(() -> mel.logMel(Tensor.of(audio.clone(), audio.length).to(DType.F64)));
        return fromLogMel(lm);
    }
}
