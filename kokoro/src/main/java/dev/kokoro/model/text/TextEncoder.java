package dev.kokoro.model.text;

import dev.kokoro.engine.Activations;
import dev.kokoro.engine.Tensor;
import dev.kokoro.model.Masks;
import dev.kokoro.model.Trace;
import dev.kokoro.model.nn.Conv1d;
import dev.kokoro.model.nn.Embedding;
import dev.kokoro.model.nn.LSTM;
import dev.kokoro.model.nn.LayerNorm;
import dev.kokoro.model.nn.Module;
import dev.kokoro.model.nn.ModuleList;

/**
 * Kokoro's TextEncoder (eval mode): embedding → depth × (weight-normed Conv1d, LayerNorm over channels
 * (gamma/beta), LeakyReLU 0.2), padded steps zeroed before and after each block → packed BiLSTM →
 * padded steps zeroed. Output [B, channels, T].
 */
public final class TextEncoder extends Module {
    public final Embedding embedding;
    public final ModuleList<Block> cnn;
    public final LSTM lstm;

    public TextEncoder(int channels, int kernelSize, int depth, int nSymbols) {
        embedding = child("embedding", new Embedding(nSymbols, channels));
        cnn = child("cnn", new ModuleList<>());
        for (int i = 0; i < depth; i++) cnn.add(new Block(channels, kernelSize));
        lstm = child("lstm", new LSTM(channels, channels / 2, true));
    }

    /** ids int64 [B, T]; lengths per item (null = all T). */
    public Tensor forward(Tensor ids, int[] lengths, Trace trace) {
        Tensor x = embedding.forward(ids).transpose(1, 2);   // [B, C, T]
        x = Masks.zeroPadded(x, lengths, 2);
        for (int i = 0; i < cnn.size(); i++) {
            x = cnn.get(i).forward(x);
            Trace.put(trace, "cnn." + i, x);
            x = Masks.zeroPadded(x, lengths, 2);
        }
        x = lstm.forward(x.transpose(1, 2), lengths).transpose(1, 2);
        return Masks.zeroPadded(x, lengths, 2);
    }

    public Tensor forward(Tensor ids, int[] lengths) { return forward(ids, lengths, null); }

    /** nn.Sequential(weight_norm(Conv1d), LayerNorm, LeakyReLU(0.2), Dropout): children "0" and "1". */
    public static final class Block extends Module {
        public final Conv1d conv;
        public final LayerNorm norm;

        Block(int channels, int kernelSize) {
            conv = child("0", new Conv1d(channels, channels, kernelSize, 1, (kernelSize - 1) / 2, 1, 1, true, true));
            norm = child("1", new LayerNorm(channels, 1e-5, "gamma", "beta"));
        }

        /** x [B, C, T] → [B, C, T]. */
        public Tensor forward(Tensor x) {
            x = conv.forward(x);
            x = norm.forward(x.transpose(1, 2)).transpose(1, 2);
            return Activations.leakyRelu(x, 0.2);
        }
    }
}
