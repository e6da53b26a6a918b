package dev.kokoro.engine;

/** Gathering, joining and splitting: embedding, cat, split, masked fill, repeat_interleave, cumsum. */
public final class Indexing {
    private Indexing() {}

    /** F.embedding: weight [V, D], ids int64 of any shape → [..., D]; out-of-range ids are an error naming the id. */
    public static Tensor embedding(Tensor weight, Tensor ids) { throw new UnsupportedOperationException("not yet implemented"); }
    /** torch.cat along dim. */
    public static Tensor cat(int dim, Tensor... xs) { throw new UnsupportedOperationException("not yet implemented"); }
    /** torch.split with explicit sizes along dim. */
    public static Tensor[] split(Tensor x, int dim, int... sizes) { throw new UnsupportedOperationException("not yet implemented"); }
    /** torch.stack along a new dim. */
    public static Tensor stack(int dim, Tensor... xs) { throw new UnsupportedOperationException("not yet implemented"); }
    /** x.masked_fill(mask, value); mask int64 (nonzero = fill), broadcastable to x. */
    public static Tensor maskedFill(Tensor x, Tensor mask, double value) { throw new UnsupportedOperationException("not yet implemented"); }
    /** torch.repeat_interleave(x, repeats, dim) with int64 repeats of length x.size(dim). */
    public static Tensor repeatInterleave(Tensor x, Tensor repeats, int dim) { throw new UnsupportedOperationException("not yet implemented"); }
    /** torch.index_select(x, dim, index int64). */
    public static Tensor indexSelect(Tensor x, int dim, Tensor index) { throw new UnsupportedOperationException("not yet implemented"); }
    /** torch.cumsum along dim. */
    public static Tensor cumsum(Tensor x, int dim) { throw new UnsupportedOperationException("not yet implemented"); }
}
