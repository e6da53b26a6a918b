package dev.kokoro.engine;

import dev.kokoro.engine.backend.Dispatch;
import java.util.Arrays;
import java.util.function.DoubleBinaryOperator;

/**
 * torch.stft / torch.istft (onesided, normalized=False) and the polar helpers Kokoro's iSTFTNet needs.
 *
 * <p>A frame's real DFT is a GEMM against a cos/−sin basis with the window folded in, restricted to
 * the window's non-zero span (the window of length {@code winLength} sits centred in {@code nFft},
 * left offset {@code (nFft − winLength) / 2}, as torch pads it). Spectra are [B, K, frames] with
 * K = nFft/2 + 1; {@link #stftStacked} keeps real rows 0..K−1 and imaginary rows K..2K−1 in one tensor.
 */
public final class Spectral {
    private Spectral() {}

    // ---------------------------------------------------------------- windows

    /**
     * torch.hann_window(n, periodic, dtype): computed the way torch does, in that dtype
     * ({@code cos(i · (2π / (N − 1))) · −0.5 + 0.5} with N = n + 1 when periodic).
     */
    public static Tensor hannWindow(DType dtype, int n, boolean periodic) {
        Tensor.check(n >= 0, "hann_window of negative length %d", n);
        if (n == 0) return Tensor.zeros(dtype, 0);
        if (n == 1) return Tensor.full(dtype, 1.0, 1);
        int len = periodic ? n + 1 : n;
        double step = Math.PI * 2.0 / (len - 1);
        Tensor w = Tensor.zeros(dtype, n);
        for (int i = 0; i < n; i++) {
            if (dtype == DType.F32) {
                float a = (float) i * (float) step;
                float c = (float) Math.cos(a);
                w.f[i] = c * -0.5f + 0.5f;
            } else {
                w.d[i] = Math.cos(i * step) * -0.5 + 0.5;
            }
        }
        return w;
    }

    /** torch.hann_window(n, periodic) in float32 (torch's default dtype). */
    public static Tensor hannWindow(int n, boolean periodic) {
        return hannWindow(DType.F32, n, periodic);
    }

    // ---------------------------------------------------------------- stft

    /**
     * torch.stft(x, nFft, hop, window=window, center=center, pad_mode='reflect', normalized=False,
     * onesided=True, return_complex=True) as {re, im}, each [B, nFft/2+1, frames] (views of one
     * {@link #stftStacked} tensor). x is [B, L] or [L]; window is [winLength ≤ nFft] (null: ones of nFft)
     * and is treated as a constant.
     */
    public static Tensor[] stft(Tensor x, int nFft, int hop, Tensor window, boolean center) {
        Tensor s = stftStacked(x, nFft, hop, window, center);
        int k = nFft / 2 + 1, d = s.dim() - 2;
        return new Tensor[]{s.slice(d, 0, k), s.slice(d, k, 2 * k)};
    }

    /** The STFT as one tensor [B, 2K, frames] (or [2K, frames] for 1-d x): real rows, then imaginary rows. */
    public static Tensor stftStacked(Tensor x, int nFft, int hop, Tensor window, boolean center) {
        if (Dispatch.onDevice(x, window)) return Dispatch.run("stft", in -> stftStacked(in[0], nFft, hop, in[1], center), Dispatch.args(nFft, hop, center), x, window);
        return stftStacked(x, nFft, hop, window, center, nFft >= FFT_MIN && Integer.bitCount(nFft) == 1);
    }

    /** From this power-of-two nFft up, frames go through a radix-2 FFT (in float64) instead of the DFT GEMM. */
    static final int FFT_MIN = 128;

    static Tensor stftStacked(Tensor x, int nFft, int hop, Tensor window, boolean center, boolean useFft) {
        Tensor.check(x.dim() == 1 || x.dim() == 2, "stft: input must be [L] or [B, L], got %s", Arrays.toString(x.shape));
        Tensor.check(x.dtype != DType.I64, "stft of an int64 tensor");
        Tensor.check(nFft > 0 && hop > 0, "stft: nFft %d and hop %d must be positive", nFft, hop);
        if (x.dim() == 1) return stftStacked(x.unsqueeze(0), nFft, hop, window, center, useFft).squeeze(0);
        Win w = Win.of(window, nFft, "stft");
        int bs = x.shape[0], len = x.shape[1], pad = center ? nFft / 2 : 0;
        Tensor.check(!center || pad < len, "stft: reflect padding %d needs input length > %d, got shape %s",
                pad, pad, Arrays.toString(x.shape));
        int lp = len + 2 * pad;
        Tensor.check(lp >= nFft, "stft: nFft %d is longer than the (padded) input %d, shape %s", nFft, lp, Arrays.toString(x.shape));
        int frames = 1 + (lp - nFft) / hop, k = nFft / 2 + 1, wl = w.length;
        if (useFft) return stftFft(x, nFft, hop, w, pad, frames);
        // W [2K, wl]: cos and −sin of 2π·k·n/N at n = left + j, times the window
        double[][] trig = trig(nFft);
        double[] basis = new double[2 * k * wl];
        for (int f = 0; f < k; f++)
            for (int j = 0; j < wl; j++) {
                int m = (int) ((long) f * (w.left + j) % nFft);
                basis[f * wl + j] = trig[0][m] * w.values[j];
                basis[(k + f) * wl + j] = -trig[1][m] * w.values[j];
            }
        Tensor bt = fromDoubles(x.dtype, basis, 2 * k, wl);
        Tensor xc = x.contiguous();
        int[] src = new int[frames * wl]; // sample of x feeding frame t, tap j (reflect padding folded in)
        for (int t = 0; t < frames; t++)
            for (int j = 0; j < wl; j++) src[t * wl + j] = reflect(t * hop + w.left + j - pad, len);
        Tensor out = Tensor.zeros(x.dtype, bs, 2 * k, frames);
        Tensor fr = Tensor.zeros(x.dtype, frames, wl);
        for (int b = 0; b < bs; b++) {
            gather(xc, b * len, src, fr);
            Gemm.run(false, true, 2 * k, frames, wl, bt, 0, wl, fr, 0, wl, out, b * 2 * k * frames, frames, false);
        }
        return Autograd.record(out, g -> {
            if (!x.requiresGrad) return;
            Tensor gc = g.contiguous();
            Tensor gx = Tensor.zeros(x.dtype, bs, len);
            Tensor gf = Tensor.zeros(x.dtype, frames, wl);
            for (int b = 0; b < bs; b++) {
                Gemm.run(true, false, frames, wl, 2 * k, gc, b * 2 * k * frames, frames, bt, 0, wl, gf, 0, wl, false);
                scatterAdd(gf, src, gx, b * len);
            }
            Autograd.accumulate(x, gx);
        }, x);
    }

    /** The STFT frame by frame through a complex radix-2 FFT; backward is the one-sided inverse transform. */
    private static Tensor stftFft(Tensor x, int nFft, int hop, Win w, int pad, int frames) {
        int bs = x.shape[0], len = x.shape[1], k = nFft / 2 + 1, wl = w.length;
        Fft fft = new Fft(nFft);
        double[] xs = x.toDoubleArray();
        double[] out = new double[bs * 2 * k * frames];
        Parallel.forRange(bs * frames, 20L * nFft, (lo, hi) -> {
            double[] re = new double[nFft], im = new double[nFft];
            for (int bt = lo; bt < hi; bt++) {
                int b = bt / frames, t = bt % frames;
                Arrays.fill(re, 0);
                Arrays.fill(im, 0);
                for (int j = 0; j < wl; j++) re[w.left + j] = xs[b * len + reflect(t * hop + w.left + j - pad, len)] * w.values[j];
                fft.transform(re, im, false);
                int o = b * 2 * k * frames + t;
                im[0] = 0;
                im[nFft / 2] = 0; // exactly real, as the DFT of real data is
                for (int f = 0; f < k; f++) {
                    out[o + f * frames] = re[f];
                    out[o + (k + f) * frames] = im[f];
                }
            }
        });
        Tensor result = fromDoubles(x.dtype, out, bs, 2 * k, frames);
        return Autograd.record(result, g -> {
            if (!x.requiresGrad) return;
            double[] gs = g.toDoubleArray();
            double[] gx = new double[bs * len];
            // frames overlap, so each batch row is scattered by one thread
            Parallel.forRange(bs, 20L * nFft * frames, (lo, hi) -> {
                double[] re = new double[nFft], im = new double[nFft];
                for (int b = lo; b < hi; b++)
                    for (int t = 0; t < frames; t++) {
                        Arrays.fill(re, 0);
                        Arrays.fill(im, 0);
                        int o = b * 2 * k * frames + t;
                        for (int f = 0; f < k; f++) {
                            re[f] = gs[o + f * frames];
                            im[f] = gs[o + (k + f) * frames];
                        }
                        // ∂/∂frame[n] = Σ_k gRe_k cos(2πkn/N) − gIm_k sin(2πkn/N) = Re Σ_k G_k e^{+2πikn/N}
                        fft.transform(re, im, true);
                        for (int j = 0; j < wl; j++)
                            gx[b * len + reflect(t * hop + w.left + j - pad, len)] += re[w.left + j] * w.values[j];
                    }
            });
            Autograd.accumulate(x, fromDoubles(x.dtype, gx, bs, len));
        }, x);
    }

    /** In-place iterative radix-2 complex FFT of a power-of-two size, unnormalised both ways. */
    static final class Fft {
        final int n;
        final int[] rev;
        final double[] cos, sin;

        Fft(int n) {
            Tensor.check(Integer.bitCount(n) == 1, "FFT size %d is not a power of two", n);
            this.n = n;
            double[][] tr = trig(n);
            cos = tr[0];
            sin = tr[1];
            rev = new int[n];
            int bits = Integer.numberOfTrailingZeros(n);
            for (int i = 0; i < n; i++) rev[i] = bits == 0 ? 0 : Integer.reverse(i) >>> (32 - bits);
        }

        /** X_k = Σ x_n e^{∓2πikn/N} (− forward, + inverse). */
        void transform(double[] re, double[] im, boolean inverse) {
            for (int i = 0; i < n; i++) {
                int j = rev[i];
                if (j > i) {
                    double t = re[i]; re[i] = re[j]; re[j] = t;
                    t = im[i]; im[i] = im[j]; im[j] = t;
                }
            }
            double sign = inverse ? 1 : -1;
            for (int len = 2; len <= n; len <<= 1) {
                int half = len >> 1, step = n / len;
                for (int i = 0; i < n; i += len)
                    for (int j = 0; j < half; j++) {
                        double wr = cos[j * step], wi = sign * sin[j * step];
                        int a = i + j, b = a + half;
                        double vr = re[b] * wr - im[b] * wi, vi = re[b] * wi + im[b] * wr;
                        re[b] = re[a] - vr;
                        im[b] = im[a] - vi;
                        re[a] += vr;
                        im[a] += vi;
                    }
            }
        }
    }

    // ---------------------------------------------------------------- istft

    /**
     * torch.istft(re + i·im, nFft, hop, window=window, center=center, normalized=False, onesided=True,
     * length=length) for re, im [B, nFft/2+1, frames] (or [K, frames]); {@code length < 0} means None.
     * The imaginary parts of the DC and Nyquist bins are ignored (as irfft does). Differentiable in
     * re and im; the window is a constant.
     */
    public static Tensor istft(Tensor re, Tensor im, int nFft, int hop, Tensor window, boolean center, int length) {
        if (Dispatch.onDevice(re, im, window)) return Dispatch.run("istft", in -> istft(in[0], in[1], nFft, hop, in[2], center, length), Dispatch.args(nFft, hop, center, length), re, im, window);
        Tensor.check(Arrays.equals(re.shape, im.shape), "istft: real part %s and imaginary part %s differ in shape",
                Arrays.toString(re.shape), Arrays.toString(im.shape));
        Tensor.check(re.dtype == im.dtype && re.dtype != DType.I64, "istft of %s and %s", re.dtype, im.dtype);
        Tensor.check(re.dim() == 2 || re.dim() == 3, "istft: spectrum must be [K, frames] or [B, K, frames], got %s", Arrays.toString(re.shape));
        if (re.dim() == 2) return istft(re.unsqueeze(0), im.unsqueeze(0), nFft, hop, window, center, length).squeeze(0);
        int k = nFft / 2 + 1;
        Tensor.check(re.shape[1] == k, "istft: nFft %d needs %d frequency bins, got shape %s", nFft, k, Arrays.toString(re.shape));
        Tensor.check(hop > 0, "istft: hop %d must be positive", hop);
        Win w = Win.of(window, nFft, "istft");
        int bs = re.shape[0], frames = re.shape[2], wl = w.length;
        Tensor.check(frames > 0, "istft of zero frames, shape %s", Arrays.toString(re.shape));
        int expLen = nFft + hop * (frames - 1);
        int start = center ? nFft / 2 : 0;
        int end = length >= 0 ? start + length : (center ? expLen - nFft / 2 : expLen);
        int outLen = Math.max(0, end - start), valid = Math.max(0, Math.min(end, expLen) - start);
        // Bw [wl, 2K]: window · a_k · (cos, −sin)(2π k n / N) / N, a_k = 1 for DC and Nyquist, else 2
        double[][] trig = trig(nFft);
        double[] basis = new double[wl * 2 * k];
        for (int j = 0; j < wl; j++)
            for (int f = 0; f < k; f++) {
                double a = (f == 0 || 2 * f == nFft) ? 1.0 : 2.0;
                int m = (int) ((long) f * (w.left + j) % nFft);
                double s = (f == 0 || 2 * f == nFft) ? 0.0 : trig[1][m];
                basis[j * 2 * k + f] = w.values[j] * a * trig[0][m] / nFft;
                basis[j * 2 * k + k + f] = -w.values[j] * a * s / nFft;
            }
        Tensor bt = fromDoubles(re.dtype, basis, wl, 2 * k);
        double[] env = new double[expLen];
        for (int t = 0; t < frames; t++)
            for (int j = 0; j < wl; j++) env[t * hop + w.left + j] += w.values[j] * w.values[j];
        for (int p = start; p < start + valid; p++)
            Tensor.check(Math.abs(env[p]) >= 1e-11, "istft: window overlap-add envelope is %g at sample %d "
                    + "(nFft %d, hop %d, window %d): the window does not satisfy NOLA", env[p], p, nFft, hop, wl);
        Tensor spec = Tensor.zeros(re.dtype, bs, 2 * k, frames);
        Tensor sv = spec.slice(1, 0, k).detach();
        sv.copyFrom(re);
        spec.slice(1, k, 2 * k).detach().copyFrom(im);
        Tensor out = Tensor.zeros(re.dtype, bs, outLen);
        Tensor yw = Tensor.zeros(re.dtype, wl, frames);
        double[] ola = new double[expLen];
        for (int b = 0; b < bs; b++) {
            Gemm.run(false, false, wl, frames, 2 * k, bt, 0, 2 * k, spec, b * 2 * k * frames, frames, yw, 0, frames, false);
            Arrays.fill(ola, 0);
            double[] y = yw.toDoubleArray();
            for (int j = 0; j < wl; j++)
                for (int t = 0, p = w.left + j; t < frames; t++, p += hop) ola[p] += y[j * frames + t];
            int o = b * outLen;
            if (out.dtype == DType.F32) for (int i = 0; i < valid; i++) out.f[o + i] = (float) (ola[start + i] / env[start + i]);
            else for (int i = 0; i < valid; i++) out.d[o + i] = ola[start + i] / env[start + i];
        }
        return Autograd.record(out, g -> {
            double[] gd = g.toDoubleArray();
            double[] gyd = new double[wl * frames];
            Tensor gs = Tensor.zeros(re.dtype, bs, 2 * k, frames);
            for (int b = 0; b < bs; b++) {
                for (int j = 0; j < wl; j++)
                    for (int t = 0, p = w.left + j; t < frames; t++, p += hop)
                        gyd[j * frames + t] = p >= start && p < start + valid ? gd[b * outLen + p - start] / env[p] : 0;
                Tensor gy = fromDoubles(re.dtype, gyd, wl, frames);
                Gemm.run(true, false, 2 * k, frames, wl, bt, 0, 2 * k, gy, 0, frames, gs, b * 2 * k * frames, frames, false);
            }
            if (re.requiresGrad) Autograd.accumulate(re, gs.slice(1, 0, k).detach().contiguous());
            if (im.requiresGrad) Autograd.accumulate(im, gs.slice(1, k, 2 * k).detach().contiguous());
        }, re, im);
    }

    /**
     * Kokoro's TorchSTFT.inverse: torch.istft(magnitude · exp(i·phase), nFft, hop, window=window)
     * (center, length None), differentiable in magnitude and phase.
     */
    public static Tensor polarIstft(Tensor magnitude, Tensor phase, int nFft, int hop, Tensor window) {
        return istft(polarRe(magnitude, phase), polarIm(magnitude, phase), nFft, hop, window, true, -1);
    }

    // ---------------------------------------------------------------- complex pointwise

    /** |re + i·im| (torch.abs of a complex tensor); the gradient at 0 is 0, as torch's. */
    public static Tensor magnitude(Tensor re, Tensor im) {
        if (Dispatch.onDevice(re, im)) return Dispatch.run("magnitude", in -> magnitude(in[0], in[1]), Dispatch.args(), re, im);
        return binary(re, im, Math::hypot,
                (a, b) -> { double r = Math.hypot(a, b); return r == 0 ? 0 : a / r; },
                (a, b) -> { double r = Math.hypot(a, b); return r == 0 ? 0 : b / r; });
    }

    /** re² + im² (|z|², the power spectrum). */
    public static Tensor power(Tensor re, Tensor im) {
        if (Dispatch.onDevice(re, im)) return Dispatch.run("power", in -> power(in[0], in[1]), Dispatch.args(), re, im);
        return binary(re, im, (a, b) -> a * a + b * b, (a, b) -> 2 * a, (a, b) -> 2 * b);
    }

    /**
     * torch.angle of re + i·im = atan2(im, re). Like torch's complex angle, the gradient at 0 is 0
     * (real torch.atan2 would give NaN there).
     */
    public static Tensor angle(Tensor re, Tensor im) {
        if (Dispatch.onDevice(re, im)) return Dispatch.run("angle", in -> angle(in[0], in[1]), Dispatch.args(), re, im);
        return binary(re, im, (a, b) -> Math.atan2(b, a),
                (a, b) -> { double r2 = a * a + b * b; return r2 == 0 ? 0 : -b / r2; },
                (a, b) -> { double r2 = a * a + b * b; return r2 == 0 ? 0 : a / r2; });
    }

    /** magnitude · cos(phase): the real part of torch.polar(magnitude, phase). */
    public static Tensor polarRe(Tensor magnitude, Tensor phase) {
        if (Dispatch.onDevice(magnitude, phase)) return Dispatch.run("polar_re", in -> polarRe(in[0], in[1]), Dispatch.args(), magnitude, phase);
        return binary(magnitude, phase, (m, p) -> m * Math.cos(p), (m, p) -> Math.cos(p), (m, p) -> -m * Math.sin(p));
    }

    /** magnitude · sin(phase): the imaginary part of torch.polar(magnitude, phase). */
    public static Tensor polarIm(Tensor magnitude, Tensor phase) {
        if (Dispatch.onDevice(magnitude, phase)) return Dispatch.run("polar_im", in -> polarIm(in[0], in[1]), Dispatch.args(), magnitude, phase);
        return binary(magnitude, phase, (m, p) -> m * Math.sin(p), (m, p) -> Math.sin(p), (m, p) -> m * Math.cos(p));
    }

    /** f(a, b) elementwise on equal shapes, with ∂f/∂a = da(a, b), ∂f/∂b = db(a, b). */
    private static Tensor binary(Tensor a, Tensor b, DoubleBinaryOperator f, DoubleBinaryOperator da, DoubleBinaryOperator db) {
        Tensor.check(Arrays.equals(a.shape, b.shape), "complex op on shapes %s and %s", Arrays.toString(a.shape), Arrays.toString(b.shape));
        Tensor.check(a.dtype == b.dtype && a.dtype != DType.I64, "complex op on %s and %s", a.dtype, b.dtype);
        Tensor ac = a.contiguous(), bc = b.contiguous();
        Tensor out = Elementwise.zip(ac, bc, f);
        return Autograd.record(out, g -> {
            if (ac.requiresGrad) Autograd.accumulate(ac, g.mul(Elementwise.zip(ac, bc, da)));
            if (bc.requiresGrad) Autograd.accumulate(bc, g.mul(Elementwise.zip(ac, bc, db)));
        }, ac, bc);
    }

    // ---------------------------------------------------------------- helpers

    /** A window's values and where it sits inside nFft. */
    private record Win(double[] values, int left, int length) {
        static Win of(Tensor window, int nFft, String op) {
            if (window == null) {
                double[] ones = new double[nFft];
                Arrays.fill(ones, 1.0);
                return new Win(ones, 0, nFft);
            }
            Tensor.check(window.dim() == 1 && window.shape[0] >= 1 && window.shape[0] <= nFft,
                    "%s: window must be 1-d with 1..%d values (nFft), got shape %s", op, nFft, Arrays.toString(window.shape));
            int wl = window.shape[0];
            return new Win(window.toDoubleArray(), (nFft - wl) / 2, wl);
        }
    }

    /** cos and sin of 2π m / n for m in [0, n), exact at multiples of a quarter turn. */
    static double[][] trig(int n) {
        double[] c = new double[n], s = new double[n];
        for (int m = 0; m < n; m++) {
            if (4L * m % n == 0) {
                int q = (int) (4L * m / n);
                c[m] = new double[]{1, 0, -1, 0}[q];
                s[m] = new double[]{0, 1, 0, -1}[q];
            } else {
                double a = 2 * Math.PI * m / n;
                c[m] = Math.cos(a);
                s[m] = Math.sin(a);
            }
        }
        return new double[][]{c, s};
    }

    /** torch's reflect padding: index i of the unpadded signal of length len, mirrored at both ends. */
    static int reflect(int i, int len) {
        if (len == 1) return 0;
        int period = 2 * (len - 1);
        i = Math.floorMod(i, period);
        return i < len ? i : period - i;
    }

    private static Tensor fromDoubles(DType dtype, double[] v, int... shape) {
        if (dtype == DType.F64) return Tensor.of(v, shape);
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
        return Tensor.of(f, shape);
    }

    private static void gather(Tensor x, int base, int[] src, Tensor dst) {
        if (x.dtype == DType.F32) {
            for (int i = 0; i < src.length; i++) dst.f[i] = x.f[base + src[i]];
        } else {
            for (int i = 0; i < src.length; i++) dst.d[i] = x.d[base + src[i]];
        }
    }

    private static void scatterAdd(Tensor g, int[] src, Tensor dst, int base) {
        if (g.dtype == DType.F32) {
            for (int i = 0; i < src.length; i++) dst.f[base + src[i]] += g.f[i];
        } else {
            for (int i = 0; i < src.length; i++) dst.d[base + src[i]] += g.d[i];
        }
    }
}
