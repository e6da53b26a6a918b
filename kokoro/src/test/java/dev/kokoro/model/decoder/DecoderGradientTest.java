package dev.kokoro.model.decoder;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kokoro.engine.DType;
import dev.kokoro.engine.GradCheck;
import dev.kokoro.engine.Tensor;
import dev.kokoro.model.KokoroConfig;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Gradients of a small random decoder's audio reach F0 and N (frozen weights), checked by central differences. */
class DecoderGradientTest {
    static final KokoroConfig.Istftnet IST = new KokoroConfig.Istftnet(new int[]{10, 6}, new int[]{20, 12}, 16,
            new int[]{3, 7}, new int[][]{{1, 3, 5}, {1, 3, 5}}, 20, 5);

    static Decoder small() {
        Decoder d = new Decoder(8, 12, 16, 4, IST).deterministic(true);
        d.initRandom(new SplittableRandom(11));
        d.to(DType.F64);
        d.requiresGrad(false);
        return d;
    }

    static Tensor[] inputs(SplittableRandom rng, int frames, double f0Lo, double f0Hi) {
        Tensor asr = Tensor.randn(rng, DType.F64, 1, 8, frames);
        Tensor f0 = Tensor.zeros(DType.F64, 1, 2 * frames);
        for (int i = 0; i < f0.numel(); i++) f0.setFlat(i, f0Lo + (f0Hi - f0Lo) * rng.nextDouble());
        Tensor n = Tensor.randn(rng, DType.F64, 1, 2 * frames);
        Tensor s = Tensor.randn(rng, DType.F64, 1, 12);
        return new Tensor[]{asr, f0.requiresGrad(true), n.requiresGrad(true), s};
    }

    /** As in PyTorch, the harmonic source is not recorded: F0 below the voicing threshold makes it constant. */
    @Test
    void throughF0ConvAndNConv() {
        Decoder d = small();
        Tensor[] in = inputs(new SplittableRandom(5), 3, -5, 5);
        double err = GradCheck.relError(x -> d.forward(in[0], x[0], x[1], in[3]), in[1], in[2]);
        assertTrue(err < 1e-6, "relative gradient error " + err);
        assertNotNull(in[1].grad());
    }

    /** With sourceGrad the voiced harmonic source (SineGen, STFT magnitude and phase) is differentiated too. */
    @Test
    void throughTheHarmonicSource() {
        Decoder d = small();
        d.generator.sourceGrad = true;
        Tensor[] in = inputs(new SplittableRandom(6), 3, 80, 300);
        double err = GradCheck.relError(x -> d.forward(in[0], x[0], x[1], in[3]), in[1], in[2]);
        assertTrue(err < 1e-6, "relative gradient error " + err);
    }
}
