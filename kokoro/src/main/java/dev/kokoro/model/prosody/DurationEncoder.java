package dev.kokoro.model.prosody;

import dev.kokoro.engine.Indexing;
import dev.kokoro.engine.Tensor;
import dev.kokoro.model.Masks;
import dev.kokoro.model.Trace;
import dev.kokoro.model.nn.AdaLayerNorm;
import dev.kokoro.model.nn.LSTM;
import dev.kokoro.model.nn.Module;
import dev.kokoro.model.nn.ModuleList;

/**
 * Kokoro's DurationEncoder (eval mode): x = [d_en; s] with padded steps zeroed, then nlayers × (packed
 * BiLSTM (d_model + sty → d_model), AdaLayerNorm(sty, d_model), x = [x; s] with padded steps zeroed).
 * Children {@code lstms.0, lstms.1, ...} alternate LSTM and AdaLayerNorm as in the checkpoint.
 */
public final class DurationEncoder extends Module implements DurationEncoding {
    public final int dModel, styDim;
    public final ModuleList<Module> lstms;

    public DurationEncoder(int styDim, int dModel, int nlayers) {
        this.dModel = dModel;
        this.styDim = styDim;
        lstms = child("lstms", new ModuleList<>());
        for (int i = 0; i < nlayers; i++) {
            lstms.add(new LSTM(dModel + styDim, dModel / 2, true));
            lstms.add(new AdaLayerNorm(styDim, dModel, 1e-5));
        }
    }

    @Override
    public Tensor forward(Tensor dEn, Tensor style, int[] lengths, Trace trace) {
        int b = dEn.size(0), t = dEn.size(2);
        Tensor s = style.unsqueeze(1).expand(b, t, styDim);
        Tensor x = Masks.zeroPadded(Indexing.cat(2, dEn.transpose(1, 2), s), lengths, 1);   // [B, T, d + sty]
        for (int i = 0; i < lstms.size(); i++) {
            if (lstms.get(i) instanceof LSTM lstm) {
                x = lstm.forward(x, lengths);   // zero past each length, as pad_packed + x_pad
                Trace.put(trace, "lstms." + i, x);
            } else {
                x = ((AdaLayerNorm) lstms.get(i)).forward(x, style);
                Trace.put(trace, "lstms." + i, x);
                x = Masks.zeroPadded(Indexing.cat(2, x, s), lengths, 1);
            }
        }
        return x;
    }
}
