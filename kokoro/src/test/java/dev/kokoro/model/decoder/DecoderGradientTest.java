package dev.kokoro.model.decoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kokoro.engine.Autograd;
import dev.kokoro.engine.DType;
import dev.kokoro.engine.GradCheck;
import dev.kokoro.engine.Indexing;
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

    /**
     * The recorded harmonic source (nearest ×300, SineGen, l_linear, tanh, STFT magnitude and phase) against
     * central differences, on the bins whose magnitude is not near zero: there the phase (atan2) has
     * curvature ~1/|z|² and the DC / Nyquist phases jump between 0 and π, which finite differences cannot
     * follow (the ops themselves are checked in SpectralProperties).
     */
    @Test
    void throughTheHarmonicSource() {
        Decoder d = small();
        d.generator.sourceGrad = true;
        Tensor f0 = inputs(new SplittableRandom(6), 3, 80, 300)[1];
        Tensor har = Autograd.noGrad(() -> d.generator.harmonics(f0, null));
        int k = har.size(1) / 2;
        Tensor mask = Tensor.zeros(DType.F64, har.shape());
        int kept = 0;
        for (int b = 0; b < k; b++)
            for (int t = 0; t < har.size(2); t++)
                if (har.get(0, b, t) > 1e-2) {
                    mask.setFlat(b * har.size(2) + t, 1);
                    mask.setFlat((b + k) * har.size(2) + t, 1);
                    kept++;
                }
        assertTrue(kept > har.size(2), "too few well-conditioned bins: " + kept);
        double err = GradCheck.relError(x -> d.generator.harmonics(x[0], null).mul(mask), f0);
        assertTrue(err < 1e-6, "relative gradient error " + err);
    }

    /** sourceGrad adds the source's share to F0's gradient; by default (as PyTorch's no_grad) it is absent. */
    @Test
    void sourceGradSwitch() {
        Decoder d = small();
        Tensor[] in = inputs(new SplittableRandom(7), 3, 80, 300);
        double[][] g = new double[2][];
        for (int i = 0; i < 2; i++) {
            d.generator.sourceGrad = i == 1;
            in[1].zeroGrad();
            Tensor audio = d.forward(in[0], in[1], in[2], in[3]);
            audio.mul(Tensor.randn(new SplittableRandom(1), DType.F64, audio.shape())).sum().backward();
            g[i] = in[1].grad().toDoubleArray();
        }
        double diff = 0, norm = 0;
        for (int i = 0; i < g[0].length; i++) {
            assertTrue(Double.isFinite(g[1][i]));
            diff += (g[0][i] - g[1][i]) * (g[0][i] - g[1][i]);
            norm += g[0][i] * g[0][i];
        }
        assertTrue(norm > 0 && diff > 1e-6 * norm, "source path changed nothing: " + diff + " vs " + norm);
    }

    /** A batch of two gives each item's own result (per-item instance norms, sources and STFTs). */
    @Test
    void batchEqualsItems() {
        Decoder d = small();
        SplittableRandom rng = new SplittableRandom(9);
        Tensor[] a = inputs(rng, 4, 50, 300), b = inputs(rng, 4, 0, 20);
        Tensor both = d.forward(Indexing.cat(0, a[0], b[0]), Indexing.cat(0, a[1], b[1]).detach(),
                Indexing.cat(0, a[2], b[2]).detach(), Indexing.cat(0, a[3], b[3]));
        Tensor ya = d.forward(a[0], a[1].detach(), a[2].detach(), a[3]);
        Tensor yb = d.forward(b[0], b[1].detach(), b[2].detach(), b[3]);
        assertArrayEquals(new int[]{2, 1, 4 * 2 * 300}, both.shape());
        assertTrue(GradCheck.relL2(both.slice(0, 0, 1), ya) < 1e-12);
        assertTrue(GradCheck.relL2(both.slice(0, 1, 2), yb) < 1e-12);
    }
}
