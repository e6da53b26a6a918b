package dev.kokoro.model.albert;

import dev.kokoro.engine.DType;
import dev.kokoro.engine.Tensor;
import dev.kokoro.model.nn.Embedding;
import dev.kokoro.model.nn.LayerNorm;
import dev.kokoro.model.nn.Module;

/** transformers' AlbertEmbeddings: word + position (0..T-1) + token type (all 0), LayerNorm (dropout off). */
public final class AlbertEmbeddings extends Module {
    public final Embedding wordEmbeddings, positionEmbeddings, tokenTypeEmbeddings;
    public final LayerNorm layerNorm;

    public AlbertEmbeddings(int vocab, int embeddingSize, int maxPositions, int typeVocab, double eps) {
        wordEmbeddings = child("word_embeddings", new Embedding(vocab, embeddingSize));
        positionEmbeddings = child("position_embeddings", new Embedding(maxPositions, embeddingSize));
        tokenTypeEmbeddings = child("token_type_embeddings", new Embedding(typeVocab, embeddingSize));
        layerNorm = child("LayerNorm", new LayerNorm(embeddingSize, eps));
    }

    /** ids int64 [B, T] → [B, T, embedding]. */
    public Tensor forward(Tensor ids) {
        int t = ids.size(1);
        long[] pos = new long[t];
        for (int i = 0; i < t; i++) pos[i] = i;
        Tensor positions = Tensor.of(pos, 1, t);
        Tensor types = Tensor.zeros(DType.I64, 1, t);
        Tensor x = wordEmbeddings.forward(ids)
                .add(tokenTypeEmbeddings.forward(types))
                .add(positionEmbeddings.forward(positions));
        return layerNorm.forward(x);
    }
}
