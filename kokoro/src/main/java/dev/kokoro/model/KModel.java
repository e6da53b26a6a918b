package dev.kokoro.model;

import dev.kokoro.engine.Activations;
import dev.kokoro.engine.Autograd;
import dev.kokoro.engine.DType;
import dev.kokoro.engine.Device;
import dev.kokoro.engine.MathOps;
import dev.kokoro.engine.Tensor;
import dev.kokoro.engine.io.Pth;
import dev.kokoro.engine.io.Safetensors;
import dev.kokoro.model.albert.Albert;
import dev.kokoro.model.nn.Frozen;
import dev.kokoro.model.decoder.Decoder;
import dev.kokoro.model.nn.Linear;
import dev.kokoro.model.nn.Module;
import dev.kokoro.model.nn.StateDict;
import dev.kokoro.model.prosody.ProsodyPredictor;
import dev.kokoro.model.text.TextEncoder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Kokoro-82M (hexgrad/kokoro KModel), config-driven. Children carry the checkpoint's five parts:
 * {@code bert}, {@code bert_encoder}, {@code predictor}, {@code text_encoder}, {@code decoder}.
 * Everything runs in eval mode (no dropout).
 */
public final class KModel extends Module {
    public static final List<String> PARTS = List.of("bert", "bert_encoder", "predictor", "text_encoder", "decoder");
    /** Buffers older checkpoints hold that the model does not need. */
    public static final Set<String> IGNORED_SUFFIXES = Set.of(
            "bert." + Albert.IGNORED_BUFFERS[0], "bert." + Albert.IGNORED_BUFFERS[1]);

    public final KokoroConfig cfg;
    public final Albert bert;
    public final Linear bertEncoder;
    public final ProsodyPredictor predictor;
    public final TextEncoder textEncoder;
    public final Decoder decoder;

    /** A model of zeros (load or {@link #random} fills it). */
    public KModel(KokoroConfig cfg) {
        this.cfg = cfg;
        bert = child("bert", new Albert(cfg));
        bertEncoder = child("bert_encoder", new Linear(cfg.plbert().hiddenSize(), cfg.hiddenDim(), true));
        predictor = child("predictor", new ProsodyPredictor(cfg.styleDim(), cfg.hiddenDim(), cfg.nLayer(), cfg.maxDur()));
        textEncoder = child("text_encoder", new TextEncoder(cfg.hiddenDim(), cfg.textEncoderKernelSize(), cfg.nLayer(), cfg.nToken()));
        decoder = child("decoder", new Decoder(cfg));
    }

    /** PyTorch-style random initialisation (any config, including the real one). */
    public static KModel random(KokoroConfig cfg, long seed) {
        KModel m = new KModel(cfg);
        m.initRandom(new SplittableRandom(seed));
        return m;
    }

    // ------------------------------------------------------------------ loading ----

    /**
     * Loads kokoro-v1_0.pth ({bert, bert_encoder, predictor, text_encoder, decoder}, keys prefixed
     * {@code module.}) or a flat safetensors file (keys {@code bert.…}, {@code predictor.…}, with or without
     * {@code module.}). Errors name every missing, unexpected or mis-shaped key.
     */
    public static KModel load(Path file, KokoroConfig cfg, boolean allowMissing) throws IOException {
        KModel m = new KModel(cfg);
        m.loadWeights(file, allowMissing);
        return m;
    }

    public void loadWeights(Path file, boolean allowMissing) throws IOException {
        String name = file.getFileName().toString();
        Map<String, Tensor> flat = name.endsWith(".safetensors") ? Safetensors.read(file) : Pth.flatten(Pth.readDict(file));
        loadStateDict(flat, file.toString(), allowMissing);
    }

    /** Copies a flat {@code part.[module.]key → tensor} map into the model. */
    public void loadStateDict(Map<String, Tensor> flat, String source, boolean allowMissing) {
        StateDict.load(this, normalizeKeys(flat), source, allowMissing, IGNORED_SUFFIXES);
    }

    /** {@code part.module.key} → {@code part.key}; keys of other shapes pass unchanged (and are then reported). */
    public static Map<String, Tensor> normalizeKeys(Map<String, Tensor> flat) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (var e : flat.entrySet()) {
            String k = e.getKey();
            int dot = k.indexOf('.');
            if (dot > 0 && k.startsWith("module.", dot + 1)) k = k.substring(0, dot + 1) + k.substring(dot + 1 + "module.".length());
            if (k.startsWith("module.")) k = k.substring("module.".length());
            out.put(k, e.getValue());
        }
        return out;
    }

    /**
     * Deterministic mode for parity: the decoder's sine source uses zero initial phase and no noise
     * (as the fixtures do). Off, it draws them at random as Kokoro does.
     */
    public void deterministic(boolean on) {
        decoder.deterministic(on);
    }

    /** The parameter dtype (F32, or F64 after {@code to(DType.F64)}). */
    public DType dtype() {
        return bertEncoder.weight.dtype();
    }

    /** Where the parameters live (CPU, or CUDA after {@code to(Device.CUDA)}); inputs are moved there. */
    public Device device() {
        return bertEncoder.weight.get().device();
    }

    // ------------------------------------------------------------------ inference ----

    /** What {@link #forwardWithTokens} returns. */
    public record Output(Tensor audio, Tensor predDur, Tensor durationFloat, Map<String, Tensor> activations) {}

    /**
     * KModel.forward_with_tokens: inputIds int64 [1, T] (with the 0 pads), refS [1, 256] →
     * audio [600·F], pred_dur int64 [T]. With {@code collect}, activations holds the fixture's
     * {@code act.*} names (without the {@code act.} prefix). No gradients are recorded.
     */
    public Output forwardWithTokens(Tensor inputIds, Tensor refS, double speed, boolean collect) {
        if (inputIds.dim() != 2 || inputIds.size(0) != 1)
            throw new IllegalArgumentException("forwardWithTokens takes input_ids [1, T], got " + Arrays.toString(inputIds.shape())
                    + " (use forwardAligned for batches)");
        checkRefS(refS, 1);
        int t = inputIds.size(1);
        int ctx = cfg.plbert().maxPositionEmbeddings();
        if (t > ctx) throw new IllegalArgumentException(t + " tokens exceed the context length " + ctx);
        Trace trace = collect ? new Trace() : null;
        try (var scope = Autograd.disable()) {
            Tensor ref = refS.to(dtype()).to(device());
            Tensor sDec = ref.slice(1, 0, cfg.styleDim()), s = ref.slice(1, cfg.styleDim(), 2 * cfg.styleDim());
            Tensor dEn = bertDurationInput(inputIds, null, trace);
            ProsodyPredictor.Output p = predictor.forward(dEn, s, null, null, Trace.at(trace, "predictor"));
            Tensor durationFloat = Activations.sigmoid(p.duration()).sum(-1, false);   // [1, T]
            Tensor rounded = MathOps.clamp(MathOps.round(durationFloat.mul(1 / speed)), 1, Double.POSITIVE_INFINITY);
            long[][] dur = {new long[t]};
            double[] roundedHost = rounded.toDoubleArray();   // one download when on a device
            for (int i = 0; i < t; i++) dur[0][i] = (long) roundedHost[i];
            Tensor aln = Alignment.fromDurations(dur, t, dtype()).to(device());
            Tensor en = p.d().transpose(1, 2).matmul(aln);
            Tensor audio = synthesize(inputIds, null, en, aln, s, sDec, trace)[2];
            return new Output(audio.reshape(-1), Tensor.of(dur[0], t), durationFloat, trace == null ? Map.of() : trace.all());
        }
    }

    public Output forwardWithTokens(Tensor inputIds, Tensor refS, double speed) {
        return forwardWithTokens(inputIds, refS, speed, false);
    }

    /** PL-BERT and bert_encoder: ids [B, T] → d_en [B, hidden, T]. */
    public Tensor bertDurationInput(Tensor inputIds, int[] lengths, Trace trace) {
        if (trace == null && Frozen.scoped(device(), new Tensor[0], bert, bertEncoder))   // frees PL-BERT's device temporaries at once
            return Frozen.run(() -> bertEncoder.forward(bert.forward(inputIds, lengths)).transpose(1, 2));
        Tensor bertDur = bert.forward(inputIds, lengths);
        Trace.put(trace, "bert", bertDur);
        Tensor dEn = bertEncoder.forward(bertDur);
        Trace.put(trace, "bert_encoder", dEn);
        return dEn.transpose(1, 2);
    }

    /** F0/N from en, text encoder, asr = t_en · aln, decoder → {F0 [B, 2F], N [B, 2F], audio [B, 1, 600·F]}. */
    private Tensor[] synthesize(Tensor inputIds, int[] lengths, Tensor en, Tensor aln, Tensor s, Tensor sDec, Trace trace) {
        Tensor[] f0n = predictor.f0nTrain(en, s, Trace.at(trace, "predictor"));
        Tensor tEn = trace == null && Frozen.scoped(device(), new Tensor[0], textEncoder)
                ? Frozen.run(() -> textEncoder.forward(inputIds, lengths, null))
                : textEncoder.forward(inputIds, lengths, Trace.at(trace, "text_encoder"));
        Trace.put(trace, "text_encoder", tEn);
        Tensor asr = tEn.matmul(aln);
        Map<String, Tensor> inner = trace == null ? null : new LinkedHashMap<>();
        Tensor audio = decoder.forward(asr, f0n[0], f0n[1], sDec, inner);
        if (inner != null) inner.forEach((k, v) -> Trace.put(trace, "decoder." + k, v));
        Trace.put(trace, "decoder", audio);
        return new Tensor[] {f0n[0], f0n[1], audio};
    }

    // ------------------------------------------------------------------ training ----

    /** What {@link #forwardAligned} returns. durations = Σ sigmoid(logits) [B, T]; F0, N [B, 2F]; audio [B, 1, 600·F]. */
    public record Aligned(Tensor d, Tensor durationLogits, Tensor durations, Tensor f0, Tensor n, Tensor audio) {}

    /**
     * The training forward: like forward_with_tokens but with a given alignment (from target durations,
     * {@link Alignment#fromDurations}) and per-item token lengths. inputIds [B, T] (padding past each
     * length), refS [B, 256], alignment [B, T, F]. Gradients flow to every parameter that requires them.
     * Items with fewer frames than F have zero alignment columns at the end; as in StyleTTS2 training,
     * the instance norms of F0Ntrain and the decoder then see those frames too, so crop each item's
     * audio to its own 600·frames and prefer batching items of similar length.
     */
    public Aligned forwardAligned(Tensor inputIds, int[] lengths, Tensor refS, Tensor alignment, Trace trace) {
        int b = inputIds.size(0), t = inputIds.size(1);
        if (lengths != null) Masks.check(lengths, b, t);
        checkRefS(refS, b);
        if (alignment.dim() != 3 || alignment.size(0) != b || alignment.size(1) != t)
            throw new IllegalArgumentException("alignment " + Arrays.toString(alignment.shape()) + " for input_ids " + Arrays.toString(inputIds.shape()));
        Tensor ref = refS.to(dtype()).to(device());
        Tensor sDec = ref.slice(1, 0, cfg.styleDim()), s = ref.slice(1, cfg.styleDim(), 2 * cfg.styleDim());
        Tensor aln = alignment.to(dtype()).to(device());
        Tensor dEn = bertDurationInput(inputIds, lengths, trace);
        ProsodyPredictor.Output p = predictor.forward(dEn, s, lengths, aln, Trace.at(trace, "predictor"));
        Tensor durations = Activations.sigmoid(p.duration()).sum(-1, false);
        Tensor[] out = synthesize(inputIds, lengths, p.en(), aln, s, sDec, trace);
        return new Aligned(p.d(), p.duration(), durations, out[0], out[1], out[2]);
    }

    private void checkRefS(Tensor refS, int b) {
        if (refS.dim() != 2 || refS.size(0) != b || refS.size(1) != 2 * cfg.styleDim())
            throw new IllegalArgumentException("ref_s must be [" + b + ", " + 2 * cfg.styleDim() + "], got " + Arrays.toString(refS.shape()));
    }
}
