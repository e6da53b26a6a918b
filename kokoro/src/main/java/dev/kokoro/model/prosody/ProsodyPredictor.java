package dev.kokoro.model.prosody;

import dev.kokoro.engine.Tensor;
import dev.kokoro.model.Trace;
import dev.kokoro.model.nn.AdainResBlk1d;
import dev.kokoro.model.nn.Conv1d;
import dev.kokoro.model.nn.LSTM;
import dev.kokoro.model.nn.Linear;
import dev.kokoro.model.nn.Module;
import dev.kokoro.model.nn.ModuleList;

/**
 * Kokoro's ProsodyPredictor (eval mode): {@code text_encoder} (DurationEncoder, swappable for the Mamba
 * encoder), {@code lstm} + {@code duration_proj} for durations, and {@link #f0nTrain} (shared BiLSTM,
 * F0 / N stacks of AdainResBlk1d, 1×1 projections) for pitch and energy.
 */
public final class ProsodyPredictor extends Module {
    public final int dHid, styleDim, maxDur;
    private DurationEncoding textEncoder;
    public final LSTM lstm;
    public final LinearNorm durationProj;
    public final LSTM shared;
    public final ModuleList<AdainResBlk1d> f0, n;
    public final Conv1d f0Proj, nProj;

    /** What {@link #forward} returns: the encoder output d [B, T, d_hid + sty], duration logits [B, T, max_dur], en [B, d_hid + sty, F]. */
    public record Output(Tensor d, Tensor duration, Tensor en) {}

    public ProsodyPredictor(int styleDim, int dHid, int nlayers, int maxDur) {
        this.dHid = dHid;
        this.styleDim = styleDim;
        this.maxDur = maxDur;
        textEncoder = child("text_encoder", new DurationEncoder(styleDim, dHid, nlayers));
        lstm = child("lstm", new LSTM(dHid + styleDim, dHid / 2, true));
        durationProj = child("duration_proj", new LinearNorm(dHid, maxDur));
        shared = child("shared", new LSTM(dHid + styleDim, dHid / 2, true));
        f0 = child("F0", stack(dHid, styleDim));
        n = child("N", stack(dHid, styleDim));
        f0Proj = child("F0_proj", new Conv1d(dHid / 2, 1, 1, 0));
        nProj = child("N_proj", new Conv1d(dHid / 2, 1, 1, 0));
    }

    private static ModuleList<AdainResBlk1d> stack(int dHid, int styleDim) {
        ModuleList<AdainResBlk1d> l = new ModuleList<>();
        l.add(new AdainResBlk1d(dHid, dHid, styleDim, false));
        l.add(new AdainResBlk1d(dHid, dHid / 2, styleDim, true));
        l.add(new AdainResBlk1d(dHid / 2, dHid / 2, styleDim, false));
        return l;
    }

    public DurationEncoding textEncoder() { return textEncoder; }

    /** Replaces {@code text_encoder} (the Mamba surgery); its parameters then live under predictor.text_encoder. */
    public <E extends Module & DurationEncoding> void setTextEncoder(E encoder) {
        child("text_encoder", encoder);
        textEncoder = encoder;
    }

    /** The duration head on d [B, T, d_hid + sty]: duration_proj(packed lstm(d)) → logits [B, T, max_dur]. */
    public Tensor durationLogits(Tensor d, int[] lengths, Trace trace) {
        Tensor x = lstm.forward(d, lengths);
        Trace.put(trace, "lstm", x);
        Tensor dur = durationProj.forward(x);
        Trace.put(trace, "duration_proj", dur);
        return dur;
    }

    /**
     * ProsodyPredictor.forward(texts, style, text_lengths, alignment, m): d = text_encoder(d_en, s),
     * duration logits, en = dᵀ · alignment. dEn [B, d_hid, T], style [B, sty], alignment [B, T, F].
     */
    public Output forward(Tensor dEn, Tensor style, int[] lengths, Tensor alignment, Trace trace) {
        Tensor d = textEncoder.forward(dEn, style, lengths, Trace.at(trace, "text_encoder"));
        Trace.put(trace, "text_encoder", d);
        Tensor dur = durationLogits(d, lengths, trace);
        Tensor en = alignment == null ? null : d.transpose(1, 2).matmul(alignment);
        return new Output(d, dur, en);
    }

    public Output forward(Tensor dEn, Tensor style, int[] lengths, Tensor alignment) {
        return forward(dEn, style, lengths, alignment, null);
    }

    /** F0Ntrain(x, s): x = en [B, d_hid + sty, F], s [B, sty] → {F0 [B, 2F], N [B, 2F]}. */
    public Tensor[] f0nTrain(Tensor en, Tensor s, Trace trace) {
        Tensor x = shared.forward(en.transpose(1, 2), null);   // [B, F, d_hid]
        Trace.put(trace, "shared", x);
        return f0nStacks(x.transpose(1, 2), s, trace);
    }

    /** The F0 and N stacks and projections on the shared LSTM's output x [B, d_hid, F] → {F0 [B, 2F], N [B, 2F]}. */
    public Tensor[] f0nStacks(Tensor x, Tensor s, Trace trace) {
        Tensor f = x;
        for (int i = 0; i < f0.size(); i++) {
            f = f0.get(i).forward(f, s);
            Trace.put(trace, "F0." + i, f);
        }
        f = f0Proj.forward(f);
        Trace.put(trace, "F0_proj", f);
        Tensor nn = x;
        for (int i = 0; i < n.size(); i++) {
            nn = n.get(i).forward(nn, s);
            Trace.put(trace, "N." + i, nn);
        }
        nn = nProj.forward(nn);
        Trace.put(trace, "N_proj", nn);
        return new Tensor[] {f.squeeze(1), nn.squeeze(1)};
    }

    public Tensor[] f0nTrain(Tensor en, Tensor s) { return f0nTrain(en, s, null); }

    /** Kokoro's LinearNorm: a Linear named {@code linear_layer}. */
    public static final class LinearNorm extends Module {
        public final Linear linearLayer;

        LinearNorm(int in, int out) {
            linearLayer = child("linear_layer", new Linear(in, out, true));
        }

        public Tensor forward(Tensor x) { return linearLayer.forward(x); }
    }
}
