package dev.kokoro.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kokoro.engine.DType;
import dev.kokoro.engine.Tensor;
import dev.kokoro.engine.io.Fixtures;
import dev.kokoro.engine.io.Pth;
import dev.kokoro.engine.io.Safetensors;
import dev.kokoro.model.nn.Param;
import dev.kokoro.model.nn.StateDict;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KModelLoadTest {
    static KokoroConfig tiny() throws Exception {
        assumeTrue(Fixtures.exists("kokoro-tiny.config.json") && Fixtures.exists("kokoro-tiny.pth"));
        return KokoroConfig.load(Fixtures.file("kokoro-tiny.config.json"));
    }

    @Test
    void pthLoadsEveryTensorOfTheTinyCheckpoint() throws Exception {
        KModel m = KModel.load(Fixtures.file("kokoro-tiny.pth"), tiny(), false);
        Map<String, Tensor> ck = KModel.normalizeKeys(Pth.flatten(Pth.readDict(Fixtures.file("kokoro-tiny.pth"))));
        assertEquals(ck.size(), m.namedParams().size());
        for (Map.Entry<String, Param> e : m.namedParams().entrySet())
            assertArrayEquals(ck.get(e.getKey()).toFloatArray(), e.getValue().get().toFloatArray(), e.getKey());
    }

    @Test
    void flatSafetensorsWithAndWithoutModulePrefixLoadTheSameTensors(@TempDir Path dir) throws Exception {
        KokoroConfig cfg = tiny();
        KModel a = KModel.random(cfg, 7);
        Map<String, Tensor> plain = StateDict.save(a), prefixed = new LinkedHashMap<>();
        plain.forEach((k, v) -> {
            int dot = k.indexOf('.');
            prefixed.put(k.substring(0, dot) + ".module." + k.substring(dot + 1), v);
        });
        prefixed.put("bert.module.embeddings.position_ids", Tensor.zeros(DType.I64, 1, 512));   // old buffer: ignored
        for (Map<String, Tensor> sd : java.util.List.of(plain, prefixed)) {
            Path f = dir.resolve("m" + sd.size() + ".safetensors");
            Safetensors.write(f, sd, Map.of());
            KModel b = KModel.load(f, cfg, false);
            for (Map.Entry<String, Param> e : a.namedParams().entrySet())
                assertArrayEquals(e.getValue().get().toFloatArray(), b.namedParams().get(e.getKey()).get().toFloatArray(), e.getKey());
        }
    }

    @Test
    void mismatchesAreErrorsNamingKeyAndShapes() throws Exception {
        KokoroConfig cfg = tiny();
        Map<String, Tensor> sd = new LinkedHashMap<>(StateDict.save(KModel.random(cfg, 1)));
        sd.put("bert_encoder.weight", Tensor.zeros(DType.F32, 3, 4));
        sd.remove("predictor.F0_proj.bias");
        sd.put("predictor.nonsense", Tensor.zeros(DType.F32, 2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new KModel(cfg).loadStateDict(sd, "x.safetensors", false));
        String msg = e.getMessage();
        assertTrue(msg.contains("x.safetensors") && msg.contains("bert_encoder.weight") && msg.contains("[3, 4]")
                && msg.contains("[" + cfg.hiddenDim() + ", " + cfg.plbert().hiddenSize() + "]"), msg);
        assertTrue(msg.contains("predictor.F0_proj.bias") && msg.contains("predictor.nonsense"), msg);
        // allowMissing tolerates the missing key but not the others
        assertThrows(IllegalArgumentException.class, () -> new KModel(cfg).loadStateDict(sd, "x", true));
    }

    @Test
    void randomInitIsSeededAndNonTrivial() throws Exception {
        KokoroConfig cfg = tiny();
        KModel a = KModel.random(cfg, 3), b = KModel.random(cfg, 3), c = KModel.random(cfg, 4);
        float[] wa = a.bertEncoder.weight.get().toFloatArray();
        assertArrayEquals(wa, b.bertEncoder.weight.get().toFloatArray());
        assertTrue(wa[0] != c.bertEncoder.weight.get().toFloatArray()[0]);
        for (Map.Entry<String, Param> e : a.namedParams().entrySet()) {
            float[] v = e.getValue().get().toFloatArray();
            boolean finite = true, nonzero = false;
            for (float x : v) { finite &= Float.isFinite(x); nonzero |= x != 0; }
            assertTrue(finite, e.getKey());
            if (!e.getKey().endsWith("bias") && !e.getKey().endsWith("beta")) assertTrue(nonzero, e.getKey() + " is all zero");
        }
    }
}
