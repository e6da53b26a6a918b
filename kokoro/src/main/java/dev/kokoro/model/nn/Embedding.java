package dev.kokoro.model.nn;

import dev.kokoro.engine.Indexing;
import dev.kokoro.engine.Tensor;
import java.util.SplittableRandom;

/** nn.Embedding: weight [num, dim]. */
public final class Embedding extends Module {
    public final Param weight;

    public Embedding(int num, int dim) {
        this.weight = param("weight", num, dim);
    }

    public Tensor forward(Tensor ids) {
        return Indexing.embedding(weight.get(), ids);
    }

    @Override
    protected void reset(SplittableRandom rng) {
        Tensor w = weight.get();
        for (int i = 0, n = w.numel(); i < n; i++) w.setFlat(i, Tensor.gaussian(rng));
    }
}
