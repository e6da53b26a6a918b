package dev.kokoro.audio;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kokoro.engine.DType;
import dev.kokoro.engine.Tensor;
import org.junit.jupiter.api.Test;

class EnergyTest {
    static final MelSpectrogram MEL = new MelSpectrogram();

    static float[] tone(double amp) {
        float[] x = new float[12000];
        for (int i = 0; i < x.length; i++) x[i] = (float) (amp * Math.sin(2 * Math.PI * 300 * i / 24000.0));
        return x;
    }

    @Test
    void isTheLogNormOfTheMelFrames() {
        float[] x = tone(0.3);
        Tensor mel = MEL.mel(Tensor.of(x.clone(), x.length).to(DType.F64));
        float[] n = Energy.of(x, MEL);
        assertEquals(MEL.frames(x.length), n.length);
        for (int t = 0; t < n.length; t++) {
            double sq = 0;
            for (int m = 0; m < 80; m++) sq += Math.pow(1e-5 + mel.get(m, t), 2);
            assertEquals(0.5 * Math.log(sq), n[t], 1e-5);
        }
    }

    @Test
    void doublingTheAmplitudeAddsLogFour() {
        float[] a = Energy.of(tone(0.1), MEL), b = Energy.of(tone(0.2), MEL);
        for (int t = 2; t < a.length - 2; t++) assertEquals(Math.log(4), b[t] - a[t], 1e-3);
    }

    @Test
    void silenceGivesTheFloor() {
        float[] n = Energy.of(new float[6000], MEL);
        for (float v : n) assertEquals(Math.log(Math.sqrt(80) * 1e-5), v, 1e-5);
    }
}
