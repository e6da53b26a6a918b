package dev.kokoro.engine;

import java.util.Arrays;

/** Shape changes that share storage where possible: reshape, transpose, permute, slice, (un)squeeze, expand. */
public final class Views {
    private Views() {}

    public static Tensor reshape(Tensor x, int... newShape) {
        int[] shape = inferShape(x.numel(), newShape);
        Tensor c = x.contiguous();
        Tensor out = c.view(shape, Tensor.contiguousStrides(shape), 0);
        int[] old = x.shape;
        return Autograd.record(out, g -> g.reshape(old), c);
    }

    static int[] inferShape(int numel, int[] newShape) {
        int[] shape = newShape.clone();
        int infer = -1, known = 1;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == -1) {
                Tensor.check(infer < 0, "reshape: more than one -1 in %s", Arrays.toString(newShape));
                infer = i;
            } else known *= shape[i];
        }
        if (infer >= 0) {
            Tensor.check(known > 0 && numel % known == 0, "reshape: %d elements cannot take shape %s", numel, Arrays.toString(newShape));
            shape[infer] = numel / known;
        }
        Tensor.check(Tensor.numel(shape) == numel, "reshape: %d elements cannot take shape %s", numel, Arrays.toString(newShape));
        return shape;
    }

    public static Tensor transpose(Tensor x, int d0, int d1) {
        int[] perm = new int[x.dim()];
        for (int i = 0; i < perm.length; i++) perm[i] = i;
        int a = x.normDim(d0), b = x.normDim(d1);
        perm[a] = b;
        perm[b] = a;
        return permute(x, perm);
    }

    public static Tensor permute(Tensor x, int... dims) {
        int n = x.dim();
        Tensor.check(dims.length == n, "permute: %d dims for a %d-d tensor", dims.length, n);
        int[] shape = new int[n], strides = new int[n], inverse = new int[n];
        boolean[] used = new boolean[n];
        for (int i = 0; i < n; i++) {
            int p = x.normDim(dims[i]);
            Tensor.check(!used[p], "permute: repeated dim in %s", Arrays.toString(dims));
            used[p] = true;
            shape[i] = x.shape[p];
            strides[i] = x.strides[p];
            inverse[p] = i;
        }
        Tensor out = x.view(shape, strides, x.offset);
        return Autograd.record(out, g -> g.permute(inverse), x);
    }

    /** Elements [start, end) along {@code dim}, as a view. */
    public static Tensor slice(Tensor x, int dim, int start, int end) {
        int k = x.normDim(dim);
        int size = x.shape[k];
        Tensor.check(0 <= start && start <= end && end <= size, "slice [%d, %d) of dim %d with size %d", start, end, k, size);
        int[] shape = x.shape.clone();
        shape[k] = end - start;
        Tensor out = x.view(shape, x.strides.clone(), x.offset + start * x.strides[k]);
        int[] full = x.shape;
        return Autograd.record(out, g -> padSlice(g, full, k, start), x);
    }

    private static Tensor padSlice(Tensor g, int[] full, int dim, int start) {
        Tensor z = Tensor.zeros(g.device(), g.dtype, full);
        Tensor window = z.view(g.shape.clone(), z.strides.clone(), start * z.strides[dim]);
        window.copyFrom(g);
        return z;
    }

    public static Tensor unsqueeze(Tensor x, int dim) {
        int k = dim < 0 ? dim + x.dim() + 1 : dim;
        Tensor.check(k >= 0 && k <= x.dim(), "unsqueeze dim %d of a %d-d tensor", dim, x.dim());
        int[] shape = new int[x.dim() + 1];
        for (int i = 0, j = 0; i < shape.length; i++) shape[i] = i == k ? 1 : x.shape[j++];
        return reshape(x, shape);
    }

    public static Tensor squeeze(Tensor x, int dim) {
        int k = x.normDim(dim);
        Tensor.check(x.shape[k] == 1, "squeeze dim %d of size %d", k, x.shape[k]);
        int[] shape = new int[x.dim() - 1];
        for (int i = 0, j = 0; i < x.dim(); i++) if (i != k) shape[j++] = x.shape[i];
        return reshape(x, shape);
    }

    /** Broadcasts size-1 dims (and new leading dims) to {@code newShape} with stride 0; read-only view. */
    public static Tensor expand(Tensor x, int... newShape) {
        int n = newShape.length, lead = n - x.dim();
        Tensor.check(lead >= 0, "expand %s to %s", Arrays.toString(x.shape), Arrays.toString(newShape));
        int[] shape = new int[n], strides = new int[n];
        for (int i = 0; i < n; i++) {
            int src = i - lead;
            int s = src < 0 ? 1 : x.shape[src];
            int want = newShape[i] == -1 ? s : newShape[i];
            Tensor.check(s == want || s == 1, "expand %s to %s", Arrays.toString(x.shape), Arrays.toString(newShape));
            shape[i] = want;
            strides[i] = (src < 0 || s != want) ? 0 : x.strides[src];
        }
        Tensor out = x.view(shape, strides, x.offset);
        int[] orig = x.shape;
        return Autograd.record(out, g -> Reductions.sumToShape(g, orig), x);
    }
}
