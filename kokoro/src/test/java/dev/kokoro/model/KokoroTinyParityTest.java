package dev.kokoro.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kokoro.engine.DType;
import dev.kokoro.engine.GradCheck;
import dev.kokoro.engine.Tensor;
import dev.kokoro.engine.io.Fixtures;
import dev.kokoro.engine.io.Safetensors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The tiny Kokoro (random weights, real layout) against the float64 PyTorch reference of
 * KModel.forward_with_tokens: pred_dur exactly, and every activation we produce (the fixture's act.*),
 * duration_float and audio within relative L2 1e-4. Float32 and float64 runs are reported separately,
 * so a precision problem shows as float32-only, a logic problem in both.
 */
class KokoroTinyParityTest {
    static final double TOL = 1e-4;
    static KokoroConfig cfg;
    static Map<String, Tensor> ref;

    @BeforeAll
    static void setUp() throws Exception {
        for (String f : List.of("kokoro-tiny.pth", "kokoro-tiny.config.json", "kokoro-tiny.ref.safetensors"))
            assumeTrue(Fixtures.exists(f), "fixture " + f + " missing in " + Fixtures.dir());
        cfg = KokoroConfig.load(Fixtures.file("kokoro-tiny.config.json"));
        ref = Safetensors.read(Fixtures.file("kokoro-tiny.ref.safetensors"));
    }

    static KModel.Output run(DType dtype) throws Exception {
        KModel m = KModel.load(Fixtures.file("kokoro-tiny.pth"), cfg, false);
        if (dtype != DType.F32) m.to(dtype);
        m.deterministic(true);
        return m.forwardWithTokens(ref.get("input_ids"), ref.get("ref_s"), 1.0, true);
    }

    @Test
    void float32MatchesReference() throws Exception {
        check(DType.F32, run(DType.F32));
    }

    @Test
    void float64MatchesReference() throws Exception {
        check(DType.F64, run(DType.F64));
    }

    static void check(DType dtype, KModel.Output out) {
        List<String> report = new ArrayList<>(), failures = new ArrayList<>();
        long[] wantDur = ref.get("pred_dur").toLongArray(), haveDur = out.predDur().toLongArray();
        boolean durOk = Arrays.equals(wantDur, haveDur);
        report.add(String.format("%-45s %s", "pred_dur", durOk ? "equal" : "DIFFERS: " + Arrays.toString(haveDur) + " vs " + Arrays.toString(wantDur)));
        if (!durOk) failures.add("pred_dur");

        Map<String, Tensor> mine = new TreeMap<>();
        out.activations().forEach((k, v) -> mine.put("act." + k, v));
        mine.put("duration_float", out.durationFloat());
        if (durOk) mine.put("audio", out.audio());   // frame counts differ otherwise
        int compared = 0;
        for (var e : mine.entrySet()) {
            Tensor want = ref.get(e.getKey());
            if (want == null) continue;   // an activation the fixture does not hold
            Tensor have = e.getValue();
            if (!Arrays.equals(have.shape(), want.shape())) {
                report.add(String.format("%-45s SHAPE %s vs reference %s", e.getKey(), Arrays.toString(have.shape()), Arrays.toString(want.shape())));
                failures.add(e.getKey());
                continue;
            }
            double err = GradCheck.relL2(have.to(DType.F64), want);
            compared++;
            boolean ok = err <= TOL;
            report.add(String.format("%-45s rel L2 %.3e%s", e.getKey(), err, ok ? "" : "  > " + TOL));
            if (!ok) failures.add(e.getKey());
        }
        List<String> notProduced = ref.keySet().stream().filter(k -> k.startsWith("act.") && !mine.containsKey(k)).sorted().toList();
        String text = dtype + " run vs float64 reference (" + compared + " tensors compared; not produced: " + notProduced + ")\n  "
                + String.join("\n  ", report);
        System.out.println(text);
        assertTrue(mine.containsKey("act.bert") && mine.containsKey("act.predictor.text_encoder") && mine.containsKey("act.decoder"),
                "activations missing: " + mine.keySet());
        assertTrue(failures.isEmpty(), "failed: " + failures + "\n" + text);
        assertArrayEquals(wantDur, haveDur);
    }
}
