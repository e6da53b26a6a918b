package dev.kokoro.cuda;

import static dev.kokoro.cuda.CudaBackend.dense;
import static dev.kokoro.cuda.CudaBackend.denseOrNull;
import static dev.kokoro.cuda.CudaBackend.i;
import static dev.kokoro.cuda.CudaBackend.wrap;

import dev.kokoro.engine.MathOps;
import dev.kokoro.engine.Tensor;
import dev.kokoro.engine.backend.Backend.Kernel;
import java.util.function.BiConsumer;

/**
 * The CUDA backend's entries for the decoder side of the model: convolutions, instance norm / AdaIN,
 * snake, padding, interpolation, cumsum, STFT / iSTFT and the polar helpers. Argument orders are those
 * of the engine's dispatch lines. An entry returns null (the op then runs on the CPU) for inputs its
 * kernel does not take, e.g. unbatched [C, T] convolutions.
 */
final class DecoderOps {
    private DecoderOps() {}

    private static float f(Object o) { return ((Number) o).floatValue(); }
    private static double d(Object o) { return ((Number) o).doubleValue(); }

    private static boolean batched3(Tensor... ts) {
        for (Tensor t : ts) if (t != null && t.dim() != 3) return false;
        return true;
    }

    static void register(BiConsumer<String, Kernel> put) {
        put.accept("conv1d", (in, a) -> in[0].dim() != 3 ? null
                : wrap(Conv1dCuda.conv1d(dense(in[0]), dense(in[1]), denseOrNull(in[2]), i(a[0]), i(a[1]), i(a[2]), i(a[3]))));
        put.accept("conv_transpose1d", (in, a) -> in[0].dim() != 3 ? null
                : wrap(ConvTranspose1dCuda.convTranspose1d(dense(in[0]), dense(in[1]), denseOrNull(in[2]), i(a[0]), i(a[1]), i(a[2]), i(a[3]), i(a[4]))));
        put.accept("instance_norm1d", (in, a) -> {
            if (!batched3(in[0])) return null;
            InstanceNormCuda.Result r = InstanceNormCuda.instanceNorm1d(dense(in[0]), denseOrNull(in[1]), denseOrNull(in[2]), f(a[0]));
            r.mean().close();
            r.rstd().close();
            return wrap(r.out());
        });
        put.accept("ada_in1d", (in, a) -> {   // x, s, fcWeight, fcBias, normWeight, normBias: (1 + gamma) · norm(x) + beta, [gamma | beta] = fc(s)
            Tensor x = in[0];
            if (!batched3(x) || in[1].dim() != 2) return null;
            int c = x.size(1);
            Tensor h = CudaBackend.linear(in[1], in[2], in[3]);
            InstanceNormCuda.Result r = InstanceNormCuda.adaIN1d(dense(x), dense(h.slice(1, 0, c)), dense(h.slice(1, c, 2 * c)),
                    denseOrNull(in[4]), denseOrNull(in[5]), f(a[0]));
            r.mean().close();
            r.rstd().close();
            return wrap(r.out());
        });
        put.accept("snake", (in, a) -> !batched3(in[0]) || in[1].numel() != in[0].size(1) ? null
                : wrap(ActivationsCuda.snake(dense(in[0]), dense(in[1]))));
        put.accept("reflection_pad1d", (in, a) -> !batched3(in[0]) ? null : wrap(ResampleCuda.reflectionPad1d(dense(in[0]), i(a[0]), i(a[1]))));
        put.accept("pad1d", (in, a) -> !batched3(in[0]) ? null : wrap(ResampleCuda.pad1d(dense(in[0]), i(a[0]), i(a[1]), d(a[2]))));
        put.accept("nearest1d", (in, a) -> !batched3(in[0]) ? null : wrap(ResampleCuda.nearest1d(dense(in[0]), i(a[0]))));
        put.accept("nearest1d_scale", (in, a) -> !batched3(in[0]) ? null : wrap(ResampleCuda.nearest1dScale(dense(in[0]), d(a[0]))));
        put.accept("linear1d", (in, a) -> !batched3(in[0]) ? null : wrap(ResampleCuda.linear1d(dense(in[0]), i(a[0]))));
        put.accept("linear1d_scale", (in, a) -> !batched3(in[0]) ? null : wrap(ResampleCuda.linear1dScale(dense(in[0]), d(a[0]))));
        put.accept("cumsum", (in, a) -> wrap(ResampleCuda.cumsum(dense(in[0]), i(a[0]))));
        put.accept("stft", (in, a) -> wrap(SpectralCuda.stft(dense(in[0]), i(a[0]), i(a[1]), denseOrNull(in[1]), (Boolean) a[2])));
        put.accept("istft", (in, a) -> wrap(SpectralCuda.istft(dense(in[0]), dense(in[1]), i(a[0]), i(a[1]), denseOrNull(in[2]), (Boolean) a[2], i(a[3]))));
        // polar helpers, composed of device ops
        put.accept("polar_re", (in, a) -> in[0].mul(MathOps.cos(in[1])));
        put.accept("polar_im", (in, a) -> in[0].mul(MathOps.sin(in[1])));
        put.accept("power", (in, a) -> in[0].mul(in[0]).add(in[1].mul(in[1])));
        put.accept("magnitude", (in, a) -> MathOps.sqrt(in[0].mul(in[0]).add(in[1].mul(in[1]))));
    }
}
