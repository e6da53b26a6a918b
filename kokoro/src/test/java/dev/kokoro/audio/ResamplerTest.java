package dev.kokoro.audio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ResamplerTest {

    static float[] tone(double freq, int rate, int n, double amp) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (amp * Math.sin(2 * Math.PI * freq * i / rate + 0.3));
        return x;
    }

    @ParameterizedTest
    @CsvSource({"22050, 1000", "44100, 1000", "16000, 440", "48000, 3000", "22050, 9000", "8000, 3500", "11025, 200", "32000, 7000"})
    void aSineKeepsItsFrequencyAndAmplitude(int from, double freq) {
        float[] x = tone(freq, from, from, 0.8); // one second
        float[] y = Resampler.toKokoroRate(x, from);
        assertEquals((long) x.length * 24000 / from, y.length);
        // away from the edges every output sample must be the continuous sine at time j / 24000
        double maxErr = 0;
        for (int j = 2400; j < y.length - 2400; j++) {
            double want = 0.8 * Math.sin(2 * Math.PI * freq * j / 24000 + 0.3);
            maxErr = Math.max(maxErr, Math.abs(y[j] - want));
        }
        assertTrue(maxErr < 0.005 * 0.8, from + " Hz, " + freq + " Hz tone: max error " + maxErr);
    }

    @ParameterizedTest
    @CsvSource({"44100, 13000", "48000, 12600", "48000, 20000", "32000, 14000"})
    void aToneAboveTheTargetNyquistIsRemoved(int from, double freq) {
        float[] y = Resampler.toKokoroRate(tone(freq, from, from, 1.0), from);
        double e = 0;
        int cnt = 0;
        for (int j = 2400; j < y.length - 2400; j++, cnt++) e += y[j] * y[j];
        double rms = Math.sqrt(e / cnt), db = 20 * Math.log10(rms / Math.sqrt(0.5));
        assertTrue(db <= -40, from + " Hz, " + freq + " Hz tone: " + db + " dB");
    }

    @ParameterizedTest
    @CsvSource({"24000", "12345"})
    void identityAndOddRates(int from) {
        float[] x = tone(300, from, from / 2, 0.5);
        float[] y = Resampler.toKokoroRate(x, from);
        assertEquals(((long) x.length * 24000 + from - 1) / from, y.length);
        for (int j = 2400; j < y.length - 2400; j++)
            assertEquals(0.5 * Math.sin(2 * Math.PI * 300 * j / 24000 + 0.3), y[j], 0.0025);
    }
}
