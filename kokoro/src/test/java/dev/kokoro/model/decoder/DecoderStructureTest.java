package dev.kokoro.model.decoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kokoro.engine.io.Fixtures;
import dev.kokoro.engine.io.Json;
import dev.kokoro.model.KokoroConfig;
import dev.kokoro.model.nn.Param;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Decoder(real config) names and shapes every parameter exactly as kokoro-v1_0.pth's `decoder` part. */
class DecoderStructureTest {

    @Test
    @SuppressWarnings("unchecked")
    void realConfigMatchesManifest() throws Exception {
        assumeTrue(Fixtures.exists("kokoro-v1_0.manifest.json") && Fixtures.exists("kokoro-v1_0.config.json"),
                "fixtures kokoro-v1_0.manifest.json / config.json absent");
        KokoroConfig cfg = KokoroConfig.load(Fixtures.file("kokoro-v1_0.config.json"));
        Map<String, Object> manifest = (Map<String, Object>) Json.parseObject(
                Files.readString(Fixtures.file("kokoro-v1_0.manifest.json"))).get("decoder");
        Map<String, String> want = new TreeMap<>();
        manifest.forEach((k, v) -> {
            List<Object> shape = (List<Object>) ((Map<String, Object>) v).get("shape");
            want.put(k.substring("module.".length()), shape.stream().map(o -> ((Number) o).intValue()).toList().toString());
        });
        Map<String, String> have = new TreeMap<>();
        Map<String, Param> params = new Decoder(cfg).namedParams();
        params.forEach((k, p) -> have.put(k, Arrays.stream(p.shape()).boxed().toList().toString()));
        assertEquals(491, want.size());
        assertEquals(want, have);
    }

    @Test
    void tinyConfigWidths() throws Exception {
        assumeTrue(Fixtures.exists("kokoro-tiny.config.json"), "fixture kokoro-tiny.config.json absent");
        KokoroConfig cfg = KokoroConfig.load(Fixtures.file("kokoro-tiny.config.json"));
        Decoder d = new Decoder(cfg);
        Map<String, Param> p = d.namedParams();
        assertEquals(List.of(48, 34, 3), Arrays.stream(p.get("encode.conv1.weight_v").shape()).boxed().toList());
        assertEquals(List.of(32, 58, 3), Arrays.stream(p.get("decode.3.conv1.weight_v").shape()).boxed().toList());
        assertEquals(List.of(8, 32, 1), Arrays.stream(p.get("asr_res.0.weight_v").shape()).boxed().toList());
        assertEquals(List.of(16, 22, 12), Arrays.stream(p.get("generator.noise_convs.0.weight").shape()).boxed().toList());
        assertEquals(300, d.generator.upsampleScale);
    }

    /** Every tensor of the tiny checkpoint's decoder part loads, none missing or left over (strict). */
    @Test
    void tinyCheckpointLoadsStrictly() throws Exception {
        assumeTrue(Fixtures.exists("kokoro-tiny.pth") && Fixtures.exists("kokoro-tiny.config.json"), "kokoro-tiny fixtures absent");
        Decoder d = DecoderTinyParityTest.load();
        assertEquals(491, d.namedParams().size());
    }
}
