package dev.kokoro.model.surgery;

import dev.kokoro.engine.Tensor;
import dev.kokoro.model.KModel;
import dev.kokoro.model.mamba.MambaDurationEncoder;
import dev.kokoro.model.nn.Module;
import dev.kokoro.model.nn.Param;
import dev.kokoro.model.prosody.DurationEncoding;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The plan's surgery: {@code predictor.text_encoder} (DurationEncoder: 3 × BiLSTM + AdaLayerNorm)
 * becomes a {@link MambaDurationEncoder}; every original parameter is frozen, only the Mamba block
 * trains. Its parameters are then named {@code predictor.text_encoder.mamba.*} (mamba-ssm names).
 */
public final class Surgery {
    private Surgery() {}

    /** The new encoder, and the original one (kept for distillation). */
    public record Result(MambaDurationEncoder encoder, DurationEncoding original) {}

    /** Replaces the DurationEncoder of {@code model} with a freshly initialised Mamba encoder (seeded). */
    public static Result apply(KModel model, long seed) {
        DurationEncoding original = model.predictor.textEncoder();
        if (original instanceof MambaDurationEncoder)
            throw new IllegalStateException("the model's predictor.text_encoder is already a Mamba encoder");
        MambaDurationEncoder enc = new MambaDurationEncoder(model.cfg.hiddenDim(), model.cfg.styleDim());
        enc.initRandom(new SplittableRandom(seed));
        if (model.dtype() != enc.mamba.inProj.weight.dtype()) enc.to(model.dtype());
        model.predictor.setTextEncoder(enc);
        freezeAllBut(model, enc);
        return new Result(enc, original);
    }

    /** Freezes every parameter of {@code model}, then makes {@code trainable}'s parameters require grad. */
    public static void freezeAllBut(KModel model, Module trainable) {
        model.requiresGrad(false);
        trainable.requiresGrad(true);
    }

    /** The trainable parameters by full state-dict name (e.g. predictor.text_encoder.mamba.A_log). */
    public static Map<String, Tensor> trainable(KModel model) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Param> e : model.namedParams().entrySet())
            if (e.getValue().get().requiresGrad()) out.put(e.getKey(), e.getValue().get());
        return out;
    }

    /** True when the model's predictor.text_encoder is the Mamba encoder. */
    public static boolean isSurgered(KModel model) {
        return model.predictor.textEncoder() instanceof MambaDurationEncoder;
    }
}
