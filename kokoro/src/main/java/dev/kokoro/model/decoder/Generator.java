package dev.kokoro.model.decoder;

import dev.kokoro.engine.Activations;
import dev.kokoro.engine.Autograd;
import dev.kokoro.engine.DType;
import dev.kokoro.engine.Device;
import dev.kokoro.engine.Device;
import dev.kokoro.engine.Indexing;
import dev.kokoro.engine.MathOps;
import dev.kokoro.engine.Parallel;
import dev.kokoro.engine.Resample;
import dev.kokoro.engine.Tensor;
import dev.kokoro.model.KokoroConfig;
import dev.kokoro.model.nn.Checkpoint;
import dev.kokoro.model.nn.Conv1d;
import dev.kokoro.model.nn.Frozen;
import dev.kokoro.model.nn.ConvTranspose1d;
import dev.kokoro.model.nn.Module;
import dev.kokoro.model.nn.ModuleList;
import java.util.Map;

/**
 * istftnet's Generator: an hn-NSF harmonic source (F0 → sines → STFT magnitude ‖ phase) injected
 * through noise_convs / noise_res at every upsampling stage of a HiFi-GAN-like stack (ups, mean of
 * AdaINResBlock1s), then conv_post → exp(magnitude half), sin(phase half) → iSTFT.
 */
public final class Generator extends Module {
    public final int numKernels, numUpsamples, postNFft, upsampleScale;
    public final SourceModuleHnNSF mSource;
    final ModuleList<Conv1d> noiseConvs;
    final ModuleList<AdaINResBlock1> noiseRes;
    final ModuleList<ConvTranspose1d> ups;
    final ModuleList<AdaINResBlock1> resblocks;
    public final Conv1d convPost;
    public final TorchSTFT stft;
    /**
     * The original computes the harmonic source (upsampled F0 → SineGen → STFT) under torch.no_grad,
     * so no gradient reaches F0 through it. true records it, letting gradients flow into F0 there too.
     */
    public boolean sourceGrad = false;

    public Generator(int styleDim, KokoroConfig.Istftnet c) {
        int[] rates = c.upsampleRates(), kernels = c.upsampleKernelSizes();
        int[] rk = c.resblockKernelSizes();
        int[][] rd = c.resblockDilationSizes();
        int init = c.upsampleInitialChannel();
        numKernels = rk.length;
        numUpsamples = rates.length;
        int prod = 1;
        for (int r : rates) prod *= r;
        upsampleScale = prod * c.genIstftHopSize();
        mSource = child("m_source", new SourceModuleHnNSF(24000, upsampleScale, 8, 0.1, 0.003, 10));
        noiseConvs = child("noise_convs", new ModuleList<>());
        noiseRes = child("noise_res", new ModuleList<>());
        ups = child("ups", new ModuleList<>());
        resblocks = child("resblocks", new ModuleList<>());
        for (int i = 0; i < rates.length; i++) {
            int u = rates[i], k = kernels[i];
            ups.add(new ConvTranspose1d(init >> i, init >> (i + 1), k, u, (k - u) / 2, 0, 1, true, true));
        }
        int ch = init;
        for (int i = 0; i < rates.length; i++) {
            ch = init >> (i + 1);
            for (int j = 0; j < rk.length; j++) resblocks.add(new AdaINResBlock1(ch, rk[j], rd[j], styleDim));
            int nIn = c.genIstftNFft() + 2;
            if (i + 1 < rates.length) {
                int strideF0 = 1;
                for (int r = i + 1; r < rates.length; r++) strideF0 *= rates[r];
                noiseConvs.add(new Conv1d(nIn, ch, strideF0 * 2, strideF0, (strideF0 + 1) / 2, 1, 1, true, false));
                noiseRes.add(new AdaINResBlock1(ch, 7, new int[]{1, 3, 5}, styleDim));
            } else {
                noiseConvs.add(new Conv1d(nIn, ch, 1, 1, 0, 1, 1, true, false));
                noiseRes.add(new AdaINResBlock1(ch, 11, new int[]{1, 3, 5}, styleDim));
            }
        }
        postNFft = c.genIstftNFft();
        convPost = child("conv_post", new Conv1d(ch, postNFft + 2, 7, 1, 3, 1, 1, true, true));
        stft = new TorchSTFT(c.genIstftNFft(), c.genIstftHopSize());
    }

    /**
     * Where a device model computes the harmonic source: true (or {@code -Dkokoro.source.float64=true})
     * keeps the host float64 path below (parity with the float64 reference); by default a device model
     * computes it on the device in its own dtype, as PyTorch does on the GPU.
     */
    public static volatile boolean deviceSourceFloat64 = Boolean.getBoolean("kokoro.source.float64");

    /**
     * The harmonic source's STFT, magnitude ‖ phase: f0 [B, T0] → [B, nFft+2, T0·scale/hop + 1], in f0's
     * dtype but, on the host, computed in float64: the phases of near-empty bins (an unvoiced, constant
     * source has only DC and bin 1) are decided by the Hann window's float32 rounding (~1e-8), which a
     * float32 DFT buries in its own rounding noise; and the sine phases reach 1e5 rad.
     */
    public Tensor harmonics(Tensor f0, Map<String, Tensor> trace) {
        DType dtype = f0.dtype;
        Device device = f0.device();   // float64 lives on the host: there, or on the device in float32 (see above)
        if (device == Device.CPU || deviceSourceFloat64) f0 = f0.to(Device.CPU).to(DType.F64);
        Tensor up = Resample.nearest1dScale(f0.unsqueeze(1), upsampleScale).transpose(1, 2);   // [B, L, 1]
        Tensor har = mSource.forward(up);                                                    // [B, L, 1]
        put(trace, "m_source", har.to(dtype).to(device));
        Tensor[] magPhase = stft.transform(har.transpose(1, 2).squeeze(1));
        return Indexing.cat(1, magPhase[0], magPhase[1]).to(dtype).to(device);
    }

    /** x [B, C, T], s [B, style], f0 [B, 2T] → audio [B, 1, 2T · upsampleScale]. */
    public Tensor forward(Tensor x, Tensor s, Tensor f0, Map<String, Tensor> trace) {
        // on a device, the no-grad source and noise branches run in nested scopes that free their temporaries at once
        boolean scoped = !sourceGrad && trace == null && Frozen.scoped(f0.device(), new Tensor[]{s});
        Tensor har = sourceGrad ? harmonics(f0, trace) : scoped ? Frozen.run(() -> harmonics(f0, null)) : Autograd.noGrad(() -> harmonics(f0, trace));
        for (int i = 0; i < numUpsamples; i++) {
            x = Activations.leakyRelu(x, 0.1);
            int stage = i;
            boolean noiseScoped = scoped && Frozen.scoped(f0.device(), new Tensor[]{har, s}, noiseConvs.get(i), noiseRes.get(i));
            Tensor xSource = noiseScoped ? Frozen.run(() -> noiseRes.get(stage).forward(noiseConvs.get(stage).forward(har), s, null))
                    : noiseConvs.get(i).forward(har);
            put(trace, "noise_convs." + i, xSource);
            // the inference path of the stage's blocks shares two scratch arrays (no fresh 22 MB arrays per block)
            Tensor[] scratch = !noiseScoped && noiseRes.get(i).inference(xSource, s)
                    ? new Tensor[]{Tensor.zeros(DType.F32, xSource.shape()), Tensor.zeros(DType.F32, xSource.shape())} : null;
            if (!noiseScoped) xSource = noiseRes.get(i).forward(xSource, s, scratch);
            put(trace, "noise_res." + i, xSource);
            x = ups.get(i).forward(x);
            put(trace, "ups." + i, x);
            Tensor up = x;
            if (i == numUpsamples - 1) x = Resample.reflectionPad1d(x, 1, 0);
            Tensor padded = x;
            x = x.add(xSource);
            if (trace == null) Frozen.dead(up, padded, xSource);   // device: no backward reads them (add, pad)
            Tensor[] rs = new Tensor[numKernels];
            for (int j = 0; j < numKernels; j++) {
                AdaINResBlock1 block = resblocks.get(i * numKernels + j);   // (device training: optionally recomputed in backward)
                rs[j] = Checkpoint.stage(i, numUpsamples) && trace == null && Checkpoint.applies(x, block, s) ? Checkpoint.run(xx -> block.forward(xx, s), x)
                        : block.forward(x, s, scratch);
                put(trace, "resblocks." + (i * numKernels + j), rs[j]);
            }
            x = mean(rs);
            if (trace == null) Frozen.dead(rs);   // device: the mean's adds do not read them in backward
        }
        x = Activations.leakyRelu(x, 0.01);
        x = convPost.forward(x);
        put(trace, "conv_post", x);
        int k = postNFft / 2 + 1;
        Tensor spec = MathOps.exp(x.slice(1, 0, k));
        Tensor phase = MathOps.sin(x.slice(1, k, x.size(1)));
        return stft.inverse(spec, phase);
    }

    /**
     * ((r0 + r1) + …) / n as the ops compute it; without autograd in float32, in one parallel pass that
     * rounds each step the same way.
     */
    static Tensor mean(Tensor[] rs) {
        boolean fast = rs[0].dtype == DType.F32 && !Autograd.needsGrad(rs);
        for (Tensor r : rs)
            fast &= r.dtype == DType.F32 && r.device() == Device.CPU && r.isContiguous() && java.util.Arrays.equals(r.shape(), rs[0].shape());
        if (!fast) {
            Tensor xs = rs[0];
            for (int j = 1; j < rs.length; j++) {
                Tensor sum = xs.add(rs[j]);
                if (j > 1) Frozen.dead(xs);   // partial sums: device storage no backward reads
                xs = sum;
            }
            Tensor out = xs.div(Tensor.full(xs.dtype, rs.length, 1));
            if (rs.length > 1) Frozen.dead(xs);
            return out;
        }
        float[][] in = new float[rs.length][];
        int[] off = new int[rs.length];
        for (int j = 0; j < rs.length; j++) { in[j] = rs[j].f32(); off[j] = rs[j].offset(); }
        Tensor out = Tensor.zeros(DType.F32, rs[0].shape());
        float[] o = out.f32();
        float n = rs.length;
        Parallel.forRange(o.length, 4L * rs.length, (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                float v = in[0][off[0] + i];
                for (int j = 1; j < in.length; j++) v += in[j][off[j] + i];
                o[i] = v / n;
            }
        });
        return out;
    }

    static void put(Map<String, Tensor> trace, String name, Tensor t) {
        if (trace != null) trace.put(name, t);
    }
}
