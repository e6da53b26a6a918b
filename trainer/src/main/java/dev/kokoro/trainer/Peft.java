package dev.kokoro.trainer;

import dev.kokoro.audio.MelSpectrogram;
import dev.kokoro.engine.Activations;
import dev.kokoro.engine.DType;
import dev.kokoro.engine.Device;
import dev.kokoro.engine.MathOps;
import dev.kokoro.engine.Spectral;
import dev.kokoro.engine.Tensor;
import dev.kokoro.model.Alignment;
import dev.kokoro.model.KModel;

/**
 * The fine-tuning objective of one utterance, teacher-forced with its target durations:
 * L1 on the normalised log-mel of the decoded audio vs the recording (the plan's loss), L1 on the
 * sigmoid-sum durations, StyleTTS2's per-bin binary cross-entropy on the duration logits, and L1 on
 * F0 and energy against targets tracked from the recording. Each term is weighted by {@link Weights}.
 * On a device model the targets are uploaded and the loss graph stays on the device; the terms come
 * back as host numbers for logging.
 */
public final class Peft {
    private Peft() {}

    public record Weights(double mel, double dur, double ce, double f0, double energy) {
        /** The plan's loss (as the train-step fixture): mel + duration L1. */
        public static Weights plan() { return new Weights(1, 1, 0, 0, 0); }
    }

    /**
     * One training utterance. ids int64 [1, T] (with the 0 pads), refS [1, 256], targetDur [T] in
     * 600-sample frames, targetLogMel [1, nMels, 1 + 2F] of the recording cropped to 600·F samples, f0 and
     * energy targets [2F] (may be null when their weight is 0).
     */
    public record Example(String id, Tensor ids, Tensor refS, long[] targetDur, Tensor targetLogMel, float[] f0, float[] energy) {
        public int frames() {
            int f = 0;
            for (long d : targetDur) f += (int) d;
            return f;
        }
    }

    /** The weighted total (a scalar graph to back-propagate) and every term's value. */
    public record Result(Tensor loss, Losses parts, KModel.Aligned outputs) {}

    public static Result loss(KModel model, MelSpectrogram mel, Example ex, Weights w) {
        DType dt = model.dtype();
        Device dev = model.device();
        int t = ex.ids().size(1);
        if (ex.targetDur().length != t)
            throw new IllegalArgumentException(ex.id() + ": " + ex.targetDur().length + " durations for " + t + " tokens");
        Tensor aln = Alignment.fromDurations(new long[][] {ex.targetDur()}, t, dt);
        KModel.Aligned out = model.forwardAligned(ex.ids(), null, ex.refS(), aln, null);
        int samples = out.audio().numel();
        Tensor logMel = logMel(mel, out.audio().reshape(1, samples));
        Tensor target = ex.targetLogMel().to(dt).to(dev);
        if (!java.util.Arrays.equals(logMel.shape(), target.shape()))
            throw new IllegalArgumentException(ex.id() + ": target log-mel " + java.util.Arrays.toString(target.shape())
                    + " does not match the decoded " + java.util.Arrays.toString(logMel.shape()));
        Tensor lossMel = l1(logMel, target);
        Tensor durTarget = Tensor.of(toDouble(ex.targetDur()), 1, t).to(dt).to(dev);
        Tensor lossDur = l1(out.durations(), durTarget);
        Tensor total = lossMel.mul(w.mel()).add(lossDur.mul(w.dur()));
        double ce = 0, f0 = 0, energy = 0;
        if (w.ce() > 0) {
            Tensor c = bceDurationBins(out.durationLogits(), ex.targetDur());
            total = total.add(c.mul(w.ce()));
            ce = c.item();
        }
        if (ex.f0() != null) {
            Tensor l = l1(out.f0().reshape(-1), Tensor.of(ex.f0().clone(), ex.f0().length).to(dt).to(dev));
            if (w.f0() > 0) total = total.add(l.mul(w.f0()));
            f0 = l.item();
        }
        if (ex.energy() != null) {
            Tensor l = l1(out.n().reshape(-1), Tensor.of(ex.energy().clone(), ex.energy().length).to(dt).to(dev));
            if (w.energy() > 0) total = total.add(l.mul(w.energy()));
            energy = l.item();
        }
        return new Result(total, new Losses(total.item(), lossMel.item(), lossDur.item() + ce, f0, energy), out);
    }

    /**
     * {@link MelSpectrogram#logMel} of audio [B, L] on the audio's device: the same formula, with the
     * (host) window and filterbank uploaded for a device input (float32).
     */
    public static Tensor logMel(MelSpectrogram mel, Tensor audio) {
        if (audio.device() == Device.CPU) return mel.logMel(audio);
        Tensor window = mel.window().to(DType.F32).to(audio.device()), fb = mel.filterbank().to(DType.F32).to(audio.device());
        int nFft = 2 * (fb.size(1) - 1);
        Tensor[] s = Spectral.stft(audio, nFft, mel.hop(), window, true);
        Tensor m = fb.matmul(Spectral.power(s[0], s[1]));
        return MathOps.log(m.add(1e-5)).add(-MelSpectrogram.MEAN).mul(1.0 / MelSpectrogram.STD);
    }

    /** F.l1_loss (mean). */
    public static Tensor l1(Tensor a, Tensor b) {
        return MathOps.abs(a.sub(b)).mean();
    }

    /**
     * StyleTTS2's duration cross-entropy: logits [1, T, maxDur]; bin k of token p is 1 when k &lt; d_p;
     * mean of binary_cross_entropy_with_logits = softplus(x) − x·y.
     */
    static Tensor bceDurationBins(Tensor logits, long[] dur) {
        int t = logits.size(1), bins = logits.size(2);
        double[] y = new double[t * bins];
        for (int p = 0; p < t; p++) for (int k = 0; k < Math.min(bins, dur[p]); k++) y[p * bins + k] = 1;
        Tensor target = Tensor.of(y, 1, t, bins).to(logits.dtype).to(logits.device());
        return Activations.softplus(logits).sub(logits.mul(target)).mean();
    }

    static double[] toDouble(long[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) d[i] = v[i];
        return d;
    }
}
