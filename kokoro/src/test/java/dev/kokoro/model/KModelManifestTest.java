package dev.kokoro.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kokoro.engine.io.Fixtures;
import dev.kokoro.engine.io.Json;
import dev.kokoro.model.nn.Module;
import dev.kokoro.model.nn.Param;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A (random) model built from the real config names and shapes its parameters exactly as kokoro-v1_0.pth does. */
class KModelManifestTest {
    static KokoroConfig cfg;
    static Map<String, Object> manifest;
    static KModel model;

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void setUp() throws Exception {
        assumeTrue(Fixtures.exists("kokoro-v1_0.manifest.json") && Fixtures.exists("kokoro-v1_0.config.json"),
                "fixtures kokoro-v1_0.manifest.json / config.json missing in " + Fixtures.dir());
        cfg = KokoroConfig.load(Fixtures.file("kokoro-v1_0.config.json"));
        manifest = Json.parseObject(Files.readString(Fixtures.file("kokoro-v1_0.manifest.json")));
        model = KModel.random(cfg, 42);   // the real size, randomly initialised
    }

    /** key (without "module.") → shape, for one part of the manifest. */
    @SuppressWarnings("unchecked")
    static Map<String, List<Integer>> expected(String part) {
        Map<String, List<Integer>> out = new TreeMap<>();
        ((Map<String, Object>) manifest.get(part)).forEach((k, v) -> {
            List<Integer> shape = new ArrayList<>();
            for (Object o : (List<Object>) ((Map<String, Object>) v).get("shape")) shape.add(((Number) o).intValue());
            out.put(k.startsWith("module.") ? k.substring(7) : k, shape);
        });
        return out;
    }

    static Map<String, List<Integer>> actual(Module m) {
        Map<String, List<Integer>> out = new TreeMap<>();
        for (Map.Entry<String, Param> e : m.namedParams().entrySet())
            out.put(e.getKey(), Arrays.stream(e.getValue().shape()).boxed().toList());
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"bert", "bert_encoder", "predictor", "text_encoder", "decoder"})
    void partMatchesManifest(String part) {
        Map<String, List<Integer>> want = expected(part), have = actual(model.children().get(part));
        List<String> problems = new ArrayList<>();
        want.forEach((k, s) -> {
            if (!have.containsKey(k)) problems.add("missing " + k + " " + s);
            else if (!have.get(k).equals(s)) problems.add(k + ": model " + have.get(k) + ", manifest " + s);
        });
        have.keySet().stream().filter(k -> !want.containsKey(k)).forEach(k -> problems.add("extra " + k + " " + have.get(k)));
        assertTrue(problems.isEmpty(), part + ":\n  " + String.join("\n  ", problems));
    }

    @Test
    void parameterCountIs81810022() {
        long manifestCount = 0;
        int tensors = 0;
        for (String part : KModel.PARTS)
            for (List<Integer> s : expected(part).values()) {
                manifestCount += s.stream().mapToLong(Integer::longValue).reduce(1, (a, b) -> a * b);
                tensors++;
            }
        assertEquals(81_810_022L, manifestCount);
        assertEquals(688, tensors);
        assertEquals(manifestCount, model.parameterCount());
        assertEquals(688, model.namedParams().size());
    }
}
