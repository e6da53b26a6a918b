package dev.kokoro.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kokoro.engine.Autograd;
import dev.kokoro.engine.DType;
import dev.kokoro.engine.GradCheck;
import dev.kokoro.engine.Tensor;
import dev.kokoro.engine.io.Fixtures;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Batches with per-item lengths (pack_padded semantics): each item's valid steps equal a run of that
 * item alone, and the steps Kokoro zeroes are zero. PL-BERT, text encoder, duration encoder, duration head.
 */
class BatchMaskingTest {
    @Test
    void paddedItemsEqualTheirUnpaddedRuns() throws Exception {
        assumeTrue(Fixtures.exists("kokoro-tiny.config.json"));
        KokoroConfig cfg = KokoroConfig.load(Fixtures.file("kokoro-tiny.config.json"));
        KModel m = KModel.random(cfg, 11);
        m.to(DType.F64);
        int t = 12;
        int[] lengths = {12, 7};
        SplittableRandom rng = new SplittableRandom(5);
        long[] ids = new long[2 * t];
        for (int i = 0; i < ids.length; i++) ids[i] = 1 + rng.nextInt(cfg.nToken() - 1);
        for (int i = lengths[1]; i < t; i++) ids[t + i] = 0;
        Tensor batch = Tensor.of(ids, 2, t);
        Tensor style = Tensor.randn(rng, DType.F64, 2, cfg.styleDim());
        try (var scope = Autograd.disable()) {
            Tensor dEn = m.bertDurationInput(batch, lengths, null);                    // [2, H, T]
            Tensor tEn = m.textEncoder.forward(batch, lengths);                        // [2, H, T]
            Tensor d = m.predictor.textEncoder().forward(dEn, style, lengths);         // [2, T, H + S]
            Tensor dur = m.predictor.durationLogits(d, lengths, null);                 // [2, T, max_dur]
            for (int b = 0; b < 2; b++) {
                int len = lengths[b];
                Tensor one = batch.slice(0, b, b + 1).slice(1, 0, len).contiguous();
                Tensor s1 = style.slice(0, b, b + 1).contiguous();
                Tensor dEn1 = m.bertDurationInput(one, null, null);
                Tensor tEn1 = m.textEncoder.forward(one, null);
                Tensor d1 = m.predictor.textEncoder().forward(dEn1, s1, null);
                Tensor dur1 = m.predictor.durationLogits(d1, null, null);
                assertClose("bert_encoder item " + b, dEn.slice(0, b, b + 1).slice(2, 0, len), dEn1);
                assertClose("text_encoder item " + b, tEn.slice(0, b, b + 1).slice(2, 0, len), tEn1);
                assertClose("duration encoder item " + b, d.slice(0, b, b + 1).slice(1, 0, len), d1);
                assertClose("duration logits item " + b, dur.slice(0, b, b + 1).slice(1, 0, len), dur1);
            }
            assertEquals(0.0, maxAbs(tEn.slice(0, 1, 2).slice(2, lengths[1], t)), "text encoder padding");
            assertEquals(0.0, maxAbs(d.slice(0, 1, 2).slice(1, lengths[1], t)), "duration encoder padding");
        }
    }

    static void assertClose(String what, Tensor have, Tensor want) {
        double err = GradCheck.relL2(have.contiguous(), want.contiguous());
        assertTrue(err < 1e-10, what + ": rel L2 " + err);
    }

    static double maxAbs(Tensor x) {
        double m = 0;
        for (double v : x.contiguous().toDoubleArray()) m = Math.max(m, Math.abs(v));
        return m;
    }
}
