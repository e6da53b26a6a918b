package dev.kokoro.model.decoder;

import dev.kokoro.engine.Indexing;
import dev.kokoro.engine.Tensor;
import dev.kokoro.model.KokoroConfig;
import dev.kokoro.model.nn.Conv1d;
import dev.kokoro.model.nn.AdainResBlk1d;
import dev.kokoro.model.nn.Module;
import dev.kokoro.model.nn.ModuleList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * istftnet's Decoder: F0 and N curves (stride-2 convs down to the frame rate) are concatenated with the
 * aligned text features, encoded, and passed through four AdainResBlk1d (the first three re-concatenate
 * asr_res, F0 and N; the last upsamples ×2), then the {@link Generator} makes audio.
 *
 * <p>Widths: {@code encode} dim_in+2 → decoderHidden; {@code decode.0..2} decoderHidden+2+asrRes →
 * decoderHidden; {@code decode.3} → upsample_initial_channel; {@code asr_res} dim_in → asrRes (the real
 * model hard-codes 1024 / 64 / 512, as KokoroConfig's defaults).
 */
public final class Decoder extends Module {
    public final AdainResBlk1d encode;
    final ModuleList<AdainResBlk1d> decode;
    public final Conv1d f0Conv, nConv, asrRes;
    public final Generator generator;

    public Decoder(KokoroConfig c) {
        this(c.hiddenDim(), c.styleDim(), c.decoderHidden(), c.decoderAsrRes(), c.istftnet());
    }

    public Decoder(int dimIn, int styleDim, int hidden, int asrResDim, KokoroConfig.Istftnet ist) {
        int u = ist.upsampleInitialChannel();
        encode = child("encode", new AdainResBlk1d(dimIn + 2, hidden, styleDim, false));
        decode = child("decode", new ModuleList<>());
        for (int i = 0; i < 3; i++) decode.add(new AdainResBlk1d(hidden + 2 + asrResDim, hidden, styleDim, false));
        decode.add(new AdainResBlk1d(hidden + 2 + asrResDim, u, styleDim, true));
        f0Conv = child("F0_conv", new Conv1d(1, 1, 3, 2, 1, 1, 1, true, true));
        nConv = child("N_conv", new Conv1d(1, 1, 3, 2, 1, 1, 1, true, true));
        asrRes = child("asr_res", new ModuleList<Conv1d>()).add(new Conv1d(dimIn, asrResDim, 1, 1, 0, 1, 1, true, true));
        generator = child("generator", new Generator(styleDim, ist));
    }

    /** Zero initial phases and noise in the sine source (as the reference fixtures), or not. */
    public Decoder deterministic(boolean on) {
        generator.mSource.sineGen.random(on ? null : new SplittableRandom());
        return this;
    }

    /** Random sine-source phases and noise drawn from a generator seeded with {@code seed}. */
    public Decoder seed(long seed) {
        generator.mSource.sineGen.random(new SplittableRandom(seed));
        return this;
    }

    /**
     * asr [B, dimIn, T] (text features @ alignment), f0 / n [B, 2T], s [B, style] → audio [B, 1, 2T·600]
     * (600 = upsampling of the real config). Gradients flow into f0 and n through F0_conv / N_conv.
     */
    public Tensor forward(Tensor asr, Tensor f0, Tensor n, Tensor s) {
        return forward(asr, f0, n, s, null);
    }

    /** As {@link #forward(Tensor, Tensor, Tensor, Tensor)}; {@code trace} (if not null) receives the
     * outputs of submodules under their PyTorch names (encode, asr_res, decode.i, generator.…). */
    public Tensor forward(Tensor asr, Tensor f0Curve, Tensor n, Tensor s, Map<String, Tensor> trace) {
        check(asr, f0Curve, n, s);
        Tensor f0 = f0Conv.forward(f0Curve.unsqueeze(1));
        Tensor nn = nConv.forward(n.unsqueeze(1));
        Tensor x = encode.forward(Indexing.cat(1, asr, f0, nn), s);
        Generator.put(trace, "encode", x);
        Tensor res = asrRes.forward(asr);
        Generator.put(trace, "asr_res", res);
        boolean concat = true;
        for (int i = 0; i < decode.size(); i++) {
            AdainResBlk1d block = decode.get(i);
            if (concat) x = Indexing.cat(1, x, res, f0, nn);
            x = block.forward(x, s);
            Generator.put(trace, "decode." + i, x);
            if (block.upsample) concat = false;
        }
        Map<String, Tensor> g = trace == null ? null : new LinkedHashMap<>();
        Tensor audio = generator.forward(x, s, f0Curve, g);
        if (trace != null) g.forEach((k, v) -> trace.put("generator." + k, v));
        return audio;
    }

    private void check(Tensor asr, Tensor f0, Tensor n, Tensor s) {
        int dimIn = encode.dimIn - 2;
        if (asr.dim() != 3 || asr.size(1) != dimIn || f0.dim() != 2 || n.dim() != 2 || s.dim() != 2
                || f0.size(0) != asr.size(0) || n.size(0) != asr.size(0) || s.size(0) != asr.size(0)
                || f0.size(1) != n.size(1) || (f0.size(1) + 1) / 2 != asr.size(2))
            throw new IllegalArgumentException(String.format(
                    "Decoder: expected asr [B, %d, T], F0 and N [B, 2T], s [B, style]; got asr %s, F0 %s, N %s, s %s",
                    dimIn, java.util.Arrays.toString(asr.shape()), java.util.Arrays.toString(f0.shape()),
                    java.util.Arrays.toString(n.shape()), java.util.Arrays.toString(s.shape())));
    }
}
