package dev.kokoro.audio;

import dev.kokoro.engine.DType;
import dev.kokoro.engine.MathOps;
import dev.kokoro.engine.Spectral;
import dev.kokoro.engine.Tensor;
import java.util.Arrays;

/**
 * The training loss's log-mel, as StyleTTS2 / the fixture define it:
 * {@code logmel = (log(1e-5 + Mel(audio)) + 4) / 4} with Mel = torchaudio.transforms.MelSpectrogram(
 * sample_rate 24000, n_fft 2048, win_length 1200, hop_length 300, n_mels 80, f_min 0, f_max sr/2,
 * power 2, norm None, mel_scale "htk", center, reflect). Differentiable in the audio.
 *
 * <p>The Hann window and filterbank are built in float64 (as the fixture's float64 torchaudio module
 * holds them: that matches it to 1e-15, where float32-built ones would differ by 2.5e-7) and rounded
 * to float32 for float32 audio.
 */
public final class MelSpectrogram {
    public static final int SAMPLE_RATE = 24000, N_FFT = 2048, WIN_LENGTH = 1200, HOP = 300, N_MELS = 80;
    /** StyleTTS2's normalisation: (log mel − MEAN) / STD. */
    public static final double MEAN = -4.0, STD = 4.0;

    private final int sampleRate, nFft, winLength, hop, nMels;
    private final Tensor window64, fb64, window32, fb32; // [winLength], [nMels, nFft/2+1]

    public MelSpectrogram(int sampleRate, int nFft, int winLength, int hop, int nMels) {
        this.sampleRate = sampleRate;
        this.nFft = nFft;
        this.winLength = winLength;
        this.hop = hop;
        this.nMels = nMels;
        this.window64 = Spectral.hannWindow(DType.F64, winLength, true);
        this.fb64 = Tensor.of(melFilterbank(nFft / 2 + 1, 0, sampleRate / 2.0, nMels, sampleRate), nMels, nFft / 2 + 1);
        this.window32 = window64.to(DType.F32);
        this.fb32 = fb64.to(DType.F32);
    }

    /** The loss's configuration (24 kHz, 2048 / 1200 / 300, 80 mels). */
    public MelSpectrogram() {
        this(SAMPLE_RATE, N_FFT, WIN_LENGTH, HOP, N_MELS);
    }

    public int hop() { return hop; }
    public int nMels() { return nMels; }
    public int sampleRate() { return sampleRate; }

    /** Frames for {@code samples} samples: 1 + samples / hop (centred STFT). */
    public int frames(int samples) { return 1 + samples / hop; }

    /** Mel power spectrogram: audio [B, L] (or [L]) → [B, nMels, frames] (or [nMels, frames]). */
    public Tensor mel(Tensor audio) {
        if (audio.dim() != 1 && audio.dim() != 2)
            throw new IllegalArgumentException("mel: audio must be [L] or [B, L], got " + Arrays.toString(audio.shape()));
        if (audio.dim() == 1) return mel(audio.unsqueeze(0)).squeeze(0);
        boolean f32 = audio.dtype == DType.F32;
        Tensor w = f32 ? window32 : window64, fb = f32 ? fb32 : fb64;
        Tensor[] s = Spectral.stft(audio, nFft, hop, w, true);
        return fb.matmul(Spectral.power(s[0], s[1]));
    }

    /** (log(1e-5 + mel) + 4) / 4. */
    public Tensor logMel(Tensor audio) {
        return MathOps.log(mel(audio).add(1e-5)).add(-MEAN).mul(1.0 / STD);
    }

    /** The filterbank [nMels, nFft/2+1] in float64; rows are the mel filters. */
    public Tensor filterbank() { return fb64; }

    /** The Hann window (periodic, winLength) in float64. */
    public Tensor window() { return window64; }

    /**
     * torchaudio.functional.melscale_fbanks(n_freqs, f_min, f_max, n_mels, sr, norm=None, mel_scale="htk")
     * in float64, transposed: [nMels][nFreqs] flat. Filter m is the triangle over the mel points
     * m, m+1, m+2 of n_mels + 2 points evenly spaced in mel between f_min and f_max.
     */
    static double[] melFilterbank(int nFreqs, double fMin, double fMax, int nMels, int sampleRate) {
        double[] allFreqs = linspace(0, sampleRate / 2, nFreqs); // sample_rate // 2, as torchaudio
        double[] mPts = linspace(hzToMel(fMin), hzToMel(fMax), nMels + 2);
        double[] fPts = new double[nMels + 2];
        for (int i = 0; i < fPts.length; i++) fPts[i] = 700.0 * (Math.pow(10.0, mPts[i] / 2595.0) - 1.0);
        double[] fb = new double[nMels * nFreqs];
        for (int f = 0; f < nFreqs; f++)
            for (int m = 0; m < nMels; m++) {
                double down = (allFreqs[f] - fPts[m]) / (fPts[m + 1] - fPts[m]);
                double up = (fPts[m + 2] - allFreqs[f]) / (fPts[m + 2] - fPts[m + 1]);
                fb[m * nFreqs + f] = Math.max(0, Math.min(down, up));
            }
        return fb;
    }

    static double hzToMel(double hz) {
        return 2595.0 * Math.log10(1.0 + hz / 700.0);
    }

    static double[] linspace(double start, double end, int steps) {
        double[] out = new double[steps];
        double step = steps == 1 ? 0 : (end - start) / (steps - 1);
        for (int i = 0; i < steps; i++) out[i] = start + step * i;
        if (steps > 1) out[steps - 1] = end;
        return out;
    }
}
