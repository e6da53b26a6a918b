package dev.kokoro.model.albert;

import dev.kokoro.engine.DType;
import dev.kokoro.engine.Tensor;
import dev.kokoro.model.KokoroConfig;
import dev.kokoro.model.nn.Linear;
import dev.kokoro.model.nn.Module;
import dev.kokoro.model.nn.ModuleList;

/**
 * Kokoro's CustomAlbert = transformers' AlbertModel returning last_hidden_state (PL-BERT). ALBERT's
 * defaults: one layer group with one layer, shared and applied num_hidden_layers times; gelu_new;
 * LayerNorm eps 1e-12; two token types. The pooler (Linear + tanh) is in the checkpoint but unused.
 */
public final class Albert extends Module {
    public static final double LAYER_NORM_EPS = 1e-12;
    /** Buffers older transformers saved in the state dict; accepted and ignored on load. */
    public static final String[] IGNORED_BUFFERS = {"embeddings.position_ids", "embeddings.token_type_ids"};

    public final AlbertEmbeddings embeddings;
    public final Encoder encoder;
    public final Linear pooler;

    public Albert(KokoroConfig cfg) {
        KokoroConfig.Plbert p = cfg.plbert();
        embeddings = child("embeddings", new AlbertEmbeddings(cfg.nToken(), p.embeddingSize(), p.maxPositionEmbeddings(), 2, LAYER_NORM_EPS));
        encoder = child("encoder", new Encoder(p));
        pooler = child("pooler", new Linear(p.hiddenSize(), p.hiddenSize(), true));
    }

    /** ids int64 [B, T]; lengths per item (null = all T) → last_hidden_state [B, T, hidden]. */
    public Tensor forward(Tensor ids, int[] lengths) {
        Tensor mask = lengths == null ? null : attentionMask(lengths, ids.size(1));
        return encoder.forward(embeddings.forward(ids), mask);
    }

    /** attention_mask = ~text_mask: int64 [B, T], 1 where t < length. */
    public static Tensor attentionMask(int[] lengths, int t) {
        Tensor m = Tensor.zeros(DType.I64, lengths.length, t);
        long[] a = m.i64();
        for (int b = 0; b < lengths.length; b++)
            for (int i = 0; i < Math.min(lengths[b], t); i++) a[b * t + i] = 1;
        return m;
    }

    /** AlbertTransformer: embedding_hidden_mapping_in, then the shared layer num_hidden_layers times. */
    public static final class Encoder extends Module {
        public final int numHiddenLayers;
        public final Linear embeddingHiddenMappingIn;
        public final AlbertLayer layer;

        Encoder(KokoroConfig.Plbert p) {
            numHiddenLayers = p.numHiddenLayers();
            embeddingHiddenMappingIn = child("embedding_hidden_mapping_in", new Linear(p.embeddingSize(), p.hiddenSize(), true));
            ModuleList<Module> groups = child("albert_layer_groups", new ModuleList<>());
            ModuleList<AlbertLayer> layers = groups.add(new LayerGroup()).albertLayers;
            layer = layers.add(new AlbertLayer(p.hiddenSize(), p.numAttentionHeads(), p.intermediateSize(), LAYER_NORM_EPS));
        }

        Tensor forward(Tensor x, Tensor mask) {
            x = embeddingHiddenMappingIn.forward(x);
            for (int i = 0; i < numHiddenLayers; i++) x = layer.forward(x, mask);
            return x;
        }
    }

    /** AlbertLayerGroup: holds albert_layers. */
    static final class LayerGroup extends Module {
        final ModuleList<AlbertLayer> albertLayers = child("albert_layers", new ModuleList<>());
    }
}
