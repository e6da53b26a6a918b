package dev.kokoro.trainer;

import dev.kokoro.engine.Activations;
import dev.kokoro.engine.Autograd;
import dev.kokoro.engine.Tensor;
import dev.kokoro.model.KModel;
import dev.kokoro.model.prosody.DurationEncoding;

/**
 * Warm start without audio: the Mamba encoder learns to reproduce the original DurationEncoder's
 * output d [1, T, hidden + style] and the durations the frozen duration head computes from it.
 * loss = L1(d_student, d_teacher) + L1(durations_student, durations_teacher).
 */
final class Distill {
    private Distill() {}

    /** Logged as: loss_mel column = the encoder-output L1 (feature matching), loss_dur = the duration L1. */
    static Tensor[] loss(KModel model, DurationEncoding teacher, Tensor ids, Tensor refS) {
        int style = model.cfg.styleDim();
        Tensor s = refS.to(model.dtype()).to(model.device()).slice(1, style, 2 * style);
        Tensor dEn, dT, durT;
        try (var off = Autograd.disable()) {
            dEn = model.bertDurationInput(ids, null, null);
            dT = teacher.forward(dEn, s, null);
            durT = Activations.sigmoid(model.predictor.durationLogits(dT, null, null)).sum(-1, false);
        }
        Tensor dS = model.predictor.textEncoder().forward(dEn, s, null);
        Tensor durS = Activations.sigmoid(model.predictor.durationLogits(dS, null, null)).sum(-1, false);
        Tensor lossD = Peft.l1(dS, dT), lossDur = Peft.l1(durS, durT);
        return new Tensor[] {lossD.add(lossDur), lossD, lossDur};
    }
}
