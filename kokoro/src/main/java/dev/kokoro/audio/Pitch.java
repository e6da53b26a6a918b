package dev.kokoro.audio;

import dev.kokoro.engine.Parallel;

/**
 * F0 tracking with YIN (de Cheveigné &amp; Kawahara 2002): cumulative-mean-normalised difference,
 * absolute threshold, parabolic interpolation of the dip. One value per hop, frames centred at
 * {@code t · hop} exactly like the centred mel spectrogram (1 + L / hop frames), so at 24 kHz and hop 300
 * there are two F0 values per 600-sample Kokoro duration frame. Unvoiced and silent frames are 0.
 */
public final class Pitch {
    public final int sampleRate, hop, window;
    public final double fMin, fMax, threshold, silenceRms;

    /**
     * @param window     integration window W in samples (the difference function sums W products)
     * @param threshold  YIN absolute threshold on the normalised difference (0.1–0.2 usual)
     * @param silenceRms frames whose RMS is below this are unvoiced
     */
    public Pitch(int sampleRate, int hop, int window, double fMin, double fMax, double threshold, double silenceRms) {
        if (fMin <= 0 || fMax <= fMin || fMax >= sampleRate / 2.0)
            throw new IllegalArgumentException("Pitch: need 0 < fMin < fMax < sampleRate/2, got " + fMin + ", " + fMax);
        this.sampleRate = sampleRate;
        this.hop = hop;
        this.window = window;
        this.fMin = fMin;
        this.fMax = fMax;
        this.threshold = threshold;
        this.silenceRms = silenceRms;
    }

    /** 24 kHz, hop 300 (the mel hop), 40 ms window, 50–800 Hz, threshold 0.15, silence below −60 dBFS. */
    public static Pitch kokoro() {
        return new Pitch(24000, 300, 960, 50, 800, 0.15, 1e-3);
    }

    public int frames(int samples) { return 1 + samples / hop; }

    /** F0 in Hz per frame (0 = unvoiced). */
    public float[] track(float[] x) {
        int frames = frames(x.length);
        int tauMax = (int) Math.ceil(sampleRate / fMin) + 1, tauMin = Math.max(2, (int) Math.floor(sampleRate / fMax));
        float[] f0 = new float[frames];
        Parallel.forRange(frames, (long) window * tauMax, (lo, hi) -> {
            double[] seg = new double[window + tauMax + 1];
            double[] d = new double[tauMax + 2];
            for (int t = lo; t < hi; t++) f0[t] = (float) frame(x, t * hop - (window + tauMax) / 2, seg, d, tauMin, tauMax);
        });
        return f0;
    }

    private double frame(float[] x, int start, double[] seg, double[] d, int tauMin, int tauMax) {
        for (int i = 0; i < seg.length; i++) {
            int s = start + i;
            seg[i] = s >= 0 && s < x.length ? x[s] : 0;
        }
        double e = 0;
        for (int j = 0; j < window; j++) e += seg[j + tauMax / 2] * seg[j + tauMax / 2];
        if (Math.sqrt(e / window) < silenceRms) return 0;
        // d(τ) = Σ_j (x_j − x_{j+τ})², then d'(τ) = d(τ) · τ / Σ_{k≤τ} d(k)
        for (int tau = 1; tau <= tauMax + 1; tau++) {
            double s = 0;
            for (int j = 0; j < window; j++) {
                double v = seg[j] - seg[j + tau];
                s += v * v;
            }
            d[tau] = s;
        }
        double run = 0;
        d[0] = 1;
        for (int tau = 1; tau <= tauMax + 1; tau++) {
            run += d[tau];
            d[tau] = run > 0 ? d[tau] * tau / run : 1;
        }
        int best = -1;
        for (int tau = tauMin; tau <= tauMax; tau++) {
            if (d[tau] < threshold) {
                while (tau + 1 <= tauMax && d[tau + 1] < d[tau]) tau++;
                best = tau;
                break;
            }
        }
        if (best < 0) return 0;
        double a = d[best - 1], b = d[best], c = d[best + 1];
        double den = a - 2 * b + c;
        double shift = den > 0 ? 0.5 * (a - c) / den : 0;
        double period = best + Math.max(-1, Math.min(1, shift));
        return sampleRate / period;
    }
}
