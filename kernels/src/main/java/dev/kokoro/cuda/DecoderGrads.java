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
 * The backward of the decoder-side ops ({@link DecoderOps} has their plain forwards): conv1d,
 * conv_transpose1d, instance_norm1d, ada_in1d, snake, the resample/pad ops, cumsum, stft and istft, each
 * registered with {@link CudaBackend#putGrad} (used when an input requires grad). Gradients are made
 * only for inputs that require them (a frozen decoder gets dx only); inputs the forward kernels do not
 * take (unbatched tensors) decline to the CPU, as in DecoderOps.
 */
final class DecoderGrads {
    private DecoderGrads() {}

    private static Tensor c(Tensor t) { return t == null ? null : t.contiguous(); }

    static void register() {
        conv();
        norms();
        CudaBackend.putGrad("snake", (in, a) -> {
            if (in[0].dim() != 3 || in[1].numel() != in[0].size(1)) return null;
            Tensor x = c(in[0]), alpha = c(in[1]);
            Tensor out = wrap(ActivationsCuda.snake(dense(x), dense(alpha)));
            return new Recorded(out, g -> {
                ActivationsCuda.SnakeGrads r = ActivationsCuda.snakeBackward(dense(x), dense(alpha), dense(g), wants(in[0]), wants(in[1]));
                grad(in[0], r.dx());
                grad(in[1], r.dalpha());
            });
        });
        resample();
        spectral();
    }

    // in: x, w, bias; args conv1d: stride, padding, dilation, groups; conv_transpose1d: stride, padding, outputPadding, groups, dilation
    private static void conv() {
        CudaBackend.putGrad("conv1d", (in, a) -> {
            if (in[0].dim() != 3) return null;
            Tensor x = c(in[0]), w = c(in[1]);
            Tensor out = wrap(Conv1dCuda.conv1d(dense(x), dense(w), denseOrNull(in[2]), i(a[0]), i(a[1]), i(a[2]), i(a[3])));
            return new Recorded(out, g -> {
                Conv1dCuda.Grads r = Conv1dCuda.backward(dense(x), dense(w), dense(g), wants(in[0]), wants(in[1]), wants(in[2]), i(a[0]), i(a[1]), i(a[2]), i(a[3]));
                grad(in[0], r.dx());
                grad(in[1], r.dweight());
                grad(in[2], r.dbias());
            });
        });
        CudaBackend.putGrad("conv_transpose1d", (in, a) -> {
            if (in[0].dim() != 3) return null;
            Tensor x = c(in[0]), w = c(in[1]);
            Tensor out = wrap(ConvTranspose1dCuda.convTranspose1d(dense(x), dense(w), denseOrNull(in[2]), i(a[0]), i(a[1]), i(a[2]), i(a[3]), i(a[4])));
            return new Recorded(out, g -> {
                Conv1dCuda.Grads r = ConvTranspose1dCuda.backward(dense(x), dense(w), dense(g), wants(in[0]), wants(in[1]), wants(in[2]),
                        i(a[0]), i(a[1]), i(a[2]), i(a[3]), i(a[4]));
                grad(in[0], r.dx());
                grad(in[1], r.dweight());
                grad(in[2], r.dbias());
            });
        });
    }

    private static void norms() {
        // instance_norm1d: x [B, C, T], weight, bias [C] or null; args eps
        CudaBackend.putGrad("instance_norm1d", (in, a) -> {
            if (in[0].dim() != 3) return null;
            Tensor x = c(in[0]), w = c(in[1]), b = c(in[2]);
            InstanceNormCuda.Result r = InstanceNormCuda.instanceNorm1d(dense(x), denseOrNull(w), denseOrNull(b), f(a[0]));
            r.mean().close();
            r.rstd().close();   // the backward recomputes the statistics
            Tensor out = wrap(r.out());
            float eps = r.eps();
            return new Recorded(out, g -> {
                InstanceNormCuda.Grads gr = InstanceNormCuda.instanceNorm1dBackward(dense(x), denseOrNull(w), denseOrNull(b),
                        new InstanceNormCuda.Result(dense(out), null, null, eps), dense(g), wants(in[0]), wants(in[1]), wants(in[2]));
                grad(in[0], gr.dx());
                grad(in[1], gr.dweight());
                grad(in[2], gr.dbias());
            });
        });
        // ada_in1d: x [B, C, T], s [B, S], fcWeight [2C, S], fcBias [2C] or null, normWeight, normBias [C] or null; args eps
        CudaBackend.putGrad("ada_in1d", (in, a) -> {
            if (in[0].dim() != 3 || in[1].dim() != 2) return null;
            Tensor x = c(in[0]), s = in[1], fw = in[2], fb = in[3], nw = c(in[4]), nb = c(in[5]);
            int ch = x.size(1);
            Tensor h = CudaBackend.linear(s, fw, fb);
            Tensor gamma = h.slice(1, 0, ch).contiguous(), beta = h.slice(1, ch, 2 * ch).contiguous();
            InstanceNormCuda.Result r = InstanceNormCuda.adaIN1d(dense(x), dense(gamma), dense(beta), denseOrNull(nw), denseOrNull(nb), f(a[0]));
            r.mean().close();
            r.rstd().close();
            Tensor out = wrap(r.out());
            float eps = r.eps();
            boolean wantStyle = wants(s) || wants(fw) || wants(fb);
            return new Recorded(out, g -> {
                InstanceNormCuda.Grads gr = InstanceNormCuda.adaIN1dBackward(dense(x), dense(gamma), dense(beta), denseOrNull(nw), denseOrNull(nb),
                        new InstanceNormCuda.Result(dense(out), null, null, eps), dense(g), wants(in[0]), wantStyle, wants(in[4]) || wants(in[5]));
                grad(in[0], gr.dx());
                grad(in[4], gr.dweight());
                grad(in[5], gr.dbias());
                if (!wantStyle) return;
                Tensor dh = Indexing.cat(1, wrap(gr.dgamma()), wrap(gr.dbeta()));   // [B, 2C]
                if (wants(s)) Autograd.accumulate(s, dh.matmul(fw));
                if (wants(fw)) Autograd.accumulate(fw, dh.transpose(0, 1).matmul(s));
                if (wants(fb)) Autograd.accumulate(fb, dh.sum(0, false));
            });
        });
    }

    private interface Fwd { CudaTensor apply(CudaTensor x, Object[] a); }
    private interface Bwd { CudaTensor apply(CudaTensor g, int inLen, Object[] a); }

    /** A last-dim op whose backward needs only the output gradient and the input length. */
    private static void lastDim(String op, boolean batched, Fwd fwd, Bwd bwd) {
        CudaBackend.putGrad(op, (in, a) -> {
            if (batched && in[0].dim() != 3) return null;   // as DecoderOps
            int inLen = in[0].size(-1);
            Tensor out = wrap(fwd.apply(dense(in[0]), a));
            return new Recorded(out, g -> grad(in[0], bwd.apply(dense(g), inLen, a)));
        });
    }

    private static void resample() {
        lastDim("nearest1d", true, (x, a) -> ResampleCuda.nearest1d(x, i(a[0])), (g, n, a) -> ResampleCuda.nearest1dBackward(g, n));
        lastDim("nearest1d_scale", true, (x, a) -> ResampleCuda.nearest1dScale(x, ((Number) a[0]).doubleValue()),
                (g, n, a) -> ResampleCuda.nearest1dScaleBackward(g, n, ((Number) a[0]).doubleValue()));
        lastDim("linear1d", true, (x, a) -> ResampleCuda.linear1d(x, i(a[0])), (g, n, a) -> ResampleCuda.linear1dBackward(g, n));
        lastDim("linear1d_scale", true, (x, a) -> ResampleCuda.linear1dScale(x, ((Number) a[0]).doubleValue()),
                (g, n, a) -> ResampleCuda.linear1dScaleBackward(g, n, ((Number) a[0]).doubleValue()));
        lastDim("reflection_pad1d", true, (x, a) -> ResampleCuda.reflectionPad1d(x, i(a[0]), i(a[1])), (g, n, a) -> ResampleCuda.reflectionPad1dBackward(g, i(a[0]), i(a[1])));
        lastDim("pad1d", true, (x, a) -> ResampleCuda.pad1d(x, i(a[0]), i(a[1]), ((Number) a[2]).doubleValue()), (g, n, a) -> ResampleCuda.pad1dBackward(g, i(a[0]), i(a[1])));
        lastDim("cumsum", false, (x, a) -> ResampleCuda.cumsum(x, i(a[0])), (g, n, a) -> ResampleCuda.cumsumBackward(g, i(a[0])));
    }

    private static void spectral() {
        // stft: x [B, L] or [L], window; args nFft, hop, center → stacked [B, 2K, frames]
        CudaBackend.putGrad("stft", (in, a) -> {
            if (wants(in[1])) return null;   // no window gradient kernel
            Tensor w = c(in[1]);
            int len = in[0].size(-1);
            Tensor out = wrap(SpectralCuda.stft(dense(in[0]), i(a[0]), i(a[1]), denseOrNull(w), (Boolean) a[2]));
            return new Recorded(out, g -> grad(in[0], SpectralCuda.stftBackward(dense(g), len, i(a[0]), i(a[1]), denseOrNull(w), (Boolean) a[2])));
        });
        // istft: re, im [B, K, frames], window; args nFft, hop, center, length
        CudaBackend.putGrad("istft", (in, a) -> {
            if (wants(in[2])) return null;
            Tensor w = c(in[2]);
            int frames = in[0].size(-1);
            Tensor out = wrap(SpectralCuda.istft(dense(in[0]), dense(in[1]), i(a[0]), i(a[1]), denseOrNull(w), (Boolean) a[2], i(a[3])));
            return new Recorded(out, g -> {
                SpectralCuda.IstftGrads r = SpectralCuda.istftBackward(dense(g), frames, i(a[0]), i(a[1]), denseOrNull(w), (Boolean) a[2], i(a[3]));
                grad(in[0], r.dre());
                grad(in[1], r.dim());
            });
        });
    }
}
