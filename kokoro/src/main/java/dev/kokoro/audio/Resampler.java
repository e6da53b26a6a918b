package dev.kokoro.audio;

import dev.kokoro.engine.Parallel;

/**
 * Band-limited rational resampling with a Kaiser-windowed sinc (polyphase). For rates from → to with
 * g = gcd, output sample j sits exactly at input time j·(from/g)/(to/g), so integer ratios such as
 * 22050→24000 (160/147) are exact, not approximated. The low-pass cutoff is {@link #ROLLOFF} × the lower
 * of the two Nyquist frequencies; each polyphase filter is normalised to unit DC gain.
 */
public final class Resampler {
    private Resampler() {}

    /** Kokoro's sample rate. */
    public static final int KOKORO_RATE = 24000;
    /** Cutoff as a fraction of the lower Nyquist frequency. */
    public static final double ROLLOFF = 0.95;
    /** Zero crossings of the sinc on each side (at the cutoff frequency). */
    public static final int ZEROS = 64;
    /** Kaiser β: about 86 dB of stop-band attenuation. */
    public static final double BETA = 8.6;

    public static float[] toKokoroRate(float[] x, int from) {
        return resample(x, from, KOKORO_RATE);
    }

    public static float[] resample(float[] x, int from, int to) {
        if (from <= 0 || to <= 0) throw new IllegalArgumentException("resample: rates must be positive, got " + from + " → " + to);
        if (from == to) return x.clone();
        int g = gcd(from, to);
        int up = to / g, down = from / g;
        double c = ROLLOFF * Math.min(1.0, (double) up / down); // cutoff in cycles per input sample × 2
        int half = (int) Math.ceil(ZEROS / c);                     // taps on each side, in input samples
        int taps = 2 * half;
        int n = (int) Math.min(Integer.MAX_VALUE, ((long) x.length * up + down - 1) / down);
        float[] y = new float[n];
        boolean table = (long) up * taps <= 4_000_000;
        double[][] bank = table ? new double[up][] : null;
        if (table) for (int p = 0; p < up; p++) bank[p] = phase((double) p / up, c, half);
        Parallel.forRange(n, taps, (lo, hi) -> {
            for (int j = lo; j < hi; j++) {
                long t = (long) j * down;
                int i0 = (int) (t / up), p = (int) (t % up);
                double[] h = table ? bank[p] : phase((double) p / up, c, half);
                double s = 0;
                int first = i0 - half + 1;
                int kLo = Math.max(0, -first), kHi = Math.min(taps, x.length - first);
                for (int k = kLo; k < kHi; k++) s += h[k] * x[first + k];
                y[j] = (float) s;
            }
        });
        return y;
    }

    /** The filter for fractional delay {@code frac}: taps for input offsets −half+1 … half, unit sum. */
    static double[] phase(double frac, double c, int half) {
        double[] h = new double[2 * half];
        double sum = 0;
        for (int k = 0; k < h.length; k++) {
            double tau = frac - (k - half + 1); // output time minus input time, in input samples
            double v = c * sinc(c * tau) * kaiser(tau / half);
            h[k] = v;
            sum += v;
        }
        for (int k = 0; k < h.length; k++) h[k] /= sum;
        return h;
    }

    static double sinc(double x) {
        if (x == 0) return 1;
        double px = Math.PI * x;
        return Math.sin(px) / px;
    }

    static double kaiser(double x) {
        if (Math.abs(x) > 1) return 0;
        return besselI0(BETA * Math.sqrt(1 - x * x)) / besselI0(BETA);
    }

    static double besselI0(double x) {
        double sum = 1, term = 1, q = x * x / 4;
        for (int k = 1; k < 200; k++) {
            term *= q / ((double) k * k);
            sum += term;
            if (term < 1e-17 * sum) break;
        }
        return sum;
    }

    static int gcd(int a, int b) {
        while (b != 0) {
            int t = a % b;
            a = b;
            b = t;
        }
        return a;
    }
}
