package dev.kokoro.engine;

import dev.kokoro.engine.backend.Dispatch;
import java.util.Arrays;

/** Gathering, joining and splitting: embedding, cat, split, masked fill, repeat_interleave, cumsum. */
public final class Indexing {
    private Indexing() {}

    /** F.embedding: weight [V, D], ids int64 of any shape → [..., D]; out-of-range ids are an error naming the id. */
    public static Tensor embedding(Tensor weight, Tensor ids) {
        if (Dispatch.onDevice(weight, ids)) return Dispatch.run("embedding", in -> embedding(in[0], in[1]), Dispatch.args(), weight, ids);
        Tensor.check(weight.dim() == 2, "embedding: weight must be [V, D], got %s", Arrays.toString(weight.shape));
        Tensor.check(ids.dtype == DType.I64, "embedding: ids must be int64, got %s", ids.dtype);
        int v = weight.shape[0], d = weight.shape[1];
        long[] id = ids.toLongArray();
        for (int i = 0; i < id.length; i++)
            Tensor.check(id[i] >= 0 && id[i] < v, "embedding: id %d (position %d of ids %s) is out of range for vocab size %d",
                    id[i], i, Arrays.toString(ids.shape), v);
        int[] shape = Arrays.copyOf(ids.shape, ids.dim() + 1);
        shape[ids.dim()] = d;
        Tensor cw = Autograd.noGrad(weight::contiguous);
        Tensor out = Tensor.zeros(weight.dtype, shape);
        Parallel.forRange(id.length, d, (lo, hi) -> {
            for (int i = lo; i < hi; i++) System.arraycopy(storage(cw), (int) id[i] * d, storage(out), i * d, d);
        });
        return Autograd.record(out, g -> {
            Tensor cg = g.contiguous();
            Tensor gw = Tensor.zeros(weight.dtype, v, d);
            for (int i = 0; i < id.length; i++) {
                int src = i * d, dst = (int) id[i] * d;
                if (gw.dtype == DType.F32) for (int j = 0; j < d; j++) gw.f[dst + j] += cg.f[src + j];
                else for (int j = 0; j < d; j++) gw.d[dst + j] += cg.d[src + j];
            }
            return gw;
        }, weight);
    }

    /** torch.cat along dim. */
    public static Tensor cat(int dim, Tensor... xs) {
        if (Dispatch.onDevice(xs)) return Dispatch.run("cat", in -> cat(dim, in), Dispatch.args(xs[0].normDim(dim)), xs);
        Tensor.check(xs.length > 0, "cat of no tensors");
        Tensor x0 = xs[0];
        int k = x0.normDim(dim);
        int total = 0;
        for (Tensor x : xs) {
            Tensor.check(x.dtype == x0.dtype && x.dim() == x0.dim(), "cat: %s %s vs %s %s", x.dtype,
                    Arrays.toString(x.shape), x0.dtype, Arrays.toString(x0.shape));
            for (int i = 0; i < x.dim(); i++)
                Tensor.check(i == k || x.shape[i] == x0.shape[i], "cat along dim %d: shapes %s and %s differ elsewhere",
                        k, Arrays.toString(x0.shape), Arrays.toString(x.shape));
            total += x.shape[k];
        }
        int[] shape = x0.shape.clone();
        shape[k] = total;
        int outer = 1, inner = 1;
        for (int i = 0; i < k; i++) outer *= shape[i];
        for (int i = k + 1; i < shape.length; i++) inner *= shape[i];
        Tensor out = Tensor.zeros(x0.dtype, shape);
        int at = 0;
        int[] starts = new int[xs.length];
        for (int t = 0; t < xs.length; t++) {
            Tensor c = Autograd.noGrad(xs[t]::contiguous);
            int block = c.shape[k] * inner, outBlock = total * inner, o0 = at * inner;
            for (int o = 0; o < outer; o++) System.arraycopy(storage(c), o * block, storage(out), o * outBlock + o0, block);
            starts[t] = at;
            at += c.shape[k];
        }
        return Autograd.record(out, g -> {
            for (int t = 0; t < xs.length; t++)
                if (xs[t].requiresGrad()) Autograd.accumulate(xs[t], g.slice(k, starts[t], starts[t] + xs[t].shape[k]).contiguous());
        }, xs);
    }

    /** torch.split with explicit sizes along dim (views of x). */
    public static Tensor[] split(Tensor x, int dim, int... sizes) {
        int k = x.normDim(dim), sum = 0;
        for (int s : sizes) sum += s;
        Tensor.check(sum == x.shape[k], "split: sizes %s sum to %d but dim %d has size %d", Arrays.toString(sizes), sum, k, x.shape[k]);
        Tensor[] out = new Tensor[sizes.length];
        for (int i = 0, at = 0; i < sizes.length; at += sizes[i++]) out[i] = x.slice(k, at, at + sizes[i]);
        return out;
    }

    /** torch.stack along a new dim. */
    public static Tensor stack(int dim, Tensor... xs) {
        Tensor.check(xs.length > 0, "stack of no tensors");
        int k = dim < 0 ? dim + xs[0].dim() + 1 : dim;
        for (Tensor x : xs) Tensor.check(Arrays.equals(x.shape, xs[0].shape), "stack: shapes %s and %s differ",
                Arrays.toString(xs[0].shape), Arrays.toString(x.shape));
        Tensor[] u = new Tensor[xs.length];
        for (int i = 0; i < xs.length; i++) u[i] = xs[i].unsqueeze(k);
        return cat(k, u);
    }

    /** x.masked_fill(mask, value); mask int64 (nonzero = fill), broadcastable to x. */
    public static Tensor maskedFill(Tensor x, Tensor mask, double value) {
        if (Dispatch.onDevice(x, mask)) return Dispatch.run("masked_fill", in -> maskedFill(in[0], in[1], value), Dispatch.args(value), x, mask);
        Tensor.check(mask.dtype == DType.I64, "maskedFill: mask must be int64, got %s", mask.dtype);
        int[] bs = Broadcast.shape(x.shape, mask.shape);
        Tensor.check(Arrays.equals(bs, x.shape), "maskedFill: mask %s does not broadcast to x %s",
                Arrays.toString(mask.shape), Arrays.toString(x.shape));
        int n = x.numel();
        boolean[] m = new boolean[n];
        int[] off = Broadcast.offsets(mask, x.shape);
        for (int i = 0; i < n; i++) m[i] = mask.l[off[i]] != 0;
        Tensor out = Autograd.noGrad(() -> x.contiguous().copy());
        for (int i = 0; i < n; i++) if (m[i]) out.setFlat(i, value);
        return Autograd.record(out, g -> {
            Tensor gx = g.contiguous().copy();
            for (int i = 0; i < n; i++) if (m[i]) gx.setFlat(i, 0);
            return gx;
        }, x);
    }

    /** torch.repeat_interleave(x, repeats, dim) with int64 repeats of length x.size(dim). */
    public static Tensor repeatInterleave(Tensor x, Tensor repeats, int dim) {
        if (Dispatch.onDevice(x, repeats)) return Dispatch.run("repeat_interleave", in -> repeatInterleave(in[0], in[1], dim), Dispatch.args(dim), x, repeats);
        int k = x.normDim(dim);
        Tensor.check(repeats.dtype == DType.I64 && repeats.numel() == x.shape[k],
                "repeatInterleave: repeats %s %s for dim %d of size %d", repeats.dtype, Arrays.toString(repeats.shape), k, x.shape[k]);
        long[] r = repeats.toLongArray();
        long total = 0;
        for (int i = 0; i < r.length; i++) {
            Tensor.check(r[i] >= 0, "repeatInterleave: negative repeat %d at %d", r[i], i);
            total += r[i];
        }
        Tensor.check(total <= Integer.MAX_VALUE, "repeatInterleave: %d outputs", total);
        long[] idx = new long[(int) total];
        for (int i = 0, at = 0; i < r.length; i++) for (long j = 0; j < r[i]; j++) idx[at++] = i;
        return indexSelect(x, k, Tensor.of(idx, idx.length));
    }

    /** torch.index_select(x, dim, index int64). */
    public static Tensor indexSelect(Tensor x, int dim, Tensor index) {
        if (Dispatch.onDevice(x, index)) return Dispatch.run("index_select", in -> indexSelect(in[0], dim, in[1]), Dispatch.args(dim), x, index);
        int k = x.normDim(dim);
        Tensor.check(index.dtype == DType.I64 && index.dim() <= 1, "indexSelect: index must be 1-d int64, got %s %s",
                index.dtype, Arrays.toString(index.shape));
        long[] idx = index.toLongArray();
        int size = x.shape[k];
        for (int i = 0; i < idx.length; i++)
            Tensor.check(idx[i] >= 0 && idx[i] < size, "indexSelect: index %d out of range for dim %d of size %d (shape %s)",
                    idx[i], k, size, Arrays.toString(x.shape));
        int outer0 = 1, inner = 1;
        for (int i = 0; i < k; i++) outer0 *= x.shape[i];
        for (int i = k + 1; i < x.dim(); i++) inner *= x.shape[i];
        final int outer = outer0;
        int[] shape = x.shape.clone();
        shape[k] = idx.length;
        Tensor c = Autograd.noGrad(x::contiguous);
        Tensor out = Tensor.zeros(x.dtype, shape);
        final int fi = inner, m = idx.length;
        Parallel.forRange(outer, (long) m * inner, (lo, hi) -> {
            for (int o = lo; o < hi; o++)
                for (int j = 0; j < m; j++)
                    System.arraycopy(storage(c), (o * size + (int) idx[j]) * fi, storage(out), (o * m + j) * fi, fi);
        });
        return Autograd.record(out, g -> {
            Tensor cg = g.contiguous();
            Tensor gx = Tensor.zeros(x.dtype, x.shape);
            Parallel.forRange(outer, (long) m * fi, (lo, hi) -> {
                for (int o = lo; o < hi; o++)
                    for (int j = 0; j < m; j++) {
                        int src = (o * m + j) * fi, dst = (o * size + (int) idx[j]) * fi;
                        if (gx.dtype == DType.F32) for (int i = 0; i < fi; i++) gx.f[dst + i] += cg.f[src + i];
                        else for (int i = 0; i < fi; i++) gx.d[dst + i] += cg.d[src + i];
                    }
            });
            return gx;
        }, x);
    }

    /** torch.cumsum along dim (float32 accumulates in double, as PyTorch's CPU kernel). */
    public static Tensor cumsum(Tensor x, int dim) {
        if (Dispatch.onDevice(x)) return Dispatch.run("cumsum", in -> cumsum(in[0], dim), Dispatch.args(x.normDim(dim)), x);
        int k = x.normDim(dim);
        Tensor out = Autograd.noGrad(() -> scan(x.contiguous(), k, false));
        return Autograd.record(out, g -> scan(g.contiguous(), k, true), x);
    }

    /** Inclusive prefix sums along dim k, forward or from the end. */
    private static Tensor scan(Tensor c, int k, boolean reverse) {
        int outer = 1, inner = 1, n = c.shape[k];
        for (int i = 0; i < k; i++) outer *= c.shape[i];
        for (int i = k + 1; i < c.dim(); i++) inner *= c.shape[i];
        Tensor out = Tensor.zeros(c.dtype, c.shape);
        final int fi = inner;
        Parallel.forRange(outer * inner, 4L * n, (lo, hi) -> {
            for (int p = lo; p < hi; p++) {
                int o = p / fi, i = p % fi, base = o * n * fi + i;
                double acc = 0;
                long lacc = 0;
                for (int t = 0; t < n; t++) {
                    int at = base + (reverse ? n - 1 - t : t) * fi;
                    switch (c.dtype) {
                        case F32 -> { acc += c.f[at]; out.f[at] = (float) acc; }
                        case F64 -> { acc += c.d[at]; out.d[at] = acc; }
                        case I64 -> { lacc += c.l[at]; out.l[at] = lacc; }
                    }
                }
            }
        });
        return out;
    }

    static Object storage(Tensor t) {
        return t.f != null ? t.f : t.d != null ? t.d : t.l;
    }
}
