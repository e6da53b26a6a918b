package dev.kokoro.model;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kokoro.engine.Autograd;
import dev.kokoro.engine.DType;
import dev.kokoro.engine.GradCheck;
import dev.kokoro.engine.Tensor;
import dev.kokoro.engine.io.Fixtures;
import dev.kokoro.engine.io.Pth;
import dev.kokoro.engine.io.Safetensors;
import dev.kokoro.model.nn.StateDict;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Each part of the tiny Kokoro before the decoder, fed the reference's own inputs (so one part's error
 * does not spread to the next), against the float64 fixture: PL-BERT, bert_encoder, DurationEncoder,
 * duration head, F0Ntrain, TextEncoder. Runs in float32 and float64.
 */
class KokoroTinyPartsTest {
    static final double TOL = 1e-4;

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F64"})
    void partsMatchReference(DType dtype) throws Exception {
        for (String f : List.of("kokoro-tiny.pth", "kokoro-tiny.config.json", "kokoro-tiny.ref.safetensors"))
            assumeTrue(Fixtures.exists(f), "fixture " + f + " missing in " + Fixtures.dir());
        KokoroConfig cfg = KokoroConfig.load(Fixtures.file("kokoro-tiny.config.json"));
        Map<String, Tensor> ref = Safetensors.read(Fixtures.file("kokoro-tiny.ref.safetensors"));
        Map<String, Tensor> ck = KModel.normalizeKeys(Pth.flatten(Pth.readDict(Fixtures.file("kokoro-tiny.pth"))));
        KModel m = new KModel(cfg);
        for (String part : List.of("bert", "bert_encoder", "predictor", "text_encoder"))
            StateDict.load(m.children().get(part), StateDict.sub(ck, part + "."), "kokoro-tiny.pth " + part, false,
                    Set.of(Albert_IGNORED[0], Albert_IGNORED[1]));
        m.to(dtype);

        List<String> report = new ArrayList<>(), failures = new ArrayList<>();
        Trace trace = new Trace();
        Tensor ids = ref.get("input_ids");
        Tensor s = ref.get("ref_s").to(dtype).slice(1, cfg.styleDim(), 2 * cfg.styleDim());
        Tensor dRef = ref.get("act.predictor.text_encoder").to(dtype);
        Trace pt = Trace.at(trace, "predictor");
        section(report, failures, "bert", () -> m.bertDurationInput(ids, null, trace));
        section(report, failures, "predictor.text_encoder", () -> {
            Tensor dEn = ref.get("act.bert_encoder").to(dtype).transpose(1, 2);
            Trace.put(pt, "text_encoder", m.predictor.textEncoder().forward(dEn, s, null, Trace.at(pt, "text_encoder")));
        });
        section(report, failures, "duration head", () -> m.predictor.durationLogits(dRef, null, pt));
        section(report, failures, "F0Ntrain", () -> {
            long[] dur = ref.get("pred_dur").toLongArray();
            Tensor aln = Alignment.fromDurations(new long[][] {dur}, dur.length, dtype);
            m.predictor.f0nTrain(dRef.transpose(1, 2).matmul(aln), s, pt);
        });
        section(report, failures, "F0/N stacks", () -> {
            if (!trace.all().containsKey("predictor.F0_proj"))   // F0Ntrain did not run: start from the reference shared output
                m.predictor.f0nStacks(ref.get("act.predictor.shared").to(dtype).transpose(1, 2), s, pt);
        });
        section(report, failures, "text_encoder",
                () -> Trace.put(trace, "text_encoder", m.textEncoder.forward(ids, null, Trace.at(trace, "text_encoder"))));
        for (var e : trace.all().entrySet()) {
            Tensor want = ref.get("act." + e.getKey());
            if (want == null) continue;
            Tensor have = e.getValue();
            if (!Arrays.equals(have.shape(), want.shape())) {
                failures.add(e.getKey());
                report.add(String.format("%-40s SHAPE %s vs %s", e.getKey(), Arrays.toString(have.shape()), Arrays.toString(want.shape())));
                continue;
            }
            double err = GradCheck.relL2(have.to(DType.F64), want);
            if (!(err <= TOL)) failures.add(e.getKey());
            report.add(String.format("%-40s rel L2 %.3e", e.getKey(), err));
        }
        String text = dtype + " parts vs float64 reference:\n  " + String.join("\n  ", report);
        System.out.println(text);
        assertTrue(report.size() >= 14, "too few activations compared:\n" + text);
        assertTrue(failures.isEmpty(), "failed: " + failures + "\n" + text);
    }

    /** Runs one part without gradients; an engine op that is not there yet is reported, not thrown. */
    static void section(List<String> report, List<String> failures, String name, Runnable body) {
        try (var scope = Autograd.disable()) {
            body.run();
        } catch (UnsupportedOperationException e) {
            failures.add(name);
            StackTraceElement at = e.getStackTrace()[0];
            report.add(String.format("%-40s NOT RUN: %s (%s.%s)", name, e.getMessage(), at.getClassName(), at.getMethodName()));
        }
    }

    static final String[] Albert_IGNORED = dev.kokoro.model.albert.Albert.IGNORED_BUFFERS;
}
