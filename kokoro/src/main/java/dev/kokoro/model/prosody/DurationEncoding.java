package dev.kokoro.model.prosody;

import dev.kokoro.engine.Tensor;
import dev.kokoro.model.Trace;

/**
 * What the prosody predictor needs of its {@code text_encoder}: Kokoro's DurationEncoder or the Mamba
 * replacement. d_en [B, d_model, T], style [B, sty], lengths (null = all T) → [B, T, d_model + sty],
 * zero at padded steps.
 */
public interface DurationEncoding {
    Tensor forward(Tensor dEn, Tensor style, int[] lengths, Trace trace);

    default Tensor forward(Tensor dEn, Tensor style, int[] lengths) { return forward(dEn, style, lengths, null); }
}
