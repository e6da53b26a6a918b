package dev.kokoro.trainer;

import dev.kokoro.audio.MelSpectrogram;
import dev.kokoro.audio.Wav;
import dev.kokoro.engine.Autograd;
import dev.kokoro.model.KModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** Validation metrics (valid.csv) and sample WAVs of fixed validation sentences during training. */
final class Validation {
    private Validation() {}

    /** Teacher-forced mel L1, duration MAE in frames (rounded prediction vs target), F0 RMSE in Hz on voiced frames. */
    static void run(KModel model, MelSpectrogram mel, List<Peft.Example> items, Peft.Weights w, RunDir run, int step) throws IOException {
        double melL1 = 0, durAbs = 0, f0Sq = 0;
        int tokens = 0, voiced = 0;
        try (var off = Autograd.disable()) {
            for (Peft.Example ex : items) {
                Peft.Result r = Peft.loss(model, mel, ex, w);
                melL1 += r.parts().mel();
                double[] pred = r.outputs().durations().toDoubleArray();
                for (int i = 0; i < pred.length; i++) durAbs += Math.abs(Math.max(1, Math.rint(pred[i])) - ex.targetDur()[i]);
                tokens += pred.length;
                double[] f0 = r.outputs().f0().toDoubleArray();
                for (int i = 0; i < Math.min(f0.length, ex.f0().length); i++) {
                    if (ex.f0()[i] <= 0) continue;
                    f0Sq += (f0[i] - ex.f0()[i]) * (f0[i] - ex.f0()[i]);
                    voiced++;
                }
            }
        }
        String line = String.format(Locale.ROOT, "%d,%.6g,%.6g,%.6g", step, melL1 / items.size(), durAbs / Math.max(1, tokens),
                voiced == 0 ? Double.NaN : Math.sqrt(f0Sq / voiced));
        run.appendLine("valid.csv", "step,mel_l1,dur_mae_frames,f0_rmse_hz", line);
        System.err.printf(Locale.ROOT, "%nvalid @%d: mel L1 %.4f, duration MAE %.3f frames, F0 RMSE %.1f Hz%n", step, melL1 / items.size(),
                durAbs / Math.max(1, tokens), voiced == 0 ? Double.NaN : Math.sqrt(f0Sq / voiced));
    }

    /** Free-running synthesis (predicted durations) of the given sentences into samples/step-N-ID.wav. */
    static void samples(KModel model, List<Peft.Example> items, RunDir run, int step) throws IOException {
        for (Peft.Example ex : items) {
            KModel.Output out = model.forwardWithTokens(ex.ids(), ex.refS(), 1.0);
            Path p = run.dir.resolve("samples").resolve(String.format(Locale.ROOT, "step-%06d-%s.wav", step, ex.id()));
            float[] a = out.audio().toFloatArray();
            float peak = 0;
            for (float v : a) peak = Math.max(peak, Math.abs(v));
            if (peak > 1) for (int i = 0; i < a.length; i++) a[i] /= peak; // random demo weights can exceed ±1
            Wav.write(p, a, 24000);
        }
    }
}
