package dev.kokoro.cuda;

import static dev.kokoro.cuda.CudaBackend.dense;
import static dev.kokoro.cuda.CudaBackend.denseOrNull;
import static dev.kokoro.cuda.CudaBackend.f;
import static dev.kokoro.cuda.CudaBackend.grad;
import static dev.kokoro.cuda.CudaBackend.i;
import static dev.kokoro.cuda.CudaBackend.wants;
import static dev.kokoro.cuda.CudaBackend.wrap;

import dev.kokoro.engine.Autograd;
import dev.kokoro.engine.Indexing;
import dev.kokoro.engine.Tensor;
import dev.kokoro.engine.backend.Backend.Recorded;

/**
 * CUDA kernels with their own backward, wired into {@link CudaBackend} by op name: lstm (hidden 256;
 * other sizes decline to the CPU), selective_scan, causal_conv1d, layer_norm, ada_layer_norm, and the
 * optimizer's in-place "adamw_step". Each also gets a plain forward entry for inference. Frozen inputs
 * get no gradient work where the kernel lets the caller choose (lstm: dx only; the others compute every
 * gradient in one launch and the unused ones are freed at once).
 */
final class TrainingKernels {
    private TrainingKernels() {}

    static void register() {
        lstm();
        selectiveScan();
        causalConv1d();
        layerNorms();
        CudaBackend.putInPlace("adamw_step", (in, a) -> AdamWCuda.step(dense(in[0]), dense(in[1]), dense(in[2]), dense(in[3]), i(a[0]),
                f(a[1]), ((Number) a[2]).doubleValue(), ((Number) a[3]).doubleValue(), f(a[4]), f(a[5])));
    }

    /** A contiguous engine tensor (the input itself when it already is), held by the backward. */
    private static Tensor c(Tensor t) { return t == null ? null : t.contiguous(); }

    // ------------------------------------------------------------------ lstm

    /** in: x, then per direction wIh, wHh, bIh, bHh (the reverse ones null when unidirectional); args: lengths. */
    private static boolean lstmFits(Tensor[] in) {
        if (Cuda.context().computeCapability() < 90) return false;
        for (int d = 0; d < 2; d++) {
            Tensor whh = in[2 + 4 * d];
            if (whh == null) continue;
            if (whh.dim() != 2 || whh.size(1) != LstmCuda.HIDDEN || whh.size(0) != 4 * LstmCuda.HIDDEN) return false;
        }
        return in[0].dim() == 3;
    }

    private static LstmCuda.Direction dir(Tensor[] w, int d) {
        return w[1 + 4 * d] == null ? null
                : new LstmCuda.Direction(dense(w[1 + 4 * d]), dense(w[2 + 4 * d]), denseOrNull(w[3 + 4 * d]), denseOrNull(w[4 + 4 * d]));
    }

    private static void lstm() {
        CudaBackend.put("lstm", (in, a) -> {
            if (!lstmFits(in)) return null;
            LstmCuda.Result r = LstmCuda.forward(dense(in[0]), (int[]) a[0], dir(in, 0), dir(in, 1));
            r.gates().close();
            r.cell().close();
            r.hPrev().close();
            r.lengthsOnDevice().close();
            return wrap(r.out());
        });
        CudaBackend.putGrad("lstm", (in, a) -> {
            if (!lstmFits(in)) return null;
            Tensor[] w = new Tensor[in.length];
            for (int k = 0; k < in.length; k++) w[k] = c(in[k]);
            LstmCuda.Result r = LstmCuda.forward(dense(w[0]), (int[]) a[0], dir(w, 0), dir(w, 1));
            // the saved tensors become engine tensors: the step's DeviceScope frees them
            Tensor out = wrap(r.out()), gates = wrap(r.gates()), cell = wrap(r.cell()), hPrev = wrap(r.hPrev()), lens = wrap(r.lengthsOnDevice());
            int[] lengths = r.lengths();
            int maxLen = r.maxLen();
            return new Recorded(out, g -> {
                boolean wantW = false;
                for (int k = 1; k < in.length; k++) wantW |= wants(in[k]);
                LstmCuda.Result saved = new LstmCuda.Result(dense(out), dense(gates), dense(cell), dense(hPrev), dense(lens), lengths, maxLen);
                LstmCuda.Grads gr = LstmCuda.backward(dense(w[0]), dir(w, 0), dir(w, 1), saved, dense(g), wants(in[0]), wantW);
                grad(in[0], gr.dx());
                if (gr.dWIh() == null) return;
                for (int d = 0; d < gr.dWIh().length; d++) {
                    grad(in[1 + 4 * d], gr.dWIh()[d]);
                    grad(in[2 + 4 * d], gr.dWHh()[d]);
                    Tensor bIh = in[3 + 4 * d], bHh = in[4 + 4 * d];   // one gradient for both biases
                    if (wants(bIh) && wants(bHh)) {
                        Tensor db = wrap(gr.dBias()[d]);
                        Autograd.accumulate(bIh, db);
                        Autograd.accumulate(bHh, db);
                    } else {
                        grad(wants(bIh) ? bIh : bHh, gr.dBias()[d]);
                    }
                }
            });
        });
    }

    // ------------------------------------------------------------------ selective scan

    /** in: u, delta, A, B, C, D, z, deltaBias; args: deltaSoftplus. */
    private static boolean scanFits(Tensor[] in) {
        return in[0].dim() == 3 && in[2].dim() == 2 && in[2].size(1) <= 16 && in[3].dim() == 3 && in[4].dim() == 3;
    }

    private static void selectiveScan() {
        CudaBackend.put("selective_scan", (in, a) -> {
            if (!scanFits(in)) return null;
            return wrap(SelectiveScanCuda.forward(dense(in[0]), dense(in[1]), dense(in[2]), dense(in[3]), dense(in[4]),
                    denseOrNull(in[5]), denseOrNull(in[6]), denseOrNull(in[7]), (Boolean) a[0]));
        });
        CudaBackend.putGrad("selective_scan", (in, a) -> {
            if (!scanFits(in)) return null;
            boolean softplus = (Boolean) a[0];
            Tensor[] s = new Tensor[in.length];
            for (int k = 0; k < in.length; k++) s[k] = c(in[k]);
            Tensor out = wrap(SelectiveScanCuda.forward(dense(s[0]), dense(s[1]), dense(s[2]), dense(s[3]), dense(s[4]),
                    denseOrNull(s[5]), denseOrNull(s[6]), denseOrNull(s[7]), softplus));
            return new Recorded(out, g -> {
                SelectiveScanCuda.Grads r = SelectiveScanCuda.backward(dense(s[0]), dense(s[1]), dense(s[2]), dense(s[3]), dense(s[4]),
                        denseOrNull(s[5]), denseOrNull(s[6]), denseOrNull(s[7]), softplus, dense(g));
                grad(in[0], r.du());
                grad(in[1], r.ddelta());
                grad(in[2], r.dA());
                grad(in[3], r.dB());
                grad(in[4], r.dC());
                grad(in[5], r.dD());
                grad(in[6], r.dz());
                grad(in[7], r.ddeltaBias());
            });
        });
    }

    // ------------------------------------------------------------------ causal conv1d

    /** in: x [B, D, L], weight [D, K], bias [D] or null; args: silu. */
    private static boolean convFits(Tensor[] in) {
        return in[0].dim() == 3 && in[1].dim() == 2 && in[1].size(1) <= 16;
    }

    private static void causalConv1d() {
        CudaBackend.put("causal_conv1d", (in, a) -> !convFits(in) ? null
                : wrap(CausalConv1dCuda.forward(dense(in[0]), dense(in[1]), denseOrNull(in[2]), (Boolean) a[0])));
        CudaBackend.putGrad("causal_conv1d", (in, a) -> {
            if (!convFits(in)) return null;
            boolean silu = (Boolean) a[0];
            Tensor x = c(in[0]), w = c(in[1]), b = c(in[2]);
            Tensor out = wrap(CausalConv1dCuda.forward(dense(x), dense(w), denseOrNull(b), silu));
            return new Recorded(out, g -> {
                CausalConv1dCuda.Grads r = CausalConv1dCuda.backward(dense(x), dense(w), denseOrNull(b), silu, dense(g));
                grad(in[0], r.dx());
                grad(in[1], r.dweight());
                grad(in[2], r.dbias());
            });
        });
    }

    // ------------------------------------------------------------------ layer norms

    private static void layerNorms() {
        // layer_norm: in x [..., C], weight [C] or null, bias [C] or null; args eps
        CudaBackend.putGrad("layer_norm", (in, a) -> {
            Tensor x = c(in[0]), w = c(in[1]), b = c(in[2]);
            int ch = x.size(-1);
            LayerNormCuda.Result r = LayerNormCuda.layerNorm(dense(x), w == null ? null : dense(w.reshape(ch)), b == null ? null : dense(b.reshape(ch)), f(a[0]));
            Tensor out = wrap(r.out()), mean = wrap(r.mean()), rstd = wrap(r.rstd());
            return new Recorded(out, g -> {
                // the kernel's dx needs gamma; beta only decides whether dshift is made
                LayerNormCuda.Grads gr = LayerNormCuda.layerNormBackward(dense(x), w == null ? null : dense(w.reshape(ch)),
                        wants(in[2]) ? dense(b.reshape(ch)) : null, new LayerNormCuda.Result(dense(out), dense(mean), dense(rstd)), dense(g));
                grad(in[0], gr.dx());
                grad(in[1], gr.dscale());
                grad(in[2], gr.dshift());
            });
        });
        // ada_layer_norm: in x [B, T, C], s [B, S], fcWeight [2C, S], fcBias [2C] or null; args eps.
        // h = s·Wᵀ + b; out = (1 + h[:, :C])·LN(x) + h[:, C:]
        CudaBackend.putGrad("ada_layer_norm", (in, a) -> {
            if (in[0].dim() != 3) return null;
            Tensor x = c(in[0]), s = in[1], fw = in[2], fb = in[3];
            int ch = x.size(2);
            Tensor h = CudaBackend.linear(s, fw, fb);
            Tensor gamma = h.slice(1, 0, ch).contiguous(), beta = h.slice(1, ch, 2 * ch).contiguous();
            LayerNormCuda.Result r = LayerNormCuda.adaLayerNorm(dense(x), dense(gamma), dense(beta), f(a[0]));
            Tensor out = wrap(r.out()), mean = wrap(r.mean()), rstd = wrap(r.rstd());
            return new Recorded(out, g -> {
                LayerNormCuda.Grads gr = LayerNormCuda.adaLayerNormBackward(dense(x), dense(gamma),
                        new LayerNormCuda.Result(dense(out), dense(mean), dense(rstd)), dense(g));
                grad(in[0], gr.dx());
                if (!wants(s) && !wants(fw) && !wants(fb)) {
                    gr.dscale().close();
                    gr.dshift().close();
                    return;
                }
                Tensor dh = Indexing.cat(1, wrap(gr.dscale()), wrap(gr.dshift()));   // [B, 2C]
                if (wants(s)) Autograd.accumulate(s, dh.matmul(fw));
                if (wants(fw)) Autograd.accumulate(fw, dh.transpose(0, 1).matmul(s));
                if (wants(fb)) Autograd.accumulate(fb, dh.sum(0, false));
            });
        });
    }
}
