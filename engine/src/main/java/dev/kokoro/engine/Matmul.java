package dev.kokoro.engine;

import dev.kokoro.engine.backend.Dispatch;
import java.util.Arrays;

/** matmul with batch broadcasting, and linear ({@code x · Wᵀ + b}, PyTorch's layout). */
public final class Matmul {
    private Matmul() {}

    /** a [..., M, K] · b [..., K, N]; a 2-d b is shared by every batch; other batch dims broadcast. */
    public static Tensor matmul(Tensor a, Tensor b) {
        if (Dispatch.onDevice(a, b)) return Dispatch.run("matmul", in -> matmul(in[0], in[1]), Dispatch.args(), a, b);
        Tensor.check(a.dtype == b.dtype, "matmul of %s and %s", a.dtype, b.dtype);
        Tensor.check(a.dim() >= 2 && b.dim() >= 2, "matmul needs 2-d or more, got %s and %s",
                Arrays.toString(a.shape), Arrays.toString(b.shape));
        int m = a.size(-2), k = a.size(-1), n = b.size(-1);
        Tensor.check(b.size(-2) == k, "matmul: %s · %s, inner sizes differ", Arrays.toString(a.shape), Arrays.toString(b.shape));
        if (b.dim() == 2) {
            int[] outShape = a.shape.clone();
            outShape[outShape.length - 1] = n;
            Tensor a2 = a.reshape(-1, k);
            Tensor out = mm(a2, b);
            return out.reshape(outShape);
        }
        int[] batchA = Arrays.copyOf(a.shape, a.dim() - 2), batchB = Arrays.copyOf(b.shape, b.dim() - 2);
        int[] batch = Broadcast.shape(batchA, batchB);
        int[] fullA = concat(batch, m, k), fullB = concat(batch, k, n);
        Tensor ea = Arrays.equals(a.shape, fullA) ? a : a.expand(fullA);
        Tensor eb = Arrays.equals(b.shape, fullB) ? b : b.expand(fullB);
        return bmm(ea.reshape(-1, m, k), eb.reshape(-1, k, n)).reshape(concat(batch, m, n));
    }

    /** [M, K] · [K, N]. */
    static Tensor mm(Tensor a, Tensor b) {
        Tensor ca = a.contiguous(), cb = b.contiguous();
        int m = ca.shape[0], k = ca.shape[1], n = cb.shape[1];
        Tensor out = Tensor.zeros(a.dtype, m, n);
        Gemm.run(false, false, m, n, k, ca, 0, k, cb, 0, n, out, 0, n, false);
        return Autograd.record(out, g -> {
            Tensor cg = g.contiguous();
            if (a.requiresGrad) {
                Tensor ga = Tensor.zeros(a.dtype, m, k);
                Gemm.run(false, true, m, k, n, cg, 0, n, cb, 0, n, ga, 0, k, false);
                Autograd.accumulate(a, ga);
            }
            if (b.requiresGrad) {
                Tensor gb = Tensor.zeros(b.dtype, k, n);
                Gemm.run(true, false, k, n, m, ca, 0, k, cg, 0, n, gb, 0, n, false);
                Autograd.accumulate(b, gb);
            }
        }, a, b);
    }

    /** [B, M, K] · [B, K, N]. */
    public static Tensor bmm(Tensor a, Tensor b) {
        if (Dispatch.onDevice(a, b)) return Dispatch.run("bmm", in -> bmm(in[0], in[1]), Dispatch.args(), a, b);
        Tensor ca = a.contiguous(), cb = b.contiguous();
        int bs = ca.shape[0], m = ca.shape[1], k = ca.shape[2], n = cb.shape[2];
        Tensor.check(cb.shape[0] == bs && cb.shape[1] == k, "bmm %s · %s", Arrays.toString(a.shape), Arrays.toString(b.shape));
        Tensor out = Tensor.zeros(a.dtype, bs, m, n);
        for (int i = 0; i < bs; i++) Gemm.run(false, false, m, n, k, ca, i * m * k, k, cb, i * k * n, n, out, i * m * n, n, false);
        return Autograd.record(out, g -> {
            Tensor cg = g.contiguous();
            if (a.requiresGrad) {
                Tensor ga = Tensor.zeros(a.dtype, bs, m, k);
                for (int i = 0; i < bs; i++) Gemm.run(false, true, m, k, n, cg, i * m * n, n, cb, i * k * n, n, ga, i * m * k, k, false);
                Autograd.accumulate(a, ga);
            }
            if (b.requiresGrad) {
                Tensor gb = Tensor.zeros(b.dtype, bs, k, n);
                for (int i = 0; i < bs; i++) Gemm.run(true, false, k, n, m, ca, i * m * k, k, cg, i * m * n, n, gb, i * k * n, n, false);
                Autograd.accumulate(b, gb);
            }
        }, a, b);
    }

    /** x [..., in] · weight [out, in]ᵀ + bias [out] (bias may be null). */
    public static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        if (Dispatch.onDevice(x, weight, bias)) return Dispatch.run("linear", in -> linear(in[0], in[1], in[2]), Dispatch.args(), x, weight, bias);
        int in = x.size(-1), outF = weight.size(0);
        Tensor.check(weight.dim() == 2 && weight.size(1) == in, "linear: input %s, weight %s",
                Arrays.toString(x.shape), Arrays.toString(weight.shape));
        int[] outShape = x.shape.clone();
        outShape[outShape.length - 1] = outF;
        Tensor cx = x.contiguous(), cw = weight.contiguous();
        int m = cx.numel() / in;
        Tensor out = Tensor.zeros(x.dtype, m, outF);
        Gemm.run(false, true, m, outF, in, cx, 0, in, cw, 0, in, out, 0, outF, false);
        Tensor y = Autograd.record(out, g -> {
            Tensor cg = g.contiguous();
            if (x.requiresGrad) {
                Tensor gx = Tensor.zeros(x.dtype, m, in);
                Gemm.run(false, false, m, in, outF, cg, 0, outF, cw, 0, in, gx, 0, in, false);
                Autograd.accumulate(x, gx.reshape(x.shape));
            }
            if (weight.requiresGrad) {
                Tensor gw = Tensor.zeros(weight.dtype, outF, in);
                Gemm.run(true, false, outF, in, m, cg, 0, outF, cx, 0, in, gw, 0, in, false);
                Autograd.accumulate(weight, gw);
            }
        }, x, weight).reshape(outShape);
        return bias == null ? y : y.add(bias);
    }

    static int[] concat(int[] batch, int r, int c) {
        int[] s = Arrays.copyOf(batch, batch.length + 2);
        s[batch.length] = r;
        s[batch.length + 1] = c;
        return s;
    }
}
