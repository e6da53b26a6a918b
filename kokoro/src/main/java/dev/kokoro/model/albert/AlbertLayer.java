package dev.kokoro.model.albert;

import dev.kokoro.engine.Activations;
import dev.kokoro.engine.Attention;
import dev.kokoro.engine.Tensor;
import dev.kokoro.model.nn.LayerNorm;
import dev.kokoro.model.nn.Linear;
import dev.kokoro.model.nn.Module;

/**
 * transformers' AlbertLayer (eval mode): a = LayerNorm(x + dense(attention(x))),
 * out = full_layer_layer_norm(a + ffn_output(gelu_new(ffn(a)))).
 */
public final class AlbertLayer extends Module {
    public final LayerNorm fullLayerLayerNorm;
    public final SelfAttention attention;
    public final Linear ffn, ffnOutput;

    public AlbertLayer(int hidden, int heads, int intermediate, double eps) {
        fullLayerLayerNorm = child("full_layer_layer_norm", new LayerNorm(hidden, eps));
        attention = child("attention", new SelfAttention(hidden, heads, eps));
        ffn = child("ffn", new Linear(hidden, intermediate, true));
        ffnOutput = child("ffn_output", new Linear(intermediate, hidden, true));
    }

    /** x [B, T, hidden]; keyMask int64 [B, T] (1 = token, 0 = padding) or null. */
    public Tensor forward(Tensor x, Tensor keyMask) {
        Tensor a = attention.forward(x, keyMask);
        Tensor f = ffnOutput.forward(Activations.gelu(ffn.forward(a)));
        return fullLayerLayerNorm.forward(f.add(a));
    }

    /** AlbertAttention: multi-head self-attention, output projection, residual and LayerNorm. */
    public static final class SelfAttention extends Module {
        public final int heads;
        public final Linear query, key, value, dense;
        public final LayerNorm layerNorm;

        SelfAttention(int hidden, int heads, double eps) {
            if (hidden % heads != 0)
                throw new IllegalArgumentException("ALBERT hidden_size " + hidden + " is not a multiple of num_attention_heads " + heads);
            this.heads = heads;
            query = child("query", new Linear(hidden, hidden, true));
            key = child("key", new Linear(hidden, hidden, true));
            value = child("value", new Linear(hidden, hidden, true));
            dense = child("dense", new Linear(hidden, hidden, true));
            layerNorm = child("LayerNorm", new LayerNorm(hidden, eps));
        }

        public Tensor forward(Tensor x, Tensor keyMask) {
            int b = x.size(0), t = x.size(1), hidden = x.size(2);
            Tensor q = splitHeads(query.forward(x), b, t, hidden);
            Tensor k = splitHeads(key.forward(x), b, t, hidden);
            Tensor v = splitHeads(value.forward(x), b, t, hidden);
            Tensor ctx = Attention.scaledDotProduct(q, k, v, keyMask)   // [B, H, T, Dh]
                    .permute(0, 2, 1, 3).reshape(b, t, hidden);
            return layerNorm.forward(x.add(dense.forward(ctx)));
        }

        private Tensor splitHeads(Tensor y, int b, int t, int hidden) {
            return y.reshape(b, t, heads, hidden / heads).permute(0, 2, 1, 3);
        }
    }
}
