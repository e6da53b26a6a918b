package dev.kokoro.engine;

import dev.kokoro.engine.backend.Dispatch;
import java.util.Arrays;

/** Sums and means over all elements or one dimension, and the gradient-side reduction of broadcasting. */
public final class Reductions {
    private Reductions() {}

    public static Tensor sum(Tensor x) {
        if (Dispatch.onDevice(x)) return Dispatch.run("sum", in -> sum(in[0]), Dispatch.args(), x);
        Tensor c = x.contiguous();
        double s = 0;
        int n = c.numel();
        switch (c.dtype) {
            case F32 -> { for (int i = 0; i < n; i++) s += c.f[i]; }
            case F64 -> { for (int i = 0; i < n; i++) s += c.d[i]; }
            case I64 -> { for (int i = 0; i < n; i++) s += c.l[i]; }
        }
        Tensor out = Tensor.scalar(x.dtype, s);
        int[] shape = x.shape;
        return Autograd.record(out, g -> g.reshape(ones(shape.length)).expand(shape), x);
    }

    public static Tensor mean(Tensor x) {
        return sum(x).mul(1.0 / x.numel());
    }

    public static Tensor mean(Tensor x, int dim, boolean keepDim) {
        return sum(x, dim, keepDim).mul(1.0 / x.size(dim));
    }

    /** Sum over {@code dim}. */
    public static Tensor sum(Tensor x, int dim, boolean keepDim) {
        if (Dispatch.onDevice(x)) return Dispatch.run("sum_dim", in -> sum(in[0], dim, keepDim), Dispatch.args(x.normDim(dim), keepDim), x);
        int k = x.normDim(dim);
        Tensor c = x.contiguous();
        int outer = 1, inner = 1, n = c.shape[k];
        for (int i = 0; i < k; i++) outer *= c.shape[i];
        for (int i = k + 1; i < c.dim(); i++) inner *= c.shape[i];
        int[] kept = c.shape.clone();
        kept[k] = 1;
        Tensor out = Tensor.zeros(c.dtype, kept);
        final int fi = inner, fn = n;
        switch (c.dtype) {
            case F32 -> Parallel.forRange(outer, (long) n * inner, (lo, hi) -> {
                for (int o = lo; o < hi; o++)
                    for (int j = 0; j < fn; j++) {
                        int src = (o * fn + j) * fi, dst = o * fi;
                        for (int i = 0; i < fi; i++) out.f[dst + i] += c.f[src + i];
                    }
            });
            case F64 -> Parallel.forRange(outer, (long) n * inner, (lo, hi) -> {
                for (int o = lo; o < hi; o++)
                    for (int j = 0; j < fn; j++) {
                        int src = (o * fn + j) * fi, dst = o * fi;
                        for (int i = 0; i < fi; i++) out.d[dst + i] += c.d[src + i];
                    }
            });
            case I64 -> {
                for (int o = 0; o < outer; o++)
                    for (int j = 0; j < n; j++)
                        for (int i = 0; i < inner; i++) out.l[o * inner + i] += c.l[(o * n + j) * inner + i];
            }
        }
        int[] shape = x.shape;
        Tensor rec = Autograd.record(out, g -> g.expand(shape), x);
        return keepDim ? rec : rec.squeeze(k);
    }

    /** Sums {@code g} down to {@code shape}, undoing broadcasting (leading dims and size-1 dims). */
    public static Tensor sumToShape(Tensor g, int[] shape) {
        if (Arrays.equals(g.shape, shape)) return g;
        Tensor r = g;
        while (r.dim() > shape.length) r = sum(r, 0, false);
        for (int i = 0; i < shape.length; i++)
            if (shape[i] == 1 && r.shape[i] != 1) r = sum(r, i, true);
        Tensor.check(Arrays.equals(r.shape, shape), "cannot reduce gradient %s to %s", Arrays.toString(g.shape), Arrays.toString(shape));
        return r;
    }

    static int[] ones(int n) {
        int[] s = new int[n];
        Arrays.fill(s, 1);
        return s;
    }
}
