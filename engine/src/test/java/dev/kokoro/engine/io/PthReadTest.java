package dev.kokoro.engine.io;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kokoro.engine.DType;
import dev.kokoro.engine.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PthReadTest {
    private static final List<String> PARTS = List.of("bert", "bert_encoder", "predictor", "text_encoder", "decoder");

    @SuppressWarnings("unchecked")
    @Test
    void tinyCheckpointHasKokoroLayout() throws Exception {
        assumeTrue(Fixtures.exists("kokoro-tiny.pth") && Fixtures.exists("kokoro-tiny.config.json"));
        Map<String, Object> ckpt = Pth.readDict(Fixtures.file("kokoro-tiny.pth"));
        assertEquals(PARTS, List.copyOf(ckpt.keySet()));
        Map<String, Object> config = Json.parseObject(Files.readString(Fixtures.file("kokoro-tiny.config.json")));
        Map<String, Object> plbert = (Map<String, Object>) config.get("plbert");
        int nToken = ((Number) config.get("n_token")).intValue();
        int hidden = ((Number) config.get("hidden_dim")).intValue();
        int bertHidden = ((Number) plbert.get("hidden_size")).intValue();
        int maxPos = ((Number) plbert.get("max_position_embeddings")).intValue();

        int count = 0;
        for (String part : PARTS) {
            Map<String, Object> sub = (Map<String, Object>) ckpt.get(part);
            for (var e : sub.entrySet()) {
                assertTrue(e.getKey().startsWith("module."), part + "." + e.getKey());
                Tensor t = assertInstanceOf(Tensor.class, e.getValue(), e.getKey());
                assertEquals(DType.F32, t.dtype);
                for (float v : t.contiguous().f32()) assertTrue(Float.isFinite(v), part + "." + e.getKey());
                count++;
                if (e.getKey().endsWith(".weight_g")) {
                    String base = e.getKey().substring(0, e.getKey().length() - 1);
                    Tensor v = assertInstanceOf(Tensor.class, sub.get(base + "v"), "weight_v for " + e.getKey());
                    assertEquals(v.dim(), t.dim());
                    assertEquals(v.size(0), t.size(0), e.getKey());
                    for (int d = 1; d < t.dim(); d++) assertEquals(1, t.size(d), e.getKey());
                }
            }
        }
        // the same names (and ranks) as the real checkpoint's manifest
        Map<String, Object> manifest = Json.parseObject(Files.readString(Fixtures.file("kokoro-v1_0.manifest.json")));
        int manifestCount = 0;
        for (String part : PARTS) {
            Map<String, Object> real = (Map<String, Object>) manifest.get(part), sub = (Map<String, Object>) ckpt.get(part);
            assertEquals(real.keySet(), sub.keySet(), part);
            for (var e : real.entrySet()) {
                List<Object> shape = (List<Object>) ((Map<String, Object>) e.getValue()).get("shape");
                assertEquals(shape.size(), ((Tensor) sub.get(e.getKey())).dim(), part + "." + e.getKey());
            }
            manifestCount += real.size();
        }
        assertEquals(manifestCount, count);

        Map<String, Tensor> flat = Pth.flatten(ckpt);
        assertEquals(count, flat.size());
        assertArrayEquals(new int[] {nToken, 128}, flat.get("bert.module.embeddings.word_embeddings.weight").shape());
        assertArrayEquals(new int[] {maxPos, 128}, flat.get("bert.module.embeddings.position_embeddings.weight").shape());
        assertArrayEquals(new int[] {nToken, hidden}, flat.get("text_encoder.module.embedding.weight").shape());
        assertArrayEquals(new int[] {hidden, bertHidden}, flat.get("bert_encoder.module.weight").shape());
    }

    @Test
    void voicePackEqualsRawFloats() throws Exception {
        assumeTrue(Fixtures.exists("af_heart.pt") && Fixtures.exists("af_heart.bin"));
        Tensor pack = Pth.readTensor(Fixtures.file("af_heart.pt"));
        assertArrayEquals(new int[] {510, 1, 256}, pack.shape());
        float[] raw = rawFloats("af_heart.bin");
        assertEquals(510 * 256, raw.length);
        assertArrayEquals(raw, pack.contiguous().f32());
    }

    @Test
    void referenceStyleIsVoicePackRow13() throws Exception {
        assumeTrue(Fixtures.exists("af_heart.bin") && Fixtures.exists("kokoro-tiny.ref.safetensors"));
        Tensor refS = Safetensors.read(Fixtures.file("kokoro-tiny.ref.safetensors")).get("ref_s");
        assertArrayEquals(new int[] {1, 256}, refS.shape());
        float[] raw = rawFloats("af_heart.bin");
        double[] r = refS.toDoubleArray();
        for (int j = 0; j < 256; j++) assertEquals(raw[13 * 256 + j], r[j], 0.0, "ref_s[" + j + "]");
        // and not some other row
        assertNotEquals(raw[12 * 256], r[0]);
    }

    private static float[] rawFloats(String name) throws Exception {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(Fixtures.file(name))).order(ByteOrder.LITTLE_ENDIAN);
        float[] f = new float[b.remaining() / 4];
        b.asFloatBuffer().get(f);
        return f;
    }
}
