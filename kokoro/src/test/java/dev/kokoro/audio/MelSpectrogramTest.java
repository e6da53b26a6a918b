package dev.kokoro.audio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kokoro.engine.DType;
import dev.kokoro.engine.GradCheck;
import dev.kokoro.engine.Tensor;
import dev.kokoro.engine.io.Fixtures;
import dev.kokoro.engine.io.Safetensors;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The loss's log-mel against torchaudio (fixture), its gradient, and the filterbank's shape. */
class MelSpectrogramTest {
    static final MelSpectrogram MEL = new MelSpectrogram();

    static Map<String, Tensor> fixture() throws Exception {
        assumeTrue(Fixtures.exists("train-step.ref.safetensors"), "fixture train-step.ref.safetensors missing");
        return Safetensors.read(Fixtures.file("train-step.ref.safetensors"));
    }

    @Test
    void matchesTorchaudioOnTheFixture() throws Exception {
        Map<String, Tensor> f = fixture();
        String[][] pairs = {{"mel.noise_audio", "mel.noise_logmel"}, {"target_audio", "mel.target"}, {"student.audio", "mel.student"}};
        for (String[] p : pairs) {
            Tensor audio = f.get(p[0]).to(DType.F64), ref = f.get(p[1]);
            Tensor y64 = MEL.logMel(audio), y32 = MEL.logMel(audio.to(DType.F32));
            assertArrayEquals(ref.shape(), y64.shape(), p[1]);
            double e64 = GradCheck.relL2(y64, ref), e32 = GradCheck.relL2(y32, ref);
            System.out.printf("%s: relL2 float64 %.3g, float32 %.3g%n", p[1], e64, e32);
            assertTrue(e64 <= 1e-9, p[1] + " float64 " + e64);
            assertTrue(e32 <= 1e-4, p[1] + " float32 " + e32);
        }
    }

    @Test
    void gradientInTheAudio() {
        MelSpectrogram small = new MelSpectrogram(8000, 32, 24, 8, 6);
        Tensor x = GradCheck.param(new SplittableRandom(2), 1, 70);
        Function<Tensor[], Tensor> f = in -> small.logMel(in[0]);
        assertTrue(GradCheck.relError(f, x) < 1e-6);
        assertTrue(GradCheck.f32VsF64(f, x) < 1e-5);
    }

    @Test
    void filterbankIsTriangularAndCoversTheBand() {
        Tensor fb = MEL.filterbank();
        assertArrayEquals(new int[]{80, 1025}, fb.shape());
        for (int m = 0; m < 80; m++) {
            double max = 0;
            for (int k = 0; k < 1025; k++) max = Math.max(max, fb.get(m, k));
            assertTrue(max > 0.3 && max <= 1.0, "filter " + m + " peak " + max);
        }
    }
}
