package dev.kokoro.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.function.Function;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** STFT / iSTFT against the DFT definition, round trips, gradients (float64) and float32 agreement. */
class SpectralProperties {

    /** torch.stft by definition: reflect pad, centred window, X[k,t] = Σ x[t·hop+n] w[n] e^{−2πikn/N}. */
    static double[][][] naiveStft(double[] x, int n, int hop, double[] win, boolean center) {
        int pad = center ? n / 2 : 0, len = x.length, lp = len + 2 * pad, left = (n - win.length) / 2;
        double[] xp = new double[lp];
        for (int i = 0; i < lp; i++) {
            int s = i - pad;
            if (s < 0) s = -s;
            if (s >= len) s = 2 * (len - 1) - s;
            xp[i] = x[s];
        }
        double[] w = new double[n];
        System.arraycopy(win, 0, w, left, win.length);
        int frames = 1 + (lp - n) / hop, k = n / 2 + 1;
        double[][][] out = new double[2][k][frames];
        for (int t = 0; t < frames; t++)
            for (int f = 0; f < k; f++)
                for (int j = 0; j < n; j++) {
                    double a = -2 * Math.PI * f * j / n, v = xp[t * hop + j] * w[j];
                    out[0][f][t] += v * Math.cos(a);
                    out[1][f][t] += v * Math.sin(a);
                }
        return out;
    }

    @Property(tries = 40)
    void stftMatchesTheDefinition(@ForAll @IntRange(min = 2, max = 24) int n, @ForAll @IntRange(min = 1, max = 8) int hop,
                                  @ForAll @IntRange(min = 0, max = 40) int extra, @ForAll boolean center, @ForAll long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int winLen = 1 + rng.nextInt(n), len = n + extra;
        double[] x = Tensor.randn(rng, DType.F64, len).toDoubleArray();
        Tensor win = Tensor.rand(rng, DType.F64, 0.1, 1.0, winLen);
        Tensor[] s = Spectral.stft(Tensor.of(x, 1, len), n, hop, win, center);
        double[][][] ref = naiveStft(x, n, hop, win.toDoubleArray(), center);
        int k = n / 2 + 1, frames = ref[0][0].length;
        assertArrayEquals(new int[]{1, k, frames}, s[0].shape());
        for (int f = 0; f < k; f++)
            for (int t = 0; t < frames; t++) {
                assertEquals(ref[0][f][t], s[0].get(0, f, t), 1e-12 * len);
                assertEquals(ref[1][f][t], s[1].get(0, f, t), 1e-12 * len);
            }
    }

    @Property(tries = 15)
    void fftPathMatchesTheGemmPath(@ForAll @IntRange(min = 7, max = 9) int log2n, @ForAll @IntRange(min = 1, max = 300) int extra,
                                   @ForAll @IntRange(min = 1, max = 2) int bs, @ForAll boolean center, @ForAll long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int n = 1 << log2n, hop = 1 + rng.nextInt(n / 2), winLen = n / 2 + rng.nextInt(n / 2 + 1);
        Tensor win = Tensor.rand(rng, DType.F64, 0.1, 1.0, winLen);
        Tensor x = Tensor.randn(rng, DType.F64, bs, n + extra);
        Tensor fft = Spectral.stftStacked(x, n, hop, win, center, true), gemm = Spectral.stftStacked(x, n, hop, win, center, false);
        assertArrayEquals(gemm.shape(), fft.shape());
        assertTrue(GradCheck.relL2(fft, gemm) < 1e-13, "fft vs gemm " + GradCheck.relL2(fft, gemm));
        // backward: the same vector-Jacobian product both ways
        Tensor g = Tensor.randn(rng, DType.F64, gemm.shape());
        Tensor xa = x.copy().requiresGrad(true), xb = x.copy().requiresGrad(true);
        Spectral.stftStacked(xa, n, hop, win, center, true).backward(g);
        Spectral.stftStacked(xb, n, hop, win, center, false).backward(g);
        assertTrue(GradCheck.relL2(xa.grad(), xb.grad()) < 1e-13);
        Tensor x32 = x.to(DType.F32);
        assertTrue(GradCheck.relL2(Spectral.stftStacked(x32, n, hop, win, center, true), gemm) < 1e-6);
    }

    @Test
    void fftPathGradientAgainstFiniteDifferences() {
        SplittableRandom rng = new SplittableRandom(11);
        Tensor win = Spectral.hannWindow(DType.F64, 100, true);
        Tensor x = GradCheck.param(rng, 1, 150);
        Function<Tensor[], Tensor> f = in -> Spectral.stftStacked(in[0], 128, 37, win, true, true);
        assertTrue(GradCheck.relError(f, x) < 1e-6);
    }

    @Property(tries = 40)
    void istftInvertsStft(@ForAll @IntRange(min = 1, max = 4) int quarter, @ForAll @IntRange(min = 0, max = 50) int extra,
                          @ForAll @IntRange(min = 1, max = 3) int bs, @ForAll long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int n = 4 * quarter + 2 * rng.nextInt(3), hop = quarter, len = n + extra;
        Tensor win = Spectral.hannWindow(DType.F64, n, true);
        Tensor x = Tensor.randn(rng, DType.F64, bs, len);
        Tensor[] s = Spectral.stft(x, n, hop, win, true);
        Tensor y = Spectral.istft(s[0], s[1], n, hop, win, true, len);
        assertArrayEquals(new int[]{bs, len}, y.shape());
        assertTrue(GradCheck.relL2(y, x) < 1e-12, "round trip error " + GradCheck.relL2(y, x));
        // length None: hop · (frames − 1) samples, a prefix of x
        Tensor z = Spectral.istft(s[0], s[1], n, hop, win, true, -1);
        int frames = s[0].size(2);
        assertEquals(hop * (frames - 1), z.size(1));
        assertTrue(GradCheck.relL2(z, x.slice(1, 0, z.size(1))) < 1e-12);
    }

    @Property(tries = 25)
    void stftGradient(@ForAll @IntRange(min = 2, max = 12) int n, @ForAll @IntRange(min = 1, max = 5) int hop,
                      @ForAll @IntRange(min = 0, max = 12) int extra, @ForAll boolean center, @ForAll long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int winLen = 1 + rng.nextInt(n);
        Tensor win = Tensor.rand(rng, DType.F64, 0.1, 1.0, winLen);
        Tensor x = GradCheck.param(rng, 2, n + extra);
        Function<Tensor[], Tensor> re = in -> Spectral.stft(in[0], n, hop, win, center)[0];
        Function<Tensor[], Tensor> im = in -> Spectral.stft(in[0], n, hop, win, center)[1];
        assertTrue(GradCheck.relError(re, x) < 1e-6);
        assertTrue(GradCheck.relError(im, x) < 1e-6);
        assertTrue(GradCheck.f32VsF64(re, x) < 1e-5);
    }

    @Property(tries = 25)
    void istftGradient(@ForAll @IntRange(min = 1, max = 4) int hop, @ForAll @IntRange(min = 1, max = 6) int frames,
                       @ForAll @IntRange(min = -3, max = 6) int lengthDelta, @ForAll boolean center, @ForAll long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int n = 2 * hop + rng.nextInt(3) * 2 + (rng.nextBoolean() ? 1 : 0);
        int k = n / 2 + 1;
        int natural = center ? hop * (frames - 1) : n + hop * (frames - 1);
        int length = rng.nextBoolean() ? -1 : Math.max(1, natural + lengthDelta);
        // a window one shorter than nFft leaves the last sample uncovered: only where it is trimmed away
        Tensor win = Tensor.rand(rng, DType.F64, 0.5, 1.0, center && length < 0 ? n - rng.nextInt(2) : n);
        Tensor re = GradCheck.param(rng, 2, k, frames), im = GradCheck.param(rng, 2, k, frames);
        if (center && frames == 1 && length < 0) return; // empty output
        Function<Tensor[], Tensor> f = in -> Spectral.istft(in[0], in[1], n, hop, win, center, length);
        assertTrue(GradCheck.relError(f, re, im) < 1e-6);
        assertTrue(GradCheck.f32VsF64(f, re, im) < 1e-5);
    }

    @Property(tries = 25)
    void polarAndComplexPointwiseGradients(@ForAll @IntRange(min = 1, max = 4) int a, @ForAll @IntRange(min = 1, max = 7) int b,
                                           @ForAll long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor re = GradCheck.param(rng, a, b), im = GradCheck.param(rng, a, b);
        for (Function<Tensor[], Tensor> f : java.util.List.<Function<Tensor[], Tensor>>of(
                in -> Spectral.magnitude(in[0], in[1]), in -> Spectral.angle(in[0], in[1]),
                in -> Spectral.power(in[0], in[1]), in -> Spectral.polarRe(in[0], in[1]), in -> Spectral.polarIm(in[0], in[1]))) {
            assertTrue(GradCheck.relError(f, re, im) < 1e-6);
            assertTrue(GradCheck.f32VsF64(f, re, im) < 1e-5);
        }
    }

    @Property(tries = 15)
    void polarIstftGradientKokoroShape(@ForAll @IntRange(min = 2, max = 9) int frames, @ForAll long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor win = Spectral.hannWindow(20, true).to(DType.F64);
        Tensor mag = Tensor.rand(rng, DType.F64, 0.1, 2.0, 1, 11, frames).requiresGrad(true);
        Tensor phase = GradCheck.param(rng, 1, 11, frames);
        Function<Tensor[], Tensor> f = in -> Spectral.polarIstft(in[0], in[1], 20, 5, win);
        Tensor y = f.apply(new Tensor[]{mag, phase});
        assertArrayEquals(new int[]{1, 5 * (frames - 1)}, y.shape());
        assertTrue(GradCheck.relError(f, mag, phase) < 1e-6);
        assertTrue(GradCheck.f32VsF64(f, mag, phase) < 1e-5);
    }

    @Test
    void magnitudeAndAnglePolarRoundTrip() {
        SplittableRandom rng = new SplittableRandom(3);
        Tensor x = Tensor.randn(rng, DType.F64, 2, 300);
        Tensor win = Spectral.hannWindow(DType.F64, 20, true);
        Tensor[] s = Spectral.stft(x, 20, 5, win, true);
        Tensor mag = Spectral.magnitude(s[0], s[1]), ph = Spectral.angle(s[0], s[1]);
        Tensor y = Spectral.polarIstft(mag, ph, 20, 5, win);
        assertTrue(GradCheck.relL2(y, x.slice(1, 0, y.size(1))) < 1e-12);
    }

    @Test
    void gradientsAtZeroAreZeroNotNaN() {
        Tensor re = Tensor.zeros(DType.F64, 3).requiresGrad(true), im = Tensor.zeros(DType.F64, 3).requiresGrad(true);
        Spectral.angle(re, im).sum().add(Spectral.magnitude(re, im).sum()).backward();
        assertArrayEquals(new double[3], re.grad().toDoubleArray());
        assertArrayEquals(new double[3], im.grad().toDoubleArray());
        assertEquals(0.0, Spectral.angle(Tensor.of(new double[]{0}, 1), Tensor.of(new double[]{0}, 1)).item());
        assertEquals(Math.PI, Spectral.angle(Tensor.of(new double[]{-1}, 1), Tensor.of(new double[]{0}, 1)).item());
    }

    @Test
    void dcAndNyquistHaveExactlyZeroImaginaryPart() {
        Tensor x = Tensor.randn(new SplittableRandom(5), DType.F32, 1, 200);
        Tensor[] s = Spectral.stft(x, 20, 5, Spectral.hannWindow(20, true), true);
        for (int t = 0; t < s[1].size(2); t++) {
            assertEquals(0.0, s[1].get(0, 0, t));
            assertEquals(0.0, s[1].get(0, 10, t));
        }
        // +0, as pocketfft gives: a negative DC bin has angle +π (not −π), on both paths
        Tensor neg = Tensor.full(DType.F32, -0.5, 1, 600).add(x.slice(1, 0, 1).expand(1, 600).mul(0.0));
        for (boolean fft : new boolean[]{false, true}) {
            Tensor st = Spectral.stftStacked(neg, 128, 50, Spectral.hannWindow(128, true), true, fft);
            Tensor ang = Spectral.angle(st.slice(1, 0, 65), st.slice(1, 65, 130));
            for (int t = 0; t < st.size(2); t++) assertEquals(Math.PI, ang.get(0, 0, t), 1e-6, "fft " + fft);
        }
    }

    @Test
    void hannWindowMatchesTorch() {
        // torch.hann_window(8) and torch.hann_window(5, periodic=False)
        assertArrayEquals(new double[]{0, 0.14644660940672624, 0.5, 0.8535533905932737, 1, 0.8535533905932737, 0.5, 0.14644660940672624},
                Spectral.hannWindow(DType.F64, 8, true).toDoubleArray(), 1e-15);
        assertArrayEquals(new double[]{0, 0.5, 1, 0.5, 0}, Spectral.hannWindow(DType.F64, 5, false).toDoubleArray(), 1e-15);
        assertArrayEquals(new double[]{1}, Spectral.hannWindow(DType.F64, 1, true).toDoubleArray());
        assertEquals(DType.F32, Spectral.hannWindow(20, true).dtype);
    }

    @Test
    void errorsNameTheShapes() {
        Tensor x = Tensor.zeros(DType.F64, 1, 5);
        var e = assertThrows(IllegalArgumentException.class, () -> Spectral.stft(x, 20, 5, null, true));
        assertTrue(e.getMessage().contains("[1, 5]"), e.getMessage());
        Tensor re = Tensor.zeros(DType.F64, 1, 7, 4);
        e = assertThrows(IllegalArgumentException.class, () -> Spectral.istft(re, re, 20, 5, null, true, -1));
        assertTrue(e.getMessage().contains("11 frequency bins"), e.getMessage());
        Tensor re11 = Tensor.zeros(DType.F64, 1, 11, 4);
        e = assertThrows(IllegalArgumentException.class, () -> Spectral.istft(re11, re11, 20, 25, Tensor.zeros(DType.F64, 20), true, -1));
        assertTrue(e.getMessage().contains("NOLA"), e.getMessage());
    }
}
