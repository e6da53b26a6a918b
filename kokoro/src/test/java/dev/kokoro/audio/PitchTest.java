package dev.kokoro.audio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PitchTest {
    static final Pitch YIN = Pitch.kokoro();

    @ParameterizedTest
    @ValueSource(doubles = {70, 100, 147.3, 220, 330, 440, 610})
    void pureAndHarmonicTones(double f) {
        int n = 24000;
        float[] pure = new float[n], rich = new float[n];
        for (int i = 0; i < n; i++) {
            double ph = 2 * Math.PI * f * i / 24000;
            pure[i] = (float) (0.5 * Math.sin(ph));
            for (int h = 1; h * f < 11000; h++) rich[i] += (float) (0.3 / h * Math.sin(h * ph + 0.7 * h));
        }
        for (float[] x : new float[][]{pure, rich}) {
            float[] f0 = YIN.track(x);
            assertEquals(81, f0.length);
            for (int t = 4; t < f0.length - 4; t++) assertEquals(f, f0[t], 0.01 * f, "frame " + t);
        }
    }

    @Test
    void aChirpIsFollowed() {
        int n = 48000;
        double f0 = 100, f1 = 300, dur = n / 24000.0; // linear chirp, f(t) = f0 + (f1 − f0) t / dur
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            double t = i / 24000.0;
            x[i] = (float) (0.4 * Math.sin(2 * Math.PI * (f0 * t + (f1 - f0) * t * t / (2 * dur))));
        }
        float[] est = YIN.track(x);
        for (int k = 4; k < est.length - 4; k++) {
            double want = f0 + (f1 - f0) * (k * 300 / 24000.0) / dur;
            assertEquals(want, est[k], 0.01 * want, "frame " + k);
        }
    }

    @Test
    void silenceAndNoiseAreUnvoiced() {
        float[] x = new float[24000];
        for (float v : YIN.track(x)) assertEquals(0f, v);
        java.util.SplittableRandom r = new java.util.SplittableRandom(1);
        for (int i = 0; i < x.length; i++) x[i] = (float) (0.3 * (r.nextDouble() - 0.5));
        int voiced = 0;
        for (float v : YIN.track(x)) if (v > 0) voiced++;
        assertTrue(voiced <= 4, "white noise voiced in " + voiced + " frames");
    }

    @Test
    void toneThenSilence() {
        float[] x = new float[24000];
        for (int i = 0; i < 12000; i++) x[i] = (float) (0.5 * Math.sin(2 * Math.PI * 200 * i / 24000));
        float[] f0 = YIN.track(x);
        assertEquals(200, f0[20], 2);
        for (int t = 45; t < f0.length; t++) assertEquals(0f, f0[t], "frame " + t);
    }
}
